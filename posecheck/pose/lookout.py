"""Track one person; look for a second only when there is a reason to.

MediaPipe's pose landmarker is told at creation how many people to find (``num_poses``).
With two it costs about 60% more per frame even when one person is in the picture (its
person detector runs on every frame while fewer than two are tracked), and its landmarks
of a lone person are less steady: on the walking-lunge clip, estimated frame by frame
with nothing dropped, ``num_poses=2`` loses 2 of the 8 reps that ``num_poses=1`` counts.
On a 2-core machine the extra cost also makes live mode drop frames.

So :class:`Lookout` tracks one person (a VIDEO-mode landmarker, ``num_poses=1``) and
looks at the whole picture (an IMAGE-mode landmarker, up to ``people``) only

- every ``check_every_s`` (is someone else there now?),
- when the tracked person jumps (their torso moves more than ``jump`` torso lengths from
  one frame to the next, or changes size by more than ``resize``): the single tracker
  may have swapped to someone else,
- when the tracked person is lost,

at most once every ``min_gap_s``. A look costs one model call on that frame (measured
18-20 ms against 14-20 ms for a tracked frame); the tracked pose of that frame is kept as
it is, so with one person in the picture the landmarks are exactly those of
``--people 1``. Once a look finds more than one person, every frame goes to a VIDEO-mode
landmarker with ``num_poses=people`` and :class:`posecheck.check.people.PersonSelector` picks
the exerciser, as before; after ``alone_s`` with one person again, back to tracking one.
"""

from __future__ import annotations

import os
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

import numpy as np

from posecheck.pose.landmarks import Pose, PoseFrame
from posecheck.pose.place import Place, place_of

if TYPE_CHECKING:
    from posecheck.pose.estimator import PoseEstimator


class _Model(Protocol):
    """What the lookout needs of a pose estimator (posecheck.pose.estimator.PoseEstimator)."""

    def estimate(self, image_bgr: np.ndarray, t: float, index: int) -> PoseFrame: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


class Lookout:
    """A pose estimator (``estimate``) that tracks one person and looks out for others.

    ``single``: VIDEO mode, one person; ``multi``: VIDEO mode, up to ``people``;
    ``look``: IMAGE mode, up to ``people``. ``looks``, ``found`` and ``multi_frames`` say
    what it did (for the benchmarks and tests).
    """

    def __init__(
        self,
        single: _Model,
        multi: _Model,
        look: _Model,
        *,
        check_every_s: float = 2.0,
        min_gap_s: float = 0.5,
        jump: float = 0.5,
        resize: float = 1.3,
        alone_s: float = 3.0,
        same: float = 0.5,
    ) -> None:
        self.single, self.multi, self.look = single, multi, look
        self.check_every_s = check_every_s
        self.min_gap_s = min_gap_s
        self.jump = jump  # torso lengths from one frame to the next
        self.resize = resize  # torso length ratio from one frame to the next
        self.alone_s = alone_s
        self.same = same  # a look's pose this near the tracked one is the tracked person
        self.several = False  # more than one person seen lately: every frame to ``multi``
        self._multi_used = False
        self._last_look: float | None = None
        self._prev: Place | None = None  # the tracked person's place in the last frame
        self._alone_since: float | None = None
        self.looks = 0
        self.found = 0  # looks that found more than one person
        self.multi_frames = 0

    def estimate(self, image_bgr: np.ndarray, t: float, index: int) -> PoseFrame:
        """The frame's pose (and ``others`` when more than one person is in the picture)."""
        if self.several:
            return self._multi(image_bgr, t, index)
        frame = self.single.estimate(image_bgr, t, index)
        place = place_of(frame.pose, frame.width, frame.height) if frame.pose else None
        prev, self._prev = self._prev, place
        if not self._due(t, place, prev):
            return frame
        self._last_look = t
        self.looks += 1
        seen = self.look.estimate(image_bgr, t, index)
        poses = [p for p in (seen.pose, *seen.others) if p is not None]
        if len(poses) < 2:
            return frame
        self.found += 1
        self._to_multi()
        if frame.pose is None or place is None:
            return seen
        return replace(frame, others=_others(poses, place, frame, self.same))

    def _due(self, t: float, place: Place | None, prev: Place | None) -> bool:
        """Is there a reason to look at the whole picture on this frame?"""
        last = self._last_look
        if last is None or t - last >= self.check_every_s:
            return True
        if t - last < self.min_gap_s:
            return False
        if place is None:
            return prev is not None  # just lost: maybe someone else took their place
        if prev is None:
            return True  # found again, maybe someone else
        ratio = place.size / max(prev.size, 1e-6)
        return place.distance(prev) > self.jump or ratio > self.resize or ratio < 1 / self.resize

    def _to_multi(self) -> None:
        if self._multi_used:  # start tracking afresh, not from where people were long ago
            self.multi.reset()
        self._multi_used = True
        self.several = True
        self._alone_since = None

    def _multi(self, image_bgr: np.ndarray, t: float, index: int) -> PoseFrame:
        frame = self.multi.estimate(image_bgr, t, index)
        self.multi_frames += 1
        if frame.others:
            self._alone_since = None
        elif self._alone_since is None:
            self._alone_since = t
        elif t - self._alone_since >= self.alone_s:  # one person again for a while
            self.several = False
            self.single.reset()  # find the one person afresh
            self._prev = None
            self._last_look = t
        return frame

    def close(self) -> None:
        """Release the three landmarkers; safe to call twice."""
        for model in (self.single, self.multi, self.look):
            model.close()

    def __enter__(self) -> Lookout:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _others(poses: list[Pose], place: Place, frame: PoseFrame, same: float) -> tuple[Pose, ...]:
    """The poses a look found, less the one that is the tracked person (the nearest, if
    near enough)."""
    places = [place_of(p, frame.width, frame.height) for p in poses]
    nearest = min(range(len(poses)), key=lambda i: places[i].distance(place))
    if places[nearest].distance(place) <= same:
        return tuple(p for i, p in enumerate(poses) if i != nearest)
    return tuple(poses)


def pose_estimator(model_path: str | os.PathLike[str], people: int = 1) -> PoseEstimator | Lookout:
    """The estimator for ``--people N``: one tracked person, or a :class:`Lookout` for
    up to N."""
    from posecheck.pose.estimator import PoseEstimator

    if people <= 1:
        return PoseEstimator(model_path)
    return Lookout(
        PoseEstimator(model_path),
        PoseEstimator(model_path, num_poses=people),
        PoseEstimator(model_path, num_poses=people, still=True),
    )
