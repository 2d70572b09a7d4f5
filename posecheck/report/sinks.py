"""Sinks: where a session's frames and checker results go (report, annotated video).

The pipeline drives every sink the same way::

    for sink in sinks: sink.open(info)
    for each frame: sink.on_frame(image_bgr_or_None, pose_frame, result)
    for sink in sinks: sink.close(partial)

and after each frame may check ``sink.stop_requested`` (only interactive sinks, like
``screen_sinks.LiveWindowSink``, ever set it). After the last frame, and before
``close``, the pipeline hands the events of the checker's ``finish()`` (holds and fault
episodes still open at the end) to ``sink.on_events(events)`` (a no-op in ``BaseSink``).
Sinks render or record what the checker decided; none of them judges form.
"""

from __future__ import annotations

import contextlib
import math
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import cv2
import numpy as np

from posecheck.check.events import Event, FrameResult
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.builder import ReportBuilder, SessionInfo
from posecheck.report.files import (
    ReportError,
    check_writable_dir,
    temp_path_beside,
    write_csv,
    write_json,
)
from posecheck.report.render import draw_overlay
from posecheck.report.video_encode import VideoEncodeError, VideoWriter, container_for

__all__ = [
    "AnnotatedVideoSink",
    "BaseSink",
    "ReportError",
    "ReportSink",
    "SessionInfo",
    "Sink",
]


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
        self.writer: VideoWriter | None = None
        self.tmp: Path | None = None
        self.size: tuple[int, int] | None = None

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None
        self.size = None


class AnnotatedVideoSink(BaseSink):
    """Writes the overlaid frames to a video people can play: H.264 in .mp4, atomically.

    The encoder is :mod:`posecheck.report.video_encode`'s choice (H.264, VP9 where this FFmpeg
    has no H.264 encoder; a ``.webm`` name is always VP9). Frames are encoded as they come.

    Frames go to a hidden temp file beside ``path`` that is renamed over it on close,
    also for partial sessions (the report says ``partial``), so an interrupted run never
    leaves a truncated file under the final name. Frames without an image are skipped;
    if no frame had an image, no file is written. ``fps`` None or <= 0 means "use the
    source's fps" (30 if that is unknown too).

    ``open`` tries the writer once (and throws the trial away) so a bad path or a missing
    codec fails before a long session; the real writer opens on the first frame, at that
    frame's size, because a rotated phone clip's frames may not match the announced size.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float | None = None) -> None:
        self.path = Path(path)
        self.fps = fps
        self.frames_written = 0
        self.codec: str | None = None  # "h264" or "vp9" once open
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
        try:
            muxer = container_for(self.path)
        except VideoEncodeError as exc:
            raise ReportError(f"cannot write video {exc}") from exc
        self._file.tmp = temp_path_beside(self.path)
        try:
            writer = VideoWriter(self._file.tmp, size, self._rate(self._info), muxer=muxer)
        except (VideoEncodeError, ValueError) as exc:
            self._file.discard()
            raise ReportError(
                f"cannot write video {self.path} ({size[0]}x{size[1]}): {exc}"
            ) from exc
        self._file.writer = writer
        self._file.size = size
        self.codec = writer.encoder.codec

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
        try:
            self._file.writer.write(frame)
        except VideoEncodeError as exc:
            raise ReportError(f"cannot write video {self.path}: {exc}") from exc
        self.frames_written += 1

    def close(self, partial: bool) -> None:
        f = self._file
        if f.writer is None or f.tmp is None:
            return  # never opened, or no frame had an image: no file
        writer, f.writer = f.writer, None
        try:
            writer.close()
            os.replace(f.tmp, self.path)
        except (VideoEncodeError, OSError) as exc:
            f.discard()
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ReportError(f"cannot write video {self.path}: {why}") from exc
        f.tmp = None
        f.size = None


# --------------------------------------------------------------------------- progress
