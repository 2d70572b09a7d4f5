"""Counting fast periodic motion: jump rope, high knees, marching in place.

A fixed threshold on a body height fails on real footage of these: the camera drifts or the
person moves nearer (the signal's level wanders by more than a hop), people jump 2 cm or
20 cm, and at 2-3 steps a second one knee is still coming down while the other goes up, so
the signal never returns to its standing value between steps. What stays is the rhythm: the
signal swings between a recent low and a recent high. So the rep signal is read *within its
own recent range* (0 at its lowest of the last ``window_s``, 1 at its highest), and the
spec's ``enter`` / ``exit`` thresholds are fractions of that range: hysteresis relative to
the signal's own amplitude, which drift and distance do not change. A range smaller than
``min_range`` (in the signal's units, body-size normalised) is no motion at all: landmark
jitter of a person standing still, which must never count.

One swing is not a rhythm: a single jump (down from a bar, off a box) looks like one cycle.
A bout counts only once ``confirm`` cycles followed each other (each starting within
``max_gap_s`` of the last one's end); then the cycles held back are counted at once, with
their own times, and every later cycle of the bout as it comes.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Generic, TypeVar

from posecheck.check.spec_model import Cycle

T = TypeVar("T")
# A cycle starting this many times the bout's usual interval after the last one breaks the
# rhythm. Steady skipping or marching varies its pace by 10-20 % cycle to cycle; one missed
# cycle doubles an interval, stopping and walking off more.
RHYTHM = 1.6


class CycleRange:
    """A signal within its recent range: 0 at its low, 1 at its high; NaN while that range is
    under ``min_range`` (no motion) or the signal unseen.

    The range is that of the last ``window_s`` seconds, but the weight of an extreme on the
    rep's side (the peaks of an "up" rep, the troughs of a "down" one) fades with its age,
    linearly to nothing at ``window_s``: after two lead-in jumps twice as high as the rest,
    the next jumps still cross the thresholds instead of hiding under the big ones until
    they leave the window. The other side and the ``min_range`` test use the plain window.
    Brute force over the window's samples (45 at 30 fps and 1.5 s): a few dozen float
    operations a frame.
    """

    def __init__(self, cycle: Cycle, direction: str = "up") -> None:
        self.window_s = cycle.window_s
        self.min_range = cycle.min_range
        self.up = direction == "up"
        self.samples: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self.samples.clear()

    def __call__(self, t: float, v: float) -> float:
        if math.isnan(v):
            return math.nan
        samples = self.samples
        samples.append((t, v))
        start = t - self.window_s
        while samples[0][0] <= start:
            samples.popleft()
        lo = min(x for _, x in samples)
        hi = max(x for _, x in samples)
        if hi - lo < self.min_range:
            return math.nan
        w = self.window_s
        if self.up:  # a peak's height above the low fades with its age
            hi = max(x - (x - lo) * (t - ts) / w for ts, x in samples)
        else:
            lo = min(x + (hi - x) * (t - ts) / w for ts, x in samples)
        return (v - lo) / (hi - lo)


class Bout(Generic[T]):
    """Holds cycles back until ``confirm`` of them followed each other, then lets them
    through: ``take`` returns what may be counted now (in order, possibly several).

    A bout ends at a pause longer than ``max_gap_s`` or a break in its rhythm: a cycle
    starting more than ``RHYTHM`` times the bout's usual interval after the last one (the
    person stopped, and what follows - walking off, stepping out - is something else until
    it shows a rhythm of its own)."""

    def __init__(self, cycle: Cycle) -> None:
        self.confirm = cycle.confirm
        self.max_gap_s = cycle.max_gap_s
        self.reset()

    def reset(self) -> None:
        self.pending: list[T] = []
        self.confirmed = False
        self.last_start: float | None = None
        self.last_end: float | None = None
        self.intervals: deque[float] = deque(maxlen=4)

    def take(self, item: T, t_start: float, t_end: float) -> list[T]:
        if self.last_end is not None and self.last_start is not None:
            interval = t_start - self.last_start
            usual = sorted(self.intervals)[len(self.intervals) // 2] if self.intervals else None
            if t_start - self.last_end > self.max_gap_s or (
                usual is not None and len(self.intervals) >= 2 and interval > RHYTHM * usual
            ):
                self.reset()  # the bout is over: a new one must show its rhythm again
            else:
                self.intervals.append(interval)
        self.last_start, self.last_end = t_start, t_end
        if self.confirmed:
            return [item]
        self.pending.append(item)
        if len(self.pending) < self.confirm:
            return []
        self.confirmed = True
        due, self.pending = self.pending, []
        return due
