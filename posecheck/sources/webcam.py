"""A live camera as a source, by OpenCV device index, timed by the wall clock.

A camera that is missing or busy raises a one-line
:class:`~posecheck.sources.base.SourceError`; one that stops delivering part-way ends the
iteration and sets ``lost``. The shared interface is in :mod:`posecheck.sources.base`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from posecheck.sources.base import SourceError, SourceFrame, _SourceBase
from posecheck.sources.grabber import LatestFrameGrabber
from posecheck.sources.video import VideoFile, _positive

__all__ = ["Webcam"]

#: A camera that delivers nothing for this long is treated as lost.
_WEBCAM_LOST_AFTER_S = 1.0

#: How long to wait for a freshly opened camera to deliver its first frame (warm-up).
_WEBCAM_FIRST_FRAME_S = 3.0


def other_cameras_hint(index: int, dev: Path = Path("/dev")) -> str:
    """What to try when camera ``index`` does not open: never the index that just failed.

    On Linux the cameras are the ``/dev/videoN`` devices (listed, not opened: opening one
    can take seconds); elsewhere there is no cheap list, so the next index is suggested.
    """
    if sys.platform.startswith("linux"):
        found = sorted(int(p.name[5:]) for p in dev.glob("video*") if p.name[5:].isdigit())
        others = [n for n in found if n != index]
        if not found:
            return (
                "this machine has no camera (no /dev/video* device) — connect one, or "
                "coach from a video file with --source FILE"
            )
        if not others:
            return (
                "another program is using it — close other camera apps, or coach from a "
                "video file with --source FILE"
            )
        return (
            "no such camera, or another program is using it — close other camera apps, or "
            f"try --source {others[0]} (cameras here: {', '.join(map(str, found))})"
        )
    other = 1 if index == 0 else 0
    return (
        "no such camera, or another program is using it — check it is connected, close "
        f"other camera apps, or try --source {other}"
    )


class Webcam(_SourceBase):
    """A live camera by OpenCV device index; timestamps are wall-clock seconds.

    ``t`` is ``time.monotonic()`` relative to the first delivered frame, because a camera's
    own timestamps are unreliable across drivers. A camera that stops delivering (unplugged,
    taken by another program) ends the iteration and sets ``lost`` instead of raising, so
    the session can still be summarised.
    """

    def __init__(self, index: int = 0, width: int | None = None, height: int | None = None):
        super().__init__()
        if index < 0:
            raise SourceError(f"webcam index must be 0 or more, got {index} — try 0")
        self.index = index
        self.name = f"webcam {index}"
        self.is_live = True
        self.frame_count = None
        cap = cv2.VideoCapture(index, cv2.CAP_ANY)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open webcam {index}: {other_cameras_hint(index)}")
        if width is not None:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height is not None:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap: cv2.VideoCapture | None = cap
        self._grabber: LatestFrameGrabber | None = None
        frame = self._first_frame(cap)
        if frame is None:
            self.close()
            raise SourceError(
                f"webcam {index} opened but delivered no frame within "
                f"{_WEBCAM_FIRST_FRAME_S:g} s — check the camera works in another app "
                "and is not covered or disabled"
            )
        h, w = frame.shape[:2]
        self.size = (int(w), int(h))
        self.fps = _positive(cap.get(cv2.CAP_PROP_FPS))
        if (width is not None and width != w) or (height is not None and height != h):
            self.warnings.append(f"{self.name} delivers {w}x{h}, not the requested size")

    @staticmethod
    def _first_frame(cap: cv2.VideoCapture) -> np.ndarray | None:
        """Read one frame, allowing for cameras that need a moment to warm up."""
        deadline = time.monotonic() + _WEBCAM_FIRST_FRAME_S
        while time.monotonic() < deadline:
            ok, frame = VideoFile._read(cap)
            if ok and frame is not None:
                return frame
            time.sleep(0.05)
        return None

    def __iter__(self) -> Iterator[SourceFrame]:
        """Yield frames until the consumer stops or the camera stops delivering."""
        if self._cap is None:
            raise SourceError(f"{self.name} is closed — open the camera again")
        return self._frames(self._cap)

    def _frames(self, cap: cv2.VideoCapture) -> Iterator[SourceFrame]:
        # Capture runs on its own thread; we always take the newest frame, so a slow
        # model never makes the coach fall behind the person (see posecheck.sources.grabber).
        grabber = LatestFrameGrabber(lambda: VideoFile._read(cap), _WEBCAM_LOST_AFTER_S)
        self._grabber = grabber
        t0: float | None = None
        index = 0
        try:
            for now, frame in grabber:
                if t0 is None:
                    t0 = now
                self.dropped = grabber.dropped
                yield SourceFrame(index=index, t=now - t0, image=frame)
                index += 1
        finally:
            grabber.stop()
            self.dropped = grabber.dropped
            if grabber.lost:
                self.lost = True
                self.warnings.append(f"{self.name} stopped delivering frames after {index} frames")
            if self.dropped:
                self.warnings.append(
                    f"{self.name}: {self.dropped} of {grabber.captured} camera frames were "
                    "skipped to keep up (the pose model is slower than the camera)"
                )

    def close(self) -> None:
        """Release the camera so other programs can use it; safe to call more than once."""
        if self._grabber is not None:
            self._grabber.stop()  # the capture thread must not read a released device
            self._grabber = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None
