"""Run the pose model on fewer frames where motion allows: the adaptive frame sampler.

Exercise motion is slow next to 30 fps except around the turns of a rep and in quick
exercises, and the model is nearly all the cost of file analysis. So the model runs on a
base stride (every 2nd or 3rd frame at 30 fps) and, after each model frame, decides
whether the frames coming next must each be run too (*dense*, for at least a stride):

- the exercise's watch asks (posecheck.check.rate_watch: a state change or a pending one
  in a shadow checker, a threshold of the counting signal within reach, a rep's extreme
  near; the pose layer knows nothing of exercises, so the watch is handed in);
- a *turn*: the last-but-one model frame is far from the straight line between its
  neighbours (a joint changed direction or speed);
- a *fast step*: a joint moved far between the last two model frames;
- a *change of kind*: the person appeared or disappeared, or someone else is in the
  picture (a second pose is not interpolated).

The frames skipped get landmarks interpolated in time between the model frames around
them, so the checker and reports see the same frame indices and timestamps as at full
rate. The thresholds are in torso lengths (shoulder to hip), so they mean the same on
any picture size and distance from the camera; their numbers are set from the recordings
of every shared clip (scripts/rate_agreement.py, docs/frame-rate-agreement.md).

Why look ahead rather than fill gaps afterwards: MediaPipe's VIDEO mode tracks and smooths
from frame to frame, so its landmarks depend on which frames it saw (at a stride of 3 a
median 12 px from the full-rate ones on pull_up_side_a). A first version filled the gaps
it found interesting afterwards with a second landmarker (its own timestamps); the two
trackers' landmarks, spliced, changed the count on 2 of the 24 clips and rep peaks on 5.
One landmarker that sees its frames in order, densely wherever it matters, does not.

The sampler is pure logic: it is handed ``look``, a way to get a frame's landmarks (the
model, called in time order), so a test drives it with a landmark recording and needs no
model. It keeps the pictures since the last model frame only (under a stride of them):
memory stays flat.
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
    """When landmark motion asks for the next frames, in torso lengths (module docstring).

    ``turn``: how far the middle model frame may lie from the straight line between its
    neighbours; ``step``: how far a joint may move between two model frames. The
    exercise's watch (posecheck.check.rate_watch) alone already gives the full-rate
    answers on every recording (docs/frame-rate-agreement.md); this is the safety net for
    what it does not watch: a turn of a fifth of a torso length within two strides, or a
    joint moving half a torso length in one (~5 torso lengths a second at 10 fps), is no
    slow movement to interpolate. Tighter values (0.04, 0.15) without the watch ran the
    model on 66 % of the recordings' frames, much of it for landmark jitter, and still
    missed the rep peaks of 4 recordings.
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
#: Shown each model frame in order, says whether the frames coming next must each be run
#: by the model. The exercise's own watch (posecheck.check.rate_watch) is one; the pose
#: layer knows nothing of exercises.
Watch = Callable[[PoseFrame], bool]


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
    frame's landmarks, in order, at most a stride later (see the module docstring).

    One landmarker sees every frame it runs on in time order (``look``): after each
    model frame the watch and the motion trigger say whether the frames coming next must
    be run too (``dense``), for at least a stride; otherwise the model skips to the next
    base frame and the frames between get interpolated landmarks. ``stride`` 1 runs the
    model on every frame. ``frames`` counts the frames the model ran on.
    """

    def __init__(
        self,
        stride: int,
        look: Look,
        motion: Motion | None = None,
        watch: Watch | None = None,
    ) -> None:
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.stride = stride
        self._look = look
        self.motion = motion or Motion()
        self.watch = watch
        self.frames = 0  # frames the model ran on
        self.dense_frames = 0  # of which run because the watch or motion asked
        # For the frames the last push/flush returned: which the model ran on (True) and
        # which were interpolated (False), so a caller can count its own share.
        self.modeled: list[bool] = []
        self._a: PoseFrame | None = None  # the model frame before the last
        self._b: PoseFrame | None = None  # the last model frame
        self._gap: list[_Pending] = []  # frames since b, waiting for the next model frame
        self._dense = 0  # frames still to run one by one

    def push(self, index: int, t: float, picture: Any) -> list[PoseFrame]:
        """One more frame; returns the frames whose landmarks are now final."""
        b = self._b
        if b is not None and not self._dense and len(self._gap) < self.stride - 1:
            self._gap.append(_Pending(index, t, picture))
            self.modeled = []
            return []
        if self._dense:
            self._dense -= 1
            self.dense_frames += 1
        c = self._look(index, t, picture)
        self.frames += 1
        out = [between(b, c, p.index, p.t) for p in self._gap] if b is not None else []
        self.modeled = [False] * len(out) + [True]
        out.append(c)
        ask = self.watch(c) if self.watch is not None else False
        a = self._a
        if b is not None:
            ask = ask or fast_step(b, c, self.motion)
            if a is not None:
                ask = ask or turns(a, b, c, self.motion)
        if ask:
            self._dense = max(self._dense, self.stride)
        self._a, self._b, self._gap = b, c, []
        return out

    def flush(self) -> list[PoseFrame]:
        """The end of the stream: the frames after the last model frame, by the model
        (there is nothing to interpolate to)."""
        out = [self._look(p.index, p.t, p.picture) for p in self._gap]
        self.frames += len(out)
        self.modeled = [True] * len(out)
        self._a, self._b, self._gap, self._dense = None, None, [], 0
        return out


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

    sampler = AdaptiveSampler(stride, look, motion, watch)
    out: list[PoseFrame] = []
    for f in frames:
        out += sampler.push(f.index, f.t, None)
    out += sampler.flush()
    return out, sampler
