"""Scoring a whole workout against the truth: sets found, named, bounded and counted.

A found set belongs to the true set it overlaps most. A true set is *found* when a found
set belongs to it, *bounded* when both edges are within :data:`BOUNDARY_S` of the truth,
*named* when the recogniser gave its exercise, and *counted as alone* when the set's reps
(per side), hold and issues are those of its recording analysed alone with its own spec.
A found set that belongs to no exercise (a rest, the control clip) is a *false set*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from posecheck.check.events import HoldSegment, Issue, Rep
from posecheck.check.specs import spec_for
from posecheck.evaluate.sessions import Manifest, Session, TruthSet, frames_of, overlap, recordings
from posecheck.workout.sets import WorkoutSet, judge

#: A set's edges must be this close to the truth (the issue's "within 1 s").
BOUNDARY_S = 1.0
#: A hold analysed in a session may differ from the clip alone by this much (a frame or
#: two of a different lead-in).
HOLD_TOLERANCE_S = 0.5


@dataclass(frozen=True, slots=True)
class Alone:
    """What a clip's own checker says about the clip alone."""

    reps: int
    sides: Mapping[str, int]
    hold_s: float
    issues: tuple[str, ...]  #: issue codes, sorted, with repeats


def summarize(reps: Sequence, hold_s: float, issues: Sequence) -> Alone:
    sides = Counter(r.side for r in reps if r.side is not None)
    codes = tuple(sorted(i.code for i in issues))
    return Alone(len(reps), dict(sorted(sides.items())), hold_s, codes)


@dataclass(slots=True)
class SetScore:
    """One true set against what the workout analysis made of it."""

    clip: str
    exercise: str | None
    truth: tuple[float, float]
    found: tuple[float, float] | None = None
    named: str = ""  #: the recognition's label ("squat", "not sure (a, b)", ...)
    start_error: float | None = None
    end_error: float | None = None
    alone: Alone | None = None
    measured: Alone | None = None
    pieces: int = 0  #: found sets belonging to this one (more than 1: split)

    @property
    def bounded(self) -> bool:
        return (
            self.start_error is not None
            and self.end_error is not None
            and abs(self.start_error) <= BOUNDARY_S
            and abs(self.end_error) <= BOUNDARY_S
        )

    @property
    def right_name(self) -> bool:
        return self.named == self.exercise

    @property
    def as_alone(self) -> bool:
        a, m = self.alone, self.measured
        if a is None or m is None:
            return False
        return (
            a.reps == m.reps
            and dict(a.sides) == dict(m.sides)
            and abs(a.hold_s - m.hold_s) <= HOLD_TOLERANCE_S
            and a.issues == m.issues
        )

    @property
    def ok(self) -> bool:
        if self.exercise is None:  # the control: no set may belong to it
            return self.pieces == 0
        return self.pieces == 1 and self.bounded and self.right_name and self.as_alone


@dataclass(slots=True)
class SessionScore:
    name: str
    sets: list[SetScore] = field(default_factory=list)
    false_sets: list[tuple[float, float, str]] = field(default_factory=list)
    #: (truth exercise or "rest", label given) per found set: the confusion's raw rows
    confusion: list[tuple[str, str]] = field(default_factory=list)


def score_session(
    session: Session, found: Sequence[WorkoutSet], alone: Mapping[str, Alone]
) -> SessionScore:
    """Score one session's found sets against its truth; ``alone`` by clip name."""
    out = SessionScore(session.name)
    rows = {t.clip: _row(t, alone) for t in session.truth}
    for s in found:
        best: TruthSet | None = None
        shared = 0.0
        for t in session.truth:
            o = overlap((s.start, s.end), _span(t))
            if o > shared:
                best, shared = t, o
        label = s.recognition.label()
        if best is None or best.exercise is None:
            out.false_sets.append((s.start, s.end, label))
            out.confusion.append(("rest" if best is None else "no exercise", label))
            if best is not None:
                rows[best.clip].pieces += 1
            continue
        row = rows[best.clip]
        row.pieces += 1
        out.confusion.append((best.exercise, label))
        if row.pieces > 1:
            continue
        row.found = (s.start, s.end)
        row.named = label
        row.start_error = s.start - best.start
        row.end_error = s.end - best.end
        row.measured = summarize(s.reps, s.hold_s, s.issues)
    for t in session.truth:
        if t.exercise is not None and rows[t.clip].pieces == 0:
            out.confusion.append((t.exercise, "missed"))
    out.sets = list(rows.values())
    return out


def _span(t: TruthSet) -> tuple[float, float]:
    return (t.start, t.end) if t.exercise is not None else (t.clip_start, t.clip_end)


def _row(t: TruthSet, alone: Mapping[str, Alone]) -> SetScore:
    return SetScore(t.clip, t.exercise, (t.start, t.end), alone=alone.get(t.clip))


def alone_results(manifest: Manifest) -> dict[str, Alone]:
    """Each exercise clip of the manifest analysed alone with its own spec (the reference
    a set found in a session must match)."""
    out = {}
    names = [n for n, (ex, _) in manifest.clips.items() if ex is not None]
    recs = recordings(manifest, names)
    for name in names:
        exercise = manifest.clips[name][0]
        assert exercise is not None
        results, tail = judge(frames_of(recs[name]), spec_for(exercise))
        events = [e for _, r in results for e in r.events] + list(tail)
        reps = [e for e in events if isinstance(e, Rep)]
        holds = sum(e.duration for e in events if isinstance(e, HoldSegment))
        hold_s = max(holds, results[-1][1].state.hold_s if results else 0.0)
        out[name] = summarize(reps, hold_s, [e for e in events if isinstance(e, Issue)])
    return out


def confusion(scores: Sequence[SessionScore]) -> dict[str, dict[str, int]]:
    """Per true exercise (or "no exercise"/"rest" for a false set): how often each label
    was given; every "not sure (...)" counts as "not sure"."""
    out: dict[str, dict[str, int]] = {}
    for sc in scores:
        for truth, label in sc.confusion:
            label = "not sure" if label.startswith("not sure") else label
            row = out.setdefault(truth, {})
            row[label] = row.get(label, 0) + 1
    return dict(sorted(out.items()))


def format_sessions(scores: Sequence[SessionScore]) -> str:
    """The sessions' scores for the terminal: a line per set that is not all right, a
    line per session, the totals and the recognition confusion per set."""
    lines = []
    sets = [r for sc in scores for r in sc.sets if r.exercise is not None]
    for sc in scores:
        rows = [r for r in sc.sets if r.exercise is not None]
        lines.append(
            f"{sc.name}: {sum(r.pieces == 1 for r in rows)}/{len(rows)} sets found, "
            f"{sum(r.right_name for r in rows)} named right, "
            f"{sum(r.named.startswith('not sure') for r in rows)} not sure, "
            f"{sum(r.pieces == 1 and r.bounded for r in rows)} with both edges within "
            f"{BOUNDARY_S:g} s, {sum(r.as_alone for r in rows)} counted as alone, "
            f"{len(sc.false_sets)} false sets"
        )
        for r in sc.sets:
            if r.ok:
                continue
            if r.exercise is None:
                lines.append(f"    {r.clip}: control found as {r.pieces} set(s)")
                continue
            if r.pieces == 0:
                lines.append(f"    {r.clip} ({r.exercise}): missed")
                continue
            why = []
            if r.pieces > 1:
                why.append(f"split in {r.pieces}")
            if not r.right_name:
                why.append(f"named {r.named}")
            if not r.bounded:
                why.append(f"edges off by {r.start_error:+.2f} / {r.end_error:+.2f} s")
            if r.named == r.exercise and not r.as_alone:
                why.append(f"alone {_short(r.alone)}, here {_short(r.measured)}")
            lines.append(f"    {r.clip} ({r.exercise}): " + "; ".join(why))
        for a, b, label in sc.false_sets:
            lines.append(f"    false set {a:.1f}-{b:.1f} s: {label}")
    found = [r for r in sets if r.pieces == 1]
    named = [r for r in found if r.right_name]
    edges = [e for r in found for e in (r.start_error, r.end_error) if e is not None]
    lines.append(
        f"All: {len(found)}/{len(sets)} sets found; recognition {len(named)}/{len(found)} "
        f"right, {sum(r.named.startswith('not sure') for r in found)} not sure, "
        f"{sum(not r.right_name and not r.named.startswith('not sure') for r in found)} "
        f"wrong; edges within {BOUNDARY_S:g} s: {sum(abs(e) <= BOUNDARY_S for e in edges)}"
        f"/{len(edges)}; counted as alone: {sum(r.as_alone for r in named)}/{len(named)} "
        f"named sets; false sets: {sum(len(sc.false_sets) for sc in scores)}"
    )
    lines.append("Recognition per set (truth: label x count):")
    for truth, row in confusion(scores).items():
        cells = ", ".join(f"{k} x{v}" for k, v in sorted(row.items(), key=lambda kv: -kv[1]))
        lines.append(f"  {truth}: {cells}")
    return "\n".join(lines)


def _short(a: Alone | None) -> str:
    if a is None:
        return "-"
    text = f"{a.reps} reps"
    if a.sides:
        text += " (" + " | ".join(f"{k[:1].upper()} {v}" for k, v in a.sides.items()) + ")"
    if a.hold_s:
        text += f", hold {a.hold_s:.1f} s"
    return text + (f", issues {list(a.issues)}" if a.issues else "")


def sessions_json(scores: Sequence[SessionScore]) -> dict[str, object]:
    """The scores as JSON: per session, per set, and the confusion."""
    return {
        "boundary_s": BOUNDARY_S,
        "sessions": [
            {
                "name": sc.name,
                "false_sets": [list(x) for x in sc.false_sets],
                "sets": [
                    {
                        "clip": r.clip,
                        "exercise": r.exercise,
                        "truth": list(r.truth),
                        "found": list(r.found) if r.found else None,
                        "named": r.named,
                        "pieces": r.pieces,
                        "start_error": r.start_error,
                        "end_error": r.end_error,
                        "bounded": r.bounded,
                        "counted_as_alone": r.as_alone,
                        "ok": r.ok,
                    }
                    for r in sc.sets
                ],
            }
            for sc in scores
        ],
        "confusion": confusion(scores),
    }
