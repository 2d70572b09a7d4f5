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

from posecheck.pose.landmarks import Landmark

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
_SIZES = tuple(len(left) for left, _ in _GROUPS)
# The torso's diagonal: shoulders' midpoint minus hips' (as sums, so label-blind).
_TORSO = {
    int(Landmark.LEFT_SHOULDER): 1.0,
    int(Landmark.RIGHT_SHOULDER): 1.0,
    int(Landmark.LEFT_HIP): -1.0,
    int(Landmark.RIGHT_HIP): -1.0,
}


def _weights(columns: int) -> np.ndarray:
    """The matrix that gives, in one product with a (33, columns) array flattened, each
    group's summed x and y (columns g < groups), then the torso's x and y sums. Used on
    the |movement| for the first, on the positions for the second."""
    n = len(_GROUPS)
    w = np.zeros((len(Landmark) * columns, n + 2))
    for g, (left, right) in enumerate(_GROUPS):
        for i in (*left, *right):
            w[columns * i : columns * i + 2, g] = 1.0
    for i, sign in _TORSO.items():
        w[columns * i, n] = w[columns * i + 1, n + 1] = sign
    return w


class _Buffer:
    """One frame's working rows: |movement since the last frame|, then positions."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        data = np.empty((2, *shape))
        self.moved, self.now = data[0], data[1]
        self.rows = data.reshape(2, -1)  # both rows flattened, for the product


class SwapGuard:
    """Keeps left/right labels consistent from frame to frame (one per checker).

    It runs on every frame, so the usual case ("nothing jumped") is five NumPy calls on
    two buffers used in turn (this frame's, the last frame's): each holds the |movement|
    in row 0 and a copy of the positions in row 1, so one product sums both.
    """

    def __init__(
        self, jump: float = 0.35, ratio: float = 0.4, max_gap_s: float = 0.25, hold_s: float = 0.5
    ) -> None:
        self.jump = jump  # keeping the labels must move the group this many torsos ...
        self.ratio = ratio  # ... and swapping them must cost less than this share of that
        self.max_gap_s = max_gap_s  # compare only with a frame this recent
        self.hold_s = hold_s  # a "swap" lasting longer is the model's new truth, not a flicker
        self.prev: np.ndarray | None = None  # the previous frame, labels as put right
        self.prev_t = 0.0
        self.since: list[float | None] = [None] * len(_GROUPS)  # when each group's swap began
        self.swaps = 0  # frames x groups put back so far, for diagnostics
        self._shape: tuple[int, ...] = ()  # of the positions the buffers are for
        self._bufs: tuple[_Buffer, ...] = ()
        self._turn = 0  # which buffer this frame goes into
        self._weights = _weights(2)

    def reset(self) -> None:
        self.prev = None
        self.since = [None] * len(_GROUPS)

    def buffer(self, shape: tuple[int, ...]) -> np.ndarray:
        """Where the next call's positions may be written (a float64 array of ``shape``)
        and then passed, sparing the guard its copy of them. Labels put back are put
        back in it."""
        if self._shape != shape:
            self._shape = shape
            self._bufs = tuple(_Buffer(shape) for _ in range(2))
            self._weights = _weights(shape[1])
            self.prev = None
        return self._bufs[self._turn].now

    def __call__(self, px: np.ndarray, t: float) -> np.ndarray | None:
        """Given pixel positions (33, 2), the landmark order that puts wrong-way labels
        back (index with it: ``px[order]``), or None when the labels are fine. Columns
        after the second (say depth, in a (33, 3) array) are carried along, not judged."""
        prev = self.prev
        if self._shape != px.shape:
            self.buffer(px.shape)
            prev = None
        buf = self._bufs[self._turn]
        self._turn ^= 1  # the other buffer next time: this one then holds the last frame
        now = buf.now
        if px is not now:
            np.copyto(now, px)  # in float64: the differences below are exact
        order = None
        if prev is not None and t - self.prev_t <= self.max_gap_s:
            np.abs(np.subtract(now, prev, out=buf.moved), out=buf.moved)
            moved, here = (buf.rows @ self._weights).tolist()
            limit = self.jump * 0.5 * (abs(here[-2]) + abs(here[-1]))  # jump x torso
            since = self.since
            for g, pairs in enumerate(_SIZES):
                if moved[g] <= limit * pairs:  # the usual case: nothing jumped
                    since[g] = None
                else:
                    order = self._judge(g, moved[g], now, prev, t, order)
            if order is not None:
                now[...] = now[order]
        self.prev, self.prev_t = now, t
        return order

    def _judge(
        self,
        g: int,
        keep: float,
        px: np.ndarray,
        prev: np.ndarray,
        t: float,
        order: np.ndarray | None,
    ) -> np.ndarray | None:
        """Group g moved a lot since the last frame: put its labels back if exchanging
        them fits the last frame far better, unless that has lasted too long to be a
        flicker. Returns the order so far."""
        left, right = _GROUPS[g]
        swap = _moved(px[left], prev[right]) + _moved(px[right], prev[left])
        if swap >= self.ratio * keep:
            self.since[g] = None
            return order
        since = self.since[g] = t if self.since[g] is None else self.since[g]
        if t - since > self.hold_s:  # the model has settled on these labels
            self.since[g] = None
            return order
        if order is None:
            order = np.arange(len(px))
        order[left], order[right] = right, left
        self.swaps += 1
        return order


def _moved(a: np.ndarray, b: np.ndarray) -> float:
    """Summed L1 distance between matching rows (the same measure as the quick check)."""
    return float(np.abs(a[:, :2] - b[:, :2]).sum())
