"""Run MediaPipe's pose landmarker on frames and turn its output into :class:`PoseFrame`.

This is the only module in posecheck that imports mediapipe: everything downstream
works on the validated numpy types of :mod:`posecheck.pose.landmarks`, so the checker can be
tested on recorded landmarks and the pose backend could be swapped without touching it.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from posecheck.pose.landmarks import NUM_LANDMARKS, Pose, PoseFrame
from posecheck.pose.models import ModelError, verify_model


class _Quiet:
    """Who is silencing fd 2 now, and the real fd 2 to give back when the last one leaves.

    fd 2 is one per process while estimators start on several threads at once (the
    parallel file reader): each saving and restoring it on its own, the second to start
    saved the first one's /dev/null and put it back last, and the process's stderr (its
    progress, warnings and errors) stayed silent for good."""

    lock = threading.Lock()
    depth = 0
    saved: int | None = None


@contextlib.contextmanager
def _quiet_native_logs() -> Iterator[None]:
    """Silence MediaPipe's native start-up chatter on file descriptor 2.

    The graph prints glog/TFLite lines ("Created TensorFlow Lite XNNPACK delegate",
    "Feedback manager requires ...") straight to fd 2 when it starts and on the first
    frame; GLOG_minloglevel does not reach them. They are noise to a user; set
    POSECHECK_NATIVE_LOGS=1 to see them. Safe on several threads at once (:class:`_Quiet`);
    while any is inside, every thread's fd 2 output is dropped.
    """
    if os.environ.get("POSECHECK_NATIVE_LOGS") == "1":
        yield
        return
    with _Quiet.lock:
        if _Quiet.depth == 0:
            try:
                sys.stderr.flush()
                _Quiet.saved = os.dup(2)
            except (OSError, ValueError):  # no real fd 2 (e.g. embedded): nothing to silence
                _Quiet.saved = None
            else:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
        _Quiet.depth += 1
    try:
        yield
    finally:
        with _Quiet.lock:
            _Quiet.depth -= 1
            if _Quiet.depth == 0 and _Quiet.saved is not None:
                os.dup2(_Quiet.saved, 2)
                os.close(_Quiet.saved)
                _Quiet.saved = None


class PoseEstimator:
    """MediaPipe ``PoseLandmarker`` in VIDEO mode (or IMAGE mode, ``still``), one frame
    at a time.

    VIDEO mode (rather than IMAGE) lets MediaPipe track the person between frames, which
    is both faster (the detector only runs when tracking is lost) and steadier. It needs
    strictly increasing integer millisecond timestamps; :meth:`estimate` guarantees that
    even when a caller's clock stalls or two frames round to the same millisecond.

    Use as a context manager (or call :meth:`close`): the native graph holds threads and
    memory that Python's garbage collector would otherwise release only at exit, noisily.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        num_poses: int = 1,
        min_pose_detection_confidence: float = 0.5,
        min_pose_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        max_side: int | None = None,
        still: bool = False,
    ) -> None:
        if num_poses < 1:
            raise ValueError(f"num_poses must be >= 1, got {num_poses}")
        if max_side is not None and max_side < 64:
            raise ValueError(f"max_side must be >= 64 pixels, got {max_side}")
        # Larger pictures are shrunk to this long side before inference: the model looks
        # at a 256x256 crop anyway, so a full-HD frame only costs conversion time (see
        # benchmarks/bench_pipeline.py for the speed and landmark-accuracy effect).
        self.max_side = max_side
        for name, value in (
            ("min_pose_detection_confidence", min_pose_detection_confidence),
            ("min_pose_presence_confidence", min_pose_presence_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        self.model_path = os.fspath(model_path)
        # still=True: IMAGE mode, every picture on its own (the person detector runs on
        # each call, nothing is carried over). For an occasional look at who is in the
        # picture (posecheck.pose.lookout), where a VIDEO-mode tracker fed every few seconds
        # would start from where people were seconds ago.
        self.still = still
        # Our own checks first: they name the file and say what to do, where MediaPipe
        # would give a native error about flatbuffers or zip archives.
        verify_model(self.model_path)
        self._options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=self.model_path),
            running_mode=vision.RunningMode.IMAGE if still else vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_pose_detection_confidence,
            min_pose_presence_confidence=min_pose_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        self._landmarker: Any = None
        self._last_ms: int | None = None
        self._fresh = True
        self._open()

    def _open(self) -> None:
        try:
            with _quiet_native_logs():
                self._landmarker = vision.PoseLandmarker.create_from_options(self._options)
        except (RuntimeError, ValueError, OSError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(
                f"MediaPipe cannot load pose model {self.model_path} ({first}); use a "
                "pose_landmarker .task file, or run `posecheck models provision`"
            ) from e
        self._last_ms = None
        self._fresh = True

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Release the native landmarker; safe to call twice."""
        if self._landmarker is not None:
            landmarker, self._landmarker = self._landmarker, None
            landmarker.close()

    def reset(self) -> None:
        """Forget tracking state and timestamps, e.g. before starting another clip."""
        self.close()
        self._open()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ inference

    def _timestamp_ms(self, t: float) -> int:
        """Millisecond timestamp for MediaPipe, bumped to stay strictly increasing."""
        ms = round(t * 1000.0)
        if self._last_ms is not None and ms <= self._last_ms:
            ms = self._last_ms + 1
        self._last_ms = ms
        return ms

    def _detect(self, image_bgr: np.ndarray, t: float, index: int) -> tuple[int, int, list[Pose]]:
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if not math.isfinite(t) or t < 0:
            raise ValueError(f"frame time must be a finite number of seconds >= 0, got {t}")
        if index < 0:
            raise ValueError(f"frame index must be >= 0, got {index}")
        rgb = _to_rgb(image_bgr)  # validates the frame too
        height, width = rgb.shape[:2]  # the frame size, whatever size the model is fed
        rgb = _shrink(rgb, self.max_side)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if self._fresh:  # the first frame starts the graph: more native chatter
            self._fresh = False
            with _quiet_native_logs():
                result = self._infer(image, t)
        else:
            result = self._infer(image, t)
        worlds = result.pose_world_landmarks or []
        poses = [
            _to_pose(landmarks, worlds[i] if i < len(worlds) else None)
            for i, landmarks in enumerate(result.pose_landmarks or [])
        ]
        poses = [p for p in poses if p is not None]
        # Most prominent person first: with num_poses > 1 MediaPipe's order is arbitrary,
        # and the single-person checker should follow whoever fills most of the frame.
        poses.sort(key=_bbox_area, reverse=True)
        return width, height, poses

    def _infer(self, image: Any, t: float) -> Any:
        if self.still:
            return self._landmarker.detect(image)
        return self._landmarker.detect_for_video(image, self._timestamp_ms(t))

    def estimate(self, image_bgr: np.ndarray, t: float, index: int) -> PoseFrame:
        """Pose of the most prominent person in one BGR frame (``pose=None`` if nobody).

        ``t`` is the frame's time in seconds from the start of the source and is kept as
        given in the returned frame; only MediaPipe's internal timestamp is bumped.
        """
        width, height, poses = self._detect(image_bgr, t, index)
        if not poses:
            return PoseFrame(index, t, width, height, None)
        return PoseFrame(index, t, width, height, poses[0], tuple(poses[1:]))

    def estimate_all(
        self, image_bgr: np.ndarray, t: float, index: int
    ) -> tuple[PoseFrame, list[Pose]]:
        """Like :meth:`estimate`, plus every detected pose, largest first (for num_poses > 1)."""
        width, height, poses = self._detect(image_bgr, t, index)
        return PoseFrame(index, t, width, height, poses[0] if poses else None), poses


def _shrink(image: np.ndarray, max_side: int | None) -> np.ndarray:
    """The picture with its long side at most ``max_side`` (area-averaged), else as is.

    Landmarks come back normalised to the picture, so they need no scaling back."""
    if max_side is None:
        return image
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _to_rgb(image_bgr: np.ndarray) -> np.ndarray:
    """Contiguous uint8 RGB from what OpenCV hands us (BGR, BGRA or grey)."""
    if not isinstance(image_bgr, np.ndarray) or image_bgr.dtype != np.uint8:
        raise ValueError("frame must be a uint8 numpy array (as cv2 decodes it)")
    if image_bgr.size == 0:
        raise ValueError("frame is empty")
    if image_bgr.ndim == 2 or (image_bgr.ndim == 3 and image_bgr.shape[2] == 1):
        return cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2RGB)
    if image_bgr.ndim == 3 and image_bgr.shape[2] == 3:
        return cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    if image_bgr.ndim == 3 and image_bgr.shape[2] == 4:
        return cv2.cvtColor(image_bgr, cv2.COLOR_BGRA2RGB)
    raise ValueError(f"frame must be HxW, HxWx3 or HxWx4, got shape {image_bgr.shape}")


def _to_pose(landmarks: list[Any], world: list[Any] | None) -> Pose | None:
    """Convert MediaPipe landmark objects; a malformed result is dropped, not propagated."""
    if len(landmarks) != NUM_LANDMARKS:
        return None
    image = np.array([(lm.x, lm.y, lm.z) for lm in landmarks], dtype=np.float32)
    visibility = np.array(
        [lm.visibility if lm.visibility is not None else 0.0 for lm in landmarks],
        dtype=np.float32,
    )
    world_arr = None
    if world is not None and len(world) == NUM_LANDMARKS:
        world_arr = np.array([(lm.x, lm.y, lm.z) for lm in world], dtype=np.float32)
        if not np.all(np.isfinite(world_arr)):
            world_arr = None
    if not np.all(np.isfinite(image)):
        return None
    return Pose(image=image, visibility=visibility, world=world_arr)


def _bbox_area(pose: Pose) -> float:
    xy = np.clip(pose.image[:, :2], 0.0, 1.0)
    span = xy.max(axis=0) - xy.min(axis=0)
    return float(span[0] * span[1])
