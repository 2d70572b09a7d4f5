"""What a finished rep measured: the tracked rep and the value each rep rule judges.

Kept apart from the checker's state machine because it is pure arithmetic on one rep's
record: the peak, the extremes of every signal, and the (time, value) trace of the rep
signal, from which tempo metrics (time and speed into and out of the peak) are taken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posecheck.check.spec_model import Reps, Rule


@dataclass(slots=True)
class RepTrack:
    """One rep in progress: where it started and peaked, and what every signal did."""

    t_start: float
    peak_t: float
    peak_v: float
    peak_values: dict[str, float]
    peak_side: str | None
    mins: dict[str, float] = field(default_factory=dict)
    maxs: dict[str, float] = field(default_factory=dict)
    trace: list[tuple[float, float]] = field(default_factory=list)
    # The rep signal's furthest value in the rest before this rep (highest for a "down"
    # rep): did the arms straighten, did the person stand all the way up? NaN if unseen.
    rest_extreme: float = math.nan
    # Every signal's lowest and highest in that rest (for "rest_min" / "rest_max" rules).
    rest_mins: dict[str, float] = field(default_factory=dict)
    rest_maxs: dict[str, float] = field(default_factory=dict)


#: A rep's top (or bottom) is where its signal lies within this share of its travel (from
#: the exit threshold to the extreme) of the extreme. Set on the recordings of every shared
#: clip, with their landmarks at the base stride and interpolated between (the adaptive
#: rate with no exercise watch, 51% of the frames): at a fifth, landmark noise on a
#: bridge's top, a plank knee drive, a lunge and a row still split the top and moved 4
#: recordings' peaks by 1-3 frames; at a quarter and at a third, none moved.
PEAK_SHARE = 0.25


def peak_time(rep: RepTrack, exit_: float) -> float:
    """When a rep peaked: the middle of the run of samples around its extreme that lie
    within :data:`PEAK_SHARE` of its travel from ``exit_`` (the spec's exit threshold)
    of the extreme, snapped to a sample; not the extreme's own sample.

    Why: at a plateau (a squat's bottom, a bridge's top, a fold held) the extreme's sample
    is picked by landmark noise, not by the movement: two full-rate runs of the same clip
    whose MediaPipe tracking differs only by where a worker's part began put it up to
    0.77 s apart (docs/frame-rate-agreement.md). The middle of the plateau is where the
    movement turned, and it stays put under noise smaller than the band. A sharp peak
    has a run of one sample: its own time, as before.
    """
    trace = rep.trace
    band = PEAK_SHARE * abs(rep.peak_v - exit_)
    if band <= 0 or not trace:
        return rep.peak_t
    times = [t for t, _ in trace]
    try:
        i = times.index(rep.peak_t)
    except ValueError:  # the peak is the rep's first sample (not in the trace)
        return rep.peak_t
    lo = hi = i
    while lo > 0 and abs(trace[lo - 1][1] - rep.peak_v) <= band:
        lo -= 1
    while hi + 1 < len(trace) and abs(trace[hi + 1][1] - rep.peak_v) <= band:
        hi += 1
    middle = (times[lo] + times[hi]) / 2
    return min(times[lo : hi + 1], key=lambda t: abs(t - middle))


def rep_value(rule: Rule, rep: RepTrack, t_end: float, reps: Reps | None) -> float | None:
    """The value a rep rule judges: at the peak, a signal's extreme or span, or a metric."""
    if rule.when == "peak":
        return rep.peak_values.get(rule.signal or "", math.nan)
    if rule.signal is not None:
        if rule.stat == "range":  # how much it moved over the rep (a torso kept still)
            return rep.maxs.get(rule.signal, math.nan) - rep.mins.get(rule.signal, math.nan)
        if rule.stat in ("rest_min", "rest_max"):  # in the rest before the rep
            rest = rep.rest_mins if rule.stat == "rest_min" else rep.rest_maxs
            return rest.get(rule.signal, math.nan)
        table = rep.mins if rule.stat == "min" else rep.maxs
        return table.get(rule.signal, math.nan)
    if rule.metric == "rep_s":
        return t_end - rep.t_start
    if rule.metric == "rest_extreme":
        return rep.rest_extreme
    # Timing around the top (or bottom): "at the peak" means within `band` of the
    # peak value, so a plateau counts as the peak, not just its highest sample.
    trace = rep.trace or [(rep.peak_t, rep.peak_v)]
    near = [t for t, v in trace if abs(v - rep.peak_v) <= rule.band]
    first, last = (near[0], near[-1]) if near else (rep.peak_t, rep.peak_t)
    if rule.metric == "to_peak_s":
        return first - rep.t_start
    if rule.metric == "from_peak_s":
        return t_end - last
    if rule.metric in ("to_peak_speed", "from_peak_speed"):
        # Mean speed (signal units per second) on the way in or out, band edge to the
        # phase threshold: unlike a duration it does not depend on how high the peak was.
        assert reps is not None
        edge = rep.peak_v - rule.band if reps.direction == "up" else rep.peak_v + rule.band
        if rule.metric == "to_peak_speed":
            span, dt = abs(edge - reps.enter), first - rep.t_start
        else:
            span, dt = abs(edge - reps.exit), t_end - last
        return span / dt if dt > 0 else math.inf
    times = np.array([t for t, _ in trace] + [t_end])
    dts = np.diff(times)
    values = np.array([v for _, v in trace])
    return float(np.sum(dts[np.abs(values - rep.peak_v) <= rule.band]))  # peak_dwell_s
