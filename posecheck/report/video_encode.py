"""Video for people to watch: H.264 (VP9 where there is none) through PyAV's FFmpeg.

OpenCV's own writer only offers MPEG-4 Part 2 (``mp4v``) in the pip wheels: browsers and
most phones do not play it, and at the quality OpenCV picks it is about four times the
size of a phone's H.264 source. PyAV (the ``av`` wheel) bundles an FFmpeg with real
encoders; which ones a given wheel has is decided at run time, in this order:

* ``libx264`` -- H.264, the one every browser and phone plays; quality-based (CRF);
* ``libopenh264`` -- H.264 from Cisco's library, in builds without x264; bitrate-based;
* ``libvpx-vp9`` -- VP9, which browsers play (in MP4 or WebM) where H.264 is missing.

Each candidate is tried once per process on a tiny frame, so a codec that is listed but
cannot open (a hardware encoder without its device) is skipped, not chosen.

Frames are ``yuv420p`` (what players expect; 4:4:4 H.264 does not play in browsers), so
an odd width or height loses its last pixel column/row. Frames are encoded as they come
(memory stays flat: only the encoder's own look-ahead of a few frames is held), there is
never an audio track, and MP4 files get ``+faststart`` (the index first) so a browser can
start playing before the whole file has arrived.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CONTAINERS",
    "ENCODERS",
    "Encoder",
    "VideoEncodeError",
    "VideoWriter",
    "container_for",
    "encode_clip",
    "pick_encoder",
]


class VideoEncodeError(Exception):
    """A video cannot be written: no usable encoder, a bad name, or FFmpeg failed."""


@dataclass(frozen=True, slots=True)
class Encoder:
    """One FFmpeg encoder and the options that give a small file people can watch.

    ``options`` are FFmpeg's private options; ``bits_per_pixel`` (for encoders without a
    quality mode) sets the bitrate from the frame size and rate.
    """

    name: str
    codec: str  # what a decoder reports: "h264" or "vp9"
    options: Mapping[str, str] = field(default_factory=dict)
    bits_per_pixel: float | None = None


#: Fallback order. x264 at CRF 28 with its ``veryfast`` preset: the annotated clips come
#: out no bigger than their phone-made sources (push-up 640x360: 115 KB for a 189 KB
#: source; 1080p: 633 KB for 636 KB) with the overlay text still sharp, at a speed that
#: leaves the cores to the pose model (``medium`` came out *larger* at the same CRF).
ENCODERS: tuple[Encoder, ...] = (
    Encoder("libx264", "h264", {"crf": "28", "preset": "veryfast"}),
    Encoder("libopenh264", "h264", {"allow_skip_frames": "0"}, bits_per_pixel=0.06),
    Encoder(
        "libvpx-vp9",
        "vp9",
        # Constant quality (b:v 0); "realtime" speed, since VP9 at its default is far
        # too slow to write alongside the model.
        {"crf": "40", "b:v": "0", "deadline": "realtime", "cpu-used": "6", "row-mt": "1"},
    ),
)

#: File name ending -> (FFmpeg muxer, codecs it can hold).
CONTAINERS: dict[str, tuple[str, tuple[str, ...]]] = {
    ".mp4": ("mp4", ("h264", "vp9")),
    ".webm": ("webm", ("vp9",)),
}


def container_for(path: str | os.PathLike[str]) -> str:
    """The FFmpeg muxer for a file name; VideoEncodeError naming the allowed endings."""
    suffix = Path(path).suffix.lower()
    if suffix not in CONTAINERS:
        allowed = " or ".join(CONTAINERS)
        raise VideoEncodeError(f"{path}: a video's name must end in {allowed}")
    return CONTAINERS[suffix][0]


def _fits(encoder: Encoder, muxer: str) -> bool:
    return any(encoder.codec in codecs for m, codecs in CONTAINERS.values() if m == muxer)


@cache
def _works(name: str) -> bool:
    """Whether this FFmpeg can open encoder ``name`` and encode a frame with it."""
    import av

    if name not in av.codecs_available:
        return False
    encoder = next(e for e in ENCODERS if e.name == name)
    try:
        writer = VideoWriter(io.BytesIO(), (64, 64), 10.0, muxer="mp4", encoder=encoder)
        writer.write(np.zeros((64, 64, 3), np.uint8))
        writer.close()
    except (VideoEncodeError, av.FFmpegError, ValueError):
        return False
    return True


def pick_encoder(muxer: str = "mp4") -> Encoder:
    """The first encoder in ``ENCODERS`` that works here and that ``muxer`` can hold."""
    for encoder in ENCODERS:
        if _fits(encoder, muxer) and _works(encoder.name):
            return encoder
    names = ", ".join(e.name for e in ENCODERS if _fits(e, muxer))
    raise VideoEncodeError(
        f"this FFmpeg (PyAV {_av_version()}) has none of the encoders {names} for {muxer}; "
        f"reinstall the av wheel from PyPI (pip install --force-reinstall av)"
    )


def _av_version() -> str:
    import av

    return str(av.__version__)


def _rate(fps: float) -> Fraction:
    """The frame rate as a fraction (29.97 -> 30000/1001), what the container stores."""
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"frame rate must be > 0, got {fps}")
    return Fraction(fps).limit_denominator(1001)


class VideoWriter:
    """Writes BGR frames (OpenCV's layout) to a file or a binary file object, streaming.

    ``size`` is (width, height) of the frames that will come; a frame of another size is
    an error (the caller scales). ``encoder`` None picks the best one that works here.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | io.BytesIO,
        size: tuple[int, int],
        fps: float,
        *,
        muxer: str | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        import av

        if muxer is None:
            if isinstance(target, io.BytesIO):
                raise ValueError("a file object needs muxer= ('mp4' or 'webm')")
            muxer = container_for(target)
        self.encoder = encoder or pick_encoder(muxer)
        self.size = (int(size[0]), int(size[1]))
        w, h = self.size[0] & ~1, self.size[1] & ~1  # yuv420p: even sizes only
        if w < 2 or h < 2:
            raise ValueError(f"video frames must be at least 2x2 pixels, got {size}")
        self.frames = 0
        rate = _rate(fps)
        target_arg: Any = target if isinstance(target, io.BytesIO) else str(target)
        # The index first (a second pass over the file, so only for a named file: a clip
        # in memory is read whole anyway).
        faststart = muxer == "mp4" and not isinstance(target, io.BytesIO)
        options = {"movflags": "+faststart"} if faststart else {}
        try:
            self._out = av.open(target_arg, mode="w", format=muxer, options=options)
        except (av.FFmpegError, OSError) as exc:
            raise VideoEncodeError(f"cannot write video {target_arg}: {exc}") from exc
        try:
            stream = self._out.add_stream(self.encoder.name, rate=rate)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.codec_context.time_base = 1 / rate
            stream.options = dict(self.encoder.options)
            if self.encoder.bits_per_pixel is not None:
                stream.bit_rate = int(w * h * float(rate) * self.encoder.bits_per_pixel)
            # Open the encoder and write the header now: a failure shows here, not at the
            # first frame of a long session.
            self._out.start_encoding()
        except (av.FFmpegError, ValueError, OSError) as exc:
            self._out.close()
            raise VideoEncodeError(f"cannot set up {self.encoder.name}: {exc}") from exc
        self._stream = stream
        self._crop = (h, w)

    def write(self, image_bgr: np.ndarray) -> None:
        """Encode one frame (uint8 BGR, ``size``); packets go to the file as they are ready."""
        import av

        if image_bgr.shape[1::-1] != self.size:
            raise ValueError(f"frame is {image_bgr.shape[1::-1]}, the video is {self.size}")
        h, w = self._crop
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image_bgr[:h, :w]), "bgr24")
        frame.pts = self.frames
        try:
            self._out.mux(self._stream.encode(frame))
        except (av.FFmpegError, OSError) as exc:  # a full disk, mostly
            raise VideoEncodeError(str(exc)) from exc
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file (an MP4 is unplayable until this)."""
        import av

        try:
            try:
                self._out.mux(self._stream.encode(None))
            finally:
                self._out.close()
        except (av.FFmpegError, OSError) as exc:
            raise VideoEncodeError(str(exc)) from exc

    def abort(self) -> None:
        """Close without flushing: the file is to be thrown away."""
        import av

        with contextlib.suppress(av.FFmpegError, OSError):
            self._out.close()


def encode_clip(frames: list[np.ndarray], fps: float, muxer: str = "mp4") -> bytes:
    """A short clip of same-sized BGR frames as the bytes of a video file."""
    if not frames:
        raise ValueError("a clip needs at least one frame")
    buf = io.BytesIO()
    h, w = frames[0].shape[:2]
    writer = VideoWriter(buf, (w, h), fps, muxer=muxer)
    for image in frames:
        writer.write(image)
    writer.close()
    return buf.getvalue()
