"""A whole workout: sets found in synthetic sessions (every recording played in a seeded
order with real standing, walking and empty rests between, sample_videos/sessions.toml),
each judged as if analysed alone. Recordings only, no model; the rules on small
synthetic spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.evaluate.segmentation import alone_results, score_session
from posecheck.evaluate.sessions import build_session, load_manifest, oracle
from posecheck.workout.activity import _without, detection_gaps, merge
from posecheck.workout.recognition import Candidate, Recognition
from posecheck.workout.sets import analyze_workout

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = load_manifest(ROOT / "sample_videos" / "sessions.toml")

#: Sets whose found edge is more than 1 s from the label, and why (docs/workout.md):
#: the label and the set's own checker disagree on where the set starts or ends.
KNOWN_EDGE_MISSES = {
    # the clip freezes for 1.5 s with a knee up; the label ends before the freeze
    "high_knees_front_a",
    # a 10th lunge is cut by the fade-out: labelled active, not counted (partial)
    "lunge_alternating_side_a",
    # the clip starts in plank, 1.8 s before the first counted rep; labelled active
    "pushup_hip_sag_side_a",
    # lying on the back in the bridge position 2.4 s after the last rep; labelled rest
    "glute_bridge_side_portrait_a",
}


@pytest.fixture(scope="module")
def session():
    return build_session(MANIFEST, MANIFEST.sessions[0])


@pytest.fixture(scope="module")
def alone():
    return alone_results(MANIFEST)


@pytest.fixture(scope="module")
def activity(session):
    from posecheck.workout.activity import gather

    return gather(session.frames)


@pytest.fixture(scope="module")
def oracle_score(session, activity, alone):
    workout = analyze_workout(session.frames, oracle(session), activity=activity)
    return workout, score_session(session, workout.sets, alone)


def test_session_is_every_clip_with_rests_between(session) -> None:
    assert [t.clip for t in session.truth] == list(MANIFEST.sessions[0].clips)
    assert len(session.rests) >= len(session.truth) - 1
    times = [f.t for f in session.frames]
    assert times == sorted(times)
    assert [f.index for f in session.frames] == list(range(len(session.frames)))


def test_every_set_found_once_and_counted_as_alone(oracle_score) -> None:
    """Reps with their sides, hold time and issues: as each recording analysed alone."""
    _, score = oracle_score
    for row in score.sets:
        if row.exercise is None:
            continue
        assert row.pieces == 1, f"{row.clip}: found as {row.pieces} sets"
        assert row.as_alone, f"{row.clip}: alone {row.alone}, in the session {row.measured}"


def test_control_and_rests_are_no_set(oracle_score) -> None:
    _, score = oracle_score
    control = [r for r in score.sets if r.exercise is None]
    assert control and all(r.pieces == 0 for r in control)
    assert score.false_sets == []


def test_set_edges_within_one_second(oracle_score) -> None:
    _, score = oracle_score
    missed = {r.clip for r in score.sets if r.exercise is not None and not r.bounded}
    assert missed <= KNOWN_EDGE_MISSES, f"edges off by more than 1 s: {missed}"


def test_totals_add_the_sets_up(oracle_score) -> None:
    workout, _ = oracle_score
    totals = workout.totals()
    assert totals["lunge"].sets == 2
    assert totals["lunge"].reps == 9 + 8
    assert totals["lunge"].reps_by_side == {"left": 8, "right": 9}
    assert totals["plank"].sets == 4
    assert sum(t.sets for t in totals.values()) == len(workout.sets)
    rests = workout.rests()
    assert len(rests) == len(workout.sets) + 1
    assert all(b > a for a, b in rests)


def test_recognised_sessions_never_name_a_set_wrongly(session, activity, alone) -> None:
    """With the real recogniser: every set found, no confident wrong name, no false set;
    the sets it names are counted as alone."""
    workout = analyze_workout(session.frames, activity=activity)
    score = score_session(session, workout.sets, alone)
    assert score.false_sets == []
    unsure = 0
    for row in score.sets:
        if row.exercise is None:
            assert row.pieces == 0
            continue
        assert row.pieces == 1, row.clip
        if row.named.startswith("not sure"):
            unsure += 1
            assert row.exercise in row.named, f"{row.clip}: {row.named}"
        else:
            assert row.right_name, f"{row.clip}: named {row.named}, is {row.exercise}"
            assert row.as_alone, row.clip
    assert unsure <= 3  # measured: forward_bend and dead_hang, docs/workout.md


# ----------------------------------------------------------------- rules, synthetic


def test_merge_joins_short_pauses_only() -> None:
    assert merge([(0, 1), (3.5, 4), (10, 11)], 3.0) == [(0, 4), (10, 11)]
    assert merge([(5, 6), (0, 1)], 0.0) == [(0, 1), (5, 6)]


def test_evidence_is_cut_at_detection_gaps() -> None:
    gaps = [(10.0, 11.0)]
    assert _without([(5.0, 10.5)], gaps) == [(5.0, 10.0)]
    # a sliver left after a cut is the hold running on into the next scene: dropped
    assert _without([(9.0, 11.3)], gaps) == [(9.0, 10.0)]
    assert _without([(2.0, 3.0)], gaps) == [(2.0, 3.0)]


def test_detection_gaps_are_longer_than_the_reset_gap(session) -> None:
    gaps = detection_gaps(session.frames)
    assert gaps and all(b - a > 0.5 for a, b in gaps)


def test_a_not_sure_set_is_not_judged(session, activity) -> None:
    def unsure(frames):
        cands = (Candidate("squat", 0.5), Candidate("lunge", 0.4))
        return Recognition(None, 0.5, cands, "two look alike")

    workout = analyze_workout(session.frames, unsure, activity=activity)
    assert workout.sets and all(s.judged_as is None and not s.results for s in workout.sets)
    assert all(s.recognition.label().startswith("not sure") for s in workout.sets)
    assert workout.totals() == {}
