"""The 33 BlazePose landmarks by name, and the validated per-frame pose types.

Everything downstream refers to landmarks by name (``Landmark.LEFT_KNEE`` or the
spec-level part name ``"knee"`` plus a side), never by a bare index, so a spec or a
rule can be read without a table of numbers beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Landmark(IntEnum):
    """BlazePose landmark indices, in MediaPipe's order."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)

#: Body parts that exist on both sides; a spec names the part and the checker picks the side.
SIDED_PARTS: tuple[str, ...] = (
    "eye_inner",
    "eye",
    "eye_outer",
    "ear",
    "shoulder",
    "elbow",
    "wrist",
    "pinky",
    "index",
    "thumb",
    "hip",
    "knee",
    "ankle",
    "heel",
    "foot_index",
)
#: Parts without a side.
UNSIDED_PARTS: tuple[str, ...] = ("nose",)
SIDES: tuple[str, str] = ("left", "right")

#: Bone pairs for drawing a skeleton (the renderer's only use of topology).
SKELETON: tuple[tuple[Landmark, Landmark], ...] = tuple(
    (Landmark[f"{s}_{a}".upper()], Landmark[f"{s}_{b}".upper()])
    for s in SIDES
    for a, b in (
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
        ("shoulder", "hip"),
        ("hip", "knee"),
        ("knee", "ankle"),
        ("ankle", "heel"),
        ("heel", "foot_index"),
        ("ankle", "foot_index"),
    )
) + (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
)


def landmark_for(part: str, side: str | None) -> Landmark:
    """Map a spec part name and a side (``"left"``/``"right"``) to its landmark.

    >>> landmark_for("knee", "left")
    <Landmark.LEFT_KNEE: 25>
    """
    if part in UNSIDED_PARTS:
        return Landmark[part.upper()]
    if part not in SIDED_PARTS:
        raise KeyError(f"unknown body part {part!r}")
    if side not in SIDES:
        raise KeyError(f"side must be one of {SIDES}, got {side!r}")
    return Landmark[f"{side}_{part}".upper()]


def other_side(side: str) -> str:
    """The opposite body side."""
    return "right" if side == "left" else "left"


@dataclass(frozen=True, slots=True, eq=False)
class Pose:
    """One detected person in one frame.

    ``image`` holds MediaPipe's normalised image coordinates (x, y in 0..1 of the frame
    width/height, z relative depth); ``visibility`` the per-landmark visibility in 0..1;
    ``world`` metric coordinates centred on the hips, when the model gave them.
    Arrays are float32 and are checked on construction so no consumer has to.
    """

    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray | None = None

    def __post_init__(self) -> None:
        image = np.asarray(self.image, dtype=np.float32)
        vis = np.asarray(self.visibility, dtype=np.float32)
        if image.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"Pose.image must have shape (33, 3), got {image.shape}")
        if vis.shape != (NUM_LANDMARKS,):
            raise ValueError(f"Pose.visibility must have shape (33,), got {vis.shape}")
        if not np.all(np.isfinite(image)):
            raise ValueError("Pose.image contains NaN or infinite values")
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "visibility", np.clip(np.nan_to_num(vis), 0.0, 1.0))
        if self.world is not None:
            world = np.asarray(self.world, dtype=np.float32)
            if world.shape != (NUM_LANDMARKS, 3):
                raise ValueError(f"Pose.world must have shape (33, 3), got {world.shape}")
            object.__setattr__(self, "world", world)

    def xy(self, landmark: Landmark) -> tuple[float, float]:
        """Normalised image (x, y) of one landmark."""
        return float(self.image[landmark, 0]), float(self.image[landmark, 1])


@dataclass(frozen=True, slots=True, eq=False)
class PoseFrame:
    """A moment of the pipeline: a timestamp, the frame size, and the pose if one was found.

    ``t`` is seconds from the start of the source (monotonic); everything time-based in
    the checker works from it, never from frame counts, so dropped frames and variable
    frame rates do not change what is measured.
    """

    index: int
    t: float
    width: int
    height: int
    pose: Pose | None
    # Everyone else the model found (with num_poses > 1); posecheck.check.people picks which
    # person ``pose`` is. Recordings keep only ``pose``.
    others: tuple[Pose, ...] = ()

    def __post_init__(self) -> None:
        if any(not isinstance(p, Pose) for p in self.others):
            raise ValueError("PoseFrame.others must hold Pose objects")
        if self.index < 0:
            raise ValueError(f"PoseFrame.index must be >= 0, got {self.index}")
        if not np.isfinite(self.t) or self.t < 0:
            raise ValueError(f"PoseFrame.t must be a finite time >= 0 s, got {self.t}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"PoseFrame size must be positive, got {self.width}x{self.height}")

    def pixels(self) -> np.ndarray:
        """(33, 2) landmark positions in pixels, so angles are not skewed by the aspect ratio."""
        if self.pose is None:
            raise ValueError("no pose in this frame")
        return self.pose.image[:, :2] * np.array([self.width, self.height], dtype=np.float32)
