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
from posecheck.check.rate_watch import REASONS, SpecWatch
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


def run(frames: list[PoseFrame], stride: int, motion: Motion | None = None, watch=None):
    look = Provider(frames)
    sampler = AdaptiveSampler(stride, look, motion, watch)
    out: list[PoseFrame] = []
    modeled: list[bool] = []
    for f in frames:
        out += sampler.push(f.index, f.t, f"picture {f.index}")
        modeled += sampler.modeled
    out += sampler.flush()
    modeled += sampler.modeled
    return out, look, sampler, modeled


def test_slow_steady_motion_runs_the_model_on_every_stride_and_interpolates_the_rest() -> None:
    frames = frames_of([0.3 + 0.001 * i for i in range(31)])
    out, look, sampler, modeled = run(frames, 3)
    assert [f.index for f in out] == list(range(31))  # every frame, in order, once
    assert [f.t for f in out] == [f.t for f in frames]
    assert look.asked == list(range(0, 31, 3))  # 30 is the last: nothing after it
    assert sampler.frames == len(look.asked) == sum(modeled) and sampler.dense_frames == 0
    assert [m for m, f in zip(modeled, out, strict=True) if f.index % 3 == 0] == [True] * 11
    for got, want in zip(out, frames, strict=True):
        assert got.pose is not None and want.pose is not None
        np.testing.assert_allclose(got.pose.image, want.pose.image, atol=1e-6)


def test_a_turn_runs_the_frames_after_it_in_order_with_the_one_landmarker() -> None:
    # Out and back: the turn at frame 15, a sixth of a torso length per frame.
    xs = [0.3 + 0.033 * min(i, 30 - i) for i in range(31)]
    out, look, _, _ = run(frames_of(xs), 3)
    assert look.asked == sorted(look.asked)  # its timestamps only ever increase
    assert {19, 20} <= set(look.asked)  # seen at 18, past the turn: the next frames densely
    assert out[14].pose is not None
    np.testing.assert_allclose(out[14].pose.image[:, 0], xs[14], atol=1e-6)


def test_a_fast_step_and_a_person_appearing_run_the_next_frames() -> None:
    jump = [0.3] * 9 + [0.6] * 9  # half a torso length and more between two model frames
    _, look, sampler, _ = run(frames_of(jump), 3)
    assert {10, 11} <= set(look.asked) and sampler.dense_frames >= 3
    appear = [None] * 8 + [0.3] * 10
    out, look, _, _ = run(frames_of(appear), 3)
    assert {10, 11} <= set(look.asked)
    assert all(f.pose is None for f in out[:9])  # never interpolated from nobody
    assert all(f.pose is not None for f in out[9:])


def test_nobody_at_both_ends_means_nobody_between() -> None:
    out, look, _, _ = run(frames_of([None] * 12), 3)
    assert all(f.pose is None for f in out)
    assert look.asked == [0, 3, 6, 9, 10, 11]  # the two after the last: nothing to interpolate to


def test_the_watch_asks_for_the_frames_after_a_model_frame() -> None:
    frames = frames_of([0.3] * 20)
    asked_at = {6}
    _, look, sampler, _ = run(frames, 3, watch=lambda f: f.index in asked_at)
    assert look.asked == [0, 3, 6, 7, 8, 9, 12, 15, 18, 19]
    assert sampler.dense_frames == 3


def test_stride_one_is_every_frame_and_the_stride_follows_the_rate() -> None:
    frames = frames_of([0.3] * 10)
    _, look, _, _ = run(frames, 1)
    assert look.asked == list(range(10))
    assert stride_for(30.0, 10) == 3 and stride_for(29.97, 10) == 3
    assert stride_for(23.976, 10) == 2 and stride_for(25.0, 10) == 2
    assert stride_for(30.0, 13) == 2  # mountain climbers need 13 fps
    assert stride_for(30.0, 20) == 1  # jump rope, high knees: every frame
    assert stride_for(None, 10) == 1
    with pytest.raises(ValueError, match="stride"):
        AdaptiveSampler(0, Provider(frames))


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


def test_the_adaptive_rate_saves_a_quarter_of_the_model_over_all_recordings() -> None:
    total = modeled = 0
    for name, clip in EXPECTED.items():
        spec = spec_for(clip["exercise"])
        rec = load_recording(RECORDINGS / f"{name}.npz")
        frames = list(rec.frames())
        _, sampler = resample(frames, stride_for(rec.fps, needed_fps(spec)), None, SpecWatch(spec))
        total, modeled = total + len(frames), modeled + sampler.frames
    assert modeled / total < 0.75  # 71 % when written (docs/frame-rate-agreement.md)


def test_a_watch_asks_only_for_the_reasons_it_is_given() -> None:
    """The reasons are the knob of scripts/rate_frontier.py: each one left out runs the
    model on fewer frames of a recording, none leaves landmark motion alone."""
    spec = spec_for("pull_up")
    rec = load_recording(RECORDINGS / "pull_up_front_a.npz")
    frames = list(rec.frames())
    stride = stride_for(rec.fps, needed_fps(spec))
    still = Motion(turn=99.0, step=99.0)  # no landmark-motion trigger: the watch alone
    shares = {}
    for label, reasons in (
        ("all", REASONS),
        ("no peak", REASONS - {"peak"}),
        ("none", frozenset()),
    ):
        watch = SpecWatch(spec, reasons)
        _, sampler = resample(frames, stride, still, watch)
        shares[label] = sampler.frames
        assert watch.why["peak"] > 0  # counted whether or not it may ask
    assert shares["all"] > shares["no peak"] > shares["none"]
    # The base stride alone, and the frames after the last of it (nothing to interpolate to).
    assert shares["none"] == len(range(0, len(frames), stride)) + (len(frames) - 1) % stride
    with pytest.raises(ValueError, match=r"unknown watch reasons.*'speed'"):
        SpecWatch(spec, frozenset({"speed"}))


@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_analyze_at_the_adaptive_rate_agrees_with_full_rate_on_a_clip(model_path: Path) -> None:
    from posecheck.api import analyze

    # 140 frames (two workers); the clip whose count a first version, splicing a second
    # landmarker's gap fills into the first's frames, lost (0 reps of 2).
    path = SHARED_VIDEOS / "pull_up_side_a.mp4"
    if not path.is_file():
        pytest.skip(f"shared clip not found at {path}")
    full = analyze(path, "pull_up", pose_model=model_path, full_rate=True).to_dict()
    quick = analyze(path, "pull_up", pose_model=model_path).to_dict()
    assert full["source"]["model_frames"] is None
    assert quick["source"]["model_frames"] < quick["source"]["frames"] == full["source"]["frames"]
    assert quick["summary"]["reps"] == full["summary"]["reps"] == EXPECTED[path.stem]["reps"]
    codes = sorted(i["code"] for i in quick["issues"])
    assert codes == sorted(i["code"] for i in full["issues"])
    for a, b in zip(full["reps"], quick["reps"], strict=True):
        assert abs(a["t_peak"] - b["t_peak"]) <= 1 / full["source"]["fps"] + 1e-3
