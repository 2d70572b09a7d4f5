"""Whether two runs over the same video give the same answers: the adaptive frame rate
(posecheck.pose.sampling) against every frame.

"The same" is what a user reads off a report: the same reps with the same sides, the same
issues (codes, and on which rep), each rep's peak within one full-rate frame, and hold
times within 0.1 s. Frame-level signals may differ a little; those are not answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from posecheck.check.checker import Checker
from posecheck.check.events import Event, HoldSegment, Issue, Rep
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import PoseFrame

#: How far apart two runs' hold times may be and still agree: a tenth of a second is
#: below what a person reads off a hold timer.
HOLD_TOLERANCE_S = 0.1


@dataclass(slots=True)
class Outcome:
    """What a run says: its reps, issues, hold segments and total good hold time."""

    reps: list[Rep] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    holds: list[HoldSegment] = field(default_factory=list)
    reps_by_side: dict[str, int] = field(default_factory=dict)
    good_hold_s: float = 0.0

    def add(self, events: Iterable[Event]) -> None:
        for e in events:
            if isinstance(e, Rep):
                self.reps.append(e)
            elif isinstance(e, Issue):
                self.issues.append(e)
            elif isinstance(e, HoldSegment):
                self.holds.append(e)


def judge(spec: ExerciseSpec, frames: Iterable[PoseFrame]) -> Outcome:
    """The checker's answers on these frames, in order (no person selection: one pose)."""
    checker = Checker(spec)
    out = Outcome()
    for f in frames:
        out.add(checker.update(f).events)
    out.add(checker.finish())
    out.reps_by_side = dict(checker.reps_by_side)
    out.good_hold_s = checker.good_total
    return out


def _issue_keys(o: Outcome) -> Counter[tuple[str, int | None]]:
    return Counter((i.code, i.rep_index) for i in o.issues)


def peak_error(full: Outcome, other: Outcome) -> float:
    """The largest difference in a rep's peak time (0 without reps; inf if counts differ)."""
    if len(full.reps) != len(other.reps):
        return float("inf")
    pairs = zip(full.reps, other.reps, strict=True)
    return max((abs(a.t_peak - b.t_peak) for a, b in pairs), default=0.0)


def hold_error(full: Outcome, other: Outcome) -> float:
    """The difference in total good hold time and in the summed hold lengths, the larger."""
    length = abs(sum(h.duration for h in full.holds) - sum(h.duration for h in other.holds))
    return max(abs(full.good_hold_s - other.good_hold_s), length)


def differences(full: Outcome, other: Outcome, frame_s: float) -> list[str]:
    """Where ``other`` does not give ``full``'s answers (empty: they agree).

    ``frame_s`` is one full-rate frame interval, the tolerance for a rep's peak time."""
    out: list[str] = []
    if len(full.reps) != len(other.reps) or full.reps_by_side != other.reps_by_side:
        out.append(
            f"reps {len(other.reps)} {other.reps_by_side or ''} vs "
            f"{len(full.reps)} {full.reps_by_side or ''}".replace("  ", " ")
        )
    elif [r.side for r in full.reps] != [r.side for r in other.reps]:
        out.append("rep sides in another order")
    elif [r.issues for r in full.reps] != [r.issues for r in other.reps]:
        out.append("rep issues differ")
    a, b = _issue_keys(full), _issue_keys(other)
    if a != b:
        extra, missing = b - a, a - b
        out.append(f"issues +{sorted(extra.elements())} -{sorted(missing.elements())}")
    peak = peak_error(full, other)
    if peak != float("inf") and peak > frame_s + 1e-6:
        out.append(f"a rep peak {peak:.3f} s off")
    hold = hold_error(full, other)
    if hold > HOLD_TOLERANCE_S + 1e-9:
        out.append(f"hold time {hold:.2f} s off")
    return out
