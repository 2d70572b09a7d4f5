"""How the body moves over a span, from the metric (world) landmarks: is it held still, is
the person sitting?

Both come from the world landmarks because they are hip-centred and in metres, so neither
the camera's angle nor the person's distance from it changes them (a turn of the camera
about the vertical turns the world points and keeps their speeds and their heights).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from posecheck.check.frame_signals import GAP_RESET_S
from posecheck.pose.landmarks import Landmark, PoseFrame

# Shoulders, elbows, wrists, hips, knees, ankles: the joints a movement moves.
_JOINTS = [
    int(Landmark[f"{side}_{part}"])
    for part in ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE")
    for side in ("LEFT", "RIGHT")
]
_HIPS = [int(Landmark.LEFT_HIP), int(Landmark.RIGHT_HIP)]
_THIGHS = [
    (int(Landmark.LEFT_HIP), int(Landmark.LEFT_KNEE)),
    (int(Landmark.RIGHT_HIP), int(Landmark.RIGHT_KNEE)),
]
#: A knee seen at least this well (MediaPipe visibility) says where the thigh points; a
#: knee hidden under a desk says nothing, and sitting is then not judged.
KNEE_SEEN = 0.5
#: A thigh within ~37 deg of horizontal (vertical share of its length below 0.6) is a
#: seated thigh; standing or walking it hangs within ~35 deg of vertical (share > 0.8).
SEATED_THIGH = 0.6


def joint_speeds(frames: Sequence[PoseFrame]) -> np.ndarray:
    """Per frame, the median speed (m/s) of the main joints relative to the hips; NaN where
    it cannot be measured (no pose, no world landmarks, or a gap before the frame)."""
    out = np.full(len(frames), math.nan)
    prev: np.ndarray | None = None
    prev_t = 0.0
    for i, f in enumerate(frames):
        world = f.pose.world if f.pose is not None else None
        if world is None:
            prev = None
            continue
        rel = world[_JOINTS] - world[_HIPS].mean(axis=0)
        dt = f.t - prev_t
        if prev is not None and 0 < dt <= GAP_RESET_S:
            out[i] = float(np.median(np.linalg.norm(rel - prev, axis=1))) / dt
        prev, prev_t = rel, f.t
    return out


def seated(frame: PoseFrame) -> bool | None:
    """Is the person sitting (a thigh near horizontal)? None when no knee is seen well."""
    pose = frame.pose
    if pose is None or pose.world is None:
        return None
    best = None
    for hip, knee in _THIGHS:
        if pose.visibility[knee] < KNEE_SEEN:
            continue
        v = pose.world[knee] - pose.world[hip]
        length = float(np.linalg.norm(v))
        if length > 1e-6 and (best is None or pose.visibility[knee] > best[0]):
            best = (float(pose.visibility[knee]), abs(float(v[1])) / length)
    return None if best is None else best[1] < SEATED_THIGH


def in_spans(times: np.ndarray, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """A mask of the times inside any of the spans."""
    mask = np.zeros(len(times), dtype=bool)
    for a, b in spans:
        mask |= (times >= a) & (times <= b)
    return mask


def median_speed(speeds: np.ndarray, mask: np.ndarray) -> float:
    """The median of the measured speeds under the mask (NaN if none)."""
    v = speeds[mask]
    v = v[~np.isnan(v)]
    return float(np.median(v)) if len(v) else math.nan
