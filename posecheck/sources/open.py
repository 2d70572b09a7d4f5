"""Pick the source for a command-line argument: webcam index, landmark recording or video.

It sits above the three kinds of source (they build on :mod:`posecheck.sources.base`
and know nothing of each other's selection), so choosing one never makes them import
each other in a circle.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.sources.base import RecordingSource, Source, SourceError

__all__ = ["open_source"]


def open_source(spec: str | Path | int, realtime: bool = False) -> Source:
    """Pick the source for a command-line argument.

    An int or a string of digits is a webcam index; a ``.npz`` file is a landmark
    recording; anything else is a video file. ``realtime`` paces files at their frame
    rate (ignored for webcams, which are live anyway).
    """
    if isinstance(spec, bool):
        raise SourceError(f"invalid source {spec!r} — pass a video path or a webcam index")
    # Imported here, not at the top: they load OpenCV, which a recording never needs
    # (``posecheck specs list`` or replaying landmarks start faster without it).
    from posecheck.sources.video import VideoFile
    from posecheck.sources.webcam import Webcam

    if isinstance(spec, int):
        return Webcam(spec)
    if isinstance(spec, str) and spec.strip().isdigit():
        return Webcam(int(spec.strip()))
    path = Path(spec)
    if path.suffix.lower() == ".npz":
        return RecordingSource(path, realtime=realtime)
    return VideoFile(path, realtime=realtime)
