"""A shared clip's real frames with its committed recording's poses: pictures and landmarks
from real footage without running the pose model (what the video and HTML sinks see)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from conftest import SHARED_VIDEOS

from posecheck.pose.recording import load_recording
from posecheck.sources.base import SourceFrame
from posecheck.sources.video import VideoFile

RECORDINGS = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"


class RecordedClip(VideoFile):
    """``SHARED_VIDEOS/name.mp4`` frame by frame, each with the pose the recording holds
    for that frame (recorded from this very file with the real model)."""

    def __init__(self, name: str) -> None:
        super().__init__(SHARED_VIDEOS / f"{name}.mp4")
        self._poses = {pf.index: pf for pf in load_recording(RECORDINGS / f"{name}.npz").frames()}

    def __iter__(self) -> Iterator[SourceFrame]:
        for sf in super().__iter__():
            yield replace(sf, pose_frame=self._poses[sf.index])


def have_clip(name: str) -> bool:
    return (SHARED_VIDEOS / f"{name}.mp4").is_file()
