"""Parallel file analysis (the pose model on chunks, in threads) gives the same reps and
issues as the sequential run, keeps memory flat, and passes worker failures on."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED_VIDEOS

from posecheck.estimator import PoseEstimator
from posecheck.parallel import ParallelPoseSource
from posecheck.pipeline import analyze
from posecheck.sources import open_source
from posecheck.specs import spec_for

CASES = [
    ("lunge_alternating_side_a", "lunge"),  # reps per side across 5 seams
    ("plank_forearm_side_a", "plank"),  # a hold spanning seams
    ("pushup_hip_sag_side_a", "push_up"),  # a fault spanning a seam
]


def need(clip: str) -> Path:
    path = SHARED_VIDEOS / f"{clip}.mp4"
    if not path.is_file():
        pytest.skip(f"shared clip not found at {path}")
    return path


def outcome(report: dict) -> tuple:
    s = report["summary"]
    codes = sorted(i["code"] for i in report["issues"])
    return s["reps"], s["reps_by_side"], codes, report["source"]["frames"]


@pytest.mark.parametrize(("clip", "exercise"), CASES)
def test_parallel_equals_sequential(clip: str, exercise: str, model_path: Path) -> None:
    path = need(clip)
    with PoseEstimator(model_path) as est:
        seq, _ = analyze(open_source(path), spec_for(exercise), (), est)
    source = ParallelPoseSource(path, lambda: PoseEstimator(model_path), workers=2, chunk_s=1.5)
    par, result = analyze(source, spec_for(exercise), ())
    assert not result.partial
    assert outcome(par) == outcome(seq)
    assert par["summary"]["good_hold_s"] == pytest.approx(seq["summary"]["good_hold_s"], abs=0.25)
    for a, b in zip(par["reps"], seq["reps"], strict=True):
        assert a["side"] == b["side"] and a["t_peak"] == pytest.approx(b["t_peak"], abs=0.2)


class SlowConsumerProbe(ParallelPoseSource):
    """Records how many finished chunks wait for the consumer at once."""

    most_waiting = 0

    def _deliver(self, chunk: int, frames: list) -> None:
        super()._deliver(chunk, frames)
        with self._cond:
            type(self).most_waiting = max(type(self).most_waiting, len(self._done))


def test_workers_never_run_far_ahead(model_path: Path) -> None:
    import time

    path = need("pushup_side_a")
    source = SlowConsumerProbe(
        path, lambda: PoseEstimator(model_path), workers=2, chunk_s=0.5, ahead=1
    )
    n = 0
    for _ in source:
        n += 1
        time.sleep(0.02)  # a consumer slower than the model
    assert n > 100
    assert SlowConsumerProbe.most_waiting <= 2  # workers x ahead


def test_a_worker_failure_reaches_the_consumer(model_path: Path) -> None:
    path = need("pushup_side_a")

    class Broken:
        def estimate(self, *a: object) -> None:
            raise RuntimeError("model crashed")

        def close(self) -> None:
            pass

    with pytest.raises(RuntimeError, match="model crashed"):
        list(ParallelPoseSource(path, Broken, workers=2, chunk_s=1.0))
