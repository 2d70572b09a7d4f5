"""Turns a smoothed pose into the named signals a spec asks for.

This is where body sides are resolved: a spec says "knee", and here it becomes the left
or the right knee depending on the signal's side mode (the side facing the camera, the
smaller of the two, the side picked by another signal, ...). A signal whose landmarks
are not visible enough is NaN: the checker then makes no judgement on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import geometry as g
from .landmarks import SIDES, landmark_for, other_side
from .specs import ExerciseSpec, Signal

NAN = math.nan
_FACING_PARTS = ("shoulder", "elbow", "hip", "knee", "ankle")
_FEET = ("heel", "foot_index", "ankle")


@dataclass(frozen=True, slots=True)
class Features:
    """Signal values of one frame, plus the per-side values side-picking needs."""

    values: dict[str, float]
    per_side: dict[str, tuple[float, float]]  # (left, right) for sided signals
    facing: str
    heading: float  # +1 the person faces image-right, -1 image-left
    missing: tuple[str, ...]  # visibility parts not seen well enough on the facing side

    def side_of(self, mode: str) -> str | None:
        """Resolve a "min:<signal>" / "max:<signal>" mode to the side it picks now."""
        kind, _, name = mode.partition(":")
        left, right = self.per_side.get(name, (NAN, NAN))
        if math.isnan(left) or math.isnan(right):
            return None
        if kind == "min":
            return "left" if left <= right else "right"
        return "left" if left >= right else "right"


def _resolve(part: str, side: str) -> tuple[str, str]:
    if part.startswith("other."):
        return part[6:], other_side(side)
    return part, side


class FeatureExtractor:
    """Computes a spec's signals; keeps the facing-side choice stable across frames."""

    def __init__(self, spec: ExerciseSpec, switch_margin: float = 0.08) -> None:
        self.spec = spec
        self.min_vis = spec.visibility.min_visibility
        self.switch_margin = switch_margin
        self._facing: str | None = None
        # Pre-resolve landmark indices for every (part, side) once: the frame loop is hot.
        self._idx: dict[tuple[str, str], int] = {}
        parts = {p for s in spec.signals.values() for p in (*s.points, *(s.per or ()))}
        parts |= set(spec.visibility.parts) | set(_FACING_PARTS) | set(_FEET) | {"ear"}
        for raw in parts:
            for side in SIDES:
                part, sd = _resolve(raw, side)
                if part != "floor":
                    self._idx[(part, sd)] = int(landmark_for(part, sd))
        # Signals whose side depends on another signal are computed after the others.
        self._order = sorted(spec.signals.values(), key=lambda s: ":" in s.side)

    def reset(self) -> None:
        self._facing = None

    def _choose_facing(self, vis: list[float], z: list[float]) -> str:
        score = {}
        for side in SIDES:
            idx = [self._idx[(p, side)] for p in _FACING_PARTS]
            # Visibility first; MediaPipe's relative depth (smaller z = nearer) breaks ties.
            n = len(idx)
            score[side] = sum(vis[i] for i in idx) / n - 0.1 * sum(z[i] for i in idx) / n
        best = "left" if score["left"] >= score["right"] else "right"
        if self._facing is None or score[best] - score[self._facing] > self.switch_margin:
            self._facing = best
        return self._facing

    def compute(self, px: list[list[float]], vis: list[float], z: list[float]) -> Features:
        """Signals from pixel positions ``px`` (33 x [x, y]), visibility and relative depth."""
        facing = self._choose_facing(vis, z)
        heading = self._heading(px, vis, facing)
        floor_y = self._floor(px, vis)
        values: dict[str, float] = {}
        per_side: dict[str, tuple[float, float]] = {}
        partial = Features(values, per_side, facing, heading, ())
        for sig in self._order:
            left = self._eval(sig, "left", px, vis, heading, floor_y)
            right = self._eval(sig, "right", px, vis, heading, floor_y)
            per_side[sig.name] = (left, right)
            values[sig.name] = self._select(sig.side, left, right, facing, partial)
        missing = tuple(
            p
            for p in self.spec.visibility.parts
            if vis[self._idx.get((p, facing), self._idx.get((p, "left"), 0))] < self.min_vis
        )
        return Features(values, per_side, facing, heading, missing)

    @staticmethod
    def _select(mode: str, left: float, right: float, facing: str, f: Features) -> float:
        if mode == "facing":
            return left if facing == "left" else right
        if mode == "left":
            return left
        if mode == "right":
            return right
        if math.isnan(left) or math.isnan(right):
            return NAN  # min/max/mean need both sides: never judge from half the body
        if mode == "min":
            return min(left, right)
        if mode == "max":
            return max(left, right)
        if mode == "mean":
            return (left + right) / 2
        side = f.side_of(mode)
        if side is None:
            return NAN
        return left if side == "left" else right

    def _heading(self, px: list[list[float]], vis: list[float], facing: str) -> float:
        nose = self._idx.get(("nose", "left"))
        ear = self._idx[("ear", facing)]
        if nose is not None and vis[nose] >= self.min_vis and vis[ear] >= self.min_vis:
            dx = px[nose][0] - px[ear][0]
            if abs(dx) > 1e-3:
                return 1.0 if dx > 0 else -1.0
        toe, heel = self._idx[("foot_index", facing)], self._idx[("heel", facing)]
        return 1.0 if px[toe][0] >= px[heel][0] else -1.0

    def _floor(self, px: list[list[float]], vis: list[float]) -> float:
        ys = [
            px[self._idx[(p, s)]][1]
            for p in _FEET
            for s in SIDES
            if vis[self._idx[(p, s)]] >= self.min_vis
        ]
        return max(ys) if ys else NAN

    def _point(
        self, raw: str, side: str, px: list[list[float]], vis: list[float], floor_y: float
    ) -> np.ndarray | None:
        if raw == "floor":
            return None if math.isnan(floor_y) else (0.0, floor_y)  # type: ignore[return-value]
        i = self._idx[_resolve(raw, side)]
        if vis[i] < self.min_vis:
            return None
        return px[i]  # type: ignore[return-value]

    def _eval(
        self,
        sig: Signal,
        side: str,
        px: list[list[float]],
        vis: list[float],
        heading: float,
        floor_y: float,
    ) -> float:
        pts = [self._point(p, side, px, vis, floor_y) for p in sig.points]
        if any(p is None for p in pts):
            return NAN
        kind = sig.kind
        if kind == "angle":
            return g.joint_angle(*pts)
        if kind == "offset":
            return g.line_offset(*pts)
        if kind == "inclination":
            return g.inclination(*pts)
        if kind == "lean":
            return g.lean(pts[0], pts[1], heading)
        assert sig.per is not None
        a = self._point(sig.per[0], side, px, vis, floor_y)
        b = self._point(sig.per[1], side, px, vis, floor_y)
        if a is None or b is None:
            return NAN
        unit = g.distance(a, b)
        if unit < 1e-6:
            return NAN
        if kind == "distance":
            return g.distance(pts[0], pts[1]) / unit
        if kind == "height":
            return g.height_above(pts[0], pts[1]) / unit
        if kind == "forward":
            return g.forward_of(pts[0], pts[1], heading) / unit
        return abs(pts[0][0] - pts[1][0]) / unit  # spread
