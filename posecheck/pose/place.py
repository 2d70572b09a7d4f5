"""Where a person is in the picture: the centre and size of their torso, in pixels.

Both the person selector (:mod:`posecheck.check.people`, which follows the exerciser) and
the lookout (:mod:`posecheck.pose.lookout`, which decides when to look for someone else)
follow people by this; it needs nothing but the pose, so it lives with the poses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecheck.pose.landmarks import Landmark, Pose

_TORSO = [int(Landmark[n]) for n in ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")]


@dataclass(frozen=True, slots=True)
class Place:
    """A person's place in the picture: torso centre and size, in pixels."""

    x: float
    y: float
    size: float

    def distance(self, other: Place) -> float:
        """How far apart, in torso sizes."""
        return math.hypot(self.x - other.x, self.y - other.y) / max(self.size, 1e-6)


def place_of(pose: Pose, width: int, height: int) -> Place:
    """The pose's torso centre (mid-shoulders to mid-hips) and length, in pixels."""
    pts = pose.image[_TORSO, :2] * np.array([width, height], dtype=np.float32)
    shoulders, hips = pts[:2].mean(axis=0), pts[2:].mean(axis=0)
    centre = (shoulders + hips) / 2
    return Place(float(centre[0]), float(centre[1]), float(np.linalg.norm(shoulders - hips)))
