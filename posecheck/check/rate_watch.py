"""The exercise's own say in where the adaptive frame rate must run the model on every frame.

The pose layer's sampler (posecheck.pose.sampling) runs the model on every few frames and
interpolates the rest; it knows landmark motion but not the exercise. This watch runs a
shadow :class:`~posecheck.check.checker.Checker` on the model's frames (~40 us a frame)
and, after each, asks for the frames coming next to be run one by one wherever the
answers could depend on them:

- the checker's discrete state changed (seen or not, in position or not, rep phase and
  count, each continuous rule breaking or not and confirmed or not), or a change is
  pending (a position switch waiting out its debounce, a fault begun but not yet
  confirmed, or not breaking now and so perhaps ending): events happen there, and their
  times must be exact;
- the counting signal is within reach of its enter or exit threshold (:data:`STEP_REACH`
  times its last step, at least :data:`PEAK_MARGIN` of the threshold gap): a rep starts
  or ends there;
- during a rep, the counting signal is at (within :data:`PEAK_MARGIN` of) the rep's
  extreme so far and slowing (:data:`SLOW`): the rep's peak, its time and the values the
  rules judge at it, is near.

The margins are shares of the gap between the spec's own enter and exit thresholds (its
measure of a real change of the signal), set on the recordings of every shared clip.
"""

from __future__ import annotations

import math
from collections import Counter

from posecheck.check.checker import Checker
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import PoseFrame

#: How close to the rep's extreme so far (as a share of the gap between the spec's enter
#: and exit thresholds, its own measure of what a real change of the signal is) a sample
#: must come for the gap beside it to be filled.
PEAK_MARGIN = 0.25
#: A threshold within this many of the last step is within reach of the next stride.
STEP_REACH = 1.5
#: The signal is slowing into a turn when a step is at most this share of the gap
#: between the thresholds.
SLOW = 0.5
#: Every reason the watch can ask for: a discrete state change, a change pending, the
#: counting signal near a threshold or near a rep's extreme, the signal lost. Fewer
#: reasons run the model on fewer frames and agree less often with the full rate: the
#: trade-off measured on the shared clips by scripts/rate_frontier.py
#: (docs/frame-rate-frontier.md); the default is all of them.
REASONS = frozenset({"changed", "pending", "threshold", "peak", "signal"})


class SpecWatch:
    """Call it with each model frame in order (a :data:`posecheck.pose.sampling.Watch`)."""

    def __init__(self, spec: ExerciseSpec, reasons: frozenset[str] = REASONS) -> None:
        if unknown := reasons - REASONS:
            raise ValueError(f"unknown watch reasons {sorted(unknown)}; allowed: {sorted(REASONS)}")
        self.spec = spec
        self.reasons = reasons
        self.checker = Checker(spec)
        reps = spec.reps
        self.signal = reps.signal if reps is not None else None
        self.edges = (reps.enter, reps.exit) if reps is not None else ()
        self.margin = PEAK_MARGIN * abs(reps.enter - reps.exit) if reps is not None else 0.0
        self.why: Counter[str] = Counter()  # model frames that asked for more, by reason
        self.down = reps is not None and reps.direction == "down"
        self._key: tuple[object, ...] | None = None
        self._v = math.nan  # the counting signal at the last model frame
        self._extreme = math.nan  # the current rep's extreme so far
        self._active = False

    def _state_key(self) -> tuple[object, ...]:
        c = self.checker
        return (
            c.visible,
            c.in_position,
            c.pos_pending is not None,
            c.rep is not None,
            c.rep_stuck,
            c.reps,
            c.hold_start is not None,
            tuple((ep.onset is not None, ep.confirmed, ep.last_break == c.t) for ep in c.episodes),
        )

    def __call__(self, frame: PoseFrame) -> bool:
        """Judge the model frame; True: run the frames coming next one by one."""
        state = self.checker.update(frame).state
        key = self._state_key()
        changed = self._key is not None and key != self._key
        self._key = key
        c = self.checker
        # Something about to switch: a position change waiting out its debounce, a fault
        # episode begun but not yet confirmed, or one not breaking now (it may end).
        pending = c.pos_pending is not None or any(
            ep.onset is not None and (not ep.confirmed or ep.last_break != c.t) for ep in c.episodes
        )
        reasons = {"changed": changed, "pending": pending}
        if self.signal is not None:
            v = state.signals.get(self.signal, math.nan)
            before, self._v = self._v, v
            reasons.update(self._signal(v, before))
        for reason, hit in reasons.items():
            if hit:
                self.why[reason] += 1
        return any(hit and reason in self.reasons for reason, hit in reasons.items())

    def _signal(self, v: float, before: float) -> dict[str, bool]:
        """The counting signal's reasons: a threshold within reach of the next step, or a
        rep's extreme near (the signal at it and slowing)."""
        if math.isnan(v):
            return {"signal": not math.isnan(before)}
        step = abs(v - before) if not math.isnan(before) else 0.0
        reach = max(self.margin, STEP_REACH * step)
        threshold = any(abs(v - e) <= reach for e in self.edges)
        active = self.checker.rep is not None or self._past_exit(v)
        if active and not self._active:  # a rep began: its extreme starts afresh
            self._extreme = v
        self._active = active
        peak = False
        if active:
            ext = self._extreme
            if math.isnan(ext) or (v < ext if self.down else v > ext):
                self._extreme = ext = v
            peak = abs(v - ext) <= self.margin and step <= SLOW * abs(self.edges[0] - self.edges[1])
        return {"threshold": threshold, "peak": peak}

    def _past_exit(self, v: float) -> bool:
        """Whether a sample is past the exit threshold (a rep just ended there)."""
        exit_ = self.edges[1]
        return v < exit_ if self.down else v > exit_
