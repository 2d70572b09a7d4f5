"""The adaptive frame rate (posecheck.pose.sampling, posecheck.check.rate_watch): the model on
fewer frames where motion allows, with the answers of every frame.

The sampler's logic is proven on synthetic landmarks; its thresholds on the committed
recordings of every shared clip (a recording lookup stands in for the model: seconds, no
model); the wiring into file analysis on a real clip (e2e)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SHARED_VIDEOS

from posecheck.check.frame_rate import needed_fps
from posecheck.check.rate_watch import SpecWatch
from posecheck.check.specs import spec_for
from posecheck.evaluate.agreement import differences, judge
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose, PoseFrame
from posecheck.pose.recording import load_recording
from posecheck.pose.sampling import AdaptiveSampler, Motion, resample, stride_for

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "sample_videos" / "recordings"
EXPECTED = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]


def body(x: float, y: float = 0.5) -> Pose:
    """A standing figure (torso 0.2 of the picture high) shifted to ``x``."""
    image = np.zeros((NUM_LANDMARKS, 3), dtype=np.float32)
    image[:, 0] = x
    image[:, 1] = y
    image[11:13, 1] = y - 0.1  # shoulders
    image[23:25, 1] = y + 0.1  # hips
    return Pose(image=image, visibility=np.ones(NUM_LANDMARKS, dtype=np.float32))


def frames_of(xs: list[float | None], fps: float = 30.0) -> list[PoseFrame]:
    return [
        PoseFrame(i, i / fps, 100, 100, None if x is None else body(x)) for i, x in enumerate(xs)
    ]


class Provider:
    """A landmark lookup standing in for the model: records which frames it was asked for."""

    def __init__(self, frames: list[PoseFrame]) -> None:
        self.frames = frames
        self.asked: list[int] = []

    def __call__(self, index: int, t: float, picture: Any) -> PoseFrame:
        assert picture == f"picture {index}"  # the picture travels with its frame
        self.asked.append(index)
        return self.frames[index]


def run(frames: list[PoseFrame], stride: int, motion: Motion | None = None):
    look, fill = Provider(frames), Provider(frames)
    sampler = AdaptiveSampler(stride, look, fill, motion)
    out: list[PoseFrame] = []
    modeled: list[bool] = []
    for f in frames:
        out += sampler.push(f.index, f.t, f"picture {f.index}")
        modeled += sampler.modeled
    out += sampler.flush()
    modeled += sampler.modeled
    return out, look, fill, sampler, modeled


def test_slow_steady_motion_runs_the_model_on_every_stride_and_interpolates_the_rest() -> None:
    frames = frames_of([0.3 + 0.001 * i for i in range(31)])
    out, look, fill, sampler, modeled = run(frames, 3)
    assert [f.index for f in out] == list(range(31))  # every frame, in order, once
    assert [f.t for f in out] == [f.t for f in frames]
    assert look.asked == list(range(0, 31, 3)) + [31 - 31 % 3 + i for i in range(1, 31 % 3)]
    assert fill.asked == []
    assert sampler.frames == len(look.asked) == sum(modeled)
    for got, want in zip(out, frames, strict=True):
        assert got.pose is not None and want.pose is not None
        np.testing.assert_allclose(got.pose.image, want.pose.image, atol=1e-6)


def test_a_turn_fills_the_gaps_on_both_sides_with_the_second_landmarker() -> None:
    # Out and back: the turn at frame 15, a sixth of a torso length per frame.
    xs = [0.3 + 0.033 * min(i, 30 - i) for i in range(31)]
    out, look, fill, _, _ = run(frames_of(xs), 3)
    assert {13, 14, 16, 17} <= set(fill.asked)  # both gaps around the model frame at 15
    assert fill.asked == sorted(fill.asked)  # its timestamps only ever increase
    assert look.asked == sorted(look.asked)
    assert out[14].pose is not None
    np.testing.assert_allclose(out[14].pose.image[:, 0], xs[14], atol=1e-6)


def test_a_fast_step_fills_its_gap_and_a_person_appearing_is_never_interpolated() -> None:
    still = [0.3] * 9
    jump = still + [0.6] * 9  # half a torso length and more between two model frames
    _, _, fill, _, _ = run(frames_of(jump), 3)
    assert {7, 8} <= set(fill.asked)
    appear = [None] * 8 + [0.3] * 10
    out, _, fill, _, _ = run(frames_of(appear), 3)
    assert {7} <= set(fill.asked)
    assert [f.pose is None for f in out] == [x is None for x in appear]


def test_nobody_at_both_ends_means_nobody_between() -> None:
    out, _, fill, sampler, _ = run(frames_of([None] * 12), 3)
    assert fill.asked == [] and all(f.pose is None for f in out)
    assert sampler.looked == 6  # 0, 3, 6, 9 and the two after the last (nothing to interpolate to)


def test_stride_one_is_every_frame_and_the_stride_follows_the_rate() -> None:
    frames = frames_of([0.3] * 10)
    _, look, fill, _, _ = run(frames, 1)
    assert look.asked == list(range(10)) and fill.asked == []
    assert stride_for(30.0, 10) == 3 and stride_for(29.97, 10) == 3
    assert stride_for(23.976, 10) == 2 and stride_for(25.0, 10) == 2
    assert stride_for(30.0, 13) == 2  # mountain climbers need 13 fps
    assert stride_for(30.0, 20) == 1  # jump rope, high knees: every frame
    assert stride_for(None, 10) == 1
    with pytest.raises(ValueError, match="stride"):
        AdaptiveSampler(0, Provider(frames), Provider(frames))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_adaptive_rate_gives_the_full_rate_answers_on_every_recording(name: str) -> None:
    """Same reps with sides, same issues, peaks within a full-rate frame, holds within
    0.1 s: the recording's landmarks as the model, the default settings."""
    spec = spec_for(EXPECTED[name]["exercise"])
    rec = load_recording(RECORDINGS / f"{name}.npz")
    frames = list(rec.frames())
    stride = stride_for(rec.fps, needed_fps(spec))
    out, sampler = resample(frames, stride, None, SpecWatch(spec))
    assert [(f.index, f.t) for f in out] == [(f.index, f.t) for f in frames]
    diffs = differences(judge(spec, frames), judge(spec, out), 1.0 / (rec.fps or 30.0))
    assert diffs == [], name
    if stride > 1:
        assert sampler.frames < len(frames)


def test_the_adaptive_rate_saves_a_third_of_the_model_over_all_recordings() -> None:
    total = modeled = 0
    for name, clip in EXPECTED.items():
        spec = spec_for(clip["exercise"])
        rec = load_recording(RECORDINGS / f"{name}.npz")
        frames = list(rec.frames())
        _, sampler = resample(frames, stride_for(rec.fps, needed_fps(spec)), None, SpecWatch(spec))
        total, modeled = total + len(frames), modeled + sampler.frames
    assert modeled / total < 0.7  # 66 % when written (docs/frame-rate-agreement.md)


@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_analyze_at_the_adaptive_rate_agrees_with_full_rate_on_a_clip(model_path: Path) -> None:
    from posecheck.api import analyze

    path = SHARED_VIDEOS / "pushup_side_a.mp4"  # 150 frames: long enough for two workers
    if not path.is_file():
        pytest.skip(f"shared clip not found at {path}")
    full = analyze(path, "push_up", pose_model=model_path, full_rate=True).to_dict()
    quick = analyze(path, "push_up", pose_model=model_path).to_dict()
    assert full["source"]["model_frames"] is None
    assert quick["source"]["model_frames"] < quick["source"]["frames"] == full["source"]["frames"]
    assert quick["summary"]["reps"] == full["summary"]["reps"] == EXPECTED[path.stem]["reps"]
    codes = sorted(i["code"] for i in quick["issues"])
    assert codes == sorted(i["code"] for i in full["issues"])
    for a, b in zip(full["reps"], quick["reps"], strict=True):
        assert abs(a["t_peak"] - b["t_peak"]) <= 1 / full["source"]["fps"] + 1e-3
