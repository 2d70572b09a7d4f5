"""Exercise recognition (posecheck.workout.recognize): on every committed recording as
filmed it names the labelled exercise or is "not sure" with it among the candidates, never
another name; turned 90 degrees about the body (tests/yaw_sweep.py: side-on recordings
seen from the front, front ones from the side) it still never names a wrong one (15-75
degrees and the long recordings are in the docs' table: each recognition costs 1-3 ms a
frame, so the suite runs the extreme angle on the recordings under 25 s only). The
decision's logic on hand-made evidence, and what a standing or empty span gives.
docs/recognition.md has the full table (scripts/recognition_table.py)."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import pytest
import synth
from yaw_sweep import turned_frames

from posecheck.evaluate.recognition_score import outcome, truth_of
from posecheck.pose.recording import load_recording
from posecheck.workout.recognition import Recognition
from posecheck.workout.recognize import MIN_MARGIN, MIN_SUPPORT, _Cand, _decide, recognize

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "sample_videos" / "recordings"
EXPECTED = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]
#: Recordings recognition is not sure of as filmed, each with why (strict: a recording
#: named right here fails the test, so the list shrinks as recognition improves).
NOT_SURE = {
    "forward_bend_crossed_oblique_a": "the loaded forward bend is the same movement with "
    "a weight in the hands, which no landmark shows",
}


@functools.cache
def recognised(name: str, degrees: int) -> Recognition:
    return recognize(list(turned_frames(load_recording(RECORDINGS / f"{name}.npz"), degrees)))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_recording_is_named_right_or_not_sure(name: str) -> None:
    truth = truth_of(EXPECTED[name])
    rec = recognised(name, 0)
    got = outcome(truth, rec)
    want = "unsure" if name in NOT_SURE else "right"
    assert got == want, f"{name} ({truth}): {rec.label()}: {rec.reason}"


def test_not_sure_on_at_most_one_in_ten() -> None:
    assert len(NOT_SURE) <= len(EXPECTED) / 10


#: Turned, the recordings under 25 s (19 of 24; the five long sets, 27-41 s, cost half the
#: sweep and are in docs/recognition.md's table, scripts/recognition_table.py).
SHORT = [n for n in EXPECTED if load_recording(RECORDINGS / f"{n}.npz").duration < 25.0]


@pytest.mark.parametrize("degrees", [90])
@pytest.mark.parametrize("name", SHORT)
def test_turned_recording_is_never_named_wrong(name: str, degrees: int) -> None:
    truth = truth_of(EXPECTED[name])
    rec = recognised(name, degrees)
    assert outcome(truth, rec) != "wrong", f"{name} at {degrees}: {rec.label()}: {rec.reason}"


def test_nobody_in_view_is_no_exercise() -> None:
    rec = recognize(synth.empty(0.0, 5.0))
    assert rec.exercise is None and not rec.candidates
    assert rec.label() == "no exercise"


def test_standing_still_is_never_named() -> None:
    """A long still stand (a rest, or someone standing at a desk) may be posture or a
    rest: never a confident name, at most "not sure" with posture."""
    motion = [(i / 30.0, synth.standing()) for i in range(30 * 20)]
    rec = recognize(synth.frames(motion))
    assert rec.exercise is None, rec.reason
    assert {c.exercise for c in rec.candidates} <= {"posture"}


def test_decision_names_only_a_clear_best() -> None:
    clear = _decide([_Cand("squat", 0.9, reps=5), _Cand("lunge", 0.3, reps=1)], 20.0)
    assert clear.exercise == "squat" and clear.confidence == pytest.approx(0.6)
    assert [c.exercise for c in clear.candidates] == ["squat", "lunge"]
    close = 0.9 * (1 - MIN_MARGIN) + 0.01
    tie = _decide([_Cand("cobra", 0.9), _Cand("plank", close)], 20.0)
    assert tie.exercise is None and tie.label() == "not sure (cobra, plank)"
    weak = _decide([_Cand("lunge", MIN_SUPPORT - 0.01, reps=1)], 30.0)
    assert weak.exercise is None and weak.candidates[0].exercise == "lunge"
    moving = _decide([_Cand("dead_hang", 0.8, nameable=False)], 8.0)
    assert moving.exercise is None and moving.candidates[0].exercise == "dead_hang"
    assert _decide([], 8.0).label() == "no exercise"


def test_same_movement_ties_list_the_unloaded_one_first() -> None:
    rec = _decide([_Cand("loaded_forward_bend", 0.9), _Cand("forward_bend", 0.9)], 20.0)
    assert rec.exercise is None
    assert [c.exercise for c in rec.candidates] == ["forward_bend", "loaded_forward_bend"]
