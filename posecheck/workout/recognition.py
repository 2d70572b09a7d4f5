"""What recognition says about a span of poses: the types every part of the workout layer
shares (the recogniser fills them, segmentation and the reports read them).

A :class:`Recognition` names an exercise only when it is sure; otherwise ``exercise`` is
``None`` and ``candidates`` says which exercises it could be, best first, so a report can
print "not sure: plank or push_up" instead of a confident wrong name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from posecheck.pose.landmarks import PoseFrame


@dataclass(frozen=True)
class Candidate:
    """One exercise the span could show, with the evidence for it."""

    exercise: str  #: spec name, as in ``exercise_specs/NAME.toml``
    score: float  #: 0..1, higher is more likely; comparable across candidates of one span
    reps: int = 0  #: reps that exercise's checker counted on the span
    hold_s: float = 0.0  #: seconds that exercise's checker timed as held
    why: str = ""  #: one line: what in the poses speaks for (or against) it


@dataclass(frozen=True)
class Recognition:
    """The answer for one span: a name when sure, else ``None`` and the candidates."""

    exercise: str | None  #: the recognised spec name, or None for "not sure"
    confidence: float  #: 0..1 for the best candidate
    candidates: tuple[Candidate, ...] = ()  #: best first; may be empty (nothing fits)
    reason: str = ""  #: one line for the report: why this name, or why not sure

    @property
    def sure(self) -> bool:
        """True when an exercise is named."""
        return self.exercise is not None

    def label(self) -> str:
        """What a report prints: the name, or ``not sure (a, b)``, or ``no exercise``."""
        if self.exercise is not None:
            return self.exercise
        if self.candidates:
            names = ", ".join(c.exercise for c in self.candidates[:3])
            return f"not sure ({names})"
        return "no exercise"


#: A recogniser: the poses of one span in, a :class:`Recognition` out.
Recognizer = Callable[[Sequence[PoseFrame]], Recognition]
