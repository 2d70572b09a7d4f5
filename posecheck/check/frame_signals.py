"""From one frame's pose to the spec's signals: the checker's measuring half.

Pixels (so angles are not skewed by the frame's aspect ratio), MediaPipe's momentary
left/right label swaps put back, One Euro smoothing, then the signals. It is stateful:
smoothing and the swap check look back at earlier frames, and a gap in detection longer
than ``GAP_RESET_S`` starts them afresh.

This runs on every frame of a live camera, so it does the least it can: the landmarks
go from NumPy to Python floats in one conversion, and only the coordinates the spec's
signals read are smoothed (the One Euro filter treats each value on its own, so the
others would only cost time).
"""

from __future__ import annotations

import math
from operator import itemgetter

import numpy as np

from posecheck.check.features import FeatureExtractor, Features
from posecheck.check.smoothing import OneEuroFilter
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.label_swaps import SwapGuard
from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.view import ViewTracker

# World landmarks are in metres; the One Euro filter's speed term (beta) was tuned on
# pixels. In millimetres a body moves at speeds of the same order as in pixels, so the
# same filter settings smooth both alike (angles do not depend on the unit).
_WORLD_SCALE = 1000.0

GAP_RESET_S = 0.5  # a detection gap longer than this restarts smoothing
_NO_Y = [math.nan]  # the y of a landmark whose x alone is smoothed (never read)


class FrameSignals:
    """Measures a spec's signals on each frame, in time order (one per checker)."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.features = FeatureExtractor(spec)
        self.filter = OneEuroFilter(spec.smoothing.min_cutoff, spec.smoothing.beta)
        self.swaps = SwapGuard()
        self.last_pose_t: float | None = None
        self.gap_t = -math.inf  # the first pose after the last detection gap (a camera cut)
        # The values smoothed: x and y of each landmark the features read, x alone of
        # those read only for the heading. In the frame's flat (x, y, z) list landmark i
        # sits at 3 * i.
        reads, x_only = self.features.landmarks, self.features.x_only
        coords = [(i, k) for i in reads for k in (0, 1) if k == 0 or i not in x_only]
        self._gather = itemgetter(*(3 * i + k for i, k in coords))
        slot = {c: n for n, c in enumerate(coords)}
        # From the smoothed values (+ a NaN at the end) back to each landmark's x and y.
        self._xs = itemgetter(*(slot[i, 0] for i in reads))
        self._ys = itemgetter(*(slot.get((i, 1), len(coords)) for i in reads))
        self._size: tuple[int, int] | None = None
        self._scale = np.ones(3, dtype=np.float32)  # (width, height, 1)
        self.view = ViewTracker()
        # The 3-D signals' landmarks, smoothed like the picture's (x, y, z of each).
        wl = self.features.world_landmarks
        self._world_rows = list(wl)
        self._world_filter = (
            OneEuroFilter(spec.smoothing.min_cutoff, spec.smoothing.beta) if wl else None
        )

    def __call__(self, frame: PoseFrame) -> Features | None:
        """The frame's signals, or None when it has no pose."""
        pose = frame.pose
        if pose is None:
            return None
        t = frame.t
        if self.last_pose_t is not None and t - self.last_pose_t > GAP_RESET_S:
            self.gap_t = t
            self.filter.reset()
            self.features.reset()
            self.swaps.reset()
            if self._world_filter is not None:
                self._world_filter.reset()
        self.last_pose_t = t
        if self._size != (frame.width, frame.height):
            self._size = (frame.width, frame.height)
            self._scale[:2] = self._size
        # Pixels exactly as PoseFrame.pixels() has them (float32 products), depth along,
        # written straight into the swap guard's buffer, which puts labels back in it.
        image = self.swaps.buffer(pose.image.shape)
        np.multiply(pose.image, self._scale, out=image, dtype=np.float32)
        order = self.swaps(image, t)
        vis = pose.visibility if order is None else pose.visibility[order]
        flat, vis = image.reshape(-1).tolist(), vis.tolist()
        smooth = self.filter(self._gather(flat), t) + _NO_Y
        points = list(zip(self._xs(smooth), self._ys(smooth), strict=True))
        world = pose.world
        view = self.view.update(world, t)  # the yaw takes no side: label swaps do not matter
        wpoints = None
        if world is not None and self._world_filter is not None:
            rows = self._world_rows if order is None else [int(order[i]) for i in self._world_rows]
            w = (world[rows] * _WORLD_SCALE).reshape(-1).tolist()
            ws = self._world_filter(w, t)
            wpoints = [ws[k : k + 3] for k in range(0, len(ws), 3)]
        return self.features.compute_read(points, vis, flat[2::3], t, wpoints, view, self.view.yaw)
