"""Tests for posecheck.pose.recording: exact round trips, compact files, clear errors."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecheck import __version__
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose, PoseFrame
from posecheck.pose.recording import (
    FORMAT_VERSION,
    Recording,
    RecordingError,
    load_recording,
    save_recording,
)
from posecheck.sources.base import RecordingSource

W, H = 1280, 720


def realistic_frames(
    seconds: float = 2.0, fps: float = 30.0, seed: int = 0, absent_every: int = 17
) -> list[PoseFrame]:
    """Frames that look like MediaPipe output: smooth motion, full-precision jitter,
    saturated visibilities, world coordinates in metres, and some frames without a pose."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.2, 0.8, (NUM_LANDMARKS, 3))
    phase = np.arange(NUM_LANDMARKS)[:, None] * 0.1
    frames = []
    for i in range(round(seconds * fps)):
        t = i / fps
        if absent_every and i % absent_every == absent_every - 1:
            frames.append(PoseFrame(i, t, W, H, None))
            continue
        image = base + 0.1 * np.sin(2 * np.pi * t / 3 + phase) + rng.normal(0, 0.002, base.shape)
        visibility = 1 / (1 + np.exp(-rng.normal(4, 2, NUM_LANDMARKS)))
        world = (image - 0.5) * 0.8 + rng.normal(0, 0.01, base.shape)
        frames.append(PoseFrame(i, t, W, H, Pose(image, visibility, world)))
    return frames


def assert_same_frames(got: list[PoseFrame], expected: list[PoseFrame]) -> None:
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert (g.index, g.t, g.width, g.height) == (e.index, e.t, e.width, e.height)
        assert (g.pose is None) == (e.pose is None)
        if g.pose is None or e.pose is None:
            continue
        # Bit-exact: compare the raw float32 bytes, not approximately.
        assert g.pose.image.tobytes() == e.pose.image.tobytes()
        assert g.pose.visibility.tobytes() == e.pose.visibility.tobytes()
        assert (g.pose.world is None) == (e.pose.world is None)
        if g.pose.world is not None and e.pose.world is not None:
            assert g.pose.world.tobytes() == e.pose.world.tobytes()


def test_round_trip_is_bit_exact(tmp_path: Path) -> None:
    frames = realistic_frames()
    # One pose without world coordinates must come back without them.
    frames[3] = PoseFrame(
        3, frames[3].t, W, H, Pose(frames[3].pose.image, frames[3].pose.visibility)
    )
    path = tmp_path / "rec.npz"
    save_recording(path, frames, fps=30.0, meta={"source": "clip.mp4", "model": "full"})

    rec = load_recording(path)
    assert isinstance(rec, Recording)
    assert len(rec) == len(frames)
    assert rec.fps == 30.0
    assert rec.size == (W, H)
    assert rec.path == path
    assert_same_frames(list(rec.frames()), frames)
    assert rec.image.dtype == np.float32 and rec.image.shape == (len(frames), 33, 3)
    assert rec.present.dtype == bool and int(rec.present.sum()) == sum(
        f.pose is not None for f in frames
    )


def test_meta_is_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "rec.npz"
    save_recording(path, realistic_frames(0.2), fps=30, meta={"source": "a.mp4", "model": "lite"})
    meta = load_recording(path).meta
    assert meta["source"] == "a.mp4" and meta["model"] == "lite"
    assert meta["posecheck_version"] == __version__
    assert meta["format_version"] == FORMAT_VERSION
    assert "T" in meta["created"]


def test_unknown_fps_and_skipped_frame_numbers_survive(tmp_path: Path) -> None:
    frames = [f for f in realistic_frames(0.5) if f.index % 3 != 1]  # a live run that dropped
    path = tmp_path / "rec.npz"
    save_recording(path, frames, fps=None, meta={})
    rec = load_recording(path)
    assert rec.fps is None
    assert_same_frames(list(rec.frames()), frames)


def test_recording_source_yields_the_same_pose_frames(tmp_path: Path) -> None:
    frames = realistic_frames(1.0)
    path = tmp_path / "rec.npz"
    save_recording(path, frames, fps=30.0, meta={"source": "clip.mp4"})
    with RecordingSource(path) as src:
        assert src.frame_count == len(frames) and src.size == (W, H) and src.fps == 30.0
        assert src.is_live is False
        out = list(src)
        assert [f.t for f in list(src)] == [f.t for f in out]  # can be replayed again
    assert all(f.image is None for f in out)
    assert [(f.index, f.t) for f in out] == [(f.index, f.t) for f in frames]
    assert_same_frames([f.pose_frame for f in out if f.pose_frame is not None], frames)


def test_recording_source_realtime_paces(tmp_path: Path) -> None:
    frames = [PoseFrame(i, i / 50, W, H, None) for i in range(10)]
    path = tmp_path / "rec.npz"
    save_recording(path, frames, fps=50.0, meta={})

    start = time.monotonic()
    out = list(RecordingSource(path, realtime=True))
    assert len(out) == 10
    assert time.monotonic() - start >= 0.15


def test_thirty_second_clip_is_compact(tmp_path: Path) -> None:
    path = tmp_path / "rec.npz"
    save_recording(path, realistic_frames(30.0), fps=30.0, meta={"source": "clip.mp4"})
    # ~0.70 MB measured for this synthetic data; the raw arrays are ~0.84 MB.
    assert path.stat().st_size < 1_000_000


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1e-1, allow_nan=False),  # time step
            st.booleans(),  # pose present
            st.booleans(),  # world given
            st.integers(0, 2**31 - 1),  # seed
        ),
        min_size=1,
        max_size=8,
    )
)
def test_round_trip_property(tmp_path: Path, spec: list[tuple[float, bool, bool, int]]) -> None:
    frames = []
    t = 0.0
    for i, (dt, present, has_world, seed) in enumerate(spec):
        t += dt
        pose = None
        if present:
            rng = np.random.default_rng(seed)
            pose = Pose(
                rng.normal(0.5, 0.3, (33, 3)),
                rng.uniform(0, 1, 33),
                rng.normal(0, 0.5, (33, 3)) if has_world else None,
            )
        frames.append(PoseFrame(i, t, 640, 480, pose))
    path = tmp_path / "prop.npz"
    save_recording(path, frames, fps=25.0, meta={"source": "x"})
    assert_same_frames(list(load_recording(path).frames()), frames)


# -- saving ---------------------------------------------------------------------------------


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "rec.npz"
    save_recording(path, realistic_frames(0.2), fps=30.0, meta={"source": "old"})
    save_recording(path, realistic_frames(0.3), fps=30.0, meta={"source": "new"})
    assert load_recording(path).meta["source"] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.npz"]

    # A failing save must leave the previous file untouched.
    with pytest.raises(ValueError, match="JSON"):
        save_recording(path, realistic_frames(0.1), fps=30.0, meta={"bad": object()})
    assert load_recording(path).meta["source"] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.npz"]


def test_save_refuses_empty_and_mixed_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no frames"):
        save_recording(tmp_path / "r.npz", [], fps=30.0, meta={})
    frames = [PoseFrame(0, 0.0, 640, 480, None), PoseFrame(1, 0.1, 480, 640, None)]
    with pytest.raises(ValueError, match="480x640"):
        save_recording(tmp_path / "r.npz", frames, fps=30.0, meta={})
    assert not any(tmp_path.iterdir())


# -- loading damaged files ------------------------------------------------------------------


def good_arrays(n: int = 5) -> dict[str, np.ndarray]:
    return {
        "t": np.arange(n, dtype=np.float64) / 30,
        "present": np.ones(n, bool),
        "image": np.full((n, 33, 3), 0.5, np.float32),
        "visibility": np.ones((n, 33), np.float32),
        "world": np.zeros((n, 33, 3), np.float32),
        "width": np.int32(W),
        "height": np.int32(H),
        "fps": np.float64(30.0),
        "meta": np.str_(json.dumps({"source": "x"})),
    }


def write_npz(path: Path, **changes: np.ndarray | None) -> Path:
    arrays = good_arrays()
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    np.savez_compressed(path, **arrays)
    return path


def test_hand_written_good_file_loads_without_index(tmp_path: Path) -> None:
    rec = load_recording(write_npz(tmp_path / "ok.npz"))
    assert [f.index for f in rec.frames()] == [0, 1, 2, 3, 4]
    assert all(f.pose is not None and f.pose.world is None for f in rec.frames())


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"image": None}, "image", "missing"),
        ({"meta": None, "fps": None}, "fps", "missing"),
        ({"image": np.zeros((5, 17, 3), np.float32)}, "image", "shape"),
        ({"visibility": np.zeros((4, 33), np.float32)}, "visibility", "shape"),
        ({"present": np.ones(6, bool)}, "present", "shape"),
        ({"t": np.array([0.0, 0.1, 0.05, 0.2, 0.3])}, "t", "monotonic"),
        ({"t": np.array([0.0, 0.1, np.nan, 0.2, 0.3])}, "t", "finite"),
        ({"t": np.zeros((5, 1))}, "t", "1-D"),
        ({"image": np.full((5, 33, 3), np.nan, np.float32)}, "image", "NaN"),
        ({"meta": np.str_("{not json")}, "meta", "JSON"),
        ({"meta": np.str_("[1, 2]")}, "meta", "object"),
        ({"width": np.int32(0)}, "width", "positive"),
        ({"width": np.float64(12.5)}, "width", "integer"),
        ({"fps": np.float64(-1)}, "fps", "positive"),
        ({"index": np.array([0, 1, 1, 2, 3])}, "index", "increasing"),
    ],
)
def test_damaged_file_errors_name_file_and_key(
    tmp_path: Path, changes: dict[str, np.ndarray | None], key: str, words: str
) -> None:
    path = write_npz(tmp_path / "bad.npz", **changes)
    with pytest.raises(RecordingError) as exc:
        load_recording(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert str(path) in msg and key in msg and words.lower() in msg.lower(), msg


def test_newer_format_is_refused(tmp_path: Path) -> None:
    meta = np.str_(json.dumps({"format_version": FORMAT_VERSION + 1}))
    with pytest.raises(RecordingError, match="upgrade posecheck"):
        load_recording(write_npz(tmp_path / "new.npz", meta=meta))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "not a readable"),
        (b"this is not a zip file", "not a readable"),
    ],
)
def test_garbage_file(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=words) as exc:
        load_recording(path)
    assert str(path) in str(exc.value)


def test_truncated_zip(tmp_path: Path) -> None:
    path = tmp_path / "rec.npz"
    save_recording(path, realistic_frames(1.0), fps=30.0, meta={})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(RecordingError) as exc:
        load_recording(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_pickled_and_npy_files_are_refused(tmp_path: Path) -> None:
    npy = tmp_path / "one.npz"
    with npy.open("wb") as fh:
        np.save(fh, np.zeros(3))
    with pytest.raises(RecordingError, match=r"single \.npy"):
        load_recording(npy)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{**good_arrays(), "meta": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(RecordingError, match="meta"):
        load_recording(pickled)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not found"):
        load_recording(tmp_path / "none.npz")
    with pytest.raises(RecordingError, match="directory"):
        load_recording(tmp_path)


def test_loaded_arrays_are_read_only(tmp_path: Path) -> None:
    rec = load_recording(write_npz(tmp_path / "ok.npz"))
    with pytest.raises(ValueError):
        rec.image[0, 0, 0] = 1.0
    assert math.isclose(rec.duration, 4 / 30)
