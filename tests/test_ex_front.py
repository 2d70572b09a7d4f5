"""Exercises judged from the FRONT (straddle stretch, side stretch, cross toe touch,
step-over jump) on synthetic 3-D skeletons filmed by a camera facing the person: counts
per side, each rule firing on a clear fault and silent on good form, and silence when the
person is not in the exercise (standing, walking, another exercise) or is filmed side-on,
where these exercises cannot be judged."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
import synth_front as sf
from checkrun import of, run

from posecheck.check.events import Issue, Notice, Rep
from posecheck.check.specs import spec_for
from posecheck.pipeline import analyze
from posecheck.pose.landmarks import PoseFrame
from posecheck.sources.open import open_source

RECORDINGS = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"
NOISY = {"noise_px": 2.0, "drop_every": 7}


def silent(name: str, frames: list[PoseFrame]) -> bool:
    """Nothing counted and nothing raised."""
    checker, events = run(name, frames)
    return checker.reps == 0 and of(events, Rep) == [] and of(events, Issue) == []


def cycle(values: list[float], hold: float, go: float = 1.0, rest: float = 0.5) -> list:
    """(time, value) keys: rest at 0, then go to each value, hold it, come back, rest."""
    keys: list = [(0.0, 0.0), (1.0, 0.0)]
    t = 1.0
    for v in values:
        keys += [(t + go, v), (t + go + hold, v), (t + 2 * go + hold, 0.0)]
        t += 2 * go + hold + rest
        keys.append((t, 0.0))
    keys.append((t + 1.0, 0.0))
    return keys


# Other things people do in front of the camera: none is any of these exercises.
def standing_still() -> list[PoseFrame]:
    return sf.frames_front(sf.params(lambda v: sf.standing(), [(0, 0), (6, 0)]), **NOISY)


def walking_about() -> list[PoseFrame]:
    return sf.frames_front(sf.params(sf.walking, [(0, 0), (8, 7)]), **NOISY)


def walking_across() -> list[PoseFrame]:
    """Side-on, across the picture."""
    motion = sf.params(partial(sf.walking, speed=120), [(0, 0), (8, 7)])
    return sf.frames_front(motion, yaw=90, **NOISY)


def jumping_jacks() -> list[PoseFrame]:
    motion = sf.params(sf.jumping_jack, [(i * 0.5, float(i % 2)) for i in range(13)])
    return sf.frames_front(motion, **NOISY)


OTHER = [standing_still, walking_about, walking_across, jumping_jacks]


# ---- straddle stretch -------------------------------------------------------------------------
def straddle(
    reaches: list[float], hold: float = 3.0, pitch: float = 30.0, hide: dict | None = None, **kw
) -> list:
    motion = sf.params(partial(sf.straddle, **kw), cycle(reaches, hold))
    return sf.frames_front(motion, pitch=pitch, hide=hide, **NOISY)


@pytest.mark.parametrize("pitch", [0.0, 30.0, 50.0])
def test_straddle_counts_each_reach_for_its_leg_and_times_it(pitch: float) -> None:
    checker, events = run("straddle_stretch", straddle([1, -1, 1, -1], pitch=pitch))
    reps = of(events, Rep)
    assert [r.side for r in reps] == ["left", "right", "left", "right"]
    assert checker.reps_by_side == {"left": 2, "right": 2}
    assert of(events, Issue) == []
    # Each rep lasts the 3 s hold plus the way in and out past the thresholds.
    assert all(3.0 < r.t_end - r.t_start < 4.6 for r in reps)


def test_straddle_long_hold_is_one_rep_of_that_length() -> None:
    _, events = run("straddle_stretch", straddle([1], hold=20.0))
    (rep,) = of(events, Rep)
    assert 20.0 < rep.t_end - rep.t_start < 21.6


def test_straddle_bent_knees_flagged_slight_bend_silent() -> None:
    _, events = run("straddle_stretch", straddle([1, -1], knee=135))
    assert {i.code for i in of(events, Issue)} == {"knees_bent"}
    _, events = run("straddle_stretch", straddle([1, -1], knee=168))
    assert of(events, Issue) == []


def test_straddle_fold_straight_forward_is_not_a_reach() -> None:
    motion = sf.params(lambda v: sf.straddle(fold=v), cycle([1.0], 3.0))
    assert silent("straddle_stretch", sf.frames_front(motion, pitch=30, **NOISY))


@pytest.mark.parametrize("yaw", [35.0, 60.0, 90.0])
def test_straddle_camera_off_to_the_side_judges_nothing(yaw: float) -> None:
    """Turned as far as the legs' spread, a reach over the left leg would move the
    shoulders to the right in the picture: nothing is counted rather than the wrong leg."""
    motion = sf.params(sf.straddle, cycle([1, -1], 3.0))
    assert silent("straddle_stretch", sf.frames_front(motion, yaw=yaw, pitch=20, **NOISY))


@pytest.mark.parametrize("other", OTHER)
def test_straddle_silent_when_not_sitting_in_a_straddle(other) -> None:
    assert silent("straddle_stretch", other())


def test_straddle_mirrored_picture_swaps_the_sides() -> None:
    motion = sf.params(lambda v: sf.mirror(sf.straddle(v)), cycle([1, -1, -1], 2.0))
    _, events = run("straddle_stretch", sf.frames_front(motion, pitch=30, **NOISY))
    assert [r.side for r in of(events, Rep)] == ["right", "left", "left"]


def test_straddle_feet_out_of_the_picture_judges_nothing() -> None:
    frames = straddle([1, -1], knee=135, hide={"left_ankle": (0, 99), "right_ankle": (0, 99)})
    checker, events = run("straddle_stretch", frames)
    assert checker.reps == 0 and of(events, Issue) == []
    assert any(n.kind == "not_visible" and "ankle" in n.message for n in of(events, Notice))


# ---- side stretch -----------------------------------------------------------------------------
def stretch_keys(leans: list[float], hold: float = 2.0, arms: float = 1.0) -> list:
    """Arms up, then lean to each side in turn (holding), arms down at the end."""
    keys: list = [(0.0, (0.0, 0.0)), (1.0, (0.0, 0.0)), (1.8, (0.0, arms))]
    t = 1.8
    for lean in leans:
        keys += [(t + 1.0, (lean, arms)), (t + 1.0 + hold, (lean, arms))]
        keys += [(t + 2.0 + hold, (0.0, arms)), (t + 2.5 + hold, (0.0, arms))]
        t += 2.5 + hold
    return [*keys, (t + 0.8, (0.0, 0.0)), (t + 1.5, (0.0, 0.0))]


def stretch(leans: list[float], seated: bool = False, yaw: float = 0.0, **kw) -> list:
    motion = sf.params(partial(sf.side_stretch, seated=seated), stretch_keys(leans, **kw))
    return sf.frames_front(motion, yaw=yaw, **NOISY)


@pytest.mark.parametrize(("seated", "yaw"), [(False, 0.0), (True, 0.0), (False, 30.0)])
def test_side_stretch_counts_per_side_standing_or_sitting(seated: bool, yaw: float) -> None:
    checker, events = run("side_stretch", stretch([25, -25, 20, -20], seated, yaw))
    assert [r.side for r in of(events, Rep)] == ["left", "right", "left", "right"]
    assert checker.reps_by_side == {"left": 2, "right": 2}
    assert of(events, Issue) == []
    assert all(2.0 < r.t_end - r.t_start < 3.2 for r in of(events, Rep))


def test_side_stretch_leaning_far_over_flagged_on_that_rep() -> None:
    _, events = run("side_stretch", stretch([25, -55]))
    assert [(r.side, r.issues) for r in of(events, Rep)] == [
        ("left", ()),
        ("right", ("trunk_leaning",)),
    ]


def test_side_stretch_small_sway_is_not_a_rep() -> None:
    assert silent("side_stretch", stretch([6, -6]))


def test_side_stretch_bending_sideways_with_arms_down_is_not_counted() -> None:
    """Hands at the sides (picking something up, hands on hips): not stretching upward."""
    assert silent("side_stretch", stretch([30, -30], arms=0.0))


@pytest.mark.parametrize("other", OTHER)
def test_side_stretch_silent_for_other_activities(other) -> None:
    assert silent("side_stretch", other())


def test_side_stretch_mirrored_picture_swaps_the_sides() -> None:
    motion = sf.params(
        lambda lean, arms: sf.mirror(sf.side_stretch(lean, arms)), stretch_keys([25, 25, -25])
    )
    _, events = run("side_stretch", sf.frames_front(motion, **NOISY))
    assert [r.side for r in of(events, Rep)] == ["right", "right", "left"]


# ---- cross toe touch --------------------------------------------------------------------------
def touches(reaches: list[float], yaw: float = 0.0, pitch: float = 0.0, **kw) -> list:
    motion = sf.params(partial(sf.cross_touch, **kw), cycle(reaches, 0.8, go=1.2))
    return sf.frames_front(motion, yaw=yaw, pitch=pitch, **NOISY)


@pytest.mark.parametrize(("yaw", "pitch"), [(0.0, 0.0), (0.0, 30.0), (30.0, 0.0), (60.0, 0.0)])
def test_cross_toe_touch_counts_per_leg_reached(yaw: float, pitch: float) -> None:
    """Right hand to the left ankle is a LEFT rep (the leg the article names)."""
    checker, events = run("cross_toe_touch", touches([1, -1, 1, -1], yaw, pitch))
    assert [r.side for r in of(events, Rep)] == ["left", "right", "left", "right"]
    assert checker.reps_by_side == {"left": 2, "right": 2}
    assert of(events, Issue) == []


def test_cross_toe_touch_bent_knees_flagged_per_rep() -> None:
    _, events = run("cross_toe_touch", touches([1, -1], knee=120))
    assert [r.issues for r in of(events, Rep)] == [("knees_bent",), ("knees_bent",)]
    _, events = run("cross_toe_touch", touches([1, -1], knee=160))  # soft knees: fine
    assert of(events, Issue) == []


@pytest.mark.parametrize("hands", ["both", "same"])
def test_cross_toe_touch_needs_the_hand_across(hands: str) -> None:
    """A plain toe touch (both hands between the feet) or a hand to its own ankle is not
    this exercise."""
    assert silent("cross_toe_touch", touches([1, -1, 1], hands=hands))


@pytest.mark.parametrize("other", OTHER)
def test_cross_toe_touch_silent_for_other_activities(other) -> None:
    assert silent("cross_toe_touch", other())


def test_cross_toe_touch_mirrored_picture_swaps_the_sides() -> None:
    motion = sf.params(lambda v: sf.mirror(sf.cross_touch(v)), cycle([1, 1, -1], 0.8, go=1.2))
    _, events = run("cross_toe_touch", sf.frames_front(motion, **NOISY))
    assert [r.side for r in of(events, Rep)] == ["right", "right", "left"]


# ---- step-over jump ---------------------------------------------------------------------------
def jumps(n: int, flight: float = 0.35, ground: float = 0.9, step_down: bool = True) -> list:
    """Step the right foot up onto the step, jump over it `n` times (even n ends with the
    right foot on the step again), then step down."""
    keys: list = [(0.0, -1.0), (0.8, -1.0), (1.3, 0.0), (2.0, 0.0)]
    t, pos = 2.0, 0.0
    for _ in range(n):
        pos = 1.0 - pos
        keys += [(t + flight, pos), (t + flight + ground, pos)]
        t += flight + ground
    if step_down and pos == 0.0:
        keys += [(t + 0.5, -1.0)]
        t += 0.5
    return [*keys, (t + 1.5, keys[-1][1])]


@pytest.mark.parametrize(
    ("fps", "flight", "drop"), [(30, 0.35, 7), (30, 0.5, 3), (20, 0.3, 0), (15, 0.4, 0)]
)
def test_step_over_counts_each_jump_and_times_the_set(fps: int, flight: float, drop: int) -> None:
    motion = sf.params(sf.step_over, jumps(8, flight), fps=fps)
    checker, events = run("step_over_jump", sf.frames_front(motion, noise_px=2, drop_every=drop))
    assert checker.reps == 8  # stepping on and off the step adds none
    assert of(events, Issue) == []
    # Time in position: astride the step facing the camera, from the start to the end.
    assert checker.state().active_s == pytest.approx(motion[-1][0], abs=0.8)


@pytest.mark.parametrize("step_h", [25.0, 60.0])  # ~10 cm and ~25 cm steps
def test_step_over_counts_on_low_and_high_steps(step_h: float) -> None:
    motion = sf.params(partial(sf.step_over, step_h=step_h), jumps(6))
    checker, events = run("step_over_jump", sf.frames_front(motion, **NOISY))
    assert checker.reps == 6 and of(events, Issue) == []


def test_step_over_feet_too_narrow_flagged() -> None:
    motion = sf.params(partial(sf.step_over, feet=0.9 * sf.SHOULDER_W), jumps(4))
    checker, events = run("step_over_jump", sf.frames_front(motion, **NOISY))
    assert checker.reps == 4
    assert [i.code for i in of(events, Issue)] == ["feet_too_narrow"]


def test_step_over_marching_with_feet_wide_is_not_a_jump() -> None:
    """Lifting the feet in turn never has both off the floor when they pass level."""
    motion = sf.params(partial(sf.walking, feet=1.4 * sf.SHOULDER_W), [(0, 0), (10, 8)])
    assert silent("step_over_jump", sf.frames_front(motion, **NOISY))


@pytest.mark.parametrize("other", OTHER)
def test_step_over_silent_for_other_activities(other) -> None:
    assert silent("step_over_jump", other())


# ---- seen side-on, and real clips of other exercises ------------------------------------------
SEQUENCES = {
    "straddle_stretch": lambda: sf.params(sf.straddle, cycle([1, -1], 3.0)),
    "side_stretch": lambda: sf.params(sf.side_stretch, stretch_keys([25, -25])),
    "cross_toe_touch": lambda: sf.params(sf.cross_touch, cycle([1, -1], 0.8, go=1.2)),
    "step_over_jump": lambda: sf.params(sf.step_over, jumps(4)),
}


@pytest.mark.parametrize("name", SEQUENCES)
def test_front_view_exercise_seen_side_on_stays_silent(name: str) -> None:
    """Side-on the sideways lean (tilt) is NaN and the left/right layout that counting
    needs is gone: a good set filmed side-on counts nothing and raises nothing."""
    assert silent(name, sf.frames_front(SEQUENCES[name](), yaw=90, **NOISY))
    assert silent(name, sf.frames_front(SEQUENCES[name](), yaw=-90, **NOISY))


@pytest.mark.parametrize("clip", ["squat_front_side_a", "no_exercise_walk_two_people"])
def test_recorded_squat_and_walk_count_nothing(clip: str) -> None:
    """Real MediaPipe landmarks: a front-on squat set (arms raised) and people walking."""
    for name in SEQUENCES:
        report, _ = analyze(open_source(RECORDINGS / f"{clip}.npz"), spec_for(name))
        assert report["summary"]["reps"] == 0, name
        assert report["issues"] == [], name
