"""A whole workout from its poses: the sets found, each judged by its own exercise's
checker, and the totals per exercise.

Each set is judged as if it had been filmed alone: a fresh checker (and person selector)
for the set's exercise runs over the set's frames plus a lead-in and a tail of up to
:data:`JUDGE_PAD_S` (the checker needs the person settled in position before the first
rep and to see the last one come back up), never into the next set's frames nor across
a cut (see :func:`window`). The poses are computed once for the whole file; the sets are
cut from them. A set's edges are its own checker's (:func:`own_edges`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from posecheck.check.checker import Checker
from posecheck.check.events import Event, FrameResult, HoldSegment, Issue, Rep
from posecheck.check.frame_signals import GAP_RESET_S
from posecheck.check.people import PersonSelector
from posecheck.check.specs import ExerciseSpec, spec_for
from posecheck.pose.landmarks import PoseFrame
from posecheck.workout.activity import Activity, gather
from posecheck.workout.recognition import Recognition, Recognizer
from posecheck.workout.recognize import recognize
from posecheck.workout.rest import standing
from posecheck.workout.segment import SetSpan, find_sets

#: Seconds judged before a set's first rep and after its last, when the rest allows:
#: the checker's position gate and smoothing settle in well under this (position is
#: debounced over fractions of a second), and a clip filmed alone has such a lead-in.
JUDGE_PAD_S = 3.0


@dataclass(frozen=True, slots=True)
class WorkoutSet:
    """One set: when, what (as recognised), and what its checker said."""

    index: int  #: 1-based, in time order
    start: float  #: the set's active span, seconds from the start of the recording
    end: float
    recognition: Recognition
    window: tuple[float, float] = (0.0, 0.0)  #: the frames judged (start, end)
    #: the spec the set was judged with: the recognised exercise; None when not sure (a
    #: report under a guessed name would be read as a real one: the report shows the
    #: candidates and what each one's checker counted instead)
    judged_as: str | None = None
    #: each judged frame with its checker result
    results: tuple[tuple[PoseFrame, FrameResult], ...] = ()
    tail: tuple[Event, ...] = ()  #: the checker's ``finish()`` events

    @property
    def exercise(self) -> str | None:
        """The recognised exercise; None when the recogniser was not sure."""
        return self.recognition.exercise

    @property
    def sure(self) -> bool:
        return self.recognition.exercise is not None

    def events(self) -> list[Event]:
        return [e for _, r in self.results for e in r.events] + list(self.tail)

    @property
    def reps(self) -> list[Rep]:
        return [e for e in self.events() if isinstance(e, Rep)]

    @property
    def holds(self) -> list[HoldSegment]:
        return [e for e in self.events() if isinstance(e, HoldSegment)]

    @property
    def issues(self) -> list[Issue]:
        return [e for e in self.events() if isinstance(e, Issue)]

    @property
    def hold_s(self) -> float:
        """Seconds held, a hold still open at the window's end included."""
        done = sum(h.duration for h in self.holds)
        last = self.results[-1][1].state.hold_s if self.results else 0.0
        return max(done, last)


@dataclass(frozen=True, slots=True)
class ExerciseTotal:
    """One exercise over the whole workout."""

    exercise: str
    sets: int = 0
    reps: int = 0
    reps_by_side: dict[str, int] = field(default_factory=dict)
    hold_s: float = 0.0
    issues: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Workout:
    """A whole recording: its sets in order, and the movement that was no exercise."""

    sets: tuple[WorkoutSet, ...]
    other: tuple[SetSpan, ...]  #: candidates the recogniser called no exercise
    t_first: float
    t_last: float

    def rests(self) -> list[tuple[float, float]]:
        """The stretches between sets (and before the first, after the last)."""
        edges = [self.t_first, *(x for s in self.sets for x in (s.start, s.end)), self.t_last]
        pairs = zip(edges[::2], edges[1::2], strict=True)
        return [(a, b) for a, b in pairs if b > a]

    def totals(self) -> dict[str, ExerciseTotal]:
        """Per recognised exercise: sets, reps (per side), seconds held, issues by code."""
        out: dict[str, ExerciseTotal] = {}
        for s in self.sets:
            if s.judged_as is None:
                continue
            t = out.get(s.judged_as) or ExerciseTotal(s.judged_as)
            sides = dict(t.reps_by_side)
            for r in s.reps:
                if r.side is not None:
                    sides[r.side] = sides.get(r.side, 0) + 1
            issues = dict(t.issues)
            for i in s.issues:
                issues[i.code] = issues.get(i.code, 0) + 1
            out[s.judged_as] = ExerciseTotal(
                s.judged_as,
                t.sets + 1,
                t.reps + len(s.reps),
                dict(sorted(sides.items())),
                t.hold_s + s.hold_s,
                dict(sorted(issues.items())),
            )
        return out


def judge(frames: Sequence[PoseFrame], spec: ExerciseSpec) -> tuple[list, list[Event]]:
    """A fresh checker over ``frames``: each frame with its result, and the tail events."""
    checker, people = Checker(spec), PersonSelector(spec)
    results = [(f, checker.update(people.select(f))) for f in frames]
    return results, (checker.finish() if frames else [])


def window(frames: Sequence[PoseFrame], c: SetSpan) -> tuple[int, int]:
    """Indexes [i, j) of the frames judged for a set: up to :data:`JUDGE_PAD_S` either side
    (not past half-way to a neighbour), never across a gap with nobody in the picture
    longer than the checker's reset gap: past a cut the checker would start afresh anyway,
    and a hold must not run on through the empty frames."""
    times = [f.t for f in frames]
    lo = max(c.bounds[0], c.start - JUDGE_PAD_S)
    hi = min(c.bounds[1], c.end + JUDGE_PAD_S)
    i = bisect_left(times, c.start)
    last_pose = times[i] if i < len(times) else c.start
    while i > 0 and times[i - 1] >= lo:
        if frames[i - 1].pose is not None:
            last_pose = times[i - 1]
        elif last_pose - times[i - 1] > GAP_RESET_S:
            break
        i -= 1
    j = bisect_right(times, c.end)
    last_pose = times[j - 1] if j > 0 else c.end
    while j < len(times) and times[j] <= hi:
        if frames[j].pose is not None:
            last_pose = times[j]
        elif times[j] - last_pose > GAP_RESET_S:
            break
        j += 1
    while i < j and frames[i].pose is None:  # judged from the first pose to the last:
        i += 1  # a checker keeps a hold going for a moment with nobody seen
    while j > i and frames[j - 1].pose is None:
        j -= 1
    return i, j


def own_edges(
    results: Sequence[tuple[PoseFrame, FrameResult]],
    tail: Sequence[Event],
    fallback: tuple[float, float],
) -> tuple[float, float]:
    """A set's edges from its own checker: first rep or hold to the last, grown over the
    frames in position (and not just standing) when that reaches the edge of the footage
    or a gap with nobody detected: a set cut off by the video ran up to the cut (the
    push-ups a clip starts in the middle of, a last rep the video ends inside)."""
    spans = [
        (e.t_start, e.t_end)
        for _, r in results
        for e in r.events
        if isinstance(e, (Rep, HoldSegment))
    ] + [(e.t_start, e.t_end) for e in tail if isinstance(e, (Rep, HoldSegment))]
    if not spans:
        return fallback
    a, b = min(x for x, _ in spans), max(y for _, y in spans)
    times = [f.t for f, _ in results]
    i = bisect_left(times, a)
    k = i
    while k > 0 and _in_set(results[k - 1]):
        k -= 1
    if k == 0 or results[k - 1][0].pose is None:
        a = times[k] if k < len(times) else a
    j = bisect_right(times, b) - 1
    k = j
    while k + 1 < len(results) and _in_set(results[k + 1]):
        k += 1
    if k + 1 == len(results) or results[k + 1][0].pose is None:
        b = times[k] if k >= 0 else b
    return a, b


def _in_set(item: tuple[PoseFrame, FrameResult]) -> bool:
    frame, result = item
    return result.state.in_position and frame.pose is not None and not standing(frame)


def analyze_workout(
    frames: Sequence[PoseFrame],
    recognizer: Recognizer | None = None,
    specs: Mapping[str, ExerciseSpec] | None = None,
    activity: Activity | None = None,
) -> Workout:
    """Find the sets of ``frames``, name each with ``recognizer`` (default:
    :func:`posecheck.workout.recognize.recognize`), judge each alone.

    ``specs``: the exercises to look for and to judge with (default: every built-in one;
    give configured specs to judge with a strictness). ``activity``: every spec's
    evidence over ``frames`` when already computed.
    """
    recognizer = recognize if recognizer is None else recognizer
    activity = gather(frames, specs) if activity is None else activity
    found, other = find_sets(frames, activity, recognizer)
    sets: list[WorkoutSet] = []
    for c in found:
        rec = c.recognition
        name = rec.exercise
        if name is None:  # not sure: nothing to judge with
            sets.append(WorkoutSet(len(sets) + 1, c.start, c.end, rec, (c.start, c.end)))
            continue
        spec = specs[name] if specs is not None and name in specs else spec_for(name)
        i, j = window(frames, c)
        results, tail = judge(frames[i:j], spec)
        a, b = own_edges(results, tail, (c.start, c.end))
        span = (frames[i].t, frames[j - 1].t) if j > i else (c.start, c.end)
        sets.append(WorkoutSet(len(sets) + 1, a, b, rec, span, name, tuple(results), tuple(tail)))
    t_first = frames[0].t if frames else 0.0
    t_last = frames[-1].t if frames else 0.0
    return Workout(tuple(sets), tuple(other), t_first, t_last)
