"""The source interface: every input (video file, webcam, landmark recording) as one iterable.

The pipeline never cares where frames come from: it iterates a :class:`Source` and gets
:class:`SourceFrame` objects with a timestamp in seconds from the start of the source.
Timestamps come from the container when they are trustworthy, so variable-frame-rate
phone clips are measured in real time rather than in frame counts.

Errors a user can fix (wrong path, unreadable file, unsupported codec, missing camera)
raise :class:`SourceError` with a single line saying what went wrong, with which input,
and what to do. Problems that appear only part-way through (a truncated file, a camera
that is unplugged) do not raise: iteration ends after the last good frame and the source
records what happened (``truncated`` / ``lost`` / ``warnings``) so the caller can still
summarise what was measured.

The concrete inputs build on this module and live in their own:
:class:`~posecheck.sources.video.VideoFile` (files, with rotation and container timestamps)
and :class:`~posecheck.sources.webcam.Webcam`; :class:`RecordingSource` (a landmark
recording needs no decoding) stays here, and :func:`posecheck.sources.open.open_source`
picks the right one for a command-line argument. This module imports none of them, so
the three no longer import each other in a circle.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import numpy as np

from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.recording import Recording, RecordingError, load_recording

__all__ = [
    "RecordingSource",
    "Source",
    "SourceError",
    "SourceFrame",
]

#: Nominal frame rate assumed only when a file reports none, so timestamps still advance.
_FALLBACK_FPS = 30.0


class SourceError(Exception):
    """An input cannot be used; the message is one line: what, which input, what to do."""


@dataclass(frozen=True, slots=True)
class SourceFrame:
    """One frame as delivered by a source.

    ``index`` is the frame's number in the source (0-based; a paced file that drops late
    frames skips numbers, as a webcam would). ``t`` is seconds from the start of the
    source and never decreases. ``image`` is an upright BGR uint8 HxWx3 array, or None for
    landmark recordings, which carry ``pose_frame`` instead so no model has to run.
    """

    index: int
    t: float
    image: np.ndarray | None
    pose_frame: PoseFrame | None = None


@runtime_checkable
class Source(Protocol):
    """What the pipeline needs from any input.

    ``warnings`` collects non-fatal problems (timestamps fell back to the frame rate, the
    file ended early, frames were dropped to keep up) for the end-of-session summary.
    """

    name: str
    fps: float | None
    frame_count: int | None
    size: tuple[int, int]
    is_live: bool
    truncated: bool
    lost: bool
    warnings: list[str]

    def __iter__(self) -> Iterator[SourceFrame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class _SourceBase:
    """Shared bookkeeping and context-manager support for the concrete sources."""

    name: str
    fps: float | None
    frame_count: int | None
    size: tuple[int, int]
    is_live: bool

    def __init__(self) -> None:
        self.truncated = False
        self.lost = False
        self.dropped = 0
        self.warnings: list[str] = []

    def close(self) -> None:  # pragma: no cover - overridden
        """Release the underlying resource; safe to call more than once."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        w, h = self.size
        return f"{type(self).__name__}({self.name!r}, {w}x{h}, fps={self.fps})"


class _Pacer:
    """Releases frames at their media timestamps on the wall clock, like a live camera.

    A live camera never waits for a slow consumer: frames that arrive while the consumer is
    busy are lost. With ``drop_late`` the pacer does the same, so the live loop is fed from
    a file exactly as it would be from a webcam on the same machine.
    """

    def __init__(self, fps: float | None, drop_late: bool) -> None:
        self._start: float | None = None
        self._drop_late = drop_late
        # Late by more than one and a half frame intervals means the next frame is due.
        self._slack = 1.5 / (fps or _FALLBACK_FPS)

    def admit(self, t: float) -> bool:
        """Sleep until media time ``t`` is due; False if the frame is too late to show."""
        now = time.monotonic()
        if self._start is None:
            self._start = now - t
            return True
        due = self._start + t
        if now < due:
            time.sleep(due - now)
            return True
        return not (self._drop_late and now - due > self._slack)


class RecordingSource(_SourceBase):
    """Replays a landmark recording (``.npz``) so the checker runs without video or model.

    Frames carry ``pose_frame`` and no image. ``realtime=True`` paces them at their
    recorded times (never dropping, since replaying is cheap) to drive the live loop.
    """

    def __init__(self, path: str | Path | Recording, *, realtime: bool = False):
        super().__init__()
        if isinstance(path, Recording):  # already loaded (posecheck.load_recording)
            self.recording = path
            self.path = path.path if path.path is not None else Path("recording.npz")
            self.name = str(self.path)
        else:
            self.path = Path(path)
            self.name = str(path)
            try:
                self.recording = load_recording(self.path)
            except RecordingError as exc:
                raise SourceError(str(exc)) from exc
        self.fps = self.recording.fps
        self.frame_count = len(self.recording)
        self.size = self.recording.size
        self.is_live = realtime
        self._realtime = realtime

    def __iter__(self) -> Iterator[SourceFrame]:
        """Yield one frame per recorded frame, in order; can be iterated again."""
        pacer = _Pacer(self.fps, drop_late=False) if self._realtime else None
        for pf in self.recording.frames():
            if pacer is not None:
                pacer.admit(pf.t)
            yield SourceFrame(index=pf.index, t=pf.t, image=None, pose_frame=pf)

    def close(self) -> None:
        """Nothing to release: the recording is loaded in memory."""
