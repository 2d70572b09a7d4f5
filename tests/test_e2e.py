"""End to end: the real MediaPipe model on the real shared clips, through the same
pipeline as `posecheck analyze`, against ../shared/sample_videos/labels.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_VIDEOS
from labelcheck import check_counts, check_issues, status_marks

from posecheck.check.specs import available, spec_for

SHARED = SHARED_VIDEOS
LABELS = SHARED / "labels.toml"
RECORDINGS = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not LABELS.is_file(),
        reason=f"shared clips not found at {SHARED} (they are not in the repo)",
    ),
]
CLIPS = tomllib.loads(LABELS.read_text())["clips"] if LABELS.is_file() else {}


def analyze_clip(name: str, exercise: str, model_path: str, people: int = 1) -> dict:
    from posecheck.pipeline import analyze
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.sources.open import open_source

    with PoseEstimator(model_path, num_poses=people) as est:
        report, result = analyze(
            open_source(SHARED / CLIPS[name]["file"]), spec_for(exercise), (), est
        )
    assert not result.partial
    return report


EXPECTED = tomllib.loads((RECORDINGS.parent / "expected.toml").read_text())["clips"]
_REPORTS: dict[str, dict] = {}  # one model run per clip serves both checks


def cases(check: str) -> list:
    return [
        pytest.param(name, id=name, marks=status_marks(name, check, name in EXPECTED))
        for name, clip in CLIPS.items()
        if clip["exercise"] in available() and not clip.get("control")
    ]


def clip_report(name: str, model_path: str) -> dict:
    if name not in _REPORTS:
        _REPORTS[name] = analyze_clip(name, CLIPS[name]["exercise"], model_path)
    report = _REPORTS[name]
    assert report["summary"]["frames_with_pose"] > 0
    return report


@pytest.mark.parametrize("name", cases("counts"))
def test_clip_counts_match_labels(name: str, model_path: str) -> None:
    check_counts(name, CLIPS[name], clip_report(name, model_path))


@pytest.mark.parametrize("name", cases("issues"))
def test_clip_issues_match_labels(name: str, model_path: str) -> None:
    check_issues(name, CLIPS[name], clip_report(name, model_path))


@pytest.mark.parametrize("people", [1, 2])
def test_control_clip_is_not_an_exercise(model_path: str, people: int) -> None:
    """Two people, neither exercising: with one or both of them tracked, nothing counts."""
    report = analyze_clip("no_exercise_walk_two_people", "lunge", model_path, people)
    assert report["summary"]["reps"] == 0 and report["issues"] == []


def test_committed_recording_matches_fresh_inference(model_path: str) -> None:
    """The committed recordings are what the model gives today (else re-record them)."""
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.pose.recording import load_recording
    from posecheck.sources.open import open_source

    rec = list(load_recording(RECORDINGS / "plank_forearm_side_d.npz").frames())
    with PoseEstimator(model_path) as est:
        fresh = [
            est.estimate(sf.image, sf.t, sf.index)
            for sf in open_source(SHARED / "plank_forearm_side_d.mp4")
        ]
    assert len(fresh) == len(rec)
    diffs = [
        np.abs(a.pose.image[:, :2] - b.pose.image[:, :2]).max()
        for a, b in zip(rec, fresh, strict=True)
        if a.pose is not None and b.pose is not None
    ]
    assert len(diffs) == len(rec)
    assert float(np.median(diffs)) < 0.01  # normalised units: under 1% of the frame
