"""Which frames look like a rest: a person standing upright, legs straight, arms down.

Between sets people stand about. The checkers of the standing exercises (squat, lunge)
are "in position" while someone merely stands, so a set's edge may grow through the
frames its own checker is in position for, but never into a plain stand: that is where
the rest begins.

Standing is told from the image landmarks, so it works from any camera side: the trunk
near vertical, hips and knees straight, wrists below the shoulders (a hang or a pull-up
has them above).
"""

from __future__ import annotations

import numpy as np

from posecheck.pose.landmarks import Landmark, PoseFrame

#: Trunk within this of vertical: standing, not a hinge (a forward bend or a row is at
#: 45-90 deg, a squat's trunk leans 18-20 deg only at the bottom, with the knees bent).
UPRIGHT_TRUNK_DEG = 25.0
#: Hip and knee angles above this: straight legs and hips (a squat or lunge bottom is at
#: 44-90 deg, a march knee lift brings the hip to 90-105 deg).
STRAIGHT_DEG = 150.0

_L = Landmark


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """The angle at ``b`` in degrees."""
    u, v = a - b, c - b
    n = float(np.linalg.norm(u) * np.linalg.norm(v))
    if n == 0.0:
        return 180.0
    return float(np.degrees(np.arccos(np.clip(float(np.dot(u, v)) / n, -1.0, 1.0))))


def standing(frame: PoseFrame) -> bool:
    """A person upright with straight legs and arms down; False with nobody there."""
    if frame.pose is None:
        return False
    p = frame.pixels()
    sh = (p[_L.LEFT_SHOULDER] + p[_L.RIGHT_SHOULDER]) / 2
    hip = (p[_L.LEFT_HIP] + p[_L.RIGHT_HIP]) / 2
    trunk = sh - hip
    if trunk[1] >= 0:  # shoulders not above the hips (image y grows downward)
        return False
    if np.degrees(np.arctan2(abs(trunk[0]), -trunk[1])) > UPRIGHT_TRUNK_DEG:
        return False
    for side in ("LEFT", "RIGHT"):
        s, h = p[_L[f"{side}_SHOULDER"]], p[_L[f"{side}_HIP"]]
        k, a = p[_L[f"{side}_KNEE"]], p[_L[f"{side}_ANKLE"]]
        if _angle(s, h, k) < STRAIGHT_DEG or _angle(h, k, a) < STRAIGHT_DEG:
            return False
        if p[_L[f"{side}_WRIST"]][1] < s[1]:
            return False
    return True
