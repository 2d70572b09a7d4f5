"""Sinks people watch: the terminal progress bar, the event log, the live window.

The report and video sinks write files (:mod:`posecheck.report.sinks`); these show the session as
it happens. ``LiveWindowSink`` is the only sink that can ask the pipeline to stop.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

import cv2
import numpy as np

from posecheck.check.events import Event, FrameResult
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.builder import SessionInfo
from posecheck.report.render import draw_overlay
from posecheck.report.sinks import BaseSink
from posecheck.report.text import format_time, iter_event_lines

__all__ = ["DisplayError", "EventLogSink", "LiveWindowSink", "ProgressSink"]


class DisplayError(RuntimeError):
    """No window can be opened (no display). The CLI should suggest ``--no-window``."""


class ProgressSink(BaseSink):
    """A one-line progress display on a terminal, redrawn in place with ``\\r``.

    Known length (files): bar, percent, frames, processing frames/s and ETA. Unknown
    length (live): elapsed time, frames and frames/s. Redraws at most every
    ``min_interval`` s so printing never costs noticeable time. Silent when ``stream``
    is not a terminal (logs and pipes should not fill with ``\\r`` lines) unless
    ``force``. ``clock`` is injectable for tests.
    """

    BAR_WIDTH = 24

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        force: bool = False,
        min_interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self.clock = clock
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = force or bool(isatty and isatty())
        self.frames = 0
        self.total: int | None = None
        self._start = 0.0
        self._last_draw = -math.inf
        self._last_len = 0

    def open(self, info: SessionInfo) -> None:
        self.total = info.frame_count if info.frame_count and not info.is_live else None
        self.frames = 0
        self._start = self.clock()
        self._last_draw = -math.inf
        self._last_len = 0

    def line(self, now: float | None = None) -> str:
        """The current progress text (without ``\\r``)."""
        now = self.clock() if now is None else now
        elapsed = max(0.0, now - self._start)
        rate = self.frames / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(1.0, self.frames / self.total)
            filled = round(frac * self.BAR_WIDTH)
            bar = "#" * filled + "-" * (self.BAR_WIDTH - filled)
            eta = (self.total - self.frames) / rate if rate > 0 else None
            eta_text = format_time(max(0.0, eta))[:-2] if eta is not None else "-:--"
            return (
                f"[{bar}] {frac * 100:5.1f}%  {self.frames}/{self.total} frames  "
                f"{rate:5.1f} fps  ETA {eta_text}"
            )
        return f"elapsed {format_time(elapsed)[:-2]}  {self.frames} frames  {rate:5.1f} fps"

    def _draw(self, text: str, end: str = "") -> None:
        # Pad over the previous, possibly longer, line instead of relying on ANSI codes.
        pad = " " * max(0, self._last_len - len(text))
        self.stream.write("\r" + text + pad + end)
        self.stream.flush()
        self._last_len = len(text)

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        self.frames += 1
        if not self.enabled:
            return
        now = self.clock()
        if now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self._draw(self.line(now))

    def close(self, partial: bool) -> None:
        if not self.enabled:
            return
        self._draw(self.line() + ("  (stopped early)" if partial else ""), end="\n")


# --------------------------------------------------------------------------- live


class EventLogSink(BaseSink):
    """Prints each rep, issue, notice and finished hold as one line when it happens.

    The ``--no-window`` live mode's feedback, and handy in logs. Flushes per line so
    the user sees it immediately even through a pipe. A fault held over time is reported
    as an issue when it ends (with its whole span), so the moment a cue appears on screen
    is also printed, as ``>> message``: that is when a person needs to hear it.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self._cue: str | None = None
        self._side_label: str | None = None

    def open(self, info: SessionInfo) -> None:
        self._side_label = info.side_label  # "rep 3 (front leg: left)"

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        cue = result.state.cue
        if cue is not None and cue != self._cue:
            self.stream.write(f"{format_time(result.state.t)} >> {cue}\n")
            self.stream.flush()
        self._cue = cue
        self.on_events(result.events)

    def on_events(self, events: Sequence[Event]) -> None:
        if not events:
            return
        for line in iter_event_lines(events, self._side_label):
            self.stream.write(line + "\n")
        self.stream.flush()


class LiveWindowSink(BaseSink):
    """Shows the overlaid frames in an OpenCV window; 'q', Esc or closing it stops.

    ``open`` refuses early with ``DisplayError`` when there is no display: OpenCV's Qt
    backend would otherwise abort the whole process, losing the report.
    """

    def __init__(self, window_name: str = "posecheck", mirror: bool = False) -> None:
        self.window_name = window_name
        self.mirror = mirror  # show a webcam picture as a mirror would
        self._stop = False
        self._shown = False
        self._info: SessionInfo | None = None
        self._buf: np.ndarray | None = None

    @property
    def stop_requested(self) -> bool:
        return self._stop

    def open(self, info: SessionInfo) -> None:
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY")
            or os.environ.get("WAYLAND_DISPLAY")
            or os.environ.get("QT_QPA_PLATFORM")
        ):
            raise DisplayError("no display to open a window on; run with --no-window")
        self._info = info
        try:
            cv2.namedWindow(self.window_name, cv2.WINDOW_NORMAL)
            # Start at the frame's shape, at most 1280x720 (or 720 tall for portrait):
            # big enough to read from a few metres, and resizable.
            w, h = info.size
            scale = min(1.0, 1280 / w, 720 / h)
            cv2.resizeWindow(self.window_name, max(1, round(w * scale)), max(1, round(h * scale)))
        except cv2.error as exc:
            raise DisplayError(f"cannot open a window ({exc}); run with --no-window") from exc

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        if image_bgr is not None and self._info is not None:
            if self._buf is None or self._buf.shape != image_bgr.shape:
                self._buf = np.empty_like(image_bgr)
            frame = draw_overlay(
                image_bgr, pose_frame, result.state, self._info, out=self._buf, mirror=self.mirror
            )
            cv2.imshow(self.window_name, frame)
            self._shown = True
        self.handle_key(cv2.waitKey(1) & 0xFF)
        if self._shown and (cv2.getWindowProperty(self.window_name, cv2.WND_PROP_VISIBLE) < 1):
            self._stop = True  # the user closed the window

    def handle_key(self, key: int) -> None:
        """A key pressed in the window (255: none); subclasses add their own keys."""
        if key in (ord("q"), ord("Q"), 27):
            self._stop = True

    def close(self, partial: bool) -> None:
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(self.window_name)
            cv2.waitKey(1)  # let the GUI thread actually tear the window down
