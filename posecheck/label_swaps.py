"""Undo MediaPipe's momentary left/right label swaps before anything is smoothed.

Filmed side-on, the two legs (or arms) overlap in the picture and the model sometimes
labels the left leg "right" for a frame or two. Smoothed as they come, such frames blend
the two legs into a leg that is not there: a knee angle nobody made, a back knee that
seems to float, a fault at the bottom of a rep. A real body cannot swap its legs between
two frames, so when exchanging the labels of a limb group fits the previous frame far
better than keeping them, the labels were wrong and are put back.

The test is deliberately one-sided: it only acts when keeping the labels would mean the
limbs jumped by a large fraction of the torso in one frame, while swapping them means
they barely moved. Where the legs cross (walking) both readings fit about equally and
nothing is changed.
"""

from __future__ import annotations

import numpy as np

from .landmarks import Landmark

_LOWER = ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
_UPPER = (
    "SHOULDER", "ELBOW", "WRIST", "PINKY", "INDEX", "THUMB",
    "EYE_INNER", "EYE", "EYE_OUTER", "EAR",
)  # fmt: skip


def _pairs(parts: tuple[str, ...], extra: tuple[tuple[str, str], ...] = ()) -> tuple:
    names = [(f"LEFT_{p}", f"RIGHT_{p}") for p in parts] + list(extra)
    left = np.array([int(Landmark[a]) for a, _ in names])
    right = np.array([int(Landmark[b]) for _, b in names])
    return left, right


_GROUPS = (_pairs(_LOWER), _pairs(_UPPER, (("MOUTH_LEFT", "MOUTH_RIGHT"),)))
# One matrix product sums each group's movement: column g is 1 on group g's landmarks.
_MEMBERS = np.zeros((len(Landmark), len(_GROUPS)))
for _g, (_l, _r) in enumerate(_GROUPS):
    _MEMBERS[_l, _g] = _MEMBERS[_r, _g] = 1.0
_LS, _RS = int(Landmark.LEFT_SHOULDER), int(Landmark.RIGHT_SHOULDER)
_LH, _RH = int(Landmark.LEFT_HIP), int(Landmark.RIGHT_HIP)


class SwapGuard:
    """Keeps left/right labels consistent from frame to frame (one per checker)."""

    def __init__(
        self, jump: float = 0.35, ratio: float = 0.4, max_gap_s: float = 0.25, hold_s: float = 0.5
    ) -> None:
        self.jump = jump  # keeping the labels must move the group this many torsos ...
        self.ratio = ratio  # ... and swapping them must cost less than this share of that
        self.max_gap_s = max_gap_s  # compare only with a frame this recent
        self.hold_s = hold_s  # a "swap" lasting longer is the model's new truth, not a flicker
        self.prev: np.ndarray | None = None
        self.prev_t = 0.0
        self.since: list[float | None] = [None] * len(_GROUPS)  # when each group's swap began
        self.swaps = 0  # frames x groups put back so far, for diagnostics

    def reset(self) -> None:
        self.prev = None
        self.since = [None] * len(_GROUPS)

    def __call__(self, px: np.ndarray, t: float) -> np.ndarray | None:
        """Given pixel positions (33, 2), the landmark order that puts wrong-way labels
        back (index with it: ``px[order]``), or None when the labels are fine."""
        order = None
        prev = self.prev
        if prev is not None and t - self.prev_t <= self.max_gap_s:
            # Each group's summed L1 movement, in one product: cheap, and rarely large.
            keeps = (np.abs(px - prev).sum(axis=1) @ _MEMBERS).tolist()
            mid = px[_LS] + px[_RS] - px[_LH] - px[_RH]
            torso = 0.5 * (abs(float(mid[0])) + abs(float(mid[1])))
            for g, (left, right) in enumerate(_GROUPS):
                keep = keeps[g]
                if keep <= self.jump * torso * len(left):  # the usual case: nothing jumped
                    self.since[g] = None
                    continue
                swap = _moved(px[left], prev[right]) + _moved(px[right], prev[left])
                if swap >= self.ratio * keep:
                    self.since[g] = None
                    continue
                since = self.since[g] = t if self.since[g] is None else self.since[g]
                if t - since > self.hold_s:  # the model has settled on these labels
                    self.since[g] = None
                    continue
                if order is None:
                    order = np.arange(len(px))
                order[left], order[right] = right, left
                self.swaps += 1
        self.prev = px if order is None else px[order]
        self.prev_t = t
        return order


def _moved(a: np.ndarray, b: np.ndarray) -> float:
    """Summed L1 distance between matching rows (the same measure as the quick check)."""
    return float(np.abs(a - b).sum())
