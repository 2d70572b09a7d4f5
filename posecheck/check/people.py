"""Follow the exerciser when more than one person is in the picture.

The pose model returns everyone it finds, largest first; the largest is often the wrong
one (a child walking past the camera, a partner on the sofa nearer the lens). The person
to judge is the one *doing the exercise*: in the exercise's position, by the spec's own
position gate. Once chosen, they are followed from frame to frame by where their torso is,
so a passer-by crossing the picture does not take over. Someone else replaces them only
when they have left (not seen for ``lost_s``), or when they stay out of position while
another person holds the exercise position for ``switch_s``.
"""

from __future__ import annotations

from dataclasses import replace

from posecheck.check.features import FeatureExtractor
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import Pose, PoseFrame
from posecheck.pose.place import Place, place_of


class PersonSelector:
    """Picks, in every frame, the pose of the person being coached."""

    def __init__(
        self,
        spec: ExerciseSpec,
        follow: float = 1.0,
        lost_s: float = 1.0,
        switch_s: float = 1.5,
    ) -> None:
        self.spec = spec
        self.follow = follow  # a pose within this many torso sizes is the same person
        self.lost_s = lost_s
        self.switch_s = switch_s
        self.tracked: Place | None = None
        self.seen_t = 0.0
        self.challenger: Place | None = None  # someone else in position, and since when
        self.challenger_since = 0.0
        self.switches = 0
        self.last_alone: PoseFrame | None = None  # the latest frame with only one person

    def _in_position(self, frame: PoseFrame, pose: Pose) -> bool:
        candidate = replace(frame, pose=pose, others=())
        px = candidate.pixels().tolist()
        values = (
            FeatureExtractor(self.spec)
            .compute(px, pose.visibility.tolist(), pose.image[:, 2].tolist(), frame.t)
            .values
        )
        return all(b.ok(values) for b in self.spec.position.require)

    def select(self, frame: PoseFrame) -> PoseFrame:
        """The frame with ``pose`` set to the person to judge (and ``others`` the rest)."""
        if not frame.others:
            if frame.pose is not None:  # where they are is worked out only if needed
                self.last_alone, self.seen_t = frame, frame.t
            return frame  # one person or none: nothing to choose (the common case, free)
        if self.last_alone is not None:
            alone, self.last_alone = self.last_alone, None
            assert alone.pose is not None
            self.tracked = place_of(alone.pose, alone.width, alone.height)
        poses = [p for p in (frame.pose, *frame.others) if p is not None]
        places = [place_of(p, frame.width, frame.height) for p in poses]
        t = frame.t
        pick = None
        if self.tracked is not None and t - self.seen_t <= self.lost_s:
            near = min(range(len(poses)), key=lambda i: places[i].distance(self.tracked))
            if places[near].distance(self.tracked) <= self.follow:
                pick = near
        if pick is None:  # nobody followed (yet): the person in position, else the largest
            in_pos = [i for i, p in enumerate(poses) if self._in_position(frame, p)]
            pick = in_pos[0] if in_pos else 0
        elif not self._in_position(frame, poses[pick]):
            pick = self._challenge(frame, poses, places, pick)
        else:
            self.challenger = None
        self._follow(places[pick], t)
        chosen = poses[pick]
        return replace(frame, pose=chosen, others=tuple(p for p in poses if p is not chosen))

    def _challenge(
        self, frame: PoseFrame, poses: list[Pose], places: list[Place], pick: int
    ) -> int:
        """The followed person is out of position: switch to someone who is in position,
        once they have been for ``switch_s``."""
        others = [i for i in range(len(poses)) if i != pick and self._in_position(frame, poses[i])]
        if not others:
            self.challenger = None
            return pick
        best = others[0]
        if self.challenger is None or places[best].distance(self.challenger) > self.follow:
            self.challenger, self.challenger_since = places[best], frame.t
            return pick
        self.challenger = places[best]
        if frame.t - self.challenger_since < self.switch_s:
            return pick
        self.challenger = None
        self.switches += 1
        return best

    def _follow(self, where: Place, t: float) -> None:
        self.tracked, self.seen_t, self.last_alone = where, t, None
