"""A small 2-D kinematic skeleton that turns key poses into 33-landmark PoseFrames.

Tests describe an exercise as key poses (body-part positions in pixels, the near side of
a person filmed side-on) and times; this module interpolates between them, adds the far
side, noise, visibility dips and dropped frames, and returns the frames the checker eats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from posecheck.pose.landmarks import NUM_LANDMARKS, Landmark, Pose, PoseFrame

W, H = 1280, 720
FLOOR = 640.0
THIGH, SHIN, TORSO, UPPER_ARM, FOREARM, FOOT = 110.0, 105.0, 150.0, 75.0, 70.0, 45.0

Key = dict[str, tuple[float, float]]  # part -> (x, y) pixels; "x_far" style keys not needed


def polar(origin: tuple[float, float], length: float, deg: float) -> tuple[float, float]:
    """A point `length` from `origin` at `deg` degrees (0 = image right, 90 = up)."""
    r = math.radians(deg)
    return origin[0] + length * math.cos(r), origin[1] - length * math.sin(r)


def chain(
    hip: tuple[float, float],
    trunk: float,
    thigh: float,
    shin: float,
    upper_arm: float,
    forearm: float,
    foot: float = 0.0,
    *,
    back_thigh: float | None = None,
    back_shin: float | None = None,
    back_foot: float | None = None,
) -> Key:
    """Key pose from absolute segment angles (degrees, 0 = right, 90 = up).

    The near leg uses thigh/shin/foot; the far leg uses the back_* angles when given
    (a lunge), else the same as the near leg.
    """
    shoulder = polar(hip, TORSO, trunk)
    knee = polar(hip, THIGH, thigh)
    ankle = polar(knee, SHIN, shin)
    elbow = polar(shoulder, UPPER_ARM, upper_arm)
    wrist = polar(elbow, FOREARM, forearm)
    head = polar(shoulder, 45, trunk)
    key: Key = {
        "shoulder": shoulder,
        "elbow": elbow,
        "wrist": wrist,
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": polar(ankle, 15, foot + 180),
        "foot_index": polar(ankle, FOOT, foot),
        "head": head,
    }
    bt = thigh if back_thigh is None else back_thigh
    bs = shin if back_shin is None else back_shin
    bf = foot if back_foot is None else back_foot
    bk = polar(hip, THIGH, bt)
    ba = polar(bk, SHIN, bs)
    key |= {
        "far_knee": bk,
        "far_ankle": ba,
        "far_heel": polar(ba, 15, bf + 180),
        "far_foot_index": polar(ba, FOOT, bf),
    }
    return key


def on_floor(key: Key, floor: float = FLOOR) -> Key:
    """Shift a key pose vertically so its lowest point touches the floor."""
    low = max(y for _, y in key.values())
    return {k: (x, y + floor - low) for k, (x, y) in key.items()}


def lerp(a: Key, b: Key, s: float) -> Key:
    return {k: (a[k][0] + (b[k][0] - a[k][0]) * s, a[k][1] + (b[k][1] - a[k][1]) * s) for k in a}


def timeline(keys: Sequence[tuple[float, Key]], fps: float = 30.0) -> list[tuple[float, Key]]:
    """Sample a piecewise-linear motion through (time, key pose) points at `fps`."""
    out = []
    t_end = keys[-1][0]
    n = round(t_end * fps) + 1
    j = 0
    for i in range(n):
        t = i / fps
        while j < len(keys) - 2 and t > keys[j + 1][0]:
            j += 1
        (t0, k0), (t1, k1) = keys[j], keys[j + 1]
        s = 0.0 if t1 == t0 else min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        # Smooth-step so velocities are zero at key poses, like a real movement.
        out.append((t, lerp(k0, k1, s * s * (3 - 2 * s))))
    return out


_SIDED = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
_HAND = {"pinky": "wrist", "index": "wrist", "thumb": "wrist"}


def to_pose(
    key: Key,
    facing: str = "right",
    far_vis: float = 0.9,
    near_vis: float = 0.99,
    far_dx: float = 4.0,
) -> tuple[np.ndarray, np.ndarray]:
    """33 landmarks (pixels) and visibility for a key pose; `facing` = side nearer the camera."""
    near, far = facing, ("left" if facing == "right" else "right")
    pts = np.zeros((NUM_LANDMARKS, 2))
    vis = np.zeros(NUM_LANDMARKS)
    for part in _SIDED:
        pts[Landmark[f"{near}_{part}".upper()]] = key[part]
        vis[Landmark[f"{near}_{part}".upper()]] = near_vis
        src = key.get(f"far_{part}", key[part])
        pts[Landmark[f"{far}_{part}".upper()]] = (src[0] + far_dx, src[1] - 2)
        vis[Landmark[f"{far}_{part}".upper()]] = far_vis
    for part, base in _HAND.items():
        for side, v in ((near, near_vis), (far, far_vis)):
            pts[Landmark[f"{side}_{part}".upper()]] = pts[Landmark[f"{side}_{base}".upper()]] + 5
            vis[Landmark[f"{side}_{part}".upper()]] = v
    hx, hy = key["head"]
    shoulder = key["shoulder"]
    # The face points the way the person faces: along the trunk's perpendicular, forwards.
    fwd = 1.0 if key["foot_index"][0] >= key["heel"][0] else -1.0
    face = {
        "nose": (hx + 18 * fwd, hy + 2),
        "ear": (hx - 6 * fwd, hy),
        "eye": (hx + 10 * fwd, hy - 4),
        "eye_inner": (hx + 12 * fwd, hy - 4),
        "eye_outer": (hx + 6 * fwd, hy - 4),
        "mouth": (hx + 14 * fwd, hy + 8),
    }
    del shoulder
    pts[Landmark.NOSE] = face["nose"]
    vis[Landmark.NOSE] = near_vis
    for part in ("ear", "eye", "eye_inner", "eye_outer"):
        for side, v in ((near, near_vis), (far, far_vis)):
            pts[Landmark[f"{side}_{part}".upper()]] = face[part]
            vis[Landmark[f"{side}_{part}".upper()]] = v
    for side in ("left", "right"):
        pts[Landmark[f"MOUTH_{side.upper()}"]] = face["mouth"]
        vis[Landmark[f"MOUTH_{side.upper()}"]] = near_vis
    return pts, vis


def frames(
    motion: Iterable[tuple[float, Key]],
    *,
    facing: str = "right",
    noise_px: float = 1.5,
    drop_every: int = 0,
    seed: int = 0,
    far_vis: float = 0.9,
    hide: dict[str, tuple[float, float]] | None = None,
    t0: float = 0.0,
    w: int = W,
    h: int = H,
    far_dx: float = 4.0,
    pose_of: Callable[[Any], tuple[np.ndarray, ...]] | None = None,
) -> list[PoseFrame]:
    """PoseFrames for a motion, with Gaussian pixel noise and every `drop_every`-th frame lost.

    `hide` maps a landmark name prefix (e.g. "left_ankle") to a (t_from, t_to) span with
    visibility 0.05, as when a body part leaves the picture. `pose_of` turns a key pose
    into (pixels, visibility[, depth]) for other skeletons (front view, face placement).
    """
    rng = np.random.default_rng(seed)
    out = []
    for i, (t, key) in enumerate(motion):
        if drop_every and i % drop_every == drop_every - 1:
            continue
        if pose_of is None:
            pts, vis, z = *to_pose(key, facing, far_vis=far_vis, far_dx=far_dx), None
        else:
            pts, vis, *rest = pose_of(key)
            z = rest[0] if rest else None
        pts = pts + rng.normal(0, noise_px, pts.shape)
        if hide:
            for name, (a, b) in hide.items():
                if a <= t <= b:
                    for lm in Landmark:
                        if lm.name.lower().startswith(name):
                            vis[lm] = 0.05
        image = np.zeros((NUM_LANDMARKS, 3), dtype=np.float32)
        image[:, 0] = pts[:, 0] / w
        image[:, 1] = pts[:, 1] / h
        if z is not None:
            image[:, 2] = z
        out.append(PoseFrame(index=i, t=t + t0, width=w, height=h, pose=Pose(image, vis)))
    return out


def empty(t_from: float, t_to: float, fps: float = 30.0, start_index: int = 0) -> list[PoseFrame]:
    """Frames with nobody in them."""
    n = round((t_to - t_from) * fps)
    return [PoseFrame(start_index + i, t_from + i / fps, W, H, None) for i in range(n)]


# ---- key poses of the proving exercises (facing image-right) ---------------------------------
def standing() -> Key:
    return on_floor(chain((640, 400), 90, -90, -90, -90, -90, 0))


def lunge_bottom(
    front_knee: float = 90.0, trunk: float = 90.0, back_gap: float = 0.05, shin: float = -100.0
) -> Key:
    """Bottom of a lunge: `front_knee` is the front knee angle, `trunk` the trunk angle from
    the horizontal (90 upright; < 90 leaning forward, > 90 arched back), `back_gap` the back
    knee's height above the floor in shin lengths (0.05 = almost touching), `shin` the front
    shin's angle (-90 vertical; -100 knee a little ahead of the ankle, -75 knee behind it)."""
    hip = (640.0, 400.0)
    thigh = (shin + 90) - (front_knee - 90)  # keeps the knee angle whatever the shin does
    knee = polar(hip, THIGH, thigh)
    floor = polar(knee, SHIN, shin)[1]
    drop = floor - back_gap * SHIN - hip[1]
    back_thigh = -180 + math.degrees(math.asin(max(-1.0, min(1.0, drop / THIGH))))
    key = chain(
        hip, trunk, thigh, shin, -90, -90, 0, back_thigh=back_thigh, back_shin=165, back_foot=-100
    )
    return {k: (x, min(y, floor)) for k, (x, y) in key.items()}


def plank(hip_offset: float = 0.0, elbow_under: bool = True) -> Key:
    """Forearm plank; `hip_offset` is the hip's height above the shoulder-ankle line
    as a fraction of that line (+ piked, - sagging)."""
    shoulder = (800.0, FLOOR - UPPER_ARM)
    ankle = (800.0 - 2 * THIGH - TORSO, FLOOR - 10)
    length = math.dist(shoulder, ankle)
    frac = TORSO / (TORSO + THIGH + SHIN)
    base = (
        shoulder[0] + (ankle[0] - shoulder[0]) * frac,
        shoulder[1] + (ankle[1] - shoulder[1]) * frac,
    )
    hip = (base[0], base[1] - hip_offset * length)
    knee_base = (hip[0] + (ankle[0] - hip[0]) * 0.5, hip[1] + (ankle[1] - hip[1]) * 0.5)
    elbow = (shoulder[0], FLOOR) if elbow_under else (shoulder[0] + 45, FLOOR - 15)
    return {
        "shoulder": shoulder,
        "elbow": elbow,
        "wrist": (elbow[0] + FOREARM, FLOOR - 5),
        "hip": hip,
        "knee": knee_base,
        "ankle": ankle,
        "heel": (ankle[0] - 12, ankle[1] - 8),
        "foot_index": (ankle[0] + 10, FLOOR),
        "head": (shoulder[0] + 45, shoulder[1] - 5),
        "far_knee": knee_base,
        "far_ankle": ankle,
        "far_heel": (ankle[0] - 12, ankle[1] - 8),
        "far_foot_index": (ankle[0] + 10, FLOOR),
    }


def kneeling() -> Key:
    """On the knees, upright: what people do before getting into a plank."""
    return on_floor(chain((640, 400), 90, -90, 180, -90, -90, 180))


def bridge(hip_angle: float) -> Key:
    """Supine bridge, head at image-left; `hip_angle` = shoulder-hip-knee angle
    (~130 resting on the floor, 180 = straight line at the top)."""
    shoulder = (420.0, FLOOR - 12)
    knee_x, knee_y = 420.0 + TORSO + 95, FLOOR - 105
    # Place the hip on the circle around the knee so the shoulder-hip-knee angle is as asked.
    best = None
    # One branch only: from the hip on the floor up to the shoulder-knee line, where the
    # angle grows monotonically (past the line it would shrink again).
    straight = math.degrees(math.atan2(-(shoulder[1] - knee_y), shoulder[0] - knee_x)) % 360
    for a in np.linspace(straight, 270, 1201):
        hip = polar((knee_x, knee_y), THIGH, float(a))
        v1 = np.subtract(shoulder, hip)
        v2 = np.subtract((knee_x, knee_y), hip)
        cos = np.dot(v1, v2) / np.linalg.norm(v1) / np.linalg.norm(v2)
        ang = math.degrees(math.acos(max(-1.0, min(1.0, float(cos)))))
        if hip[1] <= FLOOR - 12 and (best is None or abs(ang - hip_angle) < best[0]):
            best = (abs(ang - hip_angle), hip)
    assert best is not None
    hip = best[1]
    ankle = (knee_x + 35, FLOOR - 8)
    return {
        "shoulder": shoulder,
        "elbow": (shoulder[0] + 70, FLOOR - 6),
        "wrist": (shoulder[0] + 140, FLOOR - 4),
        "hip": hip,
        "knee": (knee_x, knee_y),
        "ankle": ankle,
        "heel": (ankle[0] - 10, FLOOR - 2),
        "foot_index": (ankle[0] + 40, FLOOR),
        "head": (shoulder[0] - 45, shoulder[1] - 8),
        "far_knee": (knee_x, knee_y),
        "far_ankle": ankle,
        "far_heel": (ankle[0] - 10, FLOOR - 2),
        "far_foot_index": (ankle[0] + 40, FLOOR),
    }


def straight_leg_bridge(
    hip_angle: float, free_side: str = "far", droop: float = 0.0, free_knee: float = 180.0
) -> Key:
    """Bridge on one leg, the article's way: the free leg held out from the hip along the
    shoulder-hip line, `droop` degrees below it (0 = heel, hip and shoulders in line), its
    knee at `free_knee` degrees (180 = straight)."""
    key = bridge(hip_angle)
    hip, shoulder = key["hip"], key["shoulder"]
    line = math.degrees(math.atan2(-(hip[1] - shoulder[1]), hip[0] - shoulder[0]))
    thigh = line - droop
    knee = polar(hip, THIGH, thigh)
    ankle = polar(knee, SHIN, thigh - (180.0 - free_knee))
    ankle = (ankle[0], min(ankle[1], FLOOR - 8))  # a leg lying on the floor stays on it
    prefix = "far_" if free_side == "far" else ""
    key[f"{prefix}knee"] = knee
    key[f"{prefix}ankle"] = ankle
    key[f"{prefix}heel"] = polar(ankle, 12, thigh + 180)
    key[f"{prefix}foot_index"] = polar(ankle, FOOT, thigh + 90)
    return key


def param_timeline(
    pose_of, keys: Sequence[tuple[float, float]], step: float = 0.05
) -> list[tuple[float, Key]]:
    """Key poses every `step` s from a one-parameter pose function, with the parameter
    interpolated between (time, value) keys: keeps joint angles exact where point
    interpolation would not."""
    out = []
    t_end = keys[-1][0]
    j = 0
    for i in range(round(t_end / step) + 1):
        t = i * step
        while j < len(keys) - 2 and t > keys[j + 1][0]:
            j += 1
        (t0, v0), (t1, v1) = keys[j], keys[j + 1]
        s = 0.0 if t1 == t0 else min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        out.append((t, pose_of(v0 + (v1 - v0) * s * s * (3 - 2 * s))))
    return out


def single_leg_bridge(hip_angle: float, free_raise: float, free_side: str = "far") -> Key:
    """Bridge on one leg: the free leg's knee drawn up by `free_raise` (0 = both feet on
    the floor, 1 = thigh vertical above the hip); `free_side` is the near or far leg."""
    key = bridge(hip_angle)
    hip, knee = key["hip"], key["knee"]
    rest_deg = math.degrees(math.atan2(-(knee[1] - hip[1]), knee[0] - hip[0]))
    thigh = rest_deg + (90 - rest_deg) * free_raise
    free_knee = polar(hip, THIGH, thigh)
    free_ankle = polar(free_knee, SHIN, thigh - 90 * (1 - free_raise) - 60 * free_raise)
    prefix = "far_" if free_side == "far" else ""
    key[f"{prefix}knee"] = free_knee
    key[f"{prefix}ankle"] = free_ankle
    key[f"{prefix}heel"] = polar(free_ankle, 12, thigh + 120)
    key[f"{prefix}foot_index"] = polar(free_ankle, FOOT, thigh - 60)
    return key
