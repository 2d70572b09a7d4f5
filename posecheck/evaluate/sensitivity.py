"""Sensitivity: inject faults of known size into good-form recordings and see at what
size each rule starts firing.

A clean recording of a real person is the best baseline there is: it carries MediaPipe's
real noise, occlusion and camera geometry. Moving a few landmarks by a known amount (hips
lowered by a fraction of the body's length, the trunk turned forward by N degrees, the back
knee lifted by a fraction of the shin) makes a fault of exactly that size with everything
else real. The curves that come out (size -> share of clips / reps flagged) set and
document the default thresholds (docs/sensitivity.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from posecheck.check.checker import Checker
from posecheck.check.events import Issue, Rep
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import Landmark, Pose, PoseFrame

L = Landmark
_UPPER = [lm for lm in L if not lm.name.endswith(("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))]
_HIPS = (L.LEFT_HIP, L.RIGHT_HIP)
_KNEES = (L.LEFT_KNEE, L.RIGHT_KNEE)
Fault = Callable[[np.ndarray, float], np.ndarray]  # (33, 2) pixels, size -> new pixels


def _body_length(px: np.ndarray) -> float:
    """Shoulder to ankle, both sides averaged: the unit of hip height faults."""
    left = np.linalg.norm(px[L.LEFT_SHOULDER] - px[L.LEFT_ANKLE])
    right = np.linalg.norm(px[L.RIGHT_SHOULDER] - px[L.RIGHT_ANKLE])
    return float(left + right) / 2


def lower_hips(px: np.ndarray, size: float) -> np.ndarray:
    """Hips down by ``size`` body lengths (negative: up), the knees half as much."""
    out = px.copy()
    dy = size * _body_length(px)
    out[list(_HIPS), 1] += dy
    out[list(_KNEES), 1] += dy / 2
    return out


def raise_hips(px: np.ndarray, size: float) -> np.ndarray:
    return lower_hips(px, -size)


def lean_trunk(px: np.ndarray, size: float) -> np.ndarray:
    """Upper body (shoulders, arms, head) turned ``size`` degrees forward about the hips."""
    nose, ears = px[L.NOSE], (px[L.LEFT_EAR] + px[L.RIGHT_EAR]) / 2
    heading = 1.0 if nose[0] >= ears[0] else -1.0
    pivot = px[list(_HIPS)].mean(axis=0)
    a = math.radians(size) * heading  # image y points down: + turns clockwise = forward right
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    out = px.copy()
    out[_UPPER] = (px[_UPPER] - pivot) @ rot.T + pivot
    return out


def raise_back_knee(px: np.ndarray, size: float) -> np.ndarray:
    """In a split stance (hip angles 30+ degrees apart), the back leg's knee - the one on
    the more extended hip - lifted by ``size`` shin lengths; other frames unchanged."""

    def hip_angle(side: str) -> float:
        s, h, k = (px[L[f"{side}_{p}"]] for p in ("SHOULDER", "HIP", "KNEE"))
        v1, v2 = s - h, k - h
        cos = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9))
        return math.degrees(math.acos(max(-1.0, min(1.0, cos))))

    left, right = hip_angle("LEFT"), hip_angle("RIGHT")
    if abs(left - right) < 30:
        return px
    side = "LEFT" if left > right else "RIGHT"
    knee, ankle = L[f"{side}_KNEE"], L[f"{side}_ANKLE"]
    out = px.copy()
    out[knee, 1] -= size * float(np.linalg.norm(px[knee] - px[ankle]))
    return out


@dataclass(frozen=True, slots=True)
class Probe:
    """One fault to inject: into which exercise's good clips, and which rule should see it."""

    name: str
    exercise: str
    rule: str
    fault: Fault
    unit: str
    sizes: tuple[float, ...]
    clips: tuple[str, ...]


PROBES = (
    Probe(
        "hips lowered", "plank", "hips_sagging", lower_hips, "body lengths",
        (0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12),
        ("plank_forearm_side_a", "plank_forearm_side_b", "plank_forearm_side_c",
         "plank_forearm_side_d"),
    ),
    Probe(
        "hips raised", "plank", "hips_piked", raise_hips, "body lengths",
        (0.0, 0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.2),
        ("plank_forearm_side_a", "plank_forearm_side_b", "plank_forearm_side_c",
         "plank_forearm_side_d"),
    ),
    Probe(
        "trunk leaned forward", "lunge", "trunk_leaning", lean_trunk, "degrees",
        (0.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0),
        ("lunge_alternating_side_a", "lunge_walking_side_b"),
    ),
    Probe(
        "back knee raised", "lunge", "shallow_depth", raise_back_knee, "shin lengths",
        (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
        ("lunge_alternating_side_a", "lunge_walking_side_b"),
    ),
)  # fmt: skip


def inject(frames: Iterable[PoseFrame], fault: Fault, size: float) -> Iterator[PoseFrame]:
    """The frames with ``fault`` of ``size`` applied to every detected pose."""
    for f in frames:
        if f.pose is None or size == 0:
            yield f
            continue
        px = fault(f.pixels(), size)
        image = f.pose.image.copy()
        image[:, 0] = px[:, 0] / f.width
        image[:, 1] = px[:, 1] / f.height
        yield replace(f, pose=Pose(image, f.pose.visibility, f.pose.world))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run of one clip with one fault size gave."""

    fired: bool  # the rule raised at least once
    reps: int
    flagged_reps: int  # reps carrying the rule's code


def run_with_fault(
    spec: ExerciseSpec, frames: Iterable[PoseFrame], fault: Fault, size: float, rule: str
) -> Outcome:
    checker = Checker(spec)
    fired, reps, flagged = False, 0, 0
    events: list = []
    for f in inject(frames, fault, size):
        events.extend(checker.update(f).events)
    events.extend(checker.finish())
    for e in events:
        if isinstance(e, Issue) and e.code == rule:
            fired = True
        elif isinstance(e, Rep):
            reps += 1
            flagged += rule in e.issues
    return Outcome(fired, reps, flagged)
