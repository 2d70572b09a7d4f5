"""Turns a smoothed pose into the named signals a spec asks for.

This is where body sides are resolved: a spec says "knee", and here it becomes the left
or the right knee depending on the signal's side mode (the side facing the camera, the
smaller of the two, the side picked by another signal, ...). A signal whose landmarks
are not visible enough is NaN: the checker then makes no judgement on it.

Everything that depends only on the spec (which landmark index each point is on each
side, which sides a signal needs) is worked out once in the constructor, so the per-frame
cost is a few dozen float operations per signal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from . import geometry as g
from .landmarks import SIDES, landmark_for, other_side
from .spec_model import ExerciseSpec, Signal

NAN = math.nan
FLOOR = -1  # index standing for the "floor" pseudo-point
_FACING_PARTS = ("shoulder", "elbow", "hip", "knee", "ankle")
_FEET = ("heel", "foot_index", "ankle")
Point = list[float]


@dataclass(frozen=True, slots=True)
class Features:
    """Signal values of one frame, plus the per-side values side-picking needs."""

    values: dict[str, float]
    per_side: dict[str, tuple[float, float]]  # (left, right), for signals computed on both
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


def _index(raw: str, side: str) -> int:
    if raw == "floor":
        return FLOOR
    if raw.startswith("other."):
        return int(landmark_for(raw[6:], other_side(side)))
    return int(landmark_for(raw, side))


@dataclass(frozen=True, slots=True)
class _Plan:
    """One signal, compiled: landmark indices per side and the function that measures it."""

    signal: Signal
    points: dict[str, tuple[int, ...]]  # side -> indices of points (+ per segment last)
    both: bool  # computed on both sides every frame (min/max/mean, or picked by another)
    measure: Callable[[list[Point], float], float]


def _measure(sig: Signal) -> Callable[[list[Point], float], float]:
    kind = sig.kind
    if kind == "angle":
        return lambda p, h: g.joint_angle(p[0], p[1], p[2])
    if kind == "offset":
        return lambda p, h: g.line_offset(p[0], p[1], p[2])
    if kind == "inclination":
        return lambda p, h: g.inclination(p[0], p[1])
    if kind == "lean":
        return lambda p, h: g.lean(p[0], p[1], h)

    def scaled(f: Callable[[list[Point], float], float]) -> Callable[[list[Point], float], float]:
        def run(p: list[Point], h: float) -> float:
            unit = g.distance(p[2], p[3])
            return NAN if unit < 1e-6 else f(p, h) / unit

        return run

    if kind == "distance":
        return scaled(lambda p, h: g.distance(p[0], p[1]))
    if kind == "height":
        return scaled(lambda p, h: g.height_above(p[0], p[1]))
    if kind == "forward":
        return scaled(lambda p, h: g.forward_of(p[0], p[1], h))
    return scaled(lambda p, h: abs(p[0][0] - p[1][0]))  # spread


class FeatureExtractor:
    """Computes a spec's signals; keeps the facing-side choice stable across frames."""

    def __init__(self, spec: ExerciseSpec, switch_margin: float = 0.08) -> None:
        self.spec = spec
        self.min_vis = spec.visibility.min_visibility
        self.switch_margin = switch_margin
        self._facing: str | None = None
        picked_by = {s.side.split(":", 1)[1] for s in spec.signals.values() if ":" in s.side}
        if spec.reps is not None and spec.reps.side_by:
            picked_by.add(spec.reps.side_by.split(":", 1)[1])
        plans = []
        for sig in spec.signals.values():
            parts = (*sig.points, *(sig.per or ()))
            both = sig.side in ("min", "max", "mean") or ":" in sig.side or sig.name in picked_by
            plans.append(
                _Plan(
                    sig, {s: tuple(_index(p, s) for p in parts) for s in SIDES}, both, _measure(sig)
                )
            )
        # Signals whose side depends on another signal are computed after the others.
        self._plans = sorted(plans, key=lambda p: ":" in p.signal.side)
        self._facing_idx = {s: tuple(int(landmark_for(p, s)) for p in _FACING_PARTS) for s in SIDES}
        self._feet_idx = tuple(int(landmark_for(p, s)) for p in _FEET for s in SIDES)
        self._vis_idx = {
            s: tuple((p, int(landmark_for(p, s))) for p in spec.visibility.parts) for s in SIDES
        }
        self._nose = int(landmark_for("nose", None))
        self._ear = {s: int(landmark_for("ear", s)) for s in SIDES}
        self._toe_heel = {
            s: (int(landmark_for("foot_index", s)), int(landmark_for("heel", s))) for s in SIDES
        }

    def reset(self) -> None:
        self._facing = None

    def _choose_facing(self, vis: list[float], z: list[float]) -> str:
        score = {}
        for side in SIDES:
            idx = self._facing_idx[side]
            # Visibility first; MediaPipe's relative depth (smaller z = nearer) breaks ties.
            score[side] = (sum(vis[i] for i in idx) - 0.1 * sum(z[i] for i in idx)) / len(idx)
        best = "left" if score["left"] >= score["right"] else "right"
        if self._facing is None or score[best] - score[self._facing] > self.switch_margin:
            self._facing = best
        return self._facing

    def compute(self, px: list[Point], vis: list[float], z: list[float]) -> Features:
        """Signals from pixel positions ``px`` (33 x [x, y]), visibility and relative depth."""
        facing = self._choose_facing(vis, z)
        heading = self._heading(px, vis, facing)
        min_vis = self.min_vis
        floor_y = max((px[i][1] for i in self._feet_idx if vis[i] >= min_vis), default=NAN)
        floor = [0.0, floor_y]
        values: dict[str, float] = {}
        per_side: dict[str, tuple[float, float]] = {}
        features = Features(values, per_side, facing, heading, ())

        def measure(plan: _Plan, side: str) -> float:
            pts = []
            for i in plan.points[side]:
                if i == FLOOR:
                    if floor_y != floor_y:  # NaN: no foot seen
                        return NAN
                    pts.append(floor)
                elif vis[i] < min_vis:
                    return NAN
                else:
                    pts.append(px[i])
            return plan.measure(pts, heading)

        for plan in self._plans:
            mode = plan.signal.side
            if not plan.both:
                side = facing if mode == "facing" else mode
                values[plan.signal.name] = measure(plan, side)
                continue
            left, right = measure(plan, "left"), measure(plan, "right")
            per_side[plan.signal.name] = (left, right)
            values[plan.signal.name] = self._select(mode, left, right, facing, features)
        missing = tuple(p for p, i in self._vis_idx[facing] if vis[i] < min_vis)
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

    def _heading(self, px: list[Point], vis: list[float], facing: str) -> float:
        nose, ear = self._nose, self._ear[facing]
        if vis[nose] >= self.min_vis and vis[ear] >= self.min_vis:
            dx = px[nose][0] - px[ear][0]
            if abs(dx) > 1e-3:
                return 1.0 if dx > 0 else -1.0
        toe, heel = self._toe_heel[facing]
        return 1.0 if px[toe][0] >= px[heel][0] else -1.0
