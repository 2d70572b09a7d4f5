"""Turns a smoothed pose into the named signals a spec asks for.

This is where body sides are resolved: a spec says "knee", and here it becomes the left
or the right knee depending on the signal's side mode (the side facing the camera, the
smaller of the two, the side picked by another signal, ...). A signal whose landmarks
are not visible enough is NaN: the checker then makes no judgement on it.

Everything that depends only on the spec is worked out once in the constructor: each
signal becomes a probe per body side (posecheck.check.probes), and the extractor knows which
landmarks it reads at all, so the checker smooths only those. A frame then costs about
one call and a few dozen float operations per signal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from posecheck.check import geometry as g
from posecheck.check.probes import (
    FLOOR,
    MID,
    NAN,
    FrameContext,
    Point,
    Probe,
    general_probe,
    plain_probe,
    quick_probe,
    world_probe,
)
from posecheck.check.side_pick import (
    FACING,
    LEFT,
    MAX,
    MEAN,
    MIN,
    MODES,
    ONE,
    PICK,
    RIGHT,
    Baseline,
    pick_value,
    picked_side,
)
from posecheck.check.spec_model import ExerciseSpec, Signal
from posecheck.pose.landmarks import SIDES, landmark_for, other_side
from posecheck.pose.view import FRONT, SIDE

_FACING_PARTS = ("shoulder", "elbow", "hip", "knee", "ankle")
_FEET = ("heel", "foot_index", "ankle")
FACING_KINDS = ("forward", "toward_camera")


@dataclass(frozen=True, slots=True)
class Features:
    """Signal values of one frame, plus the per-side values side-picking needs."""

    values: dict[str, float]
    per_side: dict[str, tuple[float, float]]  # (left, right), for signals computed on both
    facing: str
    heading: float  # +1 the person faces image-right, -1 image-left
    missing: tuple[str, ...]  # visibility parts not seen well enough on the facing side
    view: str | None = None  # side / oblique / front (posecheck.pose.view); None: not known
    yaw: float = NAN  # the body's smoothed yaw to the camera, degrees (90 = side-on)

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


class _Plan(NamedTuple):
    """One signal, compiled (a tuple: unpacked in one step per signal per frame)."""

    name: str
    mode: int  # ONE for a one-sided signal, else how the value is picked from the sides
    # For a one-sided signal, the probes to use when facing left / right (the same one
    # twice for a fixed "left" or "right" side); else the left and right probes.
    left: Probe
    right: Probe
    same_as: str | None  # an earlier signal measuring exactly this: reuse its sides
    pick: tuple[bool, str] | None  # PICK: (by the smaller?, the signal that picks)


def _lm(part: str, side: str | None) -> int:
    return int(landmark_for(part, side))


def _indices(sig: Signal, side: str, mids: dict[str, int]) -> tuple[int, ...]:
    """The signal's points on one side (the `per` segment last) as landmark indices."""
    return tuple(_index(p, side, mids) for p in (*sig.points, *(sig.per or ())))


class FeatureExtractor:
    """Computes a spec's signals; keeps the facing-side choice stable across frames."""

    def __init__(self, spec: ExerciseSpec, switch_margin: float = 0.08) -> None:
        self.spec = spec
        self.min_vis = min_vis = spec.visibility.min_visibility
        self.switch_margin = switch_margin
        self._facing: str | None = None
        picked_by = {s.side.split(":", 1)[1] for s in spec.signals.values() if ":" in s.side}
        if spec.reps is not None and spec.reps.side_by:
            picked_by.add(spec.reps.side_by.split(":", 1)[1])
        # Signals whose side depends on another signal are computed after the others.
        signals = sorted(spec.signals.values(), key=lambda s: ":" in s.side)
        codes: dict[str, int] = {}  # mid-point part -> its code
        ix = {sig.name: {s: _indices(sig, s, codes) for s in SIDES} for sig in signals}
        mids = {code: (_lm(part, "left"), _lm(part, "right")) for part, code in codes.items()}
        self._uses_tilt = any(sig.kind == "tilt" for sig in signals)
        self._uses_floor = any(FLOOR in i for sides in ix.values() for i in sides.values())
        # The landmarks read: the signals' (mid-points: both sides'), the floor's and the
        # lateral direction's when a signal needs them, and the heading's (x only).
        read = {i for sides in ix.values() for s in SIDES for i in sides[s] if i >= 0}
        read.update(i for pair in mids.values() for i in pair)
        if self._uses_floor:
            read.update(_lm(p, s) for p in _FEET for s in SIDES)
        if self._uses_tilt:
            read.update((_lm("shoulder", "left"), _lm("shoulder", "right"), _lm("hip", "left")))
        heading = {_lm(p, s) for p in ("ear", "foot_index", "heel") for s in SIDES}
        heading.add(_lm("nose", None))
        self.x_only = frozenset(heading - read)
        """The landmarks of which only x is read (compute_read ignores their y)."""
        self.landmarks: tuple[int, ...] = tuple(sorted(read | heading))
        """The landmarks whose positions the signals read, in order: compute_read() takes
        their positions in this order; compute() picks them out of all 33."""
        at = {i: k for k, i in enumerate(self.landmarks)}
        self._take = itemgetter(*self.landmarks)
        self._frame = FrameContext()
        quick: list[_Plan] = []
        careful: list[_Plan] = []
        first: dict[tuple, str] = {}  # (kind, left points, right points) -> first signal
        for sig in signals:
            sides = ix[sig.name]
            both = sig.side in ("min", "max", "mean") or ":" in sig.side or sig.name in picked_by
            plain = sig.kind not in ("tilt", "level") and min(*sides["left"], *sides["right"]) >= 0
            key = (sig.kind, sides["left"], sides["right"])
            same_as = first.get(key) if both and plain else None
            if both and plain:
                first.setdefault(key, sig.name)
            mode, pick = ONE, None
            if both:
                mode = MODES.get(sig.side, MEAN if sig.side == "mean" else PICK)
                if mode == PICK:
                    kind, _, by = sig.side.partition(":")
                    pick = (kind == "min", by)
            general = tuple(
                general_probe(sig, sides[s], at, min_vis, mids, self._frame, s)
                for s in SIDES
                if not plain
            )
            for make, plans in ((quick_probe, quick), (plain_probe, careful)):
                left, right = general or (make(sig, sides[s], at, min_vis) for s in SIDES)
                if sig.side == "left":
                    right = left
                elif sig.side == "right":
                    left = right
                plans.append(_Plan(sig.name, mode, left, right, same_as, pick))
        # Quick probes when the visibility has no NaN (always, from a Pose), else careful.
        self._plans, self._careful_plans = tuple(quick), tuple(careful)
        # "auto" signals are read in the picture from this view, in 3-D from the others.
        self._image_view = spec.view if spec.view in (SIDE, FRONT) else SIDE
        self._near_only = tuple(
            (p.name, p.mode, p.pick) for p in quick if spec.signals[p.name].near_only
        )
        # Signals measured on the 3-D world landmarks: always ("world"), or away from the
        # spec's own view ("auto"). Their probes read a list of world points of their own.
        world_sigs = [s for s in signals if s.space != "image"]
        # Forward and toward the camera in 3-D need the way the body faces (geometry.facing3).
        facing3 = [_lm(p, s) for p in ("shoulder", "hip") for s in SIDES] + [_lm("nose", None)]
        facing3 = facing3 if any(s.kind in FACING_KINDS for s in world_sigs) else []
        wread = sorted({i for s in world_sigs for d in SIDES for i in ix[s.name][d]} | {*facing3})
        self.world_landmarks: tuple[int, ...] = tuple(wread)
        """The landmarks whose world positions the 3-D signals read, in this order."""
        at_w = {i: k for k, i in enumerate(wread)}
        # Where the facing's points sit in the world list (ls, rs, lh, rh, nose), if read.
        self._facing3 = itemgetter(*(at_w[i] for i in facing3)) if facing3 else None
        self._world_plans = tuple(
            (
                s.name,
                s.space == "auto",
                MODES.get(s.side, MEAN if s.side == "mean" else PICK)
                if (s.side in ("min", "max", "mean") or ":" in s.side or s.name in picked_by)
                else ONE,
                world_probe(s.kind, ix[s.name]["left"], at_w, min_vis),
                world_probe(s.kind, ix[s.name]["right"], at_w, min_vis),
                (s.side.partition(":")[0] == "min", s.side.partition(":")[2])
                if ":" in s.side
                else None,
                s.side,
            )
            for s in world_sigs
        )
        self._baselines = {
            s.name: Baseline(s.baseline, s.window_s)
            for s in spec.signals.values()
            if s.baseline is not None
        }
        # (visibility index, position) of the other points read
        where = {i: (i, at[i]) for i in self.landmarks}
        self._nose = where[_lm("nose", None)]
        self._ear = {s: where[_lm("ear", s)] for s in SIDES}
        self._toe_heel = {s: (where[_lm("foot_index", s)], where[_lm("heel", s)]) for s in SIDES}
        self._feet = tuple(where.get(_lm(p, s), (-1, -1)) for p in _FEET for s in SIDES)
        lateral = (("shoulder", "left"), ("shoulder", "right"), ("hip", "left"))
        self._lateral_points = tuple(where.get(_lm(p, s), (-1, -1)) for p, s in lateral)
        self._facing_idx = {s: itemgetter(*(_lm(p, s) for p in _FACING_PARTS)) for s in SIDES}
        self._vis_idx = {s: tuple((p, _lm(p, s)) for p in spec.visibility.parts) for s in SIDES}
        self._all_seen = {  # the quick "nothing missing" test, for two parts or more
            s: itemgetter(*(i for _, i in idx)) if len(idx) > 1 else None
            for s, idx in self._vis_idx.items()
        }

    def reset(self) -> None:
        self._facing = None
        for name, b in self._baselines.items():
            self._baselines[name] = Baseline("min" if b.sign > 0 else "max", b.window_s)

    def _choose_facing(self, vis: Sequence[float], z: Sequence[float]) -> str:
        # Visibility first; MediaPipe's relative depth (smaller z = nearer) breaks ties.
        get = self._facing_idx["left"]
        left = (sum(get(vis)) - 0.1 * sum(get(z))) / len(_FACING_PARTS)
        get = self._facing_idx["right"]
        right = (sum(get(vis)) - 0.1 * sum(get(z))) / len(_FACING_PARTS)
        facing = self._facing  # switch only for a clear margin (the same test, per case)
        if facing is None:
            self._facing = facing = "left" if left >= right else "right"
        elif left >= right:
            if facing == "right" and left - right > self.switch_margin:
                self._facing = facing = "left"
        elif facing == "left" and right - left > self.switch_margin:
            self._facing = facing = "right"
        return facing

    def compute(
        self, px: Sequence[Point], vis: Sequence[float], z: Sequence[float], t: float = 0.0
    ) -> Features:
        """Signals at time ``t`` from pixel positions ``px`` (33 x [x, y]), visibility and
        relative depth; ``t`` only matters to signals with a baseline."""
        return self.compute_read(self._take(px), vis, z, t)

    def compute_read(
        self,
        points: Sequence[Point],
        vis: Sequence[float],
        z: Sequence[float],
        t: float = 0.0,
        world: Sequence[Point] | None = None,
        view: str | None = None,
        yaw: float = NAN,
    ) -> Features:
        """compute() given only the positions of ``landmarks``, in that order (visibility
        and depth still of all 33): what the checker smooths. ``world``: the world
        positions of ``world_landmarks`` in that order, when the pose has them; ``view``
        the view the frame is seen from (posecheck.pose.view)."""
        facing = self._choose_facing(vis, z)
        heading = self._heading(points, vis, facing)
        min_vis, frame = self.min_vis, self._frame
        if self._uses_floor:  # the lowest foot point seen (max() over the feet, unrolled)
            floor_y = None
            for i, k in self._feet:
                if vis[i] >= min_vis:
                    y = points[k][1]
                    if floor_y is None or y > floor_y:
                        floor_y = y
            frame.floor_y = NAN if floor_y is None else floor_y
        if self._uses_tilt:
            frame.lateral = self._lateral(points, vis)
        units = frame.units
        if units:
            units.clear()
        facing_right = facing == "right"
        values: dict[str, float] = {}
        per_side: dict[str, tuple[float, float]] = {}
        vis_sum = sum(vis)  # NaN if any visibility is
        plans = self._plans if vis_sum == vis_sum else self._careful_plans
        for name, mode, left, right, same_as, pick in plans:
            if mode == ONE:
                values[name] = (right if facing_right else left)(points, vis, heading)
                continue
            if same_as is not None:
                lv, rv = per_side[same_as]
            else:
                lv, rv = left(points, vis, heading), right(points, vis, heading)
            per_side[name] = (lv, rv)
            if mode == MIN:  # min() / max() of the two, unrolled
                v = NAN if lv != lv or rv != rv else (rv if rv < lv else lv)
            elif mode == MAX:
                v = NAN if lv != lv or rv != rv else (rv if rv > lv else lv)
            elif mode == FACING:
                v = rv if facing_right else lv
            elif mode == LEFT:
                v = lv
            elif mode == RIGHT:
                v = rv
            elif lv != lv or rv != rv:
                v = NAN  # min/max/mean need both sides: never judge from half the body
            elif mode == MEAN:
                v = (lv + rv) / 2
            else:  # PICK: the side another signal picks (as Features.side_of)
                by_min, by = pick  # type: ignore[misc]
                bl, br = per_side.get(by, (NAN, NAN))
                if bl != bl or br != br:
                    v = NAN
                elif by_min:
                    v = lv if bl <= br else rv
                else:
                    v = lv if bl >= br else rv
            values[name] = v
        if self._world_plans:
            self._world_values(values, per_side, world, vis, view, facing_right)
        for name, mode, pick in self._near_only:  # a far limb is not measured
            lv, rv = per_side.get(name, (NAN, NAN))
            if picked_side(mode, lv, rv, pick, per_side) != facing:
                values[name] = NAN
        for name, baseline in self._baselines.items():
            value = baseline(t, values[name])
            if name in units:  # a level: the rise in pixels over this frame's body size
                unit = units[name]
                value = value / unit if unit > 1e-6 else NAN
            values[name] = value
        seen = self._all_seen[facing]
        if seen is not None and min(seen(vis)) >= min_vis:
            missing: tuple[str, ...] = ()
        else:
            missing = tuple(p for p, i in self._vis_idx[facing] if vis[i] < min_vis)
        return Features(values, per_side, facing, heading, missing, view, yaw)

    def _world_values(
        self,
        values: dict[str, float],
        per_side: dict[str, tuple[float, float]],
        world: Sequence[Point] | None,
        vis: Sequence[float],
        view: str | None,
        facing_right: bool,
    ) -> None:
        """Put the 3-D measures in place of the picture's where the signal's space asks
        for them: "world" always (the picture's without world landmarks, which only old
        recordings and test skeletons lack), "auto" unless the view is
        the one the spec was made for (or unknown): from there the picture's (measured
        above) is the more precise of the two (docs/view-and-space.md)."""
        facing = "right" if facing_right else "left"
        own_view = view is None or view == self._image_view
        h = NAN  # the heading of the 3-D forward distances: where the body faces
        if world is not None and self._facing3 is not None:
            ls, rs, lh, rh, nose = self._facing3(world)
            h = g.facing3(ls, rs, lh, rh, nose)
        for name, auto, mode, left, right, pick, side in self._world_plans:
            if auto and own_view:
                continue
            if world is None:  # no 3-D landmarks (an old recording): the picture's stays
                continue
            if mode == ONE:
                s = side if side in SIDES else facing
                values[name] = (right if s == "right" else left)(world, vis, h)
                continue
            lv, rv = left(world, vis, h), right(world, vis, h)
            per_side[name] = (lv, rv)
            values[name] = pick_value(mode, lv, rv, facing_right, pick, per_side)

    def _lateral(self, points: Sequence[Point], vis: Sequence[float]) -> float:
        """+1 when the person's left is image-right (facing the camera), -1 when it is
        image-left (back to the camera, or a mirrored picture), NaN when side-on: the
        shoulders must be at least a quarter of a torso apart across the picture to tell."""
        (a, pa), (b, pb), (hip, ph) = self._lateral_points
        if vis[a] < self.min_vis or vis[b] < self.min_vis or vis[hip] < self.min_vis:
            return NAN
        dx = points[pa][0] - points[pb][0]
        if abs(dx) < 0.25 * g.distance(points[pa], points[ph]):
            return NAN
        return 1.0 if dx > 0 else -1.0

    def _heading(self, points: Sequence[Point], vis: Sequence[float], facing: str) -> float:
        (nose, pn), (ear, pe) = self._nose, self._ear[facing]
        if vis[nose] >= self.min_vis and vis[ear] >= self.min_vis:
            dx = points[pn][0] - points[pe][0]
            if abs(dx) > 1e-3:
                return 1.0 if dx > 0 else -1.0
        (_, toe), (_, heel) = self._toe_heel[facing]
        return 1.0 if points[toe][0] >= points[heel][0] else -1.0
