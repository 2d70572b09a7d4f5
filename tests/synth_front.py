"""A small 3-D kinematic skeleton for exercises filmed from the FRONT.

tests/synth.py draws a person side-on in the picture plane; exercises judged from the
front (a sideways lean, a hand reaching across to the other ankle, one foot up on a step)
need both sides of the body placed explicitly. Here a key pose names every landmark
("left_shoulder", "right_wrist", "nose", ...) in body coordinates: x towards the
person's LEFT, y up, z forwards (pixel-sized units, floor at y = 0). A camera facing the
person (yaw 0) shows their left at image RIGHT, as an unmirrored camera does; `yaw` turns
the person away from the camera (90: side-on, left side nearest) and `pitch` raises the
camera to look down (nearer points appear lower), so the same motion can be filmed from
the front, a diagonal or side-on. `mirror` gives what MediaPipe reports on a mirrored
selfie picture: the mirror-image person, whose labelled "left" is still at image right.
Frames come out as from synth.frames: pixel noise, dropped frames, hidden landmarks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import synth
from synth import FOOT, FOREARM, SHIN, THIGH, TORSO, UPPER_ARM, W

from posecheck.pose.landmarks import NUM_LANDMARKS, Landmark, PoseFrame

Vec = tuple[float, float, float]
Key3 = dict[str, Vec]  # landmark name ("left_knee", "nose") -> (x left, y up, z forward)

SHOULDER_W, HIP_W, NECK = 110.0, 70.0, 45.0  # MediaPipe's shoulder and hip points, facing
FLOOR = 640.0  # image row of the floor at pitch 0
SIDE_SIGN = {"left": 1.0, "right": -1.0}
UP: Vec = (0.0, 1.0, 0.0)
DOWN: Vec = (0.0, -1.0, 0.0)
FWD: Vec = (0.0, 0.0, 1.0)


# ---- vector helpers ---------------------------------------------------------------------------
def add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    return (a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2])


def unit(x: float = 0.0, y: float = 0.0, z: float = 0.0) -> Vec:
    n = math.sqrt(x * x + y * y + z * z)
    return (x / n, y / n, z / n)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def rot(v: Vec, axis: Vec, deg: float) -> Vec:
    """Rotate `v` about `axis` by `deg` (right-hand rule, Rodrigues)."""
    k = unit(*axis)
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    kv, kd = cross(k, v), dot(k, v)
    return tuple(v[i] * c + kv[i] * s + k[i] * kd * (1 - c) for i in range(3))  # type: ignore[return-value]


def lean_dir(v: Vec, deg: float) -> Vec:
    """`v` tipped sideways in the frontal plane, + towards the person's left."""
    return rot(v, FWD, -deg)


def toward(a: Vec, b: Vec) -> Vec:
    return unit(b[0] - a[0], b[1] - a[1], b[2] - a[2])


def knee_ik(hip: Vec, ankle: Vec, bend: Vec = FWD) -> Vec:
    """The knee of a thigh/shin chain from `hip` to `ankle`, bowing towards `bend`."""
    d = math.dist(hip, ankle)
    d = min(d, THIGH + SHIN - 1e-6)
    a = (THIGH**2 - SHIN**2 + d * d) / (2 * d)
    h = math.sqrt(max(0.0, THIGH**2 - a * a))
    axis = toward(hip, ankle)
    perp = add(bend, axis, -dot(bend, axis))
    n = math.sqrt(dot(perp, perp)) or 1.0
    return add(add(hip, axis, a), perp, h / n)


# ---- the skeleton -----------------------------------------------------------------------------
Limb = tuple[Vec, Vec]  # (upper segment direction, lower segment direction)


def body(
    hip: Vec,
    trunk: Vec,
    legs: dict[str, Limb],
    arms: dict[str, Limb],
    twist: float = 0.0,
    feet: Vec = FWD,
) -> Key3:
    """Every landmark from segment directions. `hip` is the mid-hip point, `trunk` the
    direction hip -> shoulders, `twist` turns the chest to the person's left (degrees);
    `legs`/`arms` map "left"/"right" to (thigh, shin) / (upper arm, forearm) directions."""
    t = unit(*trunk)
    lat = rot((1.0, 0.0, 0.0), UP, twist)
    lat = unit(*add(lat, t, -dot(lat, t)))  # the shoulder line stays square to the trunk
    fwd = cross(lat, t)
    mid_sh = add(hip, t, TORSO)
    head = add(mid_sh, t, NECK)
    key: Key3 = {"nose": add(add(head, fwd, 18), t, -2)}
    for side, sg in SIDE_SIGN.items():
        hip_s = (hip[0] + sg * HIP_W / 2, hip[1], hip[2])
        knee = add(hip_s, legs[side][0], THIGH)
        ankle = add(knee, legs[side][1], SHIN)
        shoulder = add(mid_sh, lat, sg * SHOULDER_W / 2)
        elbow = add(shoulder, arms[side][0], UPPER_ARM)
        wrist = add(elbow, arms[side][1], FOREARM)
        eye = add(add(head, fwd, 12), t, 6)
        key |= {
            f"{side}_hip": hip_s,
            f"{side}_knee": knee,
            f"{side}_ankle": ankle,
            f"{side}_heel": add(add(ankle, feet, -15), DOWN, 8),
            f"{side}_foot_index": add(add(ankle, feet, FOOT), DOWN, 10),
            f"{side}_shoulder": shoulder,
            f"{side}_elbow": elbow,
            f"{side}_wrist": wrist,
            f"{side}_index": add(wrist, arms[side][1], 10),
            f"{side}_pinky": add(add(wrist, arms[side][1], 8), lat, sg * 4),
            f"{side}_thumb": add(add(wrist, arms[side][1], 6), lat, -sg * 4),
            f"{side}_ear": add(head, lat, sg * 16),
            f"{side}_eye": add(eye, lat, sg * 8),
            f"{side}_eye_inner": add(eye, lat, sg * 4),
            f"{side}_eye_outer": add(eye, lat, sg * 12),
            f"mouth_{side}": add(add(add(head, fwd, 14), t, -10), lat, sg * 6),
        }
    return key


def on_floor(key: Key3) -> Key3:
    """Shift a pose up or down so its lowest landmark touches the floor (y = 0)."""
    low = min(p[1] for p in key.values())
    return {k: (x, y - low, z) for k, (x, y, z) in key.items()}


def shift(key: Key3, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0) -> Key3:
    return {k: (x + dx, y + dy, z + dz) for k, (x, y, z) in key.items()}


def mirror(key: Key3) -> Key3:
    """The pose as MediaPipe labels a mirrored selfie picture: the image is flipped, so the
    person's real left hand appears at image left and is labelled "right"."""

    def swap(name: str) -> str:
        if "left" in name:
            return name.replace("left", "right")
        return name.replace("right", "left")

    return {swap(k): (-x, y, z) for k, (x, y, z) in key.items()}


def mix(a: Vec, b: Vec, s: float) -> Vec:
    """The point a fraction `s` of the way from `a` to `b`."""
    return add(a, (b[0] - a[0], b[1] - a[1], b[2] - a[2]), s)


def params(
    pose_of: Callable[..., Key3],
    keys: Sequence[tuple[float, float | tuple[float, ...]]],
    fps: float = 30.0,
) -> list[tuple[float, Key3]]:
    """A motion from a pose function of one or more numbers, each smooth-stepped between
    (time, value(s)) keys: joint angles stay exact where point interpolation would bend."""

    def vals(v: float | tuple[float, ...]) -> tuple[float, ...]:
        return v if isinstance(v, tuple) else (v,)

    out = []
    j = 0
    for i in range(round(keys[-1][0] * fps) + 1):
        t = i / fps
        while j < len(keys) - 2 and t > keys[j + 1][0]:
            j += 1
        (t0, v0), (t1, v1) = keys[j], keys[j + 1]
        s = 0.0 if t1 == t0 else min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        w = s * s * (3 - 2 * s)
        out.append(
            (t, pose_of(*(a + (b - a) * w for a, b in zip(vals(v0), vals(v1), strict=True))))
        )
    return out


# ---- the camera -------------------------------------------------------------------------------
def to_pose_front(
    key: Key3,
    yaw: float = 0.0,
    pitch: float = 0.0,
    near_vis: float = 0.99,
    far_vis: float = 0.9,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """33 landmarks in pixels, their visibility and MediaPipe-style depth (smaller = nearer).

    Orthographic camera at hip height in front of the person, turned by `yaw` about the
    vertical and tipped down by `pitch`. Landmarks well behind the body's centre (the far
    side when side-on) get `far_vis`, as MediaPipe is less sure of them."""
    cy, sy = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    cp, sp = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
    pts = np.zeros((NUM_LANDMARKS, 2))
    vis = np.zeros(NUM_LANDMARKS)
    depth = np.zeros(NUM_LANDMARKS)
    for lm in Landmark:
        x, y, z = key[lm.name.lower()]
        d = x * sy + z * cy  # towards the camera
        pts[lm] = (W / 2 + x * cy - z * sy, FLOOR - (y * cp - d * sp))
        depth[lm] = d
    centre = (depth[Landmark.LEFT_HIP] + depth[Landmark.RIGHT_HIP]) / 2
    vis[:] = np.where(depth < centre - 20, far_vis, near_vis)
    return pts, vis, -depth / W


def frames_front(
    motion: Iterable[tuple[float, Key3]],
    *,
    yaw: float = 0.0,
    pitch: float = 0.0,
    far_vis: float = 0.9,
    **kw: Any,
) -> list[PoseFrame]:
    """PoseFrames for a motion, as synth.frames makes them (noise, drops, hidden parts)."""
    return synth.frames(
        motion, pose_of=lambda key: to_pose_front(key, yaw, pitch, far_vis=far_vis), **kw
    )


# ---- poses ------------------------------------------------------------------------------------
HANG: Limb = (DOWN, DOWN)
ARMS_DOWN = {"left": HANG, "right": HANG}


def straight(d: Vec) -> Limb:
    return (d, d)


def standing(feet: float = HIP_W) -> Key3:
    """Standing upright facing the camera, ankles `feet` apart, arms down."""
    legs = {
        s: straight(unit(sg * (feet - HIP_W) / 2, -(THIGH + SHIN), 0.0))
        for s, sg in SIDE_SIGN.items()
    }
    return on_floor(body((0.0, 300.0, 0.0), UP, legs, ARMS_DOWN))


def walking(phase: float, speed: float = 0.0, feet: float = HIP_W) -> Key3:
    """Walking in place (or along z at `speed` px per phase unit), ankles about `feet`
    apart: one cycle per unit of `phase`; the swinging foot lifts, the knee bends forward."""
    legs = {}
    for side, off in (("left", 0.0), ("right", 0.5)):
        lat = SIDE_SIGN[side] * (feet - HIP_W) / 2 / (THIGH + SHIN)
        p = (phase + off) % 1.0
        swing = math.sin(math.pi * p / 0.4) if p < 0.4 else 0.0  # swing 40% of the cycle
        stride = math.cos(2 * math.pi * p) * 20
        thigh = unit(lat, -1.0, math.tan(math.radians(stride + 30 * swing)))
        shin = unit(lat, -1.0, math.tan(math.radians(stride - 50 * swing)))
        legs[side] = (thigh, shin)
    arms = {
        s: straight(unit(0, -1, 0.2 * math.sin(2 * math.pi * (phase + o))))
        for s, o in (("left", 0.5), ("right", 0.0))
    }
    return shift(on_floor(body((0.0, 300.0, 0.0), UP, legs, arms)), dz=speed * phase)


def jumping_jack(p: float) -> Key3:
    """0 = feet together arms down, 1 = feet wide arms overhead; mid-way in the air."""
    legs = {
        s: straight(unit(sg * math.sin(math.radians(18 * p)), -1, 0)) for s, sg in SIDE_SIGN.items()
    }
    arms = {
        s: straight(unit(sg * math.sin(math.radians(170 * p)), -math.cos(math.radians(170 * p)), 0))
        for s, sg in SIDE_SIGN.items()
    }
    hop = 40 * math.sin(math.pi * p) if 0 < p < 1 else 0.0
    return shift(on_floor(body((0.0, 300.0, 0.0), UP, legs, arms)), dy=hop)


def _aim(key: Key3, targets: dict[str, Vec | None]) -> dict[str, Limb]:
    """Straight arms from this pose's shoulders towards `targets` (None: hanging)."""
    return {
        s: straight(toward(key[f"{s}_shoulder"], tgt)) if tgt is not None else HANG
        for s, tgt in targets.items()
    }


def straddle(
    reach: float = 0.0, knee: float = 180.0, half_angle: float = 45.0, fold: float = 0.0
) -> Key3:
    """Seated straddle, legs `half_angle` either side of straight ahead with knees at
    `knee` degrees (a bent knee rises off the floor). `reach` -1..1 folds the trunk 60 deg
    over the left (+) or right (-) leg, both hands going to that foot; `fold` 0..1 folds
    straight forward between the legs instead (chest towards the floor)."""
    b = math.radians(half_angle)
    rise = math.radians((180 - knee) / 2)
    legs: dict[str, Limb] = {}
    for s, sg in SIDE_SIGN.items():
        d = (sg * math.sin(b), 0.0, math.cos(b))
        up, down = add(d, UP, math.tan(rise)), add(d, UP, -math.tan(rise))
        legs[s] = (unit(*up), unit(*down))
    side = "left" if reach >= 0 else "right"
    leg = (SIDE_SIGN[side] * math.sin(b), 0.0, math.cos(b))
    phi = math.radians(60 * abs(reach))
    trunk = add(add(UP, UP, math.cos(phi) - 1), leg, math.sin(phi))
    if fold:
        phi = math.radians(85 * fold)
        trunk = add(add(UP, UP, math.cos(phi) - 1), FWD, math.sin(phi))
    twist = SIDE_SIGN[side] * 25 * abs(reach)
    hip = (0.0, 25.0, 0.0)
    key = body(hip, trunk, legs, ARMS_DOWN, twist)
    foot = key[f"{side}_foot_index"]
    targets: dict[str, Vec | None] = {s: mix(key[f"{s}_knee"], foot, abs(reach)) for s in SIDE_SIGN}
    return body(hip, trunk, legs, _aim(key, targets), twist)


def side_stretch(lean: float = 0.0, arms_up: float = 1.0, seated: bool = False) -> Key3:
    """Stretching up and to the side, standing or sitting on a chair: trunk `lean` degrees
    towards the left (+) or right (-), arms raised sideways by `arms_up` (0 hanging, 1
    overhead) and carried further along the lean."""
    e = math.radians(170 * arms_up)
    arms = {
        s: straight(lean_dir((sg * math.sin(e), -math.cos(e), 0.0), 1.3 * lean * arms_up))
        for s, sg in SIDE_SIGN.items()
    }
    legs = {s: (FWD, DOWN) if seated else straight(DOWN) for s in SIDE_SIGN}
    return on_floor(body((0.0, 300.0, 0.0), lean_dir(UP, lean), legs, arms))


def cross_touch(reach: float = 0.0, knee: float = 180.0, hands: str = "cross") -> Key3:
    """Standing with ankles shoulder-width apart, folding forward: `reach` -1..1 takes the
    RIGHT hand to the LEFT ankle (+) or the left hand to the right ankle (-); |reach| = 1
    is the hand at the ankle. `hands` = "both" takes both hands to between the feet (a
    plain toe touch), "same" the hand to its own ankle; the free hand rolls up and back.
    `knee` is the knee angle at the full reach (bent knees go forward, the hips drop)."""
    ank = 12.0
    knee = 180 - (180 - knee) * abs(reach)
    d = math.sqrt(THIGH**2 + SHIN**2 - 2 * THIGH * SHIN * math.cos(math.radians(knee)))
    phi = math.radians(135 * abs(reach))
    back = -60 * math.sin(phi)  # the hips move back over the heels as the trunk folds
    dx = (SHOULDER_W - HIP_W) / 2
    hip = (0.0, ank + math.sqrt(d * d - dx * dx - back * back), back)
    legs: dict[str, Limb] = {}
    for s, sg in SIDE_SIGN.items():
        hip_s = (sg * HIP_W / 2, hip[1], back)
        ankle = (sg * SHOULDER_W / 2, ank, 0.0)
        kn = knee_ik(hip_s, ankle, FWD)
        legs[s] = (toward(hip_s, kn), toward(kn, ankle))
    leg = "left" if reach >= 0 else "right"
    other = "right" if leg == "left" else "left"
    trunk = add((SIDE_SIGN[leg] * 0.3 * math.sin(phi), math.cos(phi), 0.0), FWD, math.sin(phi))
    twist = SIDE_SIGN[leg] * 35 * abs(reach)
    key = body(hip, trunk, legs, ARMS_DOWN, twist)

    def at(p: Vec) -> Vec:  # a hand's aim point: towards p as far as the reach has gone
        s = key["left_hip"]
        return mix((s[0], s[1] - 60, 30.0), add(p, UP, 10), abs(reach))

    def free(side: str) -> Vec:  # the other hand rolls up and back as the fold deepens
        sh = key[f"{side}_shoulder"]
        return mix(add(sh, DOWN, 100), add(sh, trunk, -100), abs(reach))

    mid = mix(key["left_ankle"], key["right_ankle"], 0.5)
    targets: dict[str, Vec | None] = {leg: free(leg), other: at(key[f"{leg}_ankle"])}
    if hands == "both":
        targets = {leg: at(mid), other: at(mid)}
    elif hands == "same":
        targets = {leg: at(key[f"{leg}_ankle"]), other: free(other)}
    return body(hip, trunk, legs, _aim(key, targets), twist)


STEP_H = 40.0  # step platform height: ~16 cm for a 42 cm shin


def step_over(pos: float, feet: float = 1.3 * SHOULDER_W, step_h: float = STEP_H) -> Key3:
    """Astride a step on the person's right. `pos` 0: right foot on the step, left foot on
    the floor; 1: jumped to the right, left foot on the step, right foot on the floor;
    in between: in the air (the left foot rises onto the step as the right comes down);
    -1: both feet on the floor beside the step, -1..0 stepping the right foot up onto it.
    Ankles `feet` apart, knees slightly bent ("sit down slightly"), elbows bent."""
    u = min(1.0, max(0.0, pos))
    ank, hop = 12.0, 4 * 30.0 * u * (1 - u)
    ankles = {
        "left": (feet * (1 - u), ank + step_h * u + hop, 0.0),
        "right": (-feet * u, ank + step_h * (1 - u) + hop, 0.0),
    }
    if pos < 0:  # -1..0: both feet on the floor, the right foot stepping up onto the step
        v = pos + 1
        ankles["right"] = (0.0, ank + step_h * v + 4 * 20 * v * (1 - v), 0.0)
    mid_x = (ankles["left"][0] + ankles["right"][0]) / 2
    reach = 0.96 * (THIGH + SHIN)
    hip_y = min(
        a[1] + math.sqrt(reach**2 - (mid_x + SIDE_SIGN[s] * HIP_W / 2 - a[0]) ** 2)
        for s, a in ankles.items()
    )
    hip = (mid_x, hip_y, 0.0)
    legs: dict[str, Limb] = {}
    for s, sg in SIDE_SIGN.items():
        hip_s = (mid_x + sg * HIP_W / 2, hip_y, 0.0)
        kn = knee_ik(hip_s, ankles[s], unit(sg * 0.3, 0, 1))
        legs[s] = (toward(hip_s, kn), toward(kn, ankles[s]))
    return body(hip, UP, legs, {s: (DOWN, FWD) for s in SIDE_SIGN})
