"""The annotated video: H.264 (VP9 where this FFmpeg has no H.264 encoder) that browsers
and phones play, streamed frame by frame, no bigger than the source it annotates."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from clipframes import RecordedClip, have_clip
from conftest import SHARED_VIDEOS

from posecheck.check.events import CheckerState, FrameResult
from posecheck.check.specs import spec_for
from posecheck.pipeline import analyze
from posecheck.pose.landmarks import PoseFrame
from posecheck.report import video_encode
from posecheck.report.builder import SessionInfo
from posecheck.report.files import ReportError
from posecheck.report.sinks import AnnotatedVideoSink
from posecheck.report.video_encode import VideoEncodeError, VideoWriter, encode_clip, pick_encoder


def _probe(data: bytes | Path) -> tuple[str, str, int, int, int, Fraction, int]:
    """codec, pixel format, width, height, frames decoded, frame rate, other streams."""
    with av.open(io.BytesIO(data) if isinstance(data, bytes) else str(data)) as c:
        s = c.streams.video[0]
        n = sum(1 for _ in c.decode(s))
        cc = s.codec_context
        return cc.name, cc.pix_fmt, s.width, s.height, n, s.average_rate, len(c.streams) - 1


def _cv2_count(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def _frames(n: int, w: int, h: int) -> list[np.ndarray]:
    """Moving pictures with detail, so the encoder has something to keep."""
    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 255, (h // 8 + 1, w // 8 + 1, 3), np.uint8), (w, h))
    return [np.roll(base, 3 * i, axis=1) for i in range(n)]


def _sink_run(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> AnnotatedVideoSink:
    h, w = frames[0].shape[:2]
    info = SessionInfo("squat", "Squat", "reps", "synthetic", fps, len(frames), (w, h))
    sink = AnnotatedVideoSink(path, fps)
    sink.open(info)
    for i, image in enumerate(frames):
        state = CheckerState(i / fps, True, True, "down", 0, {}, 0.0, 0.0, (), "", None, {})
        sink.on_frame(image, PoseFrame(i, i / fps, w, h, None), FrameResult((), state))
    sink.close(partial=False)
    return sink


def test_this_ffmpeg_has_a_browser_codec_and_h264_comes_first() -> None:
    encoder = pick_encoder("mp4")
    assert encoder.codec in ("h264", "vp9")
    if "libx264" in av.codecs_available:  # the PyPI wheels have it: then it is the choice
        assert encoder.name == "libx264"
    assert pick_encoder("webm").codec == "vp9"  # WebM holds no H.264


def test_annotated_video_is_h264_yuv420p_without_audio_and_decodes(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    sink = _sink_run(path, _frames(40, 320, 240))
    assert sink.codec == pick_encoder().codec
    assert _probe(path) == (sink.codec, "yuv420p", 320, 240, 40, Fraction(25), 0)
    assert _cv2_count(path) == 40  # OpenCV (the tool's own reader) reads it too


def test_the_index_comes_first_so_a_browser_can_play_while_loading(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    _sink_run(path, _frames(10, 320, 240))
    data = path.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")


def test_without_h264_the_video_is_vp9(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video_encode, "_works", lambda name: name == "libvpx-vp9")
    path = tmp_path / "a.mp4"
    sink = _sink_run(path, _frames(12, 320, 240))
    assert sink.codec == "vp9"
    assert _probe(path)[:5] == ("vp9", "yuv420p", 320, 240, 12)


def test_webm_is_vp9(tmp_path: Path) -> None:
    path = tmp_path / "a.webm"
    _sink_run(path, _frames(8, 320, 240))
    assert _probe(path)[:5] == ("vp9", "yuv420p", 320, 240, 8)


def test_no_usable_encoder_fails_at_open_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_encode, "_works", lambda name: False)
    info = SessionInfo("squat", "Squat", "reps", "synthetic", 25.0, 10, (320, 240))
    with pytest.raises(ReportError, match=r"cannot write video .*none of the encoders"):
        AnnotatedVideoSink(tmp_path / "a.mp4", 25).open(info)
    assert list(tmp_path.iterdir()) == []


def test_odd_sizes_lose_a_pixel_and_ntsc_rates_stay_exact() -> None:
    data = encode_clip(_frames(6, 161, 101), 30000 / 1001)
    assert _probe(data)[2:6] == (160, 100, 6, Fraction(30000, 1001))
    with pytest.raises(ValueError, match="frame is"):
        VideoWriter(io.BytesIO(), (64, 64), 10, muxer="mp4").write(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(VideoEncodeError, match=r"must end in \.mp4 or \.webm"):
        VideoWriter("a.avi", (64, 64), 10)


CLIP = "pushup_hip_sag_side_a"


@pytest.mark.skipif(not have_clip(CLIP), reason=f"shared clip {CLIP}.mp4 not in {SHARED_VIDEOS}")
def test_annotated_real_clip_plays_and_is_not_bigger_than_its_source(tmp_path: Path) -> None:
    """The clip's real frames and recorded poses: overlay, skeleton and all."""
    out = tmp_path / "annotated.mp4"
    source = RecordedClip(CLIP)
    analyze(source, spec_for("push_up"), [AnnotatedVideoSink(out, source.fps)])
    codec, pix, w, h, n, rate, others = _probe(out)
    assert (pix, w, h, n, rate, others) == ("yuv420p", 640, 360, 93, Fraction(25), 0)
    assert codec == pick_encoder().codec
    src = (SHARED_VIDEOS / f"{CLIP}.mp4").stat().st_size
    assert out.stat().st_size <= src, f"{out.stat().st_size} bytes for a {src}-byte source"
