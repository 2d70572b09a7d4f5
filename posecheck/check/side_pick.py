"""How a signal measured on both body sides becomes one value, and running baselines.

A spec names a signal once ("knee angle") with a side mode: the side facing the camera,
the smaller or larger of the two, a fixed side, their mean, or the side another signal
picks. These are the few lines that apply the mode, kept apart from the feature
extractor (posecheck.check.features) so that module stays about compiling and measuring.
"""

from __future__ import annotations

import math
from collections import deque

from posecheck.check.probes import NAN

# How a signal measured on both sides picks its value (a one-sided one just measures).
ONE, MIN, MAX, FACING, LEFT, RIGHT, MEAN, PICK = range(8)
MODES = {"min": MIN, "max": MAX, "facing": FACING, "left": LEFT, "right": RIGHT}


def pick_value(
    mode: int,
    lv: float,
    rv: float,
    facing_right: bool,
    pick: tuple[bool, str] | None,
    per_side: dict[str, tuple[float, float]],
) -> float:
    """A two-sided signal's value from its left and right ones, by its side mode (the
    rule compute_read applies inline, for the 3-D signals, which are few)."""
    if mode == FACING:
        return rv if facing_right else lv
    if mode == LEFT:
        return lv
    if mode == RIGHT:
        return rv
    if math.isnan(lv) or math.isnan(rv):
        return NAN
    if mode == MIN:
        return min(lv, rv)
    if mode == MAX:
        return max(lv, rv)
    if mode == MEAN:
        return (lv + rv) / 2
    assert pick is not None
    by_min, by = pick
    bl, br = per_side.get(by, (NAN, NAN))
    if math.isnan(bl) or math.isnan(br):
        return NAN
    return (lv if bl <= br else rv) if by_min else (lv if bl >= br else rv)


def picked_side(
    mode: int,
    lv: float,
    rv: float,
    pick: tuple[bool, str] | None,
    per_side: dict[str, tuple[float, float]],
) -> str | None:
    """Which side a min / max / picked signal took its value from (None: neither)."""
    if mode == PICK:
        assert pick is not None
        by_min, by = pick
        lv, rv = per_side.get(by, (NAN, NAN))
        mode = MIN if by_min else MAX
    if math.isnan(lv) or math.isnan(rv):
        return None
    if mode == MIN:
        return "left" if lv <= rv else "right"
    if mode == MAX:
        return "left" if lv >= rv else "right"
    return None


class Baseline:
    """A signal's running extreme over the last ``window_s`` seconds (monotonic deque)."""

    def __init__(self, mode: str, window_s: float) -> None:
        self.sign = 1.0 if mode == "min" else -1.0  # track the max of -v for "max"
        self.window_s = window_s
        self.queue: deque[tuple[float, float]] = deque()

    def __call__(self, t: float, v: float) -> float:
        """``v`` minus its recent lowest ("min") or highest ("max") value, NaN stays NaN."""
        if math.isnan(v):
            return NAN
        key, q = v * self.sign, self.queue
        while q and q[-1][1] >= key:
            q.pop()
        q.append((t, key))
        while q[0][0] < t - self.window_s:
            q.popleft()
        return v - q[0][1] * self.sign
