"""The camera's view of the body, per frame: how far the person is turned from side-on.

MediaPipe's world landmarks are metric 3-D points centred on the hips and oriented like
the camera (x right, y down, z away from the camera). The line across the body (left to
right shoulder plus left to right hip) lies along the image's x axis when the person faces
the camera (or turns their back on it) and along the depth axis z when they are side-on,
whatever they are doing: standing, lying in a plank or on their back in a bridge. So its
angle in the x-z plane, the *yaw*, says how the body is seen: 0 degrees frontal (or from
behind), 90 degrees side-on.

Measured on the shared recordings (docs/view-and-space.md): clips labelled side-on read
77-88 degrees (median), frontal ones 4-7, the oblique ones (camera 30-60 degrees off
side-on) 46-63. The classes below cut there, with hysteresis so that a noisy frame at a
border does not flip the view back and forth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SIDE, OBLIQUE, FRONT = "side", "oblique", "front"
VIEWS: tuple[str, ...] = (SIDE, OBLIQUE, FRONT)

# Yaw borders in degrees (0 frontal, 90 side-on), each with a margin either way: the view
# becomes "side" above SIDE_IN and stops being side below SIDE_OUT; likewise for front.
# 60/52: a line in the body's own plane seen 30-38 degrees off side-on keeps
# cos(30..38) = 0.87..0.79 of its length across the picture; further round, a sagging
# push-up's trunk (33 degrees from horizontal side-on) already reads past the 40 degrees
# that tell a push-up from a cobra, and offsets from the body line grow by a quarter or
# more. The shared side-on clips read 77-88 (median); two filmed with the camera a little
# to the front read 56-59 and are judged as oblique: their picture's lines are not
# trusted, their 3-D angles are. 25/32: below 25 degrees the body's sideways line is
# within 10 % of its full width across the picture (cos 25 = 0.91).
SIDE_IN, SIDE_OUT = 60.0, 52.0
FRONT_IN, FRONT_OUT = 25.0, 32.0
# The yaw is smoothed over about this long (an exponential average): MediaPipe's depth is
# the noisiest coordinate, and a view does not change within a few frames but at a cut.
SMOOTH_S = 0.25
# After a gap in detection (a camera cut) the view is taken afresh.
RESET_AFTER_S = 0.5

# Landmark indices (posecheck.pose.landmarks.Landmark): shoulders and hips, left and right.
_LS, _RS, _LH, _RH = 11, 12, 23, 24


def body_yaw(world: Sequence[Sequence[float]]) -> float:
    """Yaw of the body to the camera in degrees: 0 frontal or from behind, 90 side-on.

    From the left-to-right line of the shoulders plus that of the hips, in the x-z plane
    of the world landmarks. NaN when that line has no length (no world landmarks)."""
    dx = (world[_RS][0] - world[_LS][0]) + (world[_RH][0] - world[_LH][0])
    dz = (world[_RS][2] - world[_LS][2]) + (world[_RH][2] - world[_LH][2])
    if abs(dx) + abs(dz) < 1e-6:
        return math.nan
    return math.degrees(math.atan2(abs(dz), abs(dx)))


def classify(yaw: float, previous: str | None) -> str:
    """The view class of a (smoothed) yaw, staying in ``previous`` inside the margins."""
    if previous == SIDE and yaw >= SIDE_OUT:
        return SIDE
    if previous == FRONT and yaw <= FRONT_OUT:
        return FRONT
    if yaw >= SIDE_IN:
        return SIDE
    if yaw <= FRONT_IN:
        return FRONT
    return OBLIQUE


class ViewTracker:
    """Follows the view over a sequence of frames: smoothed yaw and its class.

    ``view`` is None until a frame with world landmarks was seen: a recording or a test
    skeleton without them gives no view, and then nothing is judged differently."""

    def __init__(self) -> None:
        self.yaw = math.nan
        self.view: str | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self.yaw, self.view, self._t = math.nan, None, None

    def update(self, world: Sequence[Sequence[float]] | None, t: float) -> str | None:
        """Take one frame's world landmarks (None: not given) at time ``t``."""
        if world is None:
            return self.view
        raw = body_yaw(world)
        if math.isnan(raw):
            return self.view
        last = self._t
        if last is None or math.isnan(self.yaw) or t - last > RESET_AFTER_S:
            self.yaw = raw
        else:
            a = 1.0 - math.exp(-max(t - last, 0.0) / SMOOTH_S)
            self.yaw += a * (raw - self.yaw)
        self._t = t
        self.view = classify(self.yaw, self.view)
        return self.view
