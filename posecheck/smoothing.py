"""The One Euro filter (Casiez et al., CHI 2012), vectorised over all landmarks.

Pose landmarks jitter by a few pixels frame to frame; a fixed low-pass would lag during
fast reps. One Euro adapts its cut-off to the speed: smooth when still (holds), quick
when moving (reps). It works from timestamps, so dropped frames do not change it.
"""

from __future__ import annotations

import math

import numpy as np


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One Euro filter over an array of values (e.g. (33, 2) landmark positions).

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
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or t <= self._t:
            if self._x is not None and self._t is not None and t == self._t:
                return self._x
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = t
            return self._x
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = _alpha(cutoff, dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t
        return self._x
