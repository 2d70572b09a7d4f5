"""The exercise's own say in where the adaptive frame rate must run at full rate.

The pose layer's sampler (posecheck.pose.sampling) runs the model on every few frames and
interpolates the rest; it knows landmark motion but not the exercise. This watch runs a
shadow :class:`~posecheck.check.checker.Checker` on the model's base frames alone (at
10-15 fps, ~40 us a frame) and asks for a gap to be filled at full rate wherever the
answers could depend on the frames in it:

- the checker's discrete state differs across the gap (seen or not, in position or not
  and a pending switch, rep phase and count, each continuous rule breaking or not and
  confirmed or not): an event happens in it, and its time must be exact;
- the counting signal crosses its enter or exit threshold in it (a rep's start and end);
- during a rep, the counting signal is within :data:`PEAK_MARGIN` of the rep's extreme
  so far at either end, or turns at the frame between two gaps: the rep's peak (its time,
  and the values rules judge at it) may lie there.
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


class SpecWatch:
    """Call it with each base model frame in order (a
    :data:`posecheck.pose.sampling.Watch`)."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.checker = Checker(spec)
        reps = spec.reps
        self.signal = reps.signal if reps is not None else None
        self.edges = (reps.enter, reps.exit) if reps is not None else ()
        self.margin = PEAK_MARGIN * abs(reps.enter - reps.exit) if reps is not None else 0.0
        self.why: Counter[str] = Counter()  # gaps asked for, by reason (for the agreement table)
        self.down = reps is not None and reps.direction == "down"
        self._key: tuple[object, ...] | None = None
        self._v = (math.nan, math.nan)  # the counting signal at the last two frames
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

    def __call__(self, frame: PoseFrame) -> tuple[bool, bool]:
        state = self.checker.update(frame).state
        key = self._state_key()
        changed = self._key is not None and key != self._key
        self._key = key
        if self.signal is None:
            if changed:
                self.why["state"] += 1
            return False, changed
        v = state.signals.get(self.signal, math.nan)
        v0, v1 = self._v
        self._v = (v1, v)
        active = self.checker.rep is not None
        if active and not self._active:  # a rep began: its extreme starts afresh
            self._extreme = math.nan
        self._active = active
        if math.isnan(v) or math.isnan(v1):
            return False, changed or math.isnan(v) != math.isnan(v1)
        crossed = any((v1 - e) * (v - e) <= 0 for e in self.edges)
        near = False
        if active or self._past_exit(v1):
            for x in (v1, v):
                if math.isnan(self._extreme) or (
                    x < self._extreme if self.down else x > self._extreme
                ):
                    self._extreme = x
            # The gap before the previous frame, now that this frame shows whether the
            # signal went on past it: near the extreme so far at either end.
            ends = [x for x in (v0, v1) if not math.isnan(x)]
            near = any(abs(x - self._extreme) <= self.margin for x in ends)
        if crossed or changed:
            self.why["threshold" if crossed else "state"] += 1
        if near:
            self.why["peak"] += 1
        return near, changed or crossed

    def _past_exit(self, v: float) -> bool:
        """Whether a sample is past the exit threshold (a rep just ended there)."""
        exit_ = self.edges[1]
        return v < exit_ if self.down else v > exit_
