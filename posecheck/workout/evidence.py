"""What every known exercise's own checker finds in a span of poses: the recogniser's raw
evidence.

Each spec already describes its exercise (the position gate says what the body looks like,
the counting signal what moves, the hold what stays), so the first question about a span is
simply: which checkers count reps on it, which time a hold, and for how long is the person
in each one's position? Running all of them is affordable (the checker costs ~40 us a frame,
26 specs ~1 ms) and keeps recognition in step with the specs: a new spec is recognised with
no new code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Rep
from posecheck.check.frame_signals import GAP_RESET_S
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import PoseFrame


@dataclass(frozen=True, slots=True)
class SpecEvidence:
    """What one exercise's checker measured over the span."""

    name: str
    kind: str  #: "reps" or "hold"
    reps: tuple[Rep, ...] = ()
    holds: tuple[HoldSegment, ...] = ()
    active_s: float = 0.0  #: seconds in the exercise's position

    @property
    def hold_s(self) -> float:
        return sum(h.duration for h in self.holds)

    def spans(self) -> list[tuple[float, float]]:
        """The stretches this evidence explains: the rep activity (first rep's start to last
        rep's end: the rests between reps belong to the set) or the hold segments."""
        if self.reps:
            return [(self.reps[0].t_start, self.reps[-1].t_end)]
        return [(h.t_start, h.t_end) for h in self.holds]

    def explained_s(self) -> float:
        return sum(b - a for a, b in self.spans())


def present_s(frames: Sequence[PoseFrame]) -> float:
    """Seconds of the span with a person in view (gaps longer than the checker's reset gap
    count as absent): the time an exercise has to explain."""
    total, last = 0.0, None
    for f in frames:
        if f.pose is None:
            last = None
            continue
        if last is not None and f.t - last <= GAP_RESET_S:
            total += f.t - last
        last = f.t
    return total


def gather(frames: Sequence[PoseFrame], specs: Iterable[ExerciseSpec]) -> dict[str, SpecEvidence]:
    """Run each spec's checker over the frames; its reps, holds and time in position."""
    out: dict[str, SpecEvidence] = {}
    for spec in specs:
        checker = Checker(spec)
        reps: list[Rep] = []
        holds: list[HoldSegment] = []
        for frame in frames:
            for event in checker.update(frame).events:
                if isinstance(event, Rep):
                    reps.append(event)
                elif isinstance(event, HoldSegment):
                    holds.append(event)
        holds += [e for e in checker.finish() if isinstance(e, HoldSegment)]
        out[spec.name] = SpecEvidence(
            spec.name, spec.kind, tuple(reps), tuple(holds), round(checker.active_s, 3)
        )
    return out
