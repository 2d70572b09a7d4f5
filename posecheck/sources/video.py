"""Video files as a source: OpenCV decoding, rotation tags, container timestamps.

:class:`VideoFile` delivers upright frames timed by the container (so variable frame
rate phone clips measure in real time), turns the path and codec mistakes users make
into one-line :class:`~posecheck.sources.base.SourceError` messages, and records a file that
ends early as ``truncated`` instead of raising. The shared interface is in
:mod:`posecheck.sources.base`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from posecheck.sources.base import _FALLBACK_FPS, SourceError, SourceFrame, _Pacer, _SourceBase

__all__ = ["VideoFile"]

#: The re-encode command suggested whenever OpenCV cannot read a file.
_REENCODE_HINT = (
    "re-encode it to H.264, e.g. ffmpeg -i {path} -c:v libx264 -pix_fmt yuv420p fixed.mp4"
)


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

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = False,
        drop_late: bool = True,
        decode_threads: int | None = None,
    ):
        super().__init__()
        self.path = Path(path)
        self.name = str(path)
        self.is_live = realtime
        self._realtime = realtime
        self._drop_late = drop_late
        # None lets FFmpeg pick; 1 is the cheapest per frame when other threads (the
        # parallel pose workers) already keep every core busy.
        self._decode_threads = decode_threads
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
        params: list[int] = []
        if self._decode_threads is not None:
            params = [cv2.CAP_PROP_N_THREADS, self._decode_threads]
        cap = cv2.VideoCapture(str(p), api, params)
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
        self._start()
        return self._frames()

    def select(self, keep: Callable[[int], bool]) -> Iterator[SourceFrame]:
        """Every frame with its index and time, but pictures only where ``keep(index)``.

        The others come with ``image=None`` and cost only their decoding, not the
        conversion to BGR: a parallel worker reads the whole file, for timestamps exactly
        those of a sequential run, and looks at its own stretches only."""
        self._start()
        return self._frames(keep)

    def _start(self) -> None:
        if self._closed:
            raise SourceError(f"{self.name} is closed — open the video again")
        if self._used:
            self._release()
            self.truncated = False
            self.dropped = 0
            self.warnings.clear()
            self._open()
        self._used = True

    def _frames(self, keep: Callable[[int], bool] | None = None) -> Iterator[SourceFrame]:
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
            if keep is not None and not keep(index):
                yield SourceFrame(index=index, t=t, image=None)
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
