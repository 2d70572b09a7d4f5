"""Tests for PoseEstimator: the real MediaPipe landmarker on real frames.

The model is the registry-built full model from the shared test cache (built once if
missing); the clips live in ``../shared/sample_videos`` beside the checkout and are
never copied into the repository, so the clip tests skip when that folder is absent.
"""

from __future__ import annotations

import itertools
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from conftest import SHARED_VIDEOS
from hypothesis import given
from hypothesis import strategies as st

from posecheck.pose import models
from posecheck.pose.estimator import PoseEstimator
from posecheck.pose.landmarks import Landmark, Pose
from posecheck.pose.models import ModelError

SAMPLES = SHARED_VIDEOS
PLANK = SAMPLES / "plank_forearm_side_d.mp4"


@pytest.fixture(scope="module")
def plank_frames() -> tuple[list[np.ndarray], float]:
    """The first frames of a side-on forearm plank, and the clip's frame rate."""
    if not PLANK.is_file():
        pytest.skip(f"sample clip {PLANK} is absent (it lives in ../shared beside the checkout)")
    cap = cv2.VideoCapture(str(PLANK))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        frames = []
        while len(frames) < 12:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        cap.release()
    if len(frames) < 12:
        pytest.fail(f"could not decode 12 frames from {PLANK}")
    return frames, fps


@pytest.fixture
def estimator(model_path: Path) -> Iterator[PoseEstimator]:
    with PoseEstimator(model_path) as est:
        yield est


@pytest.mark.e2e
def test_plank_pose_is_found_and_plausible(
    estimator: PoseEstimator, plank_frames: tuple[list[np.ndarray], float]
) -> None:
    frames, fps = plank_frames
    for i, frame in enumerate(frames):
        pf = estimator.estimate(frame, i / fps, i)
        assert (pf.index, pf.t) == (i, i / fps)
        assert (pf.width, pf.height) == (frame.shape[1], frame.shape[0])
        assert pf.pose is not None, f"no pose in frame {i}"
        pose = pf.pose
        assert pose.image.shape == (33, 3) and pose.image.dtype == np.float32
        inside = np.all((pose.image[:, :2] >= -0.05) & (pose.image[:, :2] <= 1.05), axis=1)
        assert inside.mean() >= 0.9
        vis = pose.visibility
        assert vis[Landmark.NOSE] > 0.5
        assert max(vis[Landmark.LEFT_SHOULDER], vis[Landmark.RIGHT_SHOULDER]) > 0.5
        assert max(vis[Landmark.LEFT_HIP], vis[Landmark.RIGHT_HIP]) > 0.5

        # A side-on plank is a horizontal body: shoulders, hips and ankles spread far
        # more across the frame than down it, and shoulders sit level with the hips.
        px = pf.pixels()
        body = px[
            [
                Landmark.LEFT_SHOULDER,
                Landmark.RIGHT_SHOULDER,
                Landmark.LEFT_HIP,
                Landmark.RIGHT_HIP,
                Landmark.LEFT_ANKLE,
                Landmark.RIGHT_ANKLE,
            ]
        ]
        spread = body.max(axis=0) - body.min(axis=0)
        assert spread[0] > 2 * spread[1], spread
        shoulders_y = px[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], 1].mean()
        hips_y = px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 1].mean()
        assert abs(shoulders_y - hips_y) < 0.15 * pf.height

        # World landmarks are metric and centred between the hips.
        assert pose.world is not None and pose.world.shape == (33, 3)
        hip_mid = pose.world[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=0)
        assert np.linalg.norm(hip_mid) < 0.1
        torso = np.linalg.norm(pose.world[Landmark.LEFT_SHOULDER] - pose.world[Landmark.LEFT_HIP])
        assert 0.25 < torso < 0.9  # metres, an adult torso


@pytest.mark.e2e
def test_non_increasing_timestamps_are_tolerated(
    estimator: PoseEstimator, plank_frames: tuple[list[np.ndarray], float]
) -> None:
    """MediaPipe rejects repeated timestamps; callers with coarse clocks must not crash."""
    frames, _ = plank_frames
    times = [0.0, 0.0, 0.0004, 0.0, 1.0, 0.5, 0.5]
    for i, t in enumerate(times):
        pf = estimator.estimate(frames[i], t, i)
        assert pf.t == t  # the caller's time is reported unchanged
        assert pf.pose is not None


@given(st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=60))
def test_mediapipe_timestamps_always_strictly_increase(times: list[float]) -> None:
    """The bumping rule alone, over arbitrary caller clocks (no model needed)."""
    state = SimpleNamespace(_last_ms=None)
    stamps = [PoseEstimator._timestamp_ms(state, t) for t in times]  # type: ignore[arg-type]
    assert all(b > a for a, b in itertools.pairwise(stamps))
    assert stamps[0] == round(times[0] * 1000)
    assert all(s >= round(t * 1000) for s, t in zip(stamps, times, strict=True))


def test_blank_frame_has_no_pose(estimator: PoseEstimator) -> None:
    black = np.zeros((480, 640, 3), dtype=np.uint8)
    pf = estimator.estimate(black, 0.0, 0)
    assert pf.pose is None
    assert (pf.width, pf.height) == (640, 480)
    with pytest.raises(ValueError, match="no pose"):
        pf.pixels()


@pytest.mark.e2e
def test_grey_and_bgra_frames_are_accepted(
    estimator: PoseEstimator, plank_frames: tuple[list[np.ndarray], float]
) -> None:
    frame = plank_frames[0][0]
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA)
    assert estimator.estimate(grey, 0.0, 0).pose is not None
    assert estimator.estimate(bgra, 0.04, 1).pose is not None


@pytest.mark.e2e
def test_estimate_all_returns_every_pose_largest_first(
    model_path: Path, plank_frames: tuple[list[np.ndarray], float]
) -> None:
    frames, _ = plank_frames
    with PoseEstimator(model_path, num_poses=2) as est:
        pf, poses = est.estimate_all(frames[0], 0.0, 0)
    assert 1 <= len(poses) <= 2
    assert all(isinstance(p, Pose) for p in poses)
    assert pf.pose is poses[0]


@pytest.mark.e2e
def test_still_mode_takes_pictures_in_any_order(
    model_path: Path, plank_frames: tuple[list[np.ndarray], float]
) -> None:
    """IMAGE mode (posecheck.pose.lookout's occasional look): no timestamps to keep in order,
    and the same picture gives the same pose whenever it comes."""
    frames, _ = plank_frames
    with PoseEstimator(model_path, num_poses=2, still=True) as est:
        first = est.estimate(frames[3], 9.0, 3)
        est.estimate(frames[0], 1.0, 0)  # earlier in time: fine without a tracker
        again = est.estimate(frames[3], 0.5, 3)
    assert first.pose is not None and again.pose is not None
    assert np.array_equal(first.pose.image, again.pose.image)


@pytest.mark.e2e
def test_reset_starts_a_new_clip(
    estimator: PoseEstimator, plank_frames: tuple[list[np.ndarray], float]
) -> None:
    frames, _ = plank_frames
    assert estimator.estimate(frames[0], 5.0, 0).pose is not None
    estimator.reset()
    assert estimator.estimate(frames[1], 0.0, 0).pose is not None


def test_bad_inputs_are_value_errors(estimator: PoseEstimator) -> None:
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="uint8"):
        estimator.estimate(frame.astype(np.float32), 0.0, 0)
    with pytest.raises(ValueError, match="shape"):
        estimator.estimate(np.zeros((48, 64, 2), dtype=np.uint8), 0.0, 0)
    with pytest.raises(ValueError, match="time"):
        estimator.estimate(frame, -1.0, 0)
    with pytest.raises(ValueError, match="time"):
        estimator.estimate(frame, float("nan"), 0)
    with pytest.raises(ValueError, match="index"):
        estimator.estimate(frame, 0.0, -1)


def test_closed_estimator_refuses_work(model_path: Path) -> None:
    est = PoseEstimator(model_path)
    est.close()
    est.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        est.estimate(np.zeros((48, 64, 3), dtype=np.uint8), 0.0, 0)


def test_options_are_validated(model_path: Path) -> None:
    with pytest.raises(ValueError, match="num_poses"):
        PoseEstimator(model_path, num_poses=0)
    with pytest.raises(ValueError, match="min_tracking_confidence"):
        PoseEstimator(model_path, min_tracking_confidence=1.5)


def test_truncated_model_is_a_model_error(model_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.task"
    bad.write_bytes(model_path.read_bytes()[:100_000])
    with pytest.raises(ModelError) as info:
        PoseEstimator(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)


def test_model_mediapipe_rejects_is_a_model_error(tmp_path: Path) -> None:
    """Passes our structural checks but is no network: MediaPipe's refusal is wrapped."""
    fake = tmp_path / "fake.task"
    with zipfile.ZipFile(fake, "w") as zf:
        for entry in models.TASK_ENTRIES:
            zf.writestr(entry, b"\x10\0\0\0TFL3" + b"\0" * 256)
    with pytest.raises(ModelError, match="MediaPipe cannot load") as info:
        PoseEstimator(fake)
    assert str(fake) in str(info.value) and "\n" not in str(info.value)


def _fd2() -> tuple[int, int]:
    st = os.fstat(2)
    return st.st_dev, st.st_ino


def test_silencing_native_logs_on_two_threads_gives_fd_2_back() -> None:
    """Two estimators start at once in the parallel reader: the one that leaves last must
    not restore the other's /dev/null (the process's stderr then stayed silent for good)."""
    from posecheck.pose.estimator import _quiet_native_logs

    before = _fd2()
    devnull = os.stat(os.devnull)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[int, int]] = {}

    def first() -> None:
        with _quiet_native_logs():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def second() -> None:
        a_in.wait(5)
        with _quiet_native_logs():
            b_in.set()
            a_out.wait(5)
            seen["inside"] = _fd2()  # the first has left: still silenced for this one

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen["inside"] == (devnull.st_dev, devnull.st_ino)
    assert _fd2() == before
