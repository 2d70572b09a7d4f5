"""Which known exercise a span of poses shows, or "not sure": the recogniser.

How it decides (docs/recognition.md has the measured figures):

1. Every spec's own checker runs over the span (:mod:`posecheck.workout.evidence`). A rep
   exercise is a candidate when its checker counted a rep; a hold when its checker timed
   a hold of a second or more. The specs' position gates and counting signals are the
   description of each exercise, so a new spec is recognised with no new code.
2. A rep exercise explains a hold it moves inside: a push-up's reps happen in the plank's
   position, knee drives too, pull-ups in the dead hang's. A hold whose time lies mostly
   within a rep exercise's set is dropped in favour of the reps.
3. Each remaining candidate gets a support: the share of the time a person is in view that
   it explains (a set of reps from a rep before the first to one after the last; a hold its
   held time). Rep exercises whose sets overlap share it by their counts: a look-alike that
   counts some of the reps (the two-leg bridge inside single-leg bridges) gets that share.
4. A hold must be held still: a hold whose joints move like a rep exercise's is a candidate
   but is never named (pull-ups the pull-up checker missed still look like a dead hang).
5. The best candidate is named when it explains enough of the span and clearly more than
   the runner-up; otherwise the answer is "not sure" with the candidates, best first.
6. Posture (sitting at a desk) is what every upright person looks like, so it is only
   considered when nothing else could be named, and named only for a long, seated span. A still
   standing span is "not sure (posture)"; walking about is "no exercise".
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.check.spec_model import ExerciseSpec
from posecheck.check.specs import available, spec_for
from posecheck.pose.landmarks import PoseFrame
from posecheck.workout.evidence import SpecEvidence, gather, present_s
from posecheck.workout.motion import in_spans, joint_speeds, median_speed, seated
from posecheck.workout.recognition import Candidate, Recognition

#: Less than this much of a person in view is too little to recognise anything.
MIN_PRESENT_S = 1.0
#: A hold shorter than this is a pause, not a hold (the specs' own hold.min_s default).
MIN_HOLD_S = 1.0
#: The named exercise must explain at least this share of the time a person is in view.
#: A set with rests around it still explains most of it; one stray rep in a long span
#: (a walk that dips like a lunge once) explains a few seconds of it.
MIN_SUPPORT = 0.4
#: ... and the runner-up at most (1 - MIN_MARGIN) of what the best explains: the named one
#: explains at least 1.5 times as much. Two holds whose gates both accept the pose (cobra
#: and plank on a cobra, dead hang and wall stretch on a hang) differ by less than that
#: when the camera's view leaves them hard to tell.
MIN_MARGIN = 1 / 3
#: A hold whose time lies at least this much inside a rep exercise's set is that exercise's
#: starting position, not a hold of its own.
EXPLAINED_SHARE = 0.5
#: Held still: the median joint speed (m/s, relative to the hips, world landmarks) in a
#: hold's time. Measured holds 0.02-0.04 (plank, cobra) and 0.14-0.15 (a dead hang sways);
#: reps done inside a hold's gate 0.13-0.36 (push-ups 0.13, pull-ups 0.26-0.36).
STILL_MPS = 0.2
#: Posture is named only for a span this long (monitoring a desk is minutes, not seconds;
#: a rest between sets is shorter than a posture check, and the sitting test below
#: decides the rest) ...
POSTURE_MIN_S = 10.0
#: ... that the posture checker holds for most of ...
POSTURE_HOLD_SHARE = 0.8
#: ... with the thighs seen seated in most of the frames where knees are seen.
POSTURE_SEATED_SHARE = 0.5
POSTURE = "posture"
#: Look-alikes a pose cannot tell apart: the second is the first with a weight in the hands,
#: and no landmark shows the weight. The unloaded one is listed first when they tie.
SAME_MOVEMENT = {"loaded_forward_bend": "forward_bend"}


@functools.cache
def default_specs() -> tuple[ExerciseSpec, ...]:
    """Every spec in the package, loaded once."""
    return tuple(spec_for(name) for name in available())


@dataclass(slots=True)
class _Cand:
    name: str
    support: float
    reps: int = 0
    hold_s: float = 0.0
    nameable: bool = True
    why: str = ""

    def out(self) -> Candidate:
        return Candidate(
            self.name, round(self.support, 3), self.reps, round(self.hold_s, 2), self.why
        )


def _set_window(ev: SpecEvidence) -> tuple[float, float]:
    """A set of reps: from one rep's length before the first to one after the last (the
    rest around the reps belongs to the set)."""
    first, last = ev.reps[0], ev.reps[-1]
    return first.t_start - first.duration, last.t_end + last.duration


def _overlap(spans: Iterable[tuple[float, float]], a: float, b: float) -> float:
    return sum(max(0.0, min(e, b) - max(s, a)) for s, e in spans)


def recognize(
    frames: Sequence[PoseFrame], specs: Iterable[ExerciseSpec] | None = None
) -> Recognition:
    """Name the exercise the frames show, or say "not sure" with the candidates."""
    specs = default_specs() if specs is None else tuple(specs)
    present = present_s(frames)
    if present < MIN_PRESENT_S:
        return Recognition(None, 0.0, (), f"too little of a person in view ({present:.1f} s)")
    evidence = gather(frames, specs)
    times = np.array([f.t for f in frames])
    speeds = joint_speeds(frames)

    rep_ev = {n: e for n, e in evidence.items() if e.reps and n != POSTURE}
    hold_ev = {
        n: e
        for n, e in evidence.items()
        if e.kind == "hold" and e.hold_s >= MIN_HOLD_S and n != POSTURE
    }
    windows = {n: _set_window(e) for n, e in rep_ev.items()}
    cands: list[_Cand] = []
    explained_by: dict[str, str] = {}
    for n, e in hold_ev.items():
        spans = [(h.t_start, h.t_end) for h in e.holds]
        for r, (a, b) in windows.items():
            if _overlap(spans, a, b) >= EXPLAINED_SHARE * e.hold_s:
                explained_by[n] = r
                break
    for n, e in rep_ev.items():
        a, b = windows[n]
        explained = min(b, times[-1]) - max(a, times[0])
        rivals = [
            len(o.reps)
            for m, o in rep_ev.items()
            if windows[m][0] < b and windows[m][1] > a  # sets that overlap (self included)
        ]
        share = len(e.reps) / max(rivals)
        support = min(1.0, explained / present) * share
        inside = [h for h, r in explained_by.items() if r == n]
        why = f"{len(e.reps)} rep{'s' if len(e.reps) > 1 else ''} over {b - a:.1f} s"
        if inside:
            why += f"; moves inside {', '.join(inside)}'s position"
        cands.append(_Cand(n, support, reps=len(e.reps), why=why))
    for n, e in hold_ev.items():
        if n in explained_by:
            continue
        speed = median_speed(speeds, in_spans(times, [(h.t_start, h.t_end) for h in e.holds]))
        still = not speed > STILL_MPS  # NaN (no world landmarks): not judged, let it be
        why = f"held {e.hold_s:.1f} s"
        if not still:
            why += f", but moving ({speed:.2f} m/s): not a hold"
        cands.append(
            _Cand(n, min(1.0, e.hold_s / present), hold_s=e.hold_s, nameable=still, why=why)
        )
    nameable = any(c.nameable and c.support >= MIN_SUPPORT for c in cands)
    if not nameable and POSTURE in evidence:  # a stray short hold does not hide a desk
        posture = _posture(evidence[POSTURE], frames, present, speeds)
        if posture is not None:
            cands.append(posture)
    return _decide(cands, present)


def _posture(
    ev: SpecEvidence, frames: Sequence[PoseFrame], present: float, speeds: np.ndarray
) -> _Cand | None:
    """Posture when nothing else fits: named for a long seated span, a candidate for a long
    still stand (a rest or a standing desk: cannot tell), nothing for moving about."""
    if present < POSTURE_MIN_S or ev.hold_s < POSTURE_HOLD_SHARE * present:
        return None
    times = np.array([f.t for f in frames])
    mask = in_spans(times, [(h.t_start, h.t_end) for h in ev.holds])
    sits = [s for f, m in zip(frames, mask, strict=True) if m for s in [seated(f)] if s is not None]
    seated_share = sum(sits) / len(sits) if sits else 0.0
    support = min(1.0, ev.hold_s / present)
    if seated_share >= POSTURE_SEATED_SHARE:
        return _Cand(POSTURE, support, hold_s=ev.hold_s, why=f"sitting for {ev.hold_s:.0f} s")
    speed = median_speed(speeds, mask)
    if speed > STILL_MPS:
        return None
    return _Cand(
        POSTURE,
        support,
        hold_s=ev.hold_s,
        nameable=False,
        why=f"standing still {ev.hold_s:.0f} s: a posture check or a rest",
    )


def _rank_key(c: _Cand) -> tuple[float, int]:
    # Ties: the movement without a load first (SAME_MOVEMENT), then by name for stability.
    return (-c.support, 1 if c.name in SAME_MOVEMENT else 0)


def _decide(cands: list[_Cand], present: float) -> Recognition:
    if not cands:
        return Recognition(
            None, 0.0, (), f"no checker counts a rep or times a hold in {present:.0f} s"
        )
    cands.sort(key=lambda c: (*_rank_key(c), c.name))
    best = cands[0]
    runner = cands[1].support if len(cands) > 1 else 0.0
    confidence = round(max(0.0, best.support - runner), 3)
    out = tuple(c.out() for c in cands)
    if not best.nameable:
        return Recognition(None, confidence, out, f"{best.name} {best.why}")
    if best.support < MIN_SUPPORT:
        return Recognition(
            None,
            confidence,
            out,
            f"{best.name} explains only {best.support:.0%} of the time in view",
        )
    if runner > (1 - MIN_MARGIN) * best.support:
        second = cands[1]
        return Recognition(
            None,
            confidence,
            out,
            f"{best.name} ({best.why}) and {second.name} ({second.why}) fit alike",
        )
    return Recognition(best.name, confidence, out, best.why)
