"""Key poses of the floor exercises (filmed side-on, head at image-right) for synthetic tests.

Built on tests/synth.py: the same segment lengths, `polar`/`chain` geometry and frame
maker. Lying and kneeling poses also need the face's direction (which way the nose points
tells lying on the stomach from lying on the back), which synth.to_pose derives from the
feet; `frames` here lets a key pose place the nose and ear itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import synth
from synth import (
    FLOOR,
    FOOT,
    FOREARM,
    SHIN,
    THIGH,
    TORSO,
    UPPER_ARM,
    Key,
    chain,
    on_floor,
    polar,
    to_pose,
)

from posecheck.pose.landmarks import Landmark, PoseFrame

ARM = UPPER_ARM + FOREARM


def with_face(key: Key, toward: float) -> Key:
    """Nose 18 px from the head towards `toward` degrees (0 = image-right, 90 = up), ear
    6 px the other way. Every key pose of one motion needs it (poses are interpolated
    point by point), so synth.standing() and friends go through this too."""
    head = key["head"]
    return key | {"nose": polar(head, 18, toward), "ear": polar(head, 6, toward + 180)}


def _clamp(key: Key) -> Key:
    """Nothing goes through the floor."""
    return {k: (x, min(y, FLOOR)) for k, (x, y) in key.items()}


def _two_link(a: tuple[float, float], b: tuple[float, float], l1: float, l2: float) -> tuple:
    """The joint between a and b (segments l1, l2), bent towards image-left (elbows back)."""
    d = min(math.dist(a, b), l1 + l2 - 1e-6)
    base = math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0]))
    cos = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    bend = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
    up = polar(a, l1, base + bend)
    down = polar(a, l1, base - bend)
    return up if up[0] <= down[0] else down


# ---- all fours -------------------------------------------------------------------------------
def quadruped(gap: float = 76.5, leg: str = "near", elbow_under: bool = True) -> Key:
    """On hands and knees; the kicking `leg`'s thigh sits `gap` degrees below the body line
    (76.5 = hanging straight down at rest, 0 = in line with the body, < 0 above the line)."""
    trunk = math.degrees(math.asin((ARM - THIGH) / TORSO))  # hands higher than knees
    key = chain((560.0, FLOOR - THIGH), trunk, -90, 180, -90, -90, 180)
    if not elbow_under:  # hands well forward of the shoulders
        key["elbow"] = polar(key["shoulder"], UPPER_ARM, -35)
        key["wrist"] = polar(key["elbow"], FOREARM, -50)
    thigh = 180 + trunk + gap
    lift = min(1.0, max(0.0, (76.5 - gap) / 76.5))
    knee = polar(key["hip"], THIGH, thigh)
    ankle = polar(knee, SHIN, thigh - 90 + 30 * lift)  # heel towards the buttocks
    prefix = "" if leg == "near" else "far_"
    key |= {
        f"{prefix}knee": knee,
        f"{prefix}ankle": ankle,
        f"{prefix}heel": polar(ankle, 15, thigh),
        f"{prefix}foot_index": polar(ankle, FOOT, thigh + 180),
    }
    return with_face(_clamp(key), -20)


# ---- straight-arm plank: push-up and knee drive ----------------------------------------------
def straight_plank(
    elbow: float = 175.0,
    hip_offset: float = 0.0,
    drive: float = 0.0,
    leg: str = "near",
    arm_lean: float = 0.0,
) -> Key:
    """Plank on the hands. `elbow` bends the arms (a push-up), `hip_offset` is the hip above
    the shoulder-ankle line / its length (+ piked, - sagging), `drive` (0..1) brings the
    `leg`'s knee from straight back to under the chest, hips rising a little; `arm_lean`
    tips the arms back from vertical (hands forward of the shoulders)."""
    wrist = (800.0, FLOOR)
    elbow_pt = polar(wrist, FOREARM, 95 + arm_lean)
    shoulder = polar(elbow_pt, UPPER_ARM, 275 + arm_lean + elbow)  # elbows point back
    ankle = (shoulder[0] - 2 * THIGH - TORSO, FLOOR - 10)
    length = math.dist(shoulder, ankle)
    frac = TORSO / (TORSO + THIGH + SHIN)
    base = np.add(shoulder, np.multiply(np.subtract(ankle, shoulder), frac))
    hip = (float(base[0]), float(base[1] - (hip_offset + 0.25 * drive) * length))
    knee = ((hip[0] + ankle[0]) / 2, (hip[1] + ankle[1]) / 2)
    head = polar(shoulder, 45, 10)
    key: Key = {
        "shoulder": shoulder,
        "elbow": elbow_pt,
        "wrist": wrist,
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": (ankle[0] - 12, ankle[1] - 8),
        "foot_index": (ankle[0] + 10, FLOOR),
        "head": head,
    }
    key |= {f"far_{p}": key[p] for p in ("knee", "ankle", "heel", "foot_index")}
    if drive > 0:
        to_shoulder = math.degrees(math.atan2(-(shoulder[1] - hip[1]), shoulder[0] - hip[0]))
        thigh = to_shoulder - (180 - 130 * drive)  # hip angle 180 -> 50
        d_knee = polar(hip, THIGH, thigh)
        d_knee = (d_knee[0], min(d_knee[1], FLOOR - 40))  # a driving knee stays off the floor
        d_ankle = polar(d_knee, SHIN, thigh - 100 * drive)
        prefix = "" if leg == "near" else "far_"
        key |= {
            f"{prefix}knee": d_knee,
            f"{prefix}ankle": d_ankle,
            f"{prefix}heel": polar(d_ankle, 12, thigh),
            f"{prefix}foot_index": polar(d_ankle, FOOT, thigh - 90),
        }
    return with_face(_clamp(key), -30)


# ---- lying and kneeling stretches -------------------------------------------------------------
def cobra(
    elbow: float = 175.0, hip_lift: float = 0.0, shrug: float = 0.0, knees_down: bool = True
) -> Key:
    """On the stomach, chest pushed up on the hands. `elbow` is the arms' angle (the trunk
    rises with it), `hip_lift` raises the pelvis off the floor (px), `shrug` (0..1) pulls
    the shoulders up towards the ears."""
    hip = (560.0, FLOOR - 26 - hip_lift)
    knee = (hip[0] - THIGH + 5, FLOOR - (12 if knees_down else 60) - 0.3 * hip_lift)
    ankle = (knee[0] - SHIN, FLOOR - 8)
    reach = math.sqrt(
        UPPER_ARM**2 + FOREARM**2 - 2 * UPPER_ARM * FOREARM * math.cos(math.radians(elbow))
    )
    rise = reach * 0.97 - (FLOOR - hip[1])
    trunk = math.degrees(math.asin(max(0.0, min(1.0, rise / TORSO))))
    shoulder = polar(hip, TORSO, trunk)
    wrist = (shoulder[0] - math.sqrt(max(0.0, reach**2 - (FLOOR - shoulder[1]) ** 2)), FLOOR)
    head = polar(shoulder, 45, trunk + 25)
    if shrug:
        shoulder = polar(shoulder, 25 * shrug, trunk + 25)  # towards the head
    key: Key = {
        "shoulder": shoulder,
        "elbow": _two_link(shoulder, wrist, UPPER_ARM, FOREARM),
        "wrist": wrist,
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": (ankle[0] + 3, ankle[1] - 12),
        "foot_index": (ankle[0] - FOOT, FLOOR),  # toes pointed back along the floor
        "head": head,
    }
    key |= {f"far_{p}": key[p] for p in ("knee", "ankle", "heel", "foot_index")}
    return with_face(key, trunk - 30)


def sit_reclined() -> Key:
    """Sitting back on the hands, legs straight out in front: faces the feet."""
    hip = (640.0, FLOOR - 26)
    key = chain(hip, 130, 0, 0, -100, -95, 80)
    key["wrist"] = (key["wrist"][0], FLOOR)
    key = _clamp(key)
    return with_face(key, 10)


def lying(
    face: str = "up", arms: str = "overhead", knee: float = 178.0, arm_deg: float = 0.0
) -> Key:
    """Lying flat, head at image-right. `face` up (on the back) or down (on the stomach);
    `arms` "overhead" (reaching past the head, `arm_deg` up off the floor) or "sides";
    `knee` bends the legs with the feet flat on the floor."""
    hip = (560.0, FLOOR - 24)
    shoulder = (hip[0] + TORSO, FLOOR - 22)
    if arms == "overhead":
        elbow = polar(shoulder, UPPER_ARM, arm_deg)
        wrist = polar(elbow, FOREARM, arm_deg)
    else:
        elbow = (shoulder[0] - UPPER_ARM, FLOOR - 14)
        wrist = (elbow[0] - FOREARM, FLOOR - 8)
    bend = (180 - knee) / 2  # thigh up, shin down by the same angle: feet stay flat
    knee_pt = polar(hip, THIGH, 180 - bend)
    ankle = polar(knee_pt, SHIN, 180 + bend)
    ankle = (ankle[0], min(ankle[1], FLOOR - 8))
    toes_up = face == "up"
    key: Key = {
        "shoulder": shoulder,
        "elbow": elbow,
        "wrist": wrist,
        "hip": hip,
        "knee": knee_pt,
        "ankle": ankle,
        "heel": (ankle[0] + 4, FLOOR - (2 if toes_up else 14)),
        "foot_index": (ankle[0] - (12 if toes_up else FOOT), FLOOR - (40 if toes_up else 0)),
        "head": (shoulder[0] + 45, FLOOR - 24),
    }
    key |= {f"far_{p}": key[p] for p in ("knee", "ankle", "heel", "foot_index")}
    return with_face(_clamp(key), 70 if toes_up else -70)


def child_pose(arms: str = "forward", knee: float = 30.0, hip: float = 30.0) -> Key:
    """Kneeling, sitting on the heels, body folded over the thighs, forehead near the floor.
    `arms` "forward" (stretched past the head) or "back" (along the legs); `knee` is the
    knee angle (~30 sitting on the heels, larger lifts the hips), `hip` the hip angle."""
    thigh = -knee  # knee ahead of and below the hip; shin back along the floor
    trunk = thigh + hip
    key = chain((600.0, 500.0), trunk, thigh, 180, 0, 0, 180)
    if arms == "back":
        key["elbow"] = polar(key["shoulder"], UPPER_ARM, 190)
        key["wrist"] = polar(key["elbow"], FOREARM, 185)
    key["head"] = polar(key["shoulder"], 40, trunk - 35)
    return with_face(on_floor(key), -80)


def squat() -> Key:
    """A deep squat, heels down: knees and hips bent like a child's pose, but up high."""
    return with_face(on_floor(chain((600.0, 500.0), 60, -10, -110, -60, -60, 0)), 0)


# ---- frames ----------------------------------------------------------------------------------
def frames(
    motion: Iterable[tuple[float, Key]], *, facing: str = "right", **kw: Any
) -> list[PoseFrame]:
    """As synth.frames, with the nose and ears placed from the key pose where it says."""

    def pose_of(key: Key) -> tuple[np.ndarray, np.ndarray]:
        pts, vis = to_pose(key, facing)
        if "nose" in key:
            pts[Landmark.NOSE] = key["nose"]
            for side in ("LEFT", "RIGHT"):
                for part in ("EAR", "EYE", "EYE_INNER", "EYE_OUTER"):
                    src = key["ear"] if part == "EAR" else key["nose"]
                    pts[Landmark[f"{side}_{part}"]] = src
        return pts, vis

    return synth.frames(motion, pose_of=pose_of, **kw)
