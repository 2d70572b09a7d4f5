"""The live capture thread: the consumer always gets the newest frame, the rest are
counted as dropped, nothing piles up, and a camera that stops delivering ends the loop.

No webcam exists here, so the "camera" is a real video file decoded at 30 fps on the
wall clock, behind the same read() call a cv2.VideoCapture device offers."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SHARED_VIDEOS

from posecheck.sources.grabber import LatestFrameGrabber

CLIP = SHARED_VIDEOS / "pushup_side_a.mp4"


class PacedCamera:
    """Frames of a real clip released at `fps` on the wall clock, like a webcam driver."""

    def __init__(self, path: Path, fps: float = 30.0, fail_after: int | None = None) -> None:
        self.cap = cv2.VideoCapture(str(path))
        self.period = 1.0 / fps
        self.next_t = time.monotonic()
        self.delivered = 0
        self.fail_after = fail_after

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.fail_after is not None and self.delivered >= self.fail_after:
            return False, None  # unplugged
        delay = self.next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next_t += self.period
        ok, frame = self.cap.read()
        if ok:
            self.delivered += 1
        return ok, frame


def need_clip() -> None:
    if not CLIP.is_file():
        pytest.skip(f"shared clip not found at {CLIP}")


def test_slow_consumer_gets_the_newest_frame_and_drops_are_counted() -> None:
    need_clip()
    camera = PacedCamera(CLIP)
    grabber = LatestFrameGrabber(camera.read)
    got, lags = 0, []
    for captured_at, frame in grabber:
        lags.append(time.monotonic() - captured_at)
        assert frame.ndim == 3
        got += 1
        time.sleep(0.1)  # a model three times slower than the camera
        if got == 10:
            break
    grabber.stop()
    # About 3 camera frames per consumed one: 2 of every 3 dropped, none queued.
    assert grabber.captured >= 25
    assert grabber.dropped >= 15
    assert grabber.captured - grabber.dropped - got <= 1
    # What the consumer gets is never stale: at most one frame interval old.
    assert max(lags[1:]) < 0.05


def test_a_camera_that_stops_delivering_ends_the_loop_as_lost() -> None:
    need_clip()
    camera = PacedCamera(CLIP, fail_after=5)
    grabber = LatestFrameGrabber(camera.read, lost_after_s=0.3)
    start = time.monotonic()
    frames = list(grabber)
    assert 1 <= len(frames) <= 5
    assert grabber.lost and time.monotonic() - start < 2.0


def test_stop_ends_iteration() -> None:
    grabber = LatestFrameGrabber(lambda: (True, np.zeros((4, 4, 3), np.uint8)))
    it = iter(grabber)
    next(it)
    grabber.stop()
    leftover = list(it)
    assert len(leftover) <= 1 and not grabber.lost
