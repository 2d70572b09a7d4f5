"""Sinks: where a session's frames and checker results go (report, video, progress, window).

The pipeline drives every sink the same way::

    for sink in sinks: sink.open(info)
    for each frame: sink.on_frame(image_bgr_or_None, pose_frame, result)
    for sink in sinks: sink.close(partial)

and after each frame may check ``sink.stop_requested`` (only ``LiveWindowSink`` ever
sets it). After the last frame, and before ``close``, the pipeline hands the events of
the checker's ``finish()`` (holds and fault episodes still open at the end) to
``sink.on_events(events)`` when a sink has that method; every sink here has it (a no-op
in ``BaseSink``). Sinks render or record what the checker decided; none of them judges form.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO, runtime_checkable

import cv2
import numpy as np

from posecheck.events import Event, FrameResult
from posecheck.landmarks import PoseFrame
from posecheck.render import draw_overlay
from posecheck.report import ReportBuilder, SessionInfo
from posecheck.report_files import (
    ReportError,
    check_writable_dir,
    temp_path_beside,
    write_csv,
    write_json,
)
from posecheck.report_text import format_time, iter_event_lines

__all__ = [
    "AnnotatedVideoSink",
    "BaseSink",
    "DisplayError",
    "EventLogSink",
    "LiveWindowSink",
    "ProgressSink",
    "ReportError",
    "ReportSink",
    "SessionInfo",
    "Sink",
]


class DisplayError(RuntimeError):
    """No window can be opened (no display). The CLI should suggest ``--no-window``."""


@runtime_checkable
class Sink(Protocol):
    """What the pipeline calls; see the module docstring for the call order."""

    @property
    def stop_requested(self) -> bool: ...

    def open(self, info: SessionInfo) -> None: ...

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None: ...

    def on_source_end(self, dropped: int, warnings: Sequence[str]) -> None: ...

    def close(self, partial: bool) -> None: ...


class BaseSink:
    """No-op defaults so each sink implements only what it needs."""

    @property
    def stop_requested(self) -> bool:
        """Whether the user asked to stop (only interactive sinks ever say yes)."""
        return False

    def open(self, info: SessionInfo) -> None:
        """Called once before the first frame."""

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        """Called once per frame, in order."""

    def on_source_end(self, dropped: int, warnings: Sequence[str]) -> None:
        """Called once when the source is done: frames it skipped, what went wrong."""

    def on_events(self, events: Sequence[Event]) -> None:
        """Events produced after the last frame (the checker's ``finish()``)."""

    def close(self, partial: bool) -> None:
        """Called once at the end; ``partial`` when the session was cut short."""


# --------------------------------------------------------------------------- report


class ReportSink(BaseSink):
    """Collects the session report and writes JSON and/or CSV on close.

    ``.report`` holds the built dict after ``close`` (even if writing a file failed), so
    the caller can still print ``format_summary`` when the disk is the problem.
    Output directories are checked in ``open`` so a bad path fails before a long
    session rather than after it.
    """

    def __init__(
        self,
        json_path: str | os.PathLike[str] | None = None,
        csv_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.json_path = Path(json_path) if json_path is not None else None
        self.csv_path = Path(csv_path) if csv_path is not None else None
        self.builder: ReportBuilder | None = None
        self.report: dict[str, Any] | None = None

    def open(self, info: SessionInfo) -> None:
        for path in (self.json_path, self.csv_path):
            if path is not None:
                check_writable_dir(path)
        self.builder = ReportBuilder(info)
        self.report = None

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        if self.builder is None:
            raise RuntimeError("ReportSink.on_frame called before open()")
        self.builder.add(pose_frame, result)

    def on_events(self, events: Sequence[Event]) -> None:
        if self.builder is not None:
            self.builder.add_events(events)

    def on_source_end(self, dropped: int, warnings: Sequence[str]) -> None:
        if self.builder is not None:
            self.builder.dropped_frames = dropped
            self.builder.source_warnings = list(warnings)

    def close(self, partial: bool) -> None:
        if self.builder is None:
            return  # never opened (another sink failed to open): nothing to report
        self.report = self.builder.build(partial)
        errors: list[str] = []
        # Try both files even if the first fails: one good file beats none.
        if self.json_path is not None:
            try:
                write_json(self.report, self.json_path)
            except ReportError as exc:
                errors.append(str(exc))
        if self.csv_path is not None:
            try:
                write_csv(self.report, self.csv_path)
            except ReportError as exc:
                errors.append(str(exc))
        if errors:
            raise ReportError("; ".join(errors))


# --------------------------------------------------------------------------- video


class _VideoFile:
    """The writer and its temp file, apart from the sink so a finalizer can clean them up.

    If the pipeline dies without calling ``close`` the hidden temp file is removed when
    the sink is garbage-collected or the interpreter exits, instead of lingering.
    """

    def __init__(self) -> None:
        self.writer: cv2.VideoWriter | None = None
        self.tmp: Path | None = None
        self.size: tuple[int, int] | None = None

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.release()
            self.writer = None
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None
        self.size = None


class AnnotatedVideoSink(BaseSink):
    """Writes the overlaid frames to an .mp4 (codec mp4v), atomically.

    Frames go to a hidden temp file beside ``path`` that is renamed over it on close,
    also for partial sessions (the report says ``partial``), so an interrupted run never
    leaves a truncated file under the final name. Frames without an image are skipped;
    if no frame had an image, no file is written. ``fps`` None or <= 0 means "use the
    source's fps" (30 if that is unknown too).

    ``open`` tries the writer once (and throws the trial away) so a bad path or a missing
    codec fails before a long session; the real writer opens on the first frame, at that
    frame's size, because a rotated phone clip's frames may not match the announced size.
    """

    FOURCC = "mp4v"

    def __init__(self, path: str | os.PathLike[str], fps: float | None = None) -> None:
        self.path = Path(path)
        self.fps = fps
        self.frames_written = 0
        self._info: SessionInfo | None = None
        self._file = _VideoFile()
        self._buf: np.ndarray | None = None
        weakref.finalize(self, self._file.discard)

    def _rate(self, info: SessionInfo) -> float:
        for fps in (self.fps, info.fps):
            if fps is not None and math.isfinite(fps) and fps > 0:
                return float(fps)
        return 30.0

    def _open_writer(self, size: tuple[int, int]) -> None:
        assert self._info is not None
        self._file.discard()
        self._file.tmp = temp_path_beside(self.path)
        fourcc = cv2.VideoWriter_fourcc(*self.FOURCC)
        writer = cv2.VideoWriter(str(self._file.tmp), fourcc, self._rate(self._info), size)
        if not writer.isOpened():
            writer.release()
            self._file.discard()
            raise ReportError(
                f"cannot write video {self.path}: OpenCV could not open a {self.FOURCC} "
                f"writer for {size[0]}x{size[1]}; check the directory is writable and the "
                f"name ends in .mp4"
            )
        self._file.writer = writer
        self._file.size = size

    def open(self, info: SessionInfo) -> None:
        check_writable_dir(self.path)
        self._info = info
        self.frames_written = 0
        self._open_writer((int(info.size[0]), int(info.size[1])))
        self._file.discard()  # only a trial: nothing on disk until there is a frame

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        if image_bgr is None:
            return
        if self._info is None:
            raise RuntimeError("AnnotatedVideoSink.on_frame called before open()")
        h, w = image_bgr.shape[:2]
        if self._file.writer is None:
            self._open_writer((w, h))
        size = self._file.size
        assert size is not None and self._file.writer is not None
        if (w, h) != size:
            # A size change mid-stream: the container cannot change size, so scale.
            image_bgr = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
        if self._buf is None or self._buf.shape != image_bgr.shape:
            self._buf = np.empty_like(image_bgr)
        frame = draw_overlay(image_bgr, pose_frame, result.state, self._info, out=self._buf)
        self._file.writer.write(frame)
        self.frames_written += 1

    def close(self, partial: bool) -> None:
        f = self._file
        if f.writer is None or f.tmp is None:
            return  # never opened, or no frame had an image: no file
        f.writer.release()
        f.writer = None
        try:
            os.replace(f.tmp, self.path)
        except OSError as exc:
            f.discard()
            raise ReportError(f"cannot write video {self.path}: {exc.strerror or exc}") from exc
        f.tmp = None
        f.size = None


# --------------------------------------------------------------------------- progress


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
        for line in iter_event_lines(events):
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
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), ord("Q"), 27):
            self._stop = True
        elif self._shown and (cv2.getWindowProperty(self.window_name, cv2.WND_PROP_VISIBLE) < 1):
            self._stop = True  # the user closed the window

    def close(self, partial: bool) -> None:
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(self.window_name)
            cv2.waitKey(1)  # let the GUI thread actually tear the window down
