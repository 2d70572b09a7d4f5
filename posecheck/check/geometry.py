"""Plane geometry on 2-D points (pixels, y pointing down), in pure numpy.

All functions take points as length-2 arrays in an aspect-correct frame (pixels, not
MediaPipe's 0..1 coordinates, whose x and y units differ unless the frame is square) and
return plain floats, so a signal's meaning does not depend on the camera's resolution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = Sequence[float]

_EPS = 1e-6


def joint_angle(a: Point, b: Point, c: Point) -> float:
    """Angle ABC at ``b`` in degrees, 0..180 (180 = straight)."""
    bx, by = b[0], b[1]
    x1, y1 = a[0] - bx, a[1] - by
    x2, y2 = c[0] - bx, c[1] - by
    n = math.hypot(x1, y1) * math.hypot(x2, y2)
    if n < _EPS:
        return math.nan
    cos = (x1 * x2 + y1 * y2) / n
    # Clamped against rounding, as max(-1, min(1, cos)) would (NaN becomes 1), but without
    # two builtin calls: this runs for every angle signal on every frame.
    cos = cos if cos < 1.0 else 1.0
    return math.degrees(math.acos(cos if cos > -1.0 else -1.0))


def joint_angle3(a: Point, b: Point, c: Point) -> float:
    """Angle ABC at ``b`` in degrees, 0..180, of three 3-D points (world landmarks)."""
    x1, y1, z1 = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    x2, y2, z2 = c[0] - b[0], c[1] - b[1], c[2] - b[2]
    n = math.sqrt((x1 * x1 + y1 * y1 + z1 * z1) * (x2 * x2 + y2 * y2 + z2 * z2))
    if n < _EPS:
        return math.nan
    cos = (x1 * x2 + y1 * y2 + z1 * z2) / n
    cos = cos if cos < 1.0 else 1.0
    return math.degrees(math.acos(cos if cos > -1.0 else -1.0))


def inclination3(a: Point, b: Point) -> float:
    """Angle of the 3-D segment a-b from the horizontal (x-z) plane, 0..90 degrees; the
    world landmarks' y axis is the camera's vertical, as the picture's is."""
    dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    flat = math.sqrt(dx * dx + dz * dz)
    if flat + abs(dy) < _EPS:
        return math.nan
    return math.degrees(math.atan2(abs(dy), flat))


def distance3(a: Point, b: Point) -> float:
    """Distance between two 3-D points."""
    dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return math.sqrt(dx * dx + dy * dy + dz * dz)


def line_offset(p: Point, a: Point, b: Point) -> float:
    """Signed distance of ``p`` from the line AB, as a fraction of |AB|.

    Positive means ``p`` lies above the line (towards the top of the image), the side a
    piked hip is on; negative is below, where a sagging hip is.
    """
    dx = b[0] - a[0]
    dy = b[1] - a[1]
    length_sq = dx * dx + dy * dy
    if length_sq < _EPS:
        return math.nan
    # Normal (dy, -dx) or its opposite; choose the one pointing up (negative image y).
    nx, ny = dy, -dx
    if ny > 0 or (ny == 0 and nx < 0):
        nx, ny = -nx, -ny
    return ((p[0] - a[0]) * nx + (p[1] - a[1]) * ny) / length_sq


def inclination(a: Point, b: Point) -> float:
    """Angle of segment AB from the horizontal in degrees, 0..90 (direction ignored)."""
    dx = abs(b[0] - a[0])
    dy = abs(b[1] - a[1])
    if dx + dy < _EPS:
        return math.nan
    return math.degrees(math.atan2(dy, dx))


def lean(base: Point, top: Point, heading: float) -> float:
    """Signed angle of the segment base->top from vertical, in degrees.

    Positive leans towards ``heading`` (+1: the person faces image-right, -1: image-left),
    negative leans backwards. Used for the trunk: forward lean vs an arched-back lean.
    """
    dx = top[0] - base[0]
    dy = base[1] - top[1]  # up is positive
    if abs(dx) + abs(dy) < _EPS:
        return math.nan
    return math.degrees(math.atan2(dx * heading, dy))


def distance(a: Point, b: Point) -> float:
    """Euclidean distance."""
    return math.hypot(b[0] - a[0], b[1] - a[1])


def height_above(p: Point, ref: Point) -> float:
    """How far ``p`` is above ``ref`` (positive = higher in the image)."""
    return float(ref[1] - p[1])


def forward_of(p: Point, ref: Point, heading: float) -> float:
    """How far ``p`` is in front of ``ref`` along the direction the person faces."""
    return float((p[0] - ref[0]) * heading)


def facing3(l_shoulder: Point, r_shoulder: Point, l_hip: Point, r_hip: Point, nose: Point) -> float:
    """The direction the body faces in the world's horizontal (x-z) plane, as an angle in
    radians (x = cos, z = sin); NaN when the body's sideways line has no horizontal length.

    The direction is the horizontal normal to the line across the body: shoulders plus
    hips, as the view's yaw takes it (posecheck.pose.view), each pair's left-to-right
    turned the same way first so that a label swap in one pair cannot cancel the other.
    Its sign is the side of that line the nose is on: which way the face points, as the
    picture's heading (nose against ear) has it, and unchanged by a left/right label swap,
    which would turn a "chest side" (up x left-to-right) round. Measured on the committed
    recordings, the nose is 11-26 cm (median per recording) in front of the shoulders in
    every frame of all upright, prone and all-fours ones (docs/view-and-space.md)."""
    sx, sz = r_shoulder[0] - l_shoulder[0], r_shoulder[2] - l_shoulder[2]
    hx, hz = r_hip[0] - l_hip[0], r_hip[2] - l_hip[2]
    if sx * hx + sz * hz < 0:
        hx, hz = -hx, -hz
    lx, lz = sx + hx, sz + hz
    if abs(lx) + abs(lz) < _EPS:
        return math.nan
    nx, nz = lz, -lx  # a horizontal normal to the line across the body
    ax = nose[0] - (l_shoulder[0] + r_shoulder[0]) / 2
    az = nose[2] - (l_shoulder[2] + r_shoulder[2]) / 2
    if ax * nx + az * nz < 0:
        nx, nz = -nx, -nz
    return math.atan2(nz, nx)


def forward3(p: Point, ref: Point, facing: float) -> float:
    """How far ``p`` is in front of ``ref`` in 3-D: the horizontal part of ref->p along
    the facing direction (an angle from facing3); height does not count, as in the
    picture side-on, where forward is across the picture and up is not."""
    return (p[0] - ref[0]) * math.cos(facing) + (p[2] - ref[2]) * math.sin(facing)
