"""The One Euro filter (Casiez et al., CHI 2012), over a flat list of values.

Pose landmarks jitter by a few pixels frame to frame; a fixed low-pass would lag during
fast reps. One Euro adapts its cut-off to the speed: smooth when still (holds), quick
when moving (reps). It works from timestamps, so dropped frames do not change it.

Each value is filtered on its own, so the checker filters only the coordinates its
spec reads. It runs on every frame, on a few dozen values: plain float arithmetic in
one loop costs less there than a dozen NumPy calls, each with its fixed overhead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_TWO_PI = 2.0 * math.pi


def _alpha(cutoff: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One Euro filter over a sequence of values (e.g. landmark x, y positions).

    ``min_cutoff`` (Hz) sets smoothing at rest; ``beta`` how fast the cut-off rises with
    speed (in value units per second); ``d_cutoff`` filters the speed estimate itself.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("OneEuroFilter needs min_cutoff > 0, d_cutoff > 0 and beta >= 0")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the past (after a gap in detection, old positions mean nothing)."""
        self._x: list[float] | None = None
        self._dx: list[float] = []
        self._t: float | None = None

    def __call__(self, x: Sequence[float], t: float) -> list[float]:
        """The filtered values at time ``t`` (a new list; do not modify it)."""
        if self._x is None or self._t is None or t <= self._t:
            if self._x is not None and self._t is not None and t == self._t:
                return self._x
            self._x = [float(v) for v in x]
            self._dx = [0.0] * len(self._x)
            self._t = t
            return self._x
        dt = t - self._t
        # Per value, the same operations in the same order as the textbook form (and the
        # NumPy version this replaced), so results are identical to the last bit:
        # dx' = a_d * (x - x_prev) / dt + (1 - a_d) * dx'_prev,
        # a = alpha(min_cutoff + beta * |dx'|), x' = a * x + (1 - a) * x_prev.
        a_d = _alpha(self.d_cutoff, dt)
        keep_d, min_cutoff, beta = 1 - a_d, self.min_cutoff, self.beta
        xs, dxs = self._x, self._dx
        n = len(xs)
        new_x, new_dx = [0.0] * n, [0.0] * n
        for i in range(n):
            prev, raw = xs[i], x[i]
            speed = a_d * ((raw - prev) / dt) + keep_d * dxs[i]
            a = 1.0 / (1.0 + (1.0 / (_TWO_PI * (min_cutoff + beta * abs(speed)))) / dt)
            new_x[i] = a * raw + (1 - a) * prev
            new_dx[i] = speed
        self._x, self._dx, self._t = new_x, new_dx, t
        return new_x
