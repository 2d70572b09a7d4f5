"""Before the set: help the person place the camera, then count down.

Live, the first seconds decide whether anything can be judged at all: a laptop on the
floor that sees half the body, or a person facing it for a side-on exercise, makes every
later cue wrong. So the live loop starts in a set-up phase: posecheck says how to place
the camera for this exercise, then what is wrong with what it sees ("Get in the picture",
"Step back: I can't see your ankles", "Turn side-on to the camera"), and once the whole
body has been in view the right way for a moment it counts down "3, 2, 1" and starts
judging. Only the checker is held back; the picture and the hints go to the sinks.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import Landmark, PoseFrame, landmark_for

_EDGE = 0.01  # a landmark this close to the picture's edge is probably cut off
_SIDE_ON_MAX = 0.45  # shoulders' spread / torso: above this the person faces the camera
_FACING_MIN = 0.5


def placement(spec: ExerciseSpec) -> str:
    """How to place the camera for this exercise, said once before the set."""
    if spec.view == "front":
        where = "in front of you, facing you"
    elif spec.view == "side":
        where = "beside you, side-on"
    else:
        where = "beside you or in front of you"
    return f"Put the camera {where}, far enough back to see your whole body"


def _spread(frame: PoseFrame) -> float:
    """Shoulders' horizontal spread over the torso length: ~0 side-on, ~0.7 facing."""
    px = frame.pixels()
    ls, rs = px[Landmark.LEFT_SHOULDER], px[Landmark.RIGHT_SHOULDER]
    lh, rh = px[Landmark.LEFT_HIP], px[Landmark.RIGHT_HIP]
    torso = float(np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2))
    return math.nan if torso < 1e-6 else abs(float(ls[0] - rs[0])) / torso


class SetUp:
    """The set-up phase: feed it frames until :attr:`done`; :meth:`update` says what to
    tell the person now (None once judging has begun)."""

    def __init__(self, spec: ExerciseSpec, countdown_s: float = 3.0, steady_s: float = 1.0):
        self.spec = spec
        self.countdown_s = countdown_s
        self.steady_s = steady_s  # the view must be right this long before the countdown
        self.first_t: float | None = None
        self.good_since: float | None = None
        self.done = countdown_s <= 0
        self._parts = [
            (p, [int(landmark_for(p, side)) for side in ("left", "right")])
            for p in spec.visibility.parts
        ]
        self._min_vis = spec.visibility.min_visibility

    def problem(self, frame: PoseFrame) -> str | None:
        """What keeps this frame from being judged well, or None when the view is right."""
        pose = frame.pose
        if pose is None:
            return "Get in the picture: I can't see you"
        xy, vis = pose.image[:, :2], pose.visibility

        def seen(i: int) -> bool:
            inside = _EDGE <= xy[i, 0] <= 1 - _EDGE and _EDGE <= xy[i, 1] <= 1 - _EDGE
            return bool(vis[i] >= self._min_vis and inside)

        # Side-on the far side is hidden: each part seen on one side is enough.
        missing = [p for p, idx in self._parts if not any(seen(i) for i in idx)]
        if missing:
            names = ", ".join(p.replace("_", " ") + "s" for p in missing)
            return f"Step back or move the camera: I can't see your {names}"
        spread = _spread(frame)
        if self.spec.view == "side" and not math.isnan(spread) and spread > _SIDE_ON_MAX:
            return "Turn side-on to the camera"
        if self.spec.view == "front" and not math.isnan(spread) and spread < _FACING_MIN:
            return "Face the camera"
        return None

    def update(self, frame: PoseFrame) -> str | None:
        """The message for this frame during set-up; None when judging has begun."""
        if self.done:
            return None
        t = frame.t
        if self.first_t is None:
            self.first_t = t
        problem = self.problem(frame)
        if problem is not None:
            self.good_since = None
            if t - self.first_t < 2.0:  # first, how to place the camera at all
                return placement(self.spec)
            return problem
        if self.good_since is None:
            self.good_since = t
        waited = t - self.good_since
        if waited < self.steady_s:
            return "Good: hold still"
        left = self.steady_s + self.countdown_s - waited
        if left <= 0:
            self.done = True
            return None
        return f"Starting in {math.ceil(left)}"
