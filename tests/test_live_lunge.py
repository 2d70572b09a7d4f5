"""Live mode on the walking-lunge clip (8 reps, 4 on each leg): counted right with the
defaults (--people 2: one person tracked, a second looked for every 2 s), and with the
default countdown the reps done after it.

The real-model tests replay the clip through ``posecheck live --source``, paced by the
wall clock and dropping frames the loop is too slow for, exactly as a webcam on this
machine would feed it; so how many frames are judged depends on how busy the machine is.
They do not assume a quiet machine. What live promises is: counted right while it judges
at least the rate the exercise needs (posecheck.check.frame_rate: 10 fps for a lunge; counting
at 10 fps is proven on the recordings by tests/test_frame_rate.py), and said so when it
does not. So the count is asserted whenever the report has no low-frame-rate notice; if
the machine was too busy, the test checks that the report says so, and skips the count
with the rate it measured as the reason, rather than pass or fail on the machine's load.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import SHARED_VIDEOS

from posecheck.check.specs import spec_for
from posecheck.coach.guidance import SetUp
from posecheck.pipeline import analyze
from posecheck.report.sinks import BaseSink
from posecheck.sources.base import RecordingSource

ROOT = Path(__file__).resolve().parents[1]
RECORDING = ROOT / "sample_videos" / "recordings" / "lunge_walking_side_b.npz"
CLIP = SHARED_VIDEOS / "lunge_walking_side_b.mp4"
LABEL = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"][
    "lunge_walking_side_b"
]
needs_clip = pytest.mark.skipif(
    not CLIP.is_file(), reason=f"shared clip {CLIP} is absent (it is not in the repo)"
)


class JudgingStart(BaseSink):
    """Notes when the set-up phase ended (the first frame the checker judged)."""

    def __init__(self) -> None:
        self.go: float | None = None

    def on_frame(self, image: object, frame: object, result: object) -> None:
        state = result.state  # type: ignore[attr-defined]
        if self.go is None and state.phase != "setup":
            self.go = state.t


def test_the_default_countdown_counts_every_rep_after_it() -> None:
    """The clip starts mid-set: the first rep (1.5-3.6 s) is done while posecheck is still
    saying "hold still" and counting down (judging starts at 4.0 s), so it is not counted;
    every rep after the countdown is, with the same times as without one."""
    spec = spec_for("lunge")
    without, _ = analyze(RecordingSource(RECORDING), spec)
    start = JudgingStart()
    report, _ = analyze(RecordingSource(RECORDING), spec, [start], setup=SetUp(spec, 3.0))
    assert start.go is not None and 3.5 < start.go < 4.5
    after = [r for r in without["reps"] if r["t_start"] >= start.go]
    assert len(without["reps"]) == LABEL["reps"] and len(after) == 7

    def when(reps: list[dict]) -> list[tuple]:
        return [(r["side"], r["t_start"], r["t_peak"], r["t_end"]) for r in reps]

    assert when(report["reps"]) == when(after)
    assert report["summary"]["reps_by_side"] == {"left": 3, "right": 4}


def live(tmp_path: Path, *args: str) -> dict:
    from posecheck.cli import main

    out = tmp_path / "live.json"
    argv = ["live", "--exercise", "lunge", "--source", str(CLIP), "--no-window", "--no-voice"]
    assert main([*argv, "--no-session-log", "--json", str(out), *args]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def judged_fps(report: dict) -> float:
    src = report["source"]
    return (src["frames"] - 1) / (src["t_last"] - src["t_first"])


def counted_unless_too_slow(report: dict) -> None:
    """Skip (with the measured rate) when the report says the machine was too slow."""
    if report["summary"]["notice_counts"].get("low_frame_rate"):
        assert any("below the 10 fps Lunge needs" in w for w in report["source"]["warnings"])
        pytest.skip(
            f"this machine judged {judged_fps(report):.1f} frames a second and "
            f"dropped {report['source']['dropped_frames']}: below the 10 a lunge needs, "
            "which the report says; the count is not asserted"
        )


@pytest.mark.e2e
@needs_clip
def test_live_with_defaults_and_no_countdown_counts_all_eight(
    tmp_path: Path, model_path: Path
) -> None:
    report = live(tmp_path, "--countdown", "0", "--pose-model", str(model_path))
    counted_unless_too_slow(report)
    assert report["summary"]["reps"] == 8
    assert report["summary"]["reps_by_side"] == {"left": 4, "right": 4}
    assert judged_fps(report) >= 10


@pytest.mark.e2e
@needs_clip
def test_one_person_tracked_with_a_look_every_two_seconds(model_path: Path) -> None:
    """Frame by frame (nothing dropped), --people 2 on one person gives the --people 1
    count, where num_poses=2 on every frame lost two of the eight reps."""
    from posecheck.pose.lookout import pose_estimator
    from posecheck.sources.open import open_source

    frames = open_source(CLIP)
    with pose_estimator(model_path, 2) as est:
        report, _ = analyze(frames, spec_for("lunge"), (), est)
        assert est.found == 0 and est.multi_frames == 0
        assert 17 <= est.looks <= 30  # every 2 s over 35 s, and at the cross-fades
    assert report["summary"]["reps"] == 8
    assert report["summary"]["reps_by_side"] == {"left": 4, "right": 4}


@pytest.mark.e2e
def test_the_control_clip_finds_the_second_person_and_counts_nothing(model_path: Path) -> None:
    """Two people walking, neither exercising: the look finds the second one (the tracker
    swaps to her as she passes), several are tracked, and nothing is counted."""
    from posecheck.pose.lookout import pose_estimator
    from posecheck.sources.open import open_source

    clip = SHARED_VIDEOS / "no_exercise_walk_two_people.mp4"
    if not clip.is_file():
        pytest.skip(f"shared clip {clip} is absent")
    with pose_estimator(model_path, 2) as est:
        report, _ = analyze(open_source(clip), spec_for("lunge"), (), est)
        assert est.found >= 1 and est.multi_frames > 0
    assert report["summary"]["reps"] == 0 and report["issues"] == []
