"""Tests for posecheck.sources.base: every input behind one interface, and its error messages.

Test videos are written here with cv2.VideoWriter (mp4v). Cases OpenCV cannot write
directly (a rotate tag, variable frame rate, an AV1 stream, a file cut in half with its
index in front) are made by editing the MP4 boxes of such a file with the small helpers
below, so no ffmpeg binary is needed.
"""

from __future__ import annotations

import itertools
import math
import struct
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecheck.pose.landmarks import Pose, PoseFrame
from posecheck.pose.recording import save_recording
from posecheck.sources.base import (
    RecordingSource,
    Source,
    SourceError,
    SourceFrame,
)
from posecheck.sources.open import open_source
from posecheck.sources.video import VideoFile, _Timeline
from posecheck.sources.webcam import Webcam, other_cameras_hint

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample_videos"


# -- synthetic videos -----------------------------------------------------------------------


def marker_image(width: int, height: int, i: int = 0) -> np.ndarray:
    """An image whose orientation is unambiguous: red band on top, blue band on the left."""
    img = np.full((height, width, 3), 40, np.uint8)
    img[: height // 4, :] = (0, 0, 255)
    img[:, : width // 6] = (255, 0, 0)
    img[height // 2 - 2 : height // 2 + 2, width // 2 : width // 2 + 4 + i] = 255
    return img


def write_video(
    path: Path, frames: list[np.ndarray] | int, size: tuple[int, int] = (64, 48), fps: float = 25
) -> list[np.ndarray]:
    """Write an mp4v file; ``frames`` is a list of images or a count of marker images."""
    w, h = size
    if isinstance(frames, int):
        frames = [marker_image(w, h, i) for i in range(frames)]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()
    return frames


def close_to(a: np.ndarray, b: np.ndarray, tol: float = 12.0) -> bool:
    """Same shape and nearly the same pixels (mp4v is lossy)."""
    return a.shape == b.shape and float(np.mean(np.abs(a.astype(float) - b))) < tol


# -- a minimal MP4 box editor ---------------------------------------------------------------

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}
_STBL = [b"moov", b"trak", b"mdia", b"minf", b"stbl"]
Box = list  # [type: bytes, body: bytes | list[Box]]


def parse_boxes(buf: bytes, start: int = 0, end: int | None = None) -> list[Box]:
    end = len(buf) if end is None else end
    out: list[Box] = []
    i = start
    while i + 8 <= end:
        size, typ = struct.unpack(">I4s", buf[i : i + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", buf[i + 8 : i + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - i
        if typ in _CONTAINERS:
            out.append([typ, parse_boxes(buf, i + hdr, i + size)])
        else:
            out.append([typ, bytes(buf[i + hdr : i + size])])
        i += size
    return out


def serialize(boxes: list[Box]) -> bytes:
    out = b""
    for typ, body in boxes:
        payload = serialize(body) if isinstance(body, list) else body
        out += struct.pack(">I4s", 8 + len(payload), typ) + payload
    return out


def find_box(boxes: list[Box], path: list[bytes]) -> Box:
    for box in boxes:
        if box[0] == path[0]:
            return box if len(path) == 1 else find_box(box[1], path[1:])
    raise KeyError(path)


def drop_edit_list(boxes: list[Box]) -> None:
    """Remove the edit list, which would otherwise cap playback at the original duration."""
    trak = find_box(boxes, [b"moov", b"trak"])
    trak[1] = [b for b in trak[1] if b[0] != b"edts"]


def set_rotation_tag(path: Path, degrees: int) -> None:
    """Write a phone-style rotation (ffmpeg's 'rotate' tag) into the track header matrix."""
    boxes = parse_boxes(path.read_bytes())
    tkhd = find_box(boxes, [b"moov", b"trak", b"tkhd"])
    body = bytearray(tkhd[1])
    off = 4 + (32 if body[0] == 1 else 20) + 8 + 8  # version/flags, times+ids, reserved, misc
    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees]
    one = 0x10000
    body[off : off + 36] = struct.pack(
        ">9i", cos * one, sin * one, 0, -sin * one, cos * one, 0, 0, 0, 0x40000000
    )
    tkhd[1] = bytes(body)
    path.write_bytes(serialize(boxes))


def set_frame_durations(path: Path, runs: list[tuple[int, int]]) -> None:
    """Replace the sample durations (count, duration in track ticks) to make a VFR file."""
    boxes = parse_boxes(path.read_bytes())
    drop_edit_list(boxes)
    stts = find_box(boxes, [*_STBL, b"stts"])
    table = b"".join(struct.pack(">II", n, d) for n, d in runs)
    stts[1] = stts[1][:4] + struct.pack(">I", len(runs)) + table
    path.write_bytes(serialize(boxes))


def track_timescale(path: Path) -> int:
    mdhd = find_box(parse_boxes(path.read_bytes()), [b"moov", b"trak", b"mdia", b"mdhd"])[1]
    return struct.unpack(">I", mdhd[12:16] if mdhd[0] == 0 else mdhd[20:24])[0]


def move_index_to_front(data: bytes) -> bytes:
    """'faststart': put moov before mdat (as phones and ffmpeg -movflags +faststart do)."""
    boxes = parse_boxes(data)
    moov = next(b for b in boxes if b[0] == b"moov")
    shift = len(serialize([moov]))
    stco = find_box(moov[1], [b"trak", b"mdia", b"minf", b"stbl", b"stco"])
    n = struct.unpack(">I", stco[1][4:8])[0]
    offsets = struct.unpack(f">{n}I", stco[1][8 : 8 + 4 * n])
    stco[1] = stco[1][:8] + struct.pack(f">{n}I", *(o + shift for o in offsets))
    ftyp = [b for b in boxes if b[0] == b"ftyp"]
    rest = [b for b in boxes if b[0] not in (b"ftyp", b"moov")]
    return serialize([*ftyp, moov, *rest])


def relabel_as_av1(path: Path) -> None:
    """Declare the stream AV1 (sample entry and config box) so the decoder is AV1's."""
    boxes = parse_boxes(path.read_bytes())
    stsd = find_box(boxes, [*_STBL, b"stsd"])
    stsd[1] = stsd[1].replace(b"mp4v", b"av01", 1).replace(b"esds", b"av1C", 1)
    path.write_bytes(serialize(boxes))


def empty_samples(path: Path) -> None:
    """Keep a valid index but with zero samples: a video track with no frames."""
    boxes = parse_boxes(path.read_bytes())
    drop_edit_list(boxes)
    for box in find_box(boxes, _STBL)[1]:
        if box[0] in (b"stts", b"stsc", b"stco", b"stss"):
            box[1] = box[1][:4] + struct.pack(">I", 0)
        elif box[0] == b"stsz":
            box[1] = box[1][:4] + struct.pack(">II", 0, 0)
    boxes = [b for b in boxes if b[0] != b"mdat"] + [[b"mdat", b""]]
    path.write_bytes(serialize(boxes))


def read_all(source: Source) -> list[SourceFrame]:
    with source:
        return list(source)


def assert_one_line_error(exc: pytest.ExceptionInfo[SourceError], *needles: str) -> None:
    msg = str(exc.value)
    assert "\n" not in msg, msg
    for needle in needles:
        assert needle.lower() in msg.lower(), (needle, msg)


# -- VideoFile: the normal cases ------------------------------------------------------------


def test_video_file_frames_fps_and_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    written = write_video(path, 12, size=(64, 48), fps=25)
    with VideoFile(path) as src:
        assert isinstance(src, Source)
        assert src.name == str(path)
        assert src.size == (64, 48)
        assert src.fps == pytest.approx(25)
        assert src.frame_count == 12
        assert src.is_live is False
        frames = list(src)
    assert [f.index for f in frames] == list(range(12))
    ts = [f.t for f in frames]
    assert ts[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(ts))
    assert ts == pytest.approx([i / 25 for i in range(12)], abs=1e-6)
    for f, original in zip(frames, written, strict=True):
        assert f.image is not None and f.image.dtype == np.uint8
        assert f.pose_frame is None
        assert close_to(f.image, original)
    assert src.truncated is False and src.warnings == []


def test_portrait_video_without_rotation_tag(tmp_path: Path) -> None:
    path = tmp_path / "portrait.mp4"
    write_video(path, 3, size=(48, 64))
    src = VideoFile(path)
    assert src.size == (48, 64)
    frames = read_all(src)
    assert all(f.image is not None and f.image.shape == (64, 48, 3) for f in frames)


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_rotation_tag_is_applied_exactly_once(tmp_path: Path, degrees: int) -> None:
    upright = marker_image(48, 64)  # what the viewer should see: portrait, red band on top
    # A phone stores the sensor's pixels and a tag saying "turn me `degrees` clockwise".
    stored = {
        0: upright,
        90: cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE),
        180: cv2.rotate(upright, cv2.ROTATE_180),
        270: cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE),
    }[degrees]
    path = tmp_path / f"rot{degrees}.mp4"
    write_video(path, [stored] * 3, size=(stored.shape[1], stored.shape[0]))
    set_rotation_tag(path, degrees)

    probe = cv2.VideoCapture(str(path))
    assert probe.get(cv2.CAP_PROP_ORIENTATION_META) == degrees  # the tag is really there
    probe.release()

    src = VideoFile(path)
    assert src.size == (48, 64)
    frames = read_all(src)
    assert len(frames) == 3
    for f in frames:
        assert f.image is not None
        assert close_to(f.image, upright), f"not upright for a {degrees}° tag"


def test_variable_frame_rate_uses_container_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    write_video(path, 20, fps=30)
    tick = track_timescale(path) // 30  # one 1/30 s frame in track ticks
    set_frame_durations(path, [(10, tick), (10, 3 * tick)])  # 30 fps, then 10 fps
    frames = read_all(VideoFile(path))
    expected = [i / 30 for i in range(10)] + [10 / 30 + i / 10 for i in range(10)]
    assert [f.t for f in frames] == pytest.approx(expected, abs=1e-3)


def test_iterating_again_rereads_and_closed_source_refuses(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, 5)
    src = VideoFile(path)
    first = [f.t for f in src]
    again = [f.t for f in src]
    assert first == again and len(first) == 5
    src.close()
    src.close()  # idempotent
    with pytest.raises(SourceError, match="closed"):
        iter(src)


def test_stopping_early_is_not_truncation(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, 10)
    with VideoFile(path) as src:
        for f in src:
            if f.index == 2:
                break
        assert src.truncated is False


# -- VideoFile: errors ----------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.mp4"
    with pytest.raises(SourceError) as exc:
        VideoFile(path)
    assert_one_line_error(exc, "not found", str(path), "check the path")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as exc:
        VideoFile(tmp_path)
    assert_one_line_error(exc, "directory", str(tmp_path))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(SourceError) as exc:
        VideoFile(path)
    assert_one_line_error(exc, "empty", str(path))


def test_text_file_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are my workout notes, not a video\n")
    with pytest.raises(SourceError) as exc:
        VideoFile(path)
    assert_one_line_error(exc, "cannot open", str(path), "ffmpeg")


def test_writer_closed_without_frames(tmp_path: Path) -> None:
    """What OpenCV leaves behind when a recording gets no frames: an MP4 with no index."""
    path = tmp_path / "zero.mp4"
    write_video(path, 0)
    assert path.stat().st_size > 0
    with pytest.raises(SourceError) as exc:
        VideoFile(path)
    assert_one_line_error(exc, str(path), "no readable index")


def test_valid_index_with_zero_frames(tmp_path: Path) -> None:
    path = tmp_path / "noframes.mp4"
    write_video(path, 3)
    empty_samples(path)
    with pytest.raises(SourceError) as exc:
        VideoFile(path)
    assert_one_line_error(exc, str(path), "no video frames", "H.264")


def test_unsupported_codec_av1(tmp_path: Path) -> None:
    path = tmp_path / "av1.mp4"
    write_video(path, 3)
    relabel_as_av1(path)
    with pytest.raises(SourceError) as exc:
        VideoFile(path)
    assert_one_line_error(exc, str(path), "AV1", "ffmpeg -i", "libx264")


def test_truncated_file_yields_good_frames_then_stops(tmp_path: Path) -> None:
    full = tmp_path / "full.mp4"
    write_video(full, 30)
    reference = read_all(VideoFile(full))
    cut = tmp_path / "cut.mp4"
    data = move_index_to_front(full.read_bytes())
    cut.write_bytes(data[: len(data) // 2])

    src = VideoFile(cut)
    assert src.frame_count == 30
    frames = read_all(src)
    assert 3 <= len(frames) < 30
    assert src.truncated is True
    assert any("truncated" in w for w in src.warnings)
    # The frames before the damage are the real ones, with the right times.
    for got, ref in zip(frames[:3], reference[:3], strict=True):
        assert got.t == pytest.approx(ref.t)
        assert got.image is not None and ref.image is not None
        assert close_to(got.image, ref.image)


def test_truncated_file_with_index_at_end_cannot_open(tmp_path: Path) -> None:
    """An interrupted recording (index not yet written) is unreadable, and says so."""
    full = tmp_path / "full.mp4"
    write_video(full, 30)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(SourceError) as exc:
        VideoFile(cut)
    assert_one_line_error(exc, str(cut), "interrupted")


# -- timestamps -----------------------------------------------------------------------------


def test_timeline_falls_back_to_frame_rate_when_timestamps_are_bad() -> None:
    tl = _Timeline(fps=10)
    ts = [tl.next(ms) for ms in (0.0, math.nan, 0.0, 300.0, -5.0, 400.0)]
    assert ts == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.4])
    assert tl.fallbacks == 3


def test_timeline_without_any_timestamps_uses_index_over_fps() -> None:
    tl = _Timeline(fps=None)  # no fps either: the 30 fps assumption
    assert [tl.next(math.nan) for _ in range(4)] == pytest.approx([0, 1 / 30, 2 / 30, 3 / 30])


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=50))
def test_timeline_is_always_finite_and_non_decreasing(values: list[float]) -> None:
    tl = _Timeline(fps=30)
    ts = [tl.next(v) for v in values]
    assert all(math.isfinite(t) and t >= 0 for t in ts)
    assert all(b >= a for a, b in itertools.pairwise(ts))
    if ts:
        assert ts[0] == 0.0


# -- realtime pacing (how the live loop is fed from a file) ---------------------------------


def test_realtime_paces_frames_at_the_video_rate(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, 10, fps=50)
    src = VideoFile(path, realtime=True, drop_late=False)
    assert src.is_live is True
    start = time.monotonic()
    frames = read_all(src)
    elapsed = time.monotonic() - start
    assert len(frames) == 10
    assert elapsed >= 0.15  # nine 20 ms intervals, less scheduling slack
    assert frames[-1].t == pytest.approx(0.18, abs=1e-3)


def test_realtime_drops_frames_a_slow_consumer_missed(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, 20, fps=50)
    with VideoFile(path, realtime=True) as src:
        got = []
        for f in src:
            got.append(f)
            time.sleep(0.06)  # three frame intervals of "model time"
    assert 2 <= len(got) < 20
    assert src.dropped == 20 - len(got)
    assert [f.index for f in got] == sorted({f.index for f in got})
    assert all(f.t == pytest.approx(f.index / 50, abs=1e-3) for f in got)
    assert src.truncated is False


# -- webcams --------------------------------------------------------------------------------


def test_missing_webcam_raises_naming_the_index() -> None:
    with pytest.raises(SourceError) as exc:
        Webcam(99)
    assert_one_line_error(exc, "webcam 99")
    assert "--source 99" not in str(exc.value) and "index 99" not in str(exc.value)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/videoN is Linux's")
@pytest.mark.parametrize(
    ("devices", "index", "says", "never"),
    [
        ([], 0, "this machine has no camera (no /dev/video* device)", "--source 0"),
        (["video0", "video2"], 0, "try --source 2 (cameras here: 0, 2)", "--source 0"),
        (["video0"], 1, "try --source 0 (cameras here: 0)", "--source 1"),
        (["video0"], 0, "another program is using it", "--source 0"),
    ],
)
def test_missing_webcam_suggests_another_index_never_the_failed_one(
    tmp_path: Path, devices: list[str], index: int, says: str, never: str
) -> None:
    for name in [*devices, "video-meta"]:
        (tmp_path / name).touch()
    hint = other_cameras_hint(index, tmp_path)
    assert says in hint and never not in hint


def test_negative_webcam_index() -> None:
    with pytest.raises(SourceError, match="webcam index"):
        Webcam(-1)


# -- open_source ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [99, "99", " 99 "])
def test_open_source_digits_mean_webcam(spec: int | str) -> None:
    with pytest.raises(SourceError, match="webcam 99"):
        open_source(spec)


def test_open_source_dispatches_on_kind(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    write_video(video, 3)
    rec = tmp_path / "clip.npz"
    pose = Pose(np.full((33, 3), 0.5, np.float32), np.ones(33, np.float32))
    save_recording(rec, [PoseFrame(0, 0.0, 64, 48, pose)], fps=25.0, meta={"source": "clip.mp4"})

    with open_source(str(video)) as src:
        assert isinstance(src, VideoFile) and not src.is_live
    with open_source(video, realtime=True) as src:
        assert isinstance(src, VideoFile) and src.is_live
    with open_source(rec) as src:
        assert isinstance(src, RecordingSource) and not src.is_live
        assert isinstance(src, Source)
        assert src.size == (64, 48) and src.frame_count == 1 and src.fps == 25.0
        frames = list(src)
    assert frames[0].image is None and frames[0].pose_frame is not None
    with pytest.raises(SourceError, match="not found"):
        open_source(tmp_path / "missing.mp4")
    with pytest.raises(SourceError, match="not found"):
        open_source(tmp_path / "missing.npz")


def test_recording_source_turns_recording_errors_into_source_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(SourceError) as exc:
        RecordingSource(bad)
    assert_one_line_error(exc, str(bad))


# -- a real phone clip ----------------------------------------------------------------------


def test_real_portrait_phone_clip_is_upright() -> None:
    clip = SAMPLES / "glute_bridge_side_portrait_a.mp4"
    if not clip.is_file():
        pytest.skip(f"shared sample clip not available at {clip}")
    with VideoFile(clip) as src:
        assert src.size == (1080, 1920)
        assert src.fps == pytest.approx(30)
        assert src.frame_count == 404
        frames = []
        for f in src:
            frames.append(f)
            if len(frames) == 5:
                break
    assert all(f.image is not None and f.image.shape == (1920, 1080, 3) for f in frames)
    assert [f.t for f in frames] == pytest.approx([i / 30 for i in range(5)], abs=1e-3)
