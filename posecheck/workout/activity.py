"""What every exercise's checker sees in a long recording: the raw material of the sets.

Each spec's checker is a detector of its own exercise: it counts a rep only when the
body moved through that exercise's cycle, and times a hold only in that exercise's
position. Running all of them over the whole recording (about 50 us a frame each, so a
ten-minute file costs seconds, next to minutes of pose model) says, moment by moment,
whether *some* exercise is going on, without first knowing which. That is what a set is:
a stretch where some exercise's reps or hold happen. A rest is what none of them explain
(standing, walking, nobody there).

Posture is the exception (:data:`NOT_A_SET`): its "hold" is standing tall, which is what a
person does between sets, so its checker times every standing rest (measured: it holds
through the rests, and through most frames of the squat, lunge and jump-rope clips).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Rep
from posecheck.check.frame_signals import GAP_RESET_S
from posecheck.check.people import PersonSelector
from posecheck.check.specs import ExerciseSpec, available, spec_for
from posecheck.pose.landmarks import PoseFrame

#: Specs whose events are no evidence of a set. ``posture`` times standing tall, and a
#: standing rest is standing tall: a session's stand is a rest, never a posture set
#: (``analyze --exercise posture`` is how a stand is judged).
NOT_A_SET = frozenset({"posture"})
#: A piece of a hold or rep left this short by a detection gap is dropped (the specs'
#: shortest hold, hold.min_s, is 1 s).
MIN_PIECE_S = 1.0


@dataclass(frozen=True, slots=True)
class Activity:
    """Per spec: the stretches its checker counted or timed, and where it was in position."""

    times: np.ndarray  #: frame times, seconds
    spans: Mapping[str, tuple[tuple[float, float], ...]]  #: spec -> (start, end) of reps, holds
    in_position: Mapping[str, np.ndarray]  #: spec -> bool per frame

    def union(self, exclude: frozenset[str] = NOT_A_SET) -> list[tuple[float, float]]:
        """Every spec's spans but the excluded, merged where they overlap, in time order."""
        spans = sorted(s for name, ss in self.spans.items() if name not in exclude for s in ss)
        return merge(spans, 0.0)


def merge(spans: Sequence[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """Sorted spans joined where the gap between them is at most ``gap`` seconds."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def all_specs() -> dict[str, ExerciseSpec]:
    """Every built-in exercise, by name."""
    return {name: spec_for(name) for name in available()}


def gather(
    frames: Sequence[PoseFrame], specs: Mapping[str, ExerciseSpec] | None = None
) -> Activity:
    """Run every spec's checker (each with its own person selector) over ``frames``."""
    specs = all_specs() if specs is None else specs
    gaps = detection_gaps(frames)
    times = np.array([f.t for f in frames], dtype=float)
    spans: dict[str, tuple[tuple[float, float], ...]] = {}
    in_position: dict[str, np.ndarray] = {}
    for name, spec in specs.items():
        checker, people = Checker(spec), PersonSelector(spec)
        found: list[tuple[float, float]] = []
        pos = np.zeros(len(frames), dtype=bool)
        for i, frame in enumerate(frames):
            result = checker.update(people.select(frame))
            pos[i] = result.state.in_position
            found.extend((e.t_start, e.t_end) for e in result.events if _counts(e))
        if frames:
            found.extend((e.t_start, e.t_end) for e in checker.finish() if _counts(e))
        spans[name] = tuple(_without(sorted(found), gaps))
        in_position[name] = pos
    return Activity(times, spans, in_position)


def detection_gaps(frames: Sequence[PoseFrame]) -> list[tuple[float, float]]:
    """Stretches longer than the checker's reset gap with nobody detected, (last pose seen,
    next pose seen): a cut, or the person out of the picture."""
    gaps, last = [], None
    for f in frames:
        if f.pose is None:
            continue
        if last is not None and f.t - last > GAP_RESET_S:
            gaps.append((last, f.t))
        last = f.t
    return gaps


def _without(
    spans: Sequence[tuple[float, float]], gaps: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The spans with the detection gaps cut out: a checker may keep a hold going a
    moment after the person is lost, but nobody seen is no evidence of anything. A piece
    left shorter than :data:`MIN_PIECE_S` after a cut is dropped: the hold ran on into the
    next scene for a few frames, which is no hold of that scene."""
    out = []
    for a, b in spans:
        pieces, cut = [], False
        for g0, g1 in gaps:
            if g0 < b and g1 > a:
                cut = True
                if g0 > a:
                    pieces.append((a, g0))
                a = max(a, g1)
        if b > a:
            pieces.append((a, b))
        out.extend(p for p in pieces if not cut or p[1] - p[0] >= MIN_PIECE_S)
    return out


def _counts(event: object) -> bool:
    return isinstance(event, (Rep, HoldSegment))
