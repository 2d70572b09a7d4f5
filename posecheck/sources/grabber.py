"""Capture on its own thread and hand over only the newest frame.

A camera delivers frames at its own pace whether or not anyone is ready. If the pose
model takes longer than a frame interval, reading frames in the same loop makes the
driver's buffer fill and the coach falls seconds behind the person: it would say "go
lower" about a rep finished long ago. So a thread reads as fast as the camera delivers
and keeps one slot: the consumer always gets the newest frame, frames it never saw are
counted as dropped, and nothing can pile up (memory stays one frame).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

Read = Callable[[], tuple[bool, np.ndarray | None]]


class LatestFrameGrabber:
    """Reads ``read()`` on a daemon thread; iterate to get (wall time, frame) newest-first.

    Iteration ends when ``read`` has failed for ``lost_after_s`` (the device went away),
    with ``lost`` set, or after :meth:`stop`.
    """

    def __init__(self, read: Read, lost_after_s: float = 1.0) -> None:
        self._read = read
        self.lost_after_s = lost_after_s
        self._cond = threading.Condition()
        self._slot: tuple[float, np.ndarray] | None = None
        self._stopped = False
        self.lost = False
        self.captured = 0  # frames the device delivered
        self.dropped = 0  # delivered but replaced before the consumer took them
        self._thread = threading.Thread(target=self._run, name="posecheck-capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failing_since: float | None = None
        while True:
            with self._cond:
                if self._stopped:
                    return
            ok, frame = self._read()
            now = time.monotonic()
            with self._cond:
                if ok and frame is not None:
                    failing_since = None
                    self.captured += 1
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = (now, frame)
                    self._cond.notify_all()
                    continue
                failing_since = now if failing_since is None else failing_since
                if now - failing_since >= self.lost_after_s:
                    self.lost = True
                    self._cond.notify_all()
                    return
            time.sleep(0.01)

    def __iter__(self) -> Iterator[tuple[float, np.ndarray]]:
        while True:
            with self._cond:
                while self._slot is None and not self.lost and not self._stopped:
                    self._cond.wait(timeout=0.5)
                if self._slot is None:  # lost or stopped, nothing left to hand over
                    return
                item, self._slot = self._slot, None
            yield item

    def stop(self) -> None:
        """Stop reading (the thread ends after its current read); safe to call twice."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=2.0)
