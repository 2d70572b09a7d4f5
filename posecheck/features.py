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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from . import geometry as g
from .landmarks import SIDES, landmark_for, other_side
from .spec_model import ExerciseSpec, Signal

NAN = math.nan
FLOOR = -1  # index standing for the "floor" pseudo-point
MID = -2  # indices <= MID stand for "mid.<part>": the midpoint of a left/right pair
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


def _index(raw: str, side: str, mids: dict[str, int]) -> int:
    if raw == "floor":
        return FLOOR
    if raw.startswith("mid."):
        return mids.setdefault(raw[4:], MID - len(mids))
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
    # The fast path for plain landmarks (no floor, no mid-point): one C-level gather each
    # for visibility and positions, since this runs for every signal on every frame.
    plain: bool = False
    gather: dict[str, Callable[[list], tuple]] | None = None


def _measure(sig: Signal) -> Callable[[list[Point], float], float]:
    kind = sig.kind
    if kind == "angle":
        return lambda p, h: g.joint_angle(p[0], p[1], p[2])
    if kind == "offset":
        return lambda p, h: g.line_offset(p[0], p[1], p[2])
    if kind == "inclination":
        return lambda p, h: g.inclination(p[0], p[1])
    if kind in ("lean", "tilt"):  # a tilt gets the body side's direction as its heading
        return lambda p, h: g.lean(p[0], p[1], h)

    def scaled(f: Callable[[list[Point], float], float]) -> Callable[[list[Point], float], float]:
        def run(p: list[Point], h: float) -> float:
            unit = g.distance(p[-2], p[-1])
            return NAN if unit < 1e-6 else f(p, h) / unit

        return run

    if kind == "distance":
        return scaled(lambda p, h: g.distance(p[0], p[1]))
    if kind == "height":
        return scaled(lambda p, h: g.height_above(p[0], p[1]))
    if kind == "forward":
        return scaled(lambda p, h: g.forward_of(p[0], p[1], h))
    if kind == "level":  # pixels, up positive; scaled only after its baseline is taken off
        return lambda p, h: -p[0][1]
    return scaled(lambda p, h: abs(p[0][0] - p[1][0]))  # spread


class _Baseline:
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
        mids: dict[str, int] = {}
        for sig in spec.signals.values():
            parts = (*sig.points, *(sig.per or ()))
            both = sig.side in ("min", "max", "mean") or ":" in sig.side or sig.name in picked_by
            indices = {s: tuple(_index(p, s, mids) for p in parts) for s in SIDES}
            plain = all(i >= 0 for ix in indices.values() for i in ix) and sig.kind not in (
                "tilt",
                "level",
            )
            gather = {s: itemgetter(*ix) for s, ix in indices.items()}
            plans.append(_Plan(sig, indices, both, _measure(sig), plain, gather))
        self._mids = {
            code: (int(landmark_for(part, "left")), int(landmark_for(part, "right")))
            for part, code in mids.items()
        }
        self._baselines = {
            s.name: _Baseline(s.baseline, s.window_s)
            for s in spec.signals.values()
            if s.baseline is not None
        }
        self._shoulders = (
            int(landmark_for("shoulder", "left")),
            int(landmark_for("shoulder", "right")),
        )
        self._left_hip = int(landmark_for("hip", "left"))
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
        for name, b in self._baselines.items():
            self._baselines[name] = _Baseline("min" if b.sign > 0 else "max", b.window_s)

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

    def compute(
        self, px: list[Point], vis: list[float], z: list[float], t: float = 0.0
    ) -> Features:
        """Signals at time ``t`` from pixel positions ``px`` (33 x [x, y]), visibility and
        relative depth; ``t`` only matters to signals with a baseline."""
        facing = self._choose_facing(vis, z)
        heading = self._heading(px, vis, facing)
        min_vis = self.min_vis
        floor_y = max((px[i][1] for i in self._feet_idx if vis[i] >= min_vis), default=NAN)
        floor = [0.0, floor_y]
        lateral = self._lateral(px, vis)
        units: dict[str, float] = {}
        mids = self._mids
        values: dict[str, float] = {}
        per_side: dict[str, tuple[float, float]] = {}
        features = Features(values, per_side, facing, heading, ())

        def measure(plan: _Plan, side: str) -> float:
            if plan.plain:
                get = plan.gather[side]  # type: ignore[index]
                if min(get(vis)) < min_vis:
                    return NAN
                return plan.measure(list(get(px)), heading)
            pts = []
            for i in plan.points[side]:
                if i == FLOOR:
                    if floor_y != floor_y:  # NaN: no foot seen
                        return NAN
                    pts.append(floor)
                elif i <= MID:
                    a, b = mids[i]
                    if vis[a] < min_vis or vis[b] < min_vis:
                        return NAN
                    pts.append([(px[a][0] + px[b][0]) / 2, (px[a][1] + px[b][1]) / 2])
                elif vis[i] < min_vis:
                    return NAN
                else:
                    pts.append(px[i])
            if plan.signal.kind == "tilt":  # towards this body side in the picture
                return plan.measure(pts, lateral if side == "left" else -lateral)
            if plan.signal.kind == "level":
                units[plan.signal.name] = g.distance(pts[1], pts[2])
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
        for name, baseline in self._baselines.items():
            value = baseline(t, values[name])
            if name in units:  # a level: the rise in pixels over this frame's body size
                unit = units[name]
                value = value / unit if unit > 1e-6 else NAN
            values[name] = value
        missing = tuple(p for p, i in self._vis_idx[facing] if vis[i] < min_vis)
        return Features(values, per_side, facing, heading, missing)

    def _lateral(self, px: list[Point], vis: list[float]) -> float:
        """+1 when the person's left is image-right (facing the camera), -1 when it is
        image-left (back to the camera, or a mirrored picture), NaN when side-on: the
        shoulders must be at least a quarter of a torso apart across the picture to tell."""
        a, b = self._shoulders
        hip = self._left_hip
        if vis[a] < self.min_vis or vis[b] < self.min_vis or vis[hip] < self.min_vis:
            return NAN
        dx = px[a][0] - px[b][0]
        if abs(dx) < 0.25 * g.distance(px[a], px[hip]):
            return NAN
        return 1.0 if dx > 0 else -1.0

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
