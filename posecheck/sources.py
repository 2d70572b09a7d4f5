"""Every input (video file, webcam, landmark recording) behind one iterable interface.

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
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import cv2
import numpy as np

from posecheck.landmarks import PoseFrame
from posecheck.recording import RecordingError, load_recording

__all__ = [
    "RecordingSource",
    "Source",
    "SourceError",
    "SourceFrame",
    "VideoFile",
    "Webcam",
    "open_source",
]

#: The re-encode command suggested whenever OpenCV cannot read a file.
_REENCODE_HINT = (
    "re-encode it to H.264, e.g. ffmpeg -i {path} -c:v libx264 -pix_fmt yuv420p fixed.mp4"
)

#: Nominal frame rate assumed only when a file reports none, so timestamps still advance.
_FALLBACK_FPS = 30.0

#: A camera that delivers nothing for this long is treated as lost.
_WEBCAM_LOST_AFTER_S = 1.0

#: How long to wait for a freshly opened camera to deliver its first frame (warm-up).
_WEBCAM_FIRST_FRAME_S = 3.0


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


class _Timeline:
    """Turns per-frame container timestamps into seconds from the first frame.

    Container time is used whenever it moves forward, which is what makes variable frame
    rate clips measure correctly; a missing, non-finite or repeated timestamp is replaced
    by the previous time plus one nominal frame interval. The result starts at 0 and never
    decreases, whatever the container says.
    """

    def __init__(self, fps: float | None) -> None:
        self.step = 1.0 / (fps or _FALLBACK_FPS)
        self.fallbacks = 0
        self._origin_ms: float | None = None  # container time that maps to t = 0
        self._prev_ms = -math.inf
        self._prev_t: float | None = None

    def next(self, msec: float) -> float:
        """Seconds for the next frame, given its container timestamp in milliseconds."""
        prev = self._prev_t
        if math.isfinite(msec) and msec >= 0 and msec > self._prev_ms:
            if self._origin_ms is None:
                # Anchor so this frame lands where the frame-rate clock put it.
                expected = 0.0 if prev is None else prev + self.step
                self._origin_ms = msec - expected * 1000.0
            t = (msec - self._origin_ms) / 1000.0
            if prev is not None:
                t = max(t, prev)
            self._prev_ms = msec
        else:
            t = 0.0 if prev is None else prev + self.step
            self.fallbacks += 1
        self._prev_t = t
        return t


def _fourcc_text(value: float) -> str:
    """OpenCV's FOURCC property as text ('avc1', 'AV01'), or '?' when it reports none."""
    if not math.isfinite(value) or value <= 0:
        return "?"
    raw = int(value) & 0xFFFFFFFF
    text = raw.to_bytes(4, "little").decode("latin-1")
    return text if text.isprintable() and text.strip() else "?"


def _positive(value: float) -> float | None:
    """A property value if it is a usable positive number, else None."""
    return value if math.isfinite(value) and value > 0 else None


def _is_mp4_family(path: Path) -> bool:
    """True if the file starts like an MP4/MOV (an 'ftyp' box), whatever its extension."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp"


_ROTATE_CODES = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


class VideoFile(_SourceBase):
    """A video file read with OpenCV, delivered upright with container timestamps.

    Rotation: phone clips store landscape pixels plus a rotate tag. OpenCV's FFmpeg
    backend reports the tag as ``CAP_PROP_ORIENTATION_META`` and, by default
    (``CAP_PROP_ORIENTATION_AUTO`` reads 1 in OpenCV 5.0 as in recent 4.x), already rotates
    the frames and reports the rotated size. Rather than depend on that default, this class turns
    the automatic rotation off and applies the tag itself, so each frame is rotated exactly
    once whatever the OpenCV version; if a backend refuses to turn it off, OpenCV's own
    rotation is trusted and nothing more is done.

    ``realtime=True`` paces frames at their timestamps on the wall clock and marks the
    source live, which is how the live loop is exercised from a file; ``drop_late``
    (default on) then skips frames the consumer was too slow for, as a webcam would.
    """

    def __init__(self, path: str | Path, *, realtime: bool = False, drop_late: bool = True):
        super().__init__()
        self.path = Path(path)
        self.name = str(path)
        self.is_live = realtime
        self._realtime = realtime
        self._drop_late = drop_late
        self._check_path()
        self._cap: cv2.VideoCapture | None = None
        self._used = False
        self._closed = False
        self._open()

    # -- opening ---------------------------------------------------------------------------

    def _check_path(self) -> None:
        """Fail early, with a specific message, on the path mistakes users actually make."""
        p = self.path
        if not p.exists():
            raise SourceError(f"video file not found: {p} — check the path and spelling")
        if p.is_dir():
            raise SourceError(f"{p} is a directory, not a video file — pass a video file in it")
        if not p.is_file():
            raise SourceError(f"{p} is not a regular file — pass a video file such as clip.mp4")
        try:
            empty = p.stat().st_size == 0
        except OSError as exc:
            raise SourceError(f"cannot read {p}: {exc.strerror} — check its permissions") from exc
        if empty:
            raise SourceError(f"{p} is empty (0 bytes) — record or copy the video again")

    def _open(self) -> None:
        """Open the capture, settle rotation and read the first frame to prove it decodes."""
        p = self.path
        api = cv2.CAP_FFMPEG if cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG) else cv2.CAP_ANY
        cap = cv2.VideoCapture(str(p), api)
        if not cap.isOpened():
            cap.release()
            if _is_mp4_family(p):
                raise SourceError(
                    f"cannot open {p}: it looks like an MP4/MOV but has no readable index "
                    "(an interrupted or unfinished recording, or no frames) — export or "
                    "record it again"
                )
            raise SourceError(
                f"cannot open {p} as a video (not a video file, or a format OpenCV cannot "
                "read) — check it plays in a video player, then " + _REENCODE_HINT.format(path=p)
            )
        self._cap = cap
        self.fps = _positive(cap.get(cv2.CAP_PROP_FPS))
        count = _positive(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = round(count) if count is not None else None
        self.codec = _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
        self.rotation = self._settle_rotation(cap)

        ok, frame = self._read(cap)
        if not ok or frame is None:
            self._release()
            if self.codec.lower() in {"av01", "av1"}:
                raise SourceError(
                    f"cannot decode {p}: its AV1 video is not supported by this OpenCV "
                    "build — " + _REENCODE_HINT.format(path=p)
                )
            raise SourceError(
                f"cannot decode any frame of {p} (codec {self.codec!r}): it has no video "
                "frames or an unsupported codec — " + _REENCODE_HINT.format(path=p)
            )
        self._first: tuple[np.ndarray | None, float] = (frame, cap.get(cv2.CAP_PROP_POS_MSEC))
        h, w = frame.shape[:2]
        self.size = (int(h), int(w)) if self.rotation in (90, 270) else (int(w), int(h))
        if self.fps is None:
            self.warnings.append(
                f"{p} reports no frame rate; assuming {_FALLBACK_FPS:g} fps where the "
                "container gives no timestamps"
            )

    def _settle_rotation(self, cap: cv2.VideoCapture) -> int:
        """Return the clockwise rotation this class must apply itself (0, 90, 180, 270)."""
        meta = cap.get(cv2.CAP_PROP_ORIENTATION_META)
        angle = round(meta) % 360 if math.isfinite(meta) else 0
        if angle == 0:
            return 0
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        if cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) != 0:
            # The backend rotates and will not stop: rotating again would double it.
            return 0
        if angle not in _ROTATE_CODES:
            self.warnings.append(
                f"{self.path} has a {angle}° rotation tag, which is not a right angle; "
                "frames are used as stored"
            )
            return 0
        return angle

    @staticmethod
    def _read(cap: cv2.VideoCapture) -> tuple[bool, np.ndarray | None]:
        """``cap.read()`` that treats an OpenCV decode exception as the end of the stream."""
        try:
            return cap.read()
        except cv2.error:
            return False, None

    # -- iterating -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[SourceFrame]:
        """Yield upright frames from the start; iterating again re-reads the file."""
        if self._closed:
            raise SourceError(f"{self.name} is closed — open the video again")
        if self._used:
            self._release()
            self.truncated = False
            self.dropped = 0
            self.warnings.clear()
            self._open()
        self._used = True
        return self._frames()

    def _frames(self) -> Iterator[SourceFrame]:
        cap = self._cap
        assert cap is not None
        pacer = _Pacer(self.fps, self._drop_late) if self._realtime else None
        timeline = _Timeline(self.fps)
        index = 0
        frame: np.ndarray | None
        frame, msec = self._first
        self._first = (None, math.nan)  # do not keep a full frame alive for the whole run
        while True:
            if frame is None:
                try:
                    ok = cap.grab()
                except cv2.error:
                    ok = False
                if not ok:
                    break
                msec = cap.get(cv2.CAP_PROP_POS_MSEC)
            t = timeline.next(msec)

            if pacer is not None and not pacer.admit(t):
                self.dropped += 1
                frame = None
                index += 1
                continue
            if frame is None:
                try:
                    ok, frame = cap.retrieve()
                except cv2.error:
                    ok, frame = False, None
                if not ok or frame is None:
                    break
            if self.rotation:
                frame = cv2.rotate(frame, _ROTATE_CODES[self.rotation])
            yield SourceFrame(index=index, t=t, image=frame)
            frame = None
            index += 1

        self._finish(index, timeline.fallbacks)

    def _finish(self, read: int, fallbacks: int) -> None:
        """Record how the stream ended, for the end-of-session summary."""
        if fallbacks > 1:  # the first frame without a timestamp is harmless
            self.warnings.append(
                f"{self.name}: {fallbacks} frames had no usable timestamp; their times were "
                "derived from the frame rate"
            )
        if self.frame_count is not None:
            # Containers without a frame index estimate the count from the duration.
            tolerance = max(1, round(0.01 * self.frame_count))
            if read < self.frame_count - tolerance:
                self.truncated = True
                self.warnings.append(
                    f"{self.name} ended after {read} of {self.frame_count} frames "
                    "(truncated or damaged file); results cover only the frames read"
                )
        if self.dropped:
            self.warnings.append(
                f"{self.name}: dropped {self.dropped} frames to keep up with real time"
            )

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def close(self) -> None:
        """Release the capture; safe to call more than once."""
        self._closed = True
        self._release()


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
            raise SourceError(
                f"cannot open webcam {index}: no such camera, or another program is using "
                "it — check it is connected, close other camera apps, or try index 0"
            )
        if width is not None:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height is not None:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap: cv2.VideoCapture | None = cap
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
        t0: float | None = None
        index = 0
        failing_since: float | None = None
        while True:
            ok, frame = VideoFile._read(cap)
            now = time.monotonic()
            if not ok or frame is None:
                # One failed read is a hiccup; a second of them is a lost camera.
                if failing_since is None:
                    failing_since = now
                if now - failing_since >= _WEBCAM_LOST_AFTER_S or not cap.isOpened():
                    self.lost = True
                    self.warnings.append(
                        f"{self.name} stopped delivering frames after {index} frames"
                    )
                    return
                time.sleep(0.01)
                continue
            failing_since = None
            if t0 is None:
                t0 = now
            yield SourceFrame(index=index, t=now - t0, image=frame)
            index += 1

    def close(self) -> None:
        """Release the camera so other programs can use it; safe to call more than once."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class RecordingSource(_SourceBase):
    """Replays a landmark recording (``.npz``) so the checker runs without video or model.

    Frames carry ``pose_frame`` and no image. ``realtime=True`` paces them at their
    recorded times (never dropping, since replaying is cheap) to drive the live loop.
    """

    def __init__(self, path: str | Path, *, realtime: bool = False):
        super().__init__()
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


def open_source(spec: str | Path | int, realtime: bool = False) -> Source:
    """Pick the source for a command-line argument.

    An int or a string of digits is a webcam index; a ``.npz`` file is a landmark
    recording; anything else is a video file. ``realtime`` paces files at their frame
    rate (ignored for webcams, which are live anyway).
    """
    if isinstance(spec, bool):
        raise SourceError(f"invalid source {spec!r} — pass a video path or a webcam index")
    if isinstance(spec, int):
        return Webcam(spec)
    if isinstance(spec, str) and spec.strip().isdigit():
        return Webcam(int(spec.strip()))
    path = Path(spec)
    if path.suffix.lower() == ".npz":
        return RecordingSource(path, realtime=realtime)
    return VideoFile(path, realtime=realtime)
