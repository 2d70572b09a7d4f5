"""Regression on real landmark recordings (extracted from the shared clips with the real
model, committed under sample_videos/recordings): counts, hold times and issues against
the ground truth in sample_videos/expected.toml. No model, no video: seconds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from posecheck.pipeline import analyze
from posecheck.sources import open_source
from posecheck.specs import available, spec_for

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "sample_videos" / "recordings"
EXPECTED = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]


def _cases(kind: str) -> list:
    out = []
    for name, clip in EXPECTED.items():
        if clip["exercise"] not in available() or clip.get("control"):
            continue
        if (kind == "hold") != ("hold_s" in clip):
            continue
        out.append(pytest.param(name, clip, id=name))
    return out


def report_of(name: str, exercise: str) -> dict:
    path = RECORDINGS / f"{name}.npz"
    if not path.is_file():
        pytest.fail(f"missing recording {path}: run scripts/record_samples.sh")
    report, _ = analyze(open_source(path), spec_for(exercise))
    return report


def _side_counts(clip: dict) -> list[int]:
    return sorted(clip.get("reps_per_side", {}).values())


@pytest.mark.parametrize(("name", "clip"), _cases("reps"))
def test_reps_match_labels(name: str, clip: dict) -> None:
    report = report_of(name, clip["exercise"])
    reps = report["summary"]["reps"]
    low = clip["reps"] - clip["reps_tolerance"]
    high = clip["reps"] + clip.get("partial_reps", 0) + clip["reps_tolerance"]
    assert low <= reps <= high, f"{name}: counted {reps}, labelled {clip['reps']}"
    if clip.get("reps_per_side") and spec_for(clip["exercise"]).per_side:
        by_side = sorted(report["summary"]["reps_by_side"].values())
        expected = _side_counts(clip)
        tol = clip["reps_tolerance"] + clip.get("partial_reps", 0)
        assert all(abs(a - b) <= tol for a, b in zip(by_side, expected, strict=True)), (
            f"{name}: per side {report['summary']['reps_by_side']}, "
            f"labelled {clip['reps_per_side']}"
        )


@pytest.mark.parametrize(("name", "clip"), _cases("hold"))
def test_hold_time_matches_labels(name: str, clip: dict) -> None:
    report = report_of(name, clip["exercise"])
    good = report["summary"]["good_hold_s"]
    assert good == pytest.approx(clip["hold_s"], abs=clip["hold_tolerance_s"]), name


@pytest.mark.parametrize(("name", "clip"), _cases("reps") + _cases("hold"))
def test_issues_match_labels(name: str, clip: dict) -> None:
    report = report_of(name, clip["exercise"])
    raised = {i["code"] for i in report["issues"]}
    if clip["clean"]:
        assert raised == set(), f"{name} is clean but raised {raised}"
    required = set(clip["required_issues"])
    assert required <= raised, f"{name}: missing required {required - raised}"
    allowed = required | set(clip["optional_issues"])
    assert raised <= allowed, f"{name}: raised {raised - allowed}, a fault nobody saw"


@pytest.mark.parametrize("exercise", [e for e in ("lunge", "squat") if e in available()])
def test_control_clip_counts_nothing(exercise: str) -> None:
    report = report_of("no_exercise_walk_two_people", exercise)
    assert report["summary"]["reps"] == 0
    assert report["issues"] == []
