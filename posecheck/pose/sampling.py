"""Run the pose model on fewer frames where motion allows: the adaptive frame sampler.

Exercise motion is slow next to 30 fps except around the turns of a rep and in quick
exercises, and the model is nearly all the cost of file analysis. So the model runs on a
base stride (every 2nd or 3rd frame at 30 fps) and, after each model frame, the last
three model frames decide whether the gaps between them must be filled at full rate:

- a *turn*: the middle frame is far from the straight line between its neighbours (a
  joint changed direction or speed), so both gaps around it are filled;
- a *fast step*: a joint moved far between two model frames, so that gap is filled;
- a *change of kind*: the person appears or disappears, or someone else is in the
  picture (a second pose is not interpolated), so that gap is filled.

Every other skipped frame gets landmarks interpolated in time between the model frames
around it, so the checker and reports see the same frame indices and timestamps as at
full rate. The thresholds are in torso lengths (shoulder to hip), so they mean the same
on any picture size and distance from the camera; their numbers are set from the
recordings of every shared clip (scripts/rate_agreement.py, docs/frame-rate-agreement.md).

The sampler is pure logic: it is handed two ways to get a frame's landmarks, ``look``
(the model frames, in time order) and ``fill`` (the gaps it fills, also in time order,
so a second VIDEO-mode landmarker with its own increasing timestamps serves). A test
drives it with a landmark recording as both and needs no model. It keeps the pictures
since the last two model frames only (about two strides of them): memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from posecheck.pose.landmarks import Landmark, Pose, PoseFrame

#: The joints the motion trigger watches: the limbs and the head (not the fingers or face,
#: whose jitter says nothing about the exercise).
WATCHED = tuple(
    int(lm)
    for lm in (
        Landmark.NOSE,
        Landmark.LEFT_SHOULDER,
        Landmark.RIGHT_SHOULDER,
        Landmark.LEFT_ELBOW,
        Landmark.RIGHT_ELBOW,
        Landmark.LEFT_WRIST,
        Landmark.RIGHT_WRIST,
        Landmark.LEFT_HIP,
        Landmark.RIGHT_HIP,
        Landmark.LEFT_KNEE,
        Landmark.RIGHT_KNEE,
        Landmark.LEFT_ANKLE,
        Landmark.RIGHT_ANKLE,
        Landmark.LEFT_HEEL,
        Landmark.RIGHT_HEEL,
        Landmark.LEFT_FOOT_INDEX,
        Landmark.RIGHT_FOOT_INDEX,
    )
)
#: A joint counts when the model sees it at least this well (MediaPipe's own 0.5 line).
SEEN = 0.5


@dataclass(frozen=True, slots=True)
class Motion:
    """When a gap must be filled at full rate, in torso lengths (see the module docstring).

    ``turn``: how far the middle model frame may lie from the straight line between its
    neighbours; ``step``: how far a joint may move between two model frames. The
    exercise's watch (posecheck.check.rate_watch) alone already gives the full-rate
    answers on every recording (docs/frame-rate-agreement.md); this is the safety net for
    what it does not watch: a turn of a fifth of a torso length within two strides, or a
    joint moving half a torso length in one (~5 torso lengths a second at 10 fps), is no
    slow movement to interpolate. Tighter values (0.04, 0.15) ran the model on 80 % of
    the recordings' frames, mostly for landmark jitter, and still missed rep peaks.
    """

    turn: float = 0.2
    step: float = 0.5


@dataclass(slots=True)
class _Pending:
    """A frame the model has not looked at (yet): its place and its picture."""

    index: int
    t: float
    picture: Any


Look = Callable[[int, float, Any], PoseFrame]  # (index, t, picture) -> the frame's landmarks
#: Shown each base model frame in order, says which gaps must be filled: (the gap before
#: the previous model frame, the gap before this one). The exercise's own watch
#: (posecheck.check.rate_watch) is one; the pose layer knows nothing of exercises.
Watch = Callable[[PoseFrame], tuple[bool, bool]]


def _torso(pose: Pose, width: int, height: int) -> float:
    """Shoulder-to-hip length in pixels (the longer side), the unit of the thresholds."""
    xy = pose.image[:, :2] * (width, height)
    left = np.hypot(*(xy[Landmark.LEFT_SHOULDER] - xy[Landmark.LEFT_HIP]))
    right = np.hypot(*(xy[Landmark.RIGHT_SHOULDER] - xy[Landmark.RIGHT_HIP]))
    return max(float(left), float(right), 1.0)


def _points(frame: PoseFrame) -> np.ndarray:
    assert frame.pose is not None
    return frame.pose.image[WATCHED, :2] * (frame.width, frame.height)


def _kind_changes(a: PoseFrame, b: PoseFrame) -> bool:
    """Whether nothing between ``a`` and ``b`` can be interpolated: a pose at one end
    only, someone else in the picture, or a different picture size. (Nobody at both
    ends: nobody between, as a person who shows up for less than a stride is no one to
    judge.)"""
    return (
        (a.pose is None) != (b.pose is None)
        or bool(a.others)
        or bool(b.others)
        or (a.width, a.height) != (b.width, b.height)
    )


def _seen(*frames: PoseFrame) -> np.ndarray:
    mask = np.ones(len(WATCHED), dtype=bool)
    for f in frames:
        assert f.pose is not None
        mask &= f.pose.visibility[list(WATCHED)] >= SEEN
    return mask


def fast_step(a: PoseFrame, b: PoseFrame, motion: Motion) -> bool:
    """Whether the gap from model frame ``a`` to ``b`` must be filled on its own."""
    if _kind_changes(a, b):
        return True
    if a.pose is None or b.pose is None:
        return False
    seen = _seen(a, b)
    if not seen.any():
        return False
    moved = np.hypot(*(_points(b) - _points(a))[seen].T)
    return float(moved.max()) > motion.step * _torso(b.pose, b.width, b.height)


def turns(a: PoseFrame, b: PoseFrame, c: PoseFrame, motion: Motion) -> bool:
    """Whether ``b`` is a turn: off the straight line from ``a`` to ``c`` (in time)."""
    if _kind_changes(a, b) or _kind_changes(b, c):
        return True
    if a.pose is None or b.pose is None or c.pose is None:
        return False
    seen = _seen(a, b, c)
    if not seen.any():
        return False
    w = (b.t - a.t) / (c.t - a.t) if c.t > a.t else 0.5
    line = _points(a) * (1 - w) + _points(c) * w
    off = np.hypot(*(_points(b) - line)[seen].T)
    return float(off.max()) > motion.turn * _torso(b.pose, b.width, b.height)


def between(a: PoseFrame, b: PoseFrame, index: int, t: float) -> PoseFrame:
    """Landmarks for a frame the model skipped: ``a`` and ``b`` weighted by time."""
    if a.pose is None or b.pose is None:
        return PoseFrame(index, t, a.width, a.height, None)
    w = (t - a.t) / (b.t - a.t) if b.t > a.t else 0.0
    pa, pb = a.pose, b.pose
    world = None
    if pa.world is not None and pb.world is not None:
        world = pa.world * (1 - w) + pb.world * w
    pose = Pose(
        image=pa.image * (1 - w) + pb.image * w,
        visibility=pa.visibility * (1 - w) + pb.visibility * w,
        world=world,
    )
    return PoseFrame(index, t, a.width, a.height, pose)


class AdaptiveSampler:
    """Feed it every frame in order (:meth:`push`, then :meth:`flush`); it hands back each
    frame's landmarks, in order, a few frames later (see the module docstring).

    ``stride`` 1 runs the model on every frame (nothing is interpolated). ``looked`` and
    ``filled`` count the frames the model ran on, as base frames and as gap fills.
    """

    def __init__(
        self,
        stride: int,
        look: Look,
        fill: Look,
        motion: Motion | None = None,
        watch: Watch | None = None,
    ) -> None:
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.stride = stride
        self._look, self._fill = look, fill
        self.motion = motion or Motion()
        self.watch = watch
        self.looked = 0
        self.filled = 0
        # For the frames the last push/flush returned: which the model ran on (True) and
        # which were interpolated (False), so a caller can count its own share.
        self.modeled: list[bool] = []
        self._pending_flags: set[int] = set()  # indices the model ran on, not yet returned
        self._a: PoseFrame | None = None  # the model frame before the last
        self._gap_ab: list[_Pending] | list[PoseFrame] = []  # frames between a and b
        self._b: PoseFrame | None = None  # the last model frame
        self._gap_bc: list[_Pending] = []  # frames since b, waiting for the next model frame

    @property
    def frames(self) -> int:
        """Frames the model ran on so far."""
        return self.looked + self.filled

    def push(self, index: int, t: float, picture: Any) -> list[PoseFrame]:
        """One more frame; returns the frames whose landmarks are now final."""
        if self._b is None:
            self._b = self._model(index, t, picture)
            if self.watch is not None:
                self.watch(self._b)
            return self._flagged([])
        if len(self._gap_bc) < self.stride - 1:
            self._gap_bc.append(_Pending(index, t, picture))
            return self._flagged([])
        c = self._model(index, t, picture)
        a, b, gap_bc = self._a, self._b, self._gap_bc
        out: list[PoseFrame] = []
        turn = a is not None and turns(a, b, c, self.motion)
        fill_bc = False
        if self.watch is not None:
            before, fill_bc = self.watch(c)
            turn = turn or (before and a is not None)
        if a is not None:
            if turn:
                self._gap_ab = self._filled(self._gap_ab)
            out += self._resolved(a, self._gap_ab, b)
        out.append(b)
        fill_bc = fill_bc or turn or fast_step(b, c, self.motion)
        self._a, self._b = b, c
        self._gap_ab = self._filled(gap_bc) if fill_bc else gap_bc
        self._gap_bc = []
        return self._flagged(out)

    def flush(self) -> list[PoseFrame]:
        """The end of the stream: every frame still held, the trailing ones by the model."""
        out: list[PoseFrame] = []
        if self._b is None:
            return self._flagged(out)
        if self._a is not None:
            out += self._resolved(self._a, self._gap_ab, self._b)
        out.append(self._b)
        for p in self._gap_bc:  # after the last model frame: nothing to interpolate to
            out.append(self._model(p.index, p.t, p.picture))
        self._a, self._b, self._gap_ab, self._gap_bc = None, None, [], []
        return self._flagged(out)

    def _model(self, index: int, t: float, picture: Any) -> PoseFrame:
        self.looked += 1
        self._pending_flags.add(index)
        return self._look(index, t, picture)

    def _flagged(self, out: list[PoseFrame]) -> list[PoseFrame]:
        flags = self._pending_flags
        self.modeled = [f.index in flags for f in out]
        flags.difference_update(f.index for f in out)
        return out

    def _filled(self, gap: list[Any]) -> list[PoseFrame]:
        """The gap's frames by the model (once: a gap already filled stays as it is)."""
        out = []
        for p in gap:
            if isinstance(p, _Pending):
                self.filled += 1
                self._pending_flags.add(p.index)
                out.append(self._fill(p.index, p.t, p.picture))
            else:
                out.append(p)
        return out

    def _resolved(self, a: PoseFrame, gap: list[Any], b: PoseFrame) -> list[PoseFrame]:
        """The gap's frames: those the model saw as they are, the others interpolated."""
        if any(isinstance(p, _Pending) for p in gap) and _kind_changes(a, b):
            gap = self._filled(gap)  # cannot happen after fast_step, kept for safety
        return [p if isinstance(p, PoseFrame) else between(a, b, p.index, p.t) for p in gap]


#: The base rate the model runs at where motion allows: 10 fps, the lowest rate at which
#: every recorded rep exercise already counts as at full rate with frames simply dropped
#: (posecheck.check.frame_rate.REP_FLOOR_FPS); the turns are filled at full rate on top.
BASE_FPS = 10.0


def stride_for(fps: float | None, needed_fps: float, base_fps: float = BASE_FPS) -> int:
    """Every how many frames the model runs at base: as far apart as keeps both the base
    rate and the rate the exercise needs (1, every frame, for quick exercises).

    A 1 % allowance lets a 29.97 fps clip run at a stride of 3 (9.99 fps) for a 10 fps base."""
    if not fps or fps <= 0:
        return 1
    return max(1, int(fps * 1.01 // max(base_fps, needed_fps, 1e-9)))


def resample(
    frames: list[PoseFrame],
    stride: int,
    motion: Motion | None = None,
    watch: Watch | None = None,
) -> tuple[list[PoseFrame], AdaptiveSampler]:
    """Already-known landmarks (a recording) through the sampler, as the model would be:
    what the checker would see at the adaptive rate, and the sampler (its counts)."""
    by_index = {f.index: f for f in frames}

    def look(index: int, t: float, picture: Any) -> PoseFrame:
        return by_index[index]

    sampler = AdaptiveSampler(stride, look, look, motion, watch)
    out: list[PoseFrame] = []
    for f in frames:
        out += sampler.push(f.index, f.t, None)
    out += sampler.flush()
    return out, sampler
