"""Signals compiled into probes: one small function per signal and body side.

A probe measures one signal on one body side of one frame, or gives NaN when a point it
needs is not seen well enough. Everything that depends only on the spec (the landmark
indices, the geometry function, where each point sits in the list of positions) is bound
when the probe is made, so a frame costs one call, a visibility check and the geometry:
the feature extractor runs every signal's probes on every frame of a live camera.

Probes read visibility by landmark index (the full 33-long list) and positions from a
short list holding only the landmarks the spec reads: ``at`` maps a landmark to its place
there. Indices below zero are the pseudo-points: ``FLOOR`` and the mid-points (``MID``
and below) that the extractor resolves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from posecheck.check import geometry as g
from posecheck.check.spec_model import Signal

NAN = math.nan
FLOOR = -1  # index standing for the "floor" pseudo-point
MID = -2  # indices <= MID stand for "mid.<part>": the midpoint of a left/right pair
Point = Sequence[float]
# A signal on one body side: (positions, visibility, heading) -> value, NaN when unseen.
Probe = Callable[[Sequence[Point], Sequence[float], float], float]

# The kinds measured over the length of their `per` segment, before that division.
_UNSCALED: dict[str, Callable[[Point, Point, float], float]] = {
    "distance": lambda a, b, h: g.distance(a, b),
    "height": lambda a, b, h: g.height_above(a, b),
    "forward": g.forward_of,
    "spread": lambda a, b, h: abs(a[0] - b[0]),
}


@dataclass(slots=True)
class FrameContext:
    """What the extractor works out once per frame for the probes that need it."""

    floor_y: float = NAN  # the floor line, for signals on the "floor" point
    lateral: float = NAN  # +1 / -1 / NaN: where the person's left is, for tilts
    units: dict[str, float] = field(default_factory=dict)  # each level's body-size unit


def measure(sig: Signal) -> Callable[[Sequence[Point], float], float]:
    """The signal's geometry on its points in spec order (the `per` segment last)."""
    kind = sig.kind
    if kind == "angle":
        return lambda p, h: g.joint_angle(p[0], p[1], p[2])
    if kind == "offset":
        return lambda p, h: g.line_offset(p[0], p[1], p[2])
    if kind == "inclination":
        return lambda p, h: g.inclination(p[0], p[1])
    if kind in ("lean", "tilt"):  # a tilt gets the body side's direction as its heading
        return lambda p, h: g.lean(p[0], p[1], h)
    if kind == "level":  # pixels, up positive; scaled only after its baseline is taken off
        return lambda p, h: -p[0][1]
    if kind == "toward_camera":  # the picture does not tell front from back: 3-D only
        return lambda p, h: NAN
    raw = _UNSCALED[kind]

    def scaled(p: Sequence[Point], h: float) -> float:
        unit = g.distance(p[-2], p[-1])
        return NAN if unit < 1e-6 else raw(p[0], p[1], h) / unit

    return scaled


def plain_probe(sig: Signal, ix: tuple[int, ...], at: dict[int, int], min_vis: float) -> Probe:
    """A probe for a signal on real landmarks only, for any visibility values."""
    f, seen, where = measure(sig), itemgetter(*ix), itemgetter(*(at[i] for i in ix))

    def probe(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
        return NAN if min(seen(vis)) < min_vis else f(where(px), h)

    return probe


def quick_probe(sig: Signal, ix: tuple[int, ...], at: dict[int, int], min_vis: float) -> Probe:
    """The same as plain_probe for visibility without NaN (then "the least visible point
    is below min_vis" is "any point is"), cut to a visibility check and one geometry call
    for the usual shapes: 3 points for angles, 2 for segments, 2 + the `per` segment for
    the scaled kinds. Anything else takes the plain route."""
    kind, a, b, c = sig.kind, ix[0], ix[1], ix[-1]
    pa, pb, pc = at[a], at[b], at[c]
    if kind in ("angle", "offset") and len(ix) == 3:
        f3 = g.joint_angle if kind == "angle" else g.line_offset

        def probe3(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
            if vis[a] < min_vis or vis[b] < min_vis or vis[c] < min_vis:
                return NAN
            return f3(px[pa], px[pb], px[pc])

        return probe3
    if kind == "lean" and len(ix) == 2:
        lean = g.lean

        def probe_lean(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
            return NAN if vis[a] < min_vis or vis[b] < min_vis else lean(px[pa], px[pb], h)

        return probe_lean
    if kind == "inclination" and len(ix) == 2:
        incline = g.inclination

        def probe2(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
            return NAN if vis[a] < min_vis or vis[b] < min_vis else incline(px[pa], px[pb])

        return probe2
    if kind in _UNSCALED and len(ix) == 4:
        raw, distance, u, pu = _UNSCALED[kind], g.distance, ix[2], at[ix[2]]

        def probe4(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
            if vis[a] < min_vis or vis[b] < min_vis or vis[u] < min_vis or vis[c] < min_vis:
                return NAN
            unit = distance(px[pu], px[pc])
            return NAN if unit < 1e-6 else raw(px[pa], px[pb], h) / unit

        return probe4
    return plain_probe(sig, ix, at, min_vis)


def world_probe(kind: str, ix: tuple[int, ...], at: dict[int, int], min_vis: float) -> Probe:
    """A 3-D joint angle (three points), inclination (two), or distance or height over a
    segment's length (four: the two points, then the `per` segment) on world landmarks
    (``at``: landmark -> its place in the world point list); NaN when a point is not seen
    well enough, as in the picture. The world's y axis is the camera's vertical, so a
    height is "up in the picture" as the picture's own is, over a length no turn shortens.
    A forward distance takes the body's facing direction (geometry.facing3, an angle in
    radians) as its heading ``h``: NaN there, NaN here; so does toward_camera (two points,
    both to be seen), which is that direction's part towards the camera (-z)."""
    if kind == "toward_camera":
        a, b = ix

        def toward(pw: Sequence[Point], vis: Sequence[float], h: float) -> float:
            return -math.sin(h) if vis[a] >= min_vis and vis[b] >= min_vis else NAN

        return toward
    if len(ix) == 2:
        a, b = ix
        pa, pb = at[a], at[b]
        incline3 = g.inclination3

        def incline(pw: Sequence[Point], vis: Sequence[float], h: float) -> float:
            if vis[a] >= min_vis and vis[b] >= min_vis:
                return incline3(pw[pa], pw[pb])
            return NAN

        return incline
    if len(ix) == 3:
        a, b, c = ix
        pa, pb, pc = at[a], at[b], at[c]
        angle3 = g.joint_angle3

        def angle(pw: Sequence[Point], vis: Sequence[float], h: float) -> float:
            if vis[a] >= min_vis and vis[b] >= min_vis and vis[c] >= min_vis:  # NaN: unseen
                return angle3(pw[pa], pw[pb], pw[pc])
            return NAN

        return angle
    a, b, u, w = ix
    pa, pb, pu, pw_ = at[a], at[b], at[u], at[w]
    dist3, ahead = g.distance3, g.forward3
    up, forward = kind == "height", kind == "forward"

    def scaled(pw: Sequence[Point], vis: Sequence[float], h: float) -> float:
        if min(vis[a], vis[b], vis[u], vis[w]) >= min_vis:
            unit = dist3(pw[pu], pw[pw_])
            if unit < 1e-6:
                return NAN
            if up:  # y grows downwards
                return (pw[pb][1] - pw[pa][1]) / unit
            if forward:
                return NAN if h != h else ahead(pw[pa], pw[pb], h) / unit
            return dist3(pw[pa], pw[pb]) / unit
        return NAN

    return scaled


def general_probe(
    sig: Signal,
    ix: tuple[int, ...],
    at: dict[int, int],
    min_vis: float,
    mids: dict[int, tuple[int, int]],
    frame: FrameContext,
    side: str,
) -> Probe:
    """A probe for signals on the floor line or on mid-points (``mids``: code -> the
    left and right landmark), and for tilts and levels, which need ``frame``: the points
    are put together each frame from what it saw."""
    f, kind, name, units = measure(sig), sig.kind, sig.name, frame.units
    if kind in _UNSCALED and len(ix) == 4 and ix[1] == FLOOR and min(ix[0], ix[2], ix[3]) >= 0:
        # The usual floor signal (a point's height above the floor, per a segment), with
        # the same checks as below in the same order, minus building the point list.
        raw, distance, (a, _, u, w) = _UNSCALED[kind], g.distance, ix
        pa, pu, pw = at[a], at[u], at[w]

        def floor_probe(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
            floor_y = frame.floor_y
            if vis[a] < min_vis or floor_y != floor_y or vis[u] < min_vis or vis[w] < min_vis:
                return NAN
            unit = distance(px[pu], px[pw])
            return NAN if unit < 1e-6 else raw(px[pa], [0.0, floor_y], h) / unit

        return floor_probe
    # Per point: (FLOOR / MID / the landmark, visibility indices, positions)
    points = []
    for i in ix:
        if i == FLOOR:
            points.append((FLOOR, 0, 0, 0, 0))
        elif i <= MID:
            left, right = mids[i]
            points.append((MID, left, right, at[left], at[right]))
        else:
            points.append((i, i, i, at[i], at[i]))

    def probe(px: Sequence[Point], vis: Sequence[float], h: float) -> float:
        pts: list[Point] = []
        for code, va, vb, pa, pb in points:
            if code == FLOOR:
                floor_y = frame.floor_y
                if floor_y != floor_y:  # NaN: no foot seen
                    return NAN
                pts.append([0.0, floor_y])
            elif code == MID:
                if vis[va] < min_vis or vis[vb] < min_vis:
                    return NAN
                pts.append([(px[pa][0] + px[pb][0]) / 2, (px[pa][1] + px[pb][1]) / 2])
            elif vis[va] < min_vis:
                return NAN
            else:
                pts.append(px[pa])
        if kind == "tilt":  # towards this body side in the picture
            return f(pts, frame.lateral if side == "left" else -frame.lateral)
        if kind == "level":
            units[name] = g.distance(pts[1], pts[2])
        return f(pts, h)

    return probe
