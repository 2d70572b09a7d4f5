"""Counting reps: the half of the checker that turns the rep signal's phases into reps.

A rep opens when the signal passes `enter` (not when it is first seen back after a gap in
detection already past it: the rep's start was not seen), tracks its peak and every
signal's extremes, and closes past `exit`; it is counted only if it lasted long enough,
was in position at its peak (and throughout, for the bounds that say so), and, for
periodic motion, belongs to a bout. Counting a rep judges its rep rules and marks it with
the continuous faults that overlapped it. A mixin of posecheck.check.checker.Checker,
which owns the state these methods read and write (set in its constructor); kept apart so
each file reads as one idea.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from posecheck.check.events import Event, Issue, Rep
from posecheck.check.features import Features
from posecheck.check.frame_signals import FrameSignals
from posecheck.check.rep_metrics import RepTrack, peak_time, rep_value
from posecheck.check.spec_model import Bound

if TYPE_CHECKING:
    from posecheck.check.spec_model import ExerciseSpec


def _held_throughout(bound: Bound, rep: RepTrack) -> bool:
    """Did ``bound`` hold on every frame of ``rep`` (its signal's extremes over the rep)?"""
    low, high = rep.mins.get(bound.signal), rep.maxs.get(bound.signal)
    if low is None or high is None:
        return bound.if_seen
    return bound.holds(low) and bound.holds(high)


class RepCounting:
    """Rep counting for Checker (see the module docstring); no state of its own."""

    spec: ExerciseSpec
    rep: RepTrack | None
    rep_stuck: bool
    rep_seen_t: float
    signals: FrameSignals
    # When the rep signal was last seen at rest (outside its active phase), in position.
    rest_seen_t: float = -math.inf
    rest_extreme: float
    rest_mins: dict[str, float]
    rest_maxs: dict[str, float]
    reps: int
    reps_by_side: dict[str, int]
    cycle: Any
    cycle_value: float
    bout: Any
    rep_cue: tuple[str, float] | None

    def _count(self, feats: Features | None, t: float, events: list[Event]) -> None:
        reps = self.spec.reps
        assert reps is not None and feats is not None
        v = feats.values.get(reps.signal, math.nan) if self.cycle is None else self.cycle_value
        if math.isnan(v):
            # A rep cannot stay open across a stretch where its signal is unseen: what
            # happened meanwhile (maybe another rep) is unknown, so drop it, uncounted.
            if self.rep is not None and t - self.rep_seen_t > self.spec.visibility.lost_after_s:
                self.rep = None
            return
        self.rep_seen_t = t
        active = self.rep is not None or self.rep_stuck
        now_active = reps.is_active(v, active)
        if self.cycle is not None:  # the phase within the range; the peak on the signal itself
            v = feats.values[reps.signal]
        if self.rep_stuck:
            self.rep_stuck = now_active
            return
        if self.rep is None:
            if now_active and self.rest_seen_t < self.signals.gap_t:
                # Back after a detection gap (a camera cut) already past `enter`: the rep's
                # start was not seen, so it is no rep; wait for the return. (A session cut
                # from standing to a clip that starts bent over counted a fold on it.)
                self.rep_stuck = True
                return
            if now_active:
                side = feats.side_of(reps.side_by) if reps.side_by else None
                self.rep = RepTrack(t, t, v, feats.values, side)
                self.rep.rest_extreme, self.rest_extreme = self.rest_extreme, math.nan
                if self._rest_stats:
                    self.rep.rest_mins, self.rep.rest_maxs = self.rest_mins, self.rest_maxs
                    self.rest_mins, self.rest_maxs = {}, {}
            else:
                self.rest_seen_t = t
                rest = self.rest_extreme
                further = v > rest if reps.direction == "down" else v < rest
                if math.isnan(rest) or further:
                    self.rest_extreme = v
            return
        rep = self.rep
        rep.trace.append((t, v))
        mins, maxs = rep.mins, rep.maxs  # min() / max() of old and new, unrolled
        for name, value in feats.values.items():
            if value == value:  # not NaN
                low = mins.get(name)
                if low is None:
                    mins[name] = maxs[name] = value
                else:
                    if value < low:
                        mins[name] = value
                    if value > maxs[name]:
                        maxs[name] = value
        if (v < rep.peak_v) if reps.direction == "down" else (v > rep.peak_v):
            rep.peak_t, rep.peak_v = t, v
            rep.peak_values = feats.values  # a frame's values are never changed afterwards
            if reps.side_by:
                rep.peak_side = feats.side_of(reps.side_by) or rep.peak_side
        if t - rep.t_start > reps.max_rep_s:
            self.rep = None
            self.rep_stuck = True  # stayed down too long: not a rep; wait for the return
            return
        if not now_active:
            self.rep = None
            self._complete(rep, t, events)

    def _complete(self, rep: RepTrack, t_end: float, events: list[Event]) -> None:
        reps = self.spec.reps
        assert reps is not None
        active_s = t_end - rep.t_start
        if active_s < reps.min_active_s or active_s < reps.min_rep_s:
            return
        # At its peak a rep must be in the exercise's position, not only near it: the
        # position gate is debounced, so half a second of something else (jumping down
        # from a box, bending to pick something up) could otherwise pass for a rep.
        required = (*(self._keep or self._require), *reps.require)
        if not all(b.ok(rep.peak_values) or not self._applies(b) for b in required):
            return
        # Bounds that hold over the whole rep, not only at its peak (rep.mins / maxs).
        for b in reps.throughout:
            if self._applies(b) and not _held_throughout(b, rep):
                return
        if self.bout is None:
            self._record(rep, t_end, events)
            return
        for counted, end in self.bout.take((rep, t_end), rep.t_start, t_end):
            part: list[Event] = []  # a bout counts the cycles it held back at once, in order
            self._record(counted, end, part)
            events.extend(part)

    def _track_rest(self, values: dict[str, float]) -> None:
        """Every signal's lowest and highest between reps (NaN skipped), from the last rep
        (or leaving position) on: the rest before a set's first rep is often seen only
        before the position gate has settled."""
        mins, maxs = self.rest_mins, self.rest_maxs
        for name, value in values.items():
            if value == value:
                if name not in mins or value < mins[name]:
                    mins[name] = value
                if name not in maxs or value > maxs[name]:
                    maxs[name] = value

    def _record(self, rep: RepTrack, t_end: float, events: list[Event]) -> None:
        """Count a rep that passed its checks: the Rep event first, then its faults."""
        self.reps += 1
        side = rep.peak_side if self.spec.per_side else None
        if side is not None:
            self.reps_by_side[side] = self.reps_by_side.get(side, 0) + 1
            self._sides_shown = dict(self.reps_by_side)
        reps = self.spec.reps
        assert reps is not None
        # Periodic motion's reps are cycles of a phase: its peak is the signal's own sample.
        t_peak = peak_time(rep, reps.exit) if self.cycle is None else rep.peak_t
        codes: list[str] = []
        for rule in self.rep_rules:
            if not self._judged_here(rule, t_end, events):
                continue
            value = rep_value(rule, rep, t_end, self.spec.reps)
            if value is not None and not math.isnan(value) and rule.breaks(value):
                codes.append(rule.code)
                when = t_peak if rule.when == "peak" else rep.t_start
                events.append(
                    Issue(
                        rule.code, rule.message, when, t_end, rule.code, round(value, 4), self.reps
                    )
                )
                self.rep_cue = (rule.message, t_end)
        for rule, ep in zip(self.continuous, self.episodes, strict=True):
            if rule.code not in codes and ep.overlaps(rep.t_start, t_end):
                codes.append(rule.code)  # its Issue comes when the episode ends
        at_peak = {k: round(v, 3) for k, v in rep.peak_values.items() if not math.isnan(v)}
        ranges = {k: (round(v, 3), round(rep.maxs[k], 3)) for k, v in rep.mins.items()}
        events.insert(
            0, Rep(self.reps, side, rep.t_start, t_end, t_peak, at_peak, tuple(codes), ranges)
        )
