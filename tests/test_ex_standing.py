"""The standing exercises (squat, bent-over row, loaded forward bend, forward bend) and the
desk posture monitor on synthetic landmark sequences with noise and dropped frames: each
count or timer works, each rule fires on a clear fault and stays silent on good form, and
walking or standing about counts nothing and raises nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import synth
import synth_standing as ss
from checkrun import of, run

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Issue, Rep, Span
from posecheck.check.specs import spec_for
from posecheck.pose.landmarks import PoseFrame

NOISY = {"noise_px": 1.8, "drop_every": 7}


def rep_issues(events: list) -> list[tuple[str, ...]]:
    return [r.issues for r in of(events, Rep)]


def reps_of(
    pose_of: Callable[[float], synth.Key],
    rest: float,
    peaks: list[float],
    down: float = 1.0,
    hold: float = 0.4,
    up: float = 1.0,
    pause: float = 1.0,
    rests: list[float] | None = None,
) -> list[tuple[float, synth.Key]]:
    """Motion through a one-parameter pose: rest, then for each peak value go down in
    `down` s, hold, come back up in `up` s (to `rests[i]` if given) and pause."""
    keys = [(0.0, rest), (1.0, rest)]
    t = 1.0
    for i, peak in enumerate(peaks):
        back = rest if rests is None else rests[i]
        keys += [(t + down, peak), (t + down + hold, peak), (t + down + hold + up, back)]
        t += down + hold + up + pause
        keys.append((t, back))
    keys.append((t + 1.0, rest))
    return synth.param_timeline(pose_of, keys)


def walking_frames(seconds: float = 8.0) -> list[PoseFrame]:
    motion = [(i / 30, ss.walking(i / 30 / 1.1)) for i in range(round(seconds * 30))]
    return synth.frames(motion, **NOISY)


def still(key: synth.Key, seconds: float = 6.0) -> list[PoseFrame]:
    return synth.frames(synth.timeline([(0.0, key), (seconds, key)]), **NOISY)


def sweep(
    keys: list[tuple[float, synth.Key]], pose_of: Callable[[float], synth.Key], t: float, dur: float
) -> float:
    """Append poses `pose_of(s)`, s from 0 to 1 over `dur` s from time `t` (exact joint
    angles every 0.05 s; synth.timeline smooths between them); return the end time."""
    n = max(1, round(dur / 0.05))
    keys += [(t + dur * i / n, pose_of(i / n)) for i in range(1, n + 1)]
    return t + dur


# ---- squat -----------------------------------------------------------------------------------
def squat_frames(bottoms: list[tuple[float, float, float]], **kw) -> list[PoseFrame]:
    """One squat per bottom (thigh below horizontal, shin lean, trunk lean): 1 s down,
    0.4 s at the bottom, 1 s up, 1 s standing."""
    keys = [(0.0, ss.squat_depth(0.0)), (1.0, ss.squat_depth(0.0))]
    t = 1.0
    for bottom in bottoms:
        t = sweep(keys, lambda s, b=bottom: ss.squat_depth(s, b), t, 1.0)
        t = sweep(keys, lambda s, b=bottom: ss.squat_depth(1.0, b), t, 0.4)
        t = sweep(keys, lambda s, b=bottom: ss.squat_depth(1 - s, b), t, 1.0)
        t = sweep(keys, lambda s: ss.squat_depth(0.0), t, 1.0)
    return synth.frames(synth.timeline(keys), **kw)


PARALLEL = (0.0, 30.0, 20.0)


def test_squat_counts_side_on_reps_silently() -> None:
    checker, events = run("squat", squat_frames([PARALLEL, (-10.0, 35.0, 25.0), PARALLEL], **NOISY))
    assert checker.reps == 3
    assert of(events, Issue) == []


def test_squat_counts_from_the_front_without_misfiring() -> None:
    """Facing the camera: depth is read from how far the hips sank, not from angles the
    projection distorts, so good squats raise nothing."""
    motion = reps_of(ss.front_squat, 0.0, [1.0, 1.0, 1.0])
    checker, events = run("squat", synth.frames(synth.timeline(motion), far_dx=105, **NOISY))
    assert checker.reps == 3
    assert of(events, Issue) == []


def test_squat_shallow_rep_is_counted_and_flagged() -> None:
    """Hips stopping 20 deg of thigh above parallel (knee 75 deg, hips 0.6 torso down)."""
    _, events = run("squat", squat_frames([PARALLEL, (20.0, 35.0, 15.0)], **NOISY))
    assert rep_issues(events) == [(), ("shallow_depth",)]


def test_squat_trunk_falling_forward_is_flagged() -> None:
    _, events = run("squat", squat_frames([(0.0, 30.0, 55.0), PARALLEL], **NOISY))
    assert rep_issues(events) == [("trunk_leaning",), ()]
    assert of(events, Issue)[0].message.startswith("Keep your chest up")


def test_squat_walking_and_standing_count_nothing() -> None:
    for frames in (walking_frames(), still(synth.standing())):
        checker, events = run("squat", frames)
        assert checker.reps == 0
        assert of(events, Issue) == []


def test_squat_quarter_knee_bend_is_not_a_rep() -> None:
    """A knee dip to 110 deg (hips barely down) is not a squat."""
    _, events = run("squat", squat_frames([(45.0, 25.0, 10.0)] * 2, **NOISY))
    assert of(events, Rep) == [] and of(events, Issue) == []


# ---- bent-over row ---------------------------------------------------------------------------
def test_row_counts_full_pulls_silently() -> None:
    motion = reps_of(ss.row, 175.0, [80.0, 82.0, 78.0])
    checker, events = run("bent_over_row", synth.frames(synth.timeline(motion), **NOISY))
    assert checker.reps == 3
    assert of(events, Issue) == []


def test_row_partial_pull_and_bent_arm_at_the_bottom() -> None:
    # rep 2 stops short of the chest; after it the arm only comes back to 142 deg, so
    # rep 3 starts from a bent arm
    motion = reps_of(ss.row, 175.0, [80.0, 112.0, 80.0], rests=[175.0, 142.0, 175.0])
    _, events = run("bent_over_row", synth.frames(synth.timeline(motion), **NOISY))
    assert rep_issues(events) == [(), ("partial_pull",), ("arm_not_straightened",)]


def test_row_torso_swinging_up_is_flagged() -> None:
    def swinging(elbow: float) -> synth.Key:  # the torso rises with the pull, 20 -> 55 deg
        return ss.row(elbow, 20.0 + 35.0 * (175.0 - elbow) / 95.0)

    motion = reps_of(swinging, 175.0, [80.0])
    _, events = run("bent_over_row", synth.frames(synth.timeline(motion), **NOISY))
    assert rep_issues(events) == [("torso_swinging",)]


def test_row_curls_walking_and_standing_count_nothing() -> None:
    """Upright arm bends (a curl) are not rows: the torso must be inclined."""
    curls = synth.frames(synth.timeline(reps_of(ss.curl, 170.0, [60.0, 60.0])), **NOISY)
    for frames in (curls, walking_frames(), still(synth.standing())):
        checker, events = run("bent_over_row", frames)
        assert checker.reps == 0
        assert of(events, Issue) == []


# ---- loaded forward bend ---------------------------------------------------------------------
def hinge_frames(
    bottoms: list[tuple[float, float]], down: float = 2.0, up: float = 2.0
) -> list[PoseFrame]:
    """Hinges from standing (soft knees, 170) to (hip angle, knee angle) and back."""

    def at(hip: float, knee: float, s: float) -> synth.Key:
        return ss.hinge(175 + (hip - 175) * s, 170 + (knee - 170) * s)

    keys = [(0.0, at(90, 170, 0.0)), (1.0, at(90, 170, 0.0))]
    t = 1.0
    for hip, knee in bottoms:
        t = sweep(keys, lambda s, h=hip, k=knee: at(h, k, s), t, down)
        t = sweep(keys, lambda s, h=hip, k=knee: at(h, k, 1.0), t, 0.5)
        t = sweep(keys, lambda s, h=hip, k=knee: at(h, k, 1 - s), t, up)
        t = sweep(keys, lambda s: at(90, 170, 0.0), t, 1.0)
    return synth.frames(synth.timeline(keys), **NOISY)


def test_loaded_bend_counts_controlled_hinges_silently() -> None:
    checker, events = run("loaded_forward_bend", hinge_frames([(90.0, 160.0)] * 3))
    assert checker.reps == 3
    assert of(events, Issue) == []


def test_loaded_bend_squatting_down_is_flagged() -> None:
    _, events = run("loaded_forward_bend", hinge_frames([(90.0, 125.0), (90.0, 160.0)]))
    assert rep_issues(events) == [("knees_too_bent",), ()]


@pytest.mark.parametrize(
    ("down", "up", "code"), [(0.35, 2.0, "fast_lowering"), (2.0, 0.35, "fast_return")]
)
def test_loaded_bend_jerky_bend_or_return_says_slow_down(down: float, up: float, code: str) -> None:
    _, events = run("loaded_forward_bend", hinge_frames([(90.0, 160.0)], down=down, up=up))
    issues = of(events, Issue)
    assert [i.code for i in issues] == [code]
    assert issues[0].message.startswith("Slow down")


def test_loaded_bend_walking_and_standing_count_nothing() -> None:
    for frames in (walking_frames(), still(synth.standing())):
        checker, events = run("loaded_forward_bend", frames)
        assert checker.reps == 0
        assert of(events, Issue) == []


# ---- forward bend ----------------------------------------------------------------------------
def fold_frames(bottoms: list[tuple[float, float]], reach: bool = True) -> list[PoseFrame]:
    """Slow folds (3 s down, 2 s there, 3 s up, 2 s standing: the article's ~10 s a rep)
    from standing to (hip angle, knee angle), at 15 fps."""

    def at(hip: float, knee: float, s: float) -> synth.Key:
        return ss.hinge(175 + (hip - 175) * s, 176 + (knee - 176) * s, reach=reach)

    keys = [(0.0, at(40, 176, 0.0)), (1.0, at(40, 176, 0.0))]
    t = 1.0
    for hip, knee in bottoms:
        t = sweep(keys, lambda s, h=hip, k=knee: at(h, k, s), t, 3.0)
        t = sweep(keys, lambda s, h=hip, k=knee: at(h, k, 1.0), t, 2.0)
        t = sweep(keys, lambda s, h=hip, k=knee: at(h, k, 1 - s), t, 3.0)
        t = sweep(keys, lambda s: at(40, 176, 0.0), t, 2.0)
    return synth.frames(synth.timeline(keys, fps=15), **NOISY)


def test_forward_bend_counts_slow_reaches_to_the_heels_silently() -> None:
    checker, events = run("forward_bend", fold_frames([(40.0, 176.0)] * 3))
    assert checker.reps == 3
    assert of(events, Issue) == []
    assert spec_for("forward_bend").targets == {"reps": 20, "rate_per_min": 5, "duration_s": 240}


@pytest.mark.parametrize(
    ("cut", "reps"),
    [
        ((12.2, 12.9), 1),  # a cut while folding: back past `enter`, the start unseen
        ((9.5, 10.5), 2),  # a cut while standing between the folds: both counted
        ((4.5, 5.1), 2),  # a dropout in a fold already open: it goes on
    ],
)
def test_forward_bend_started_unseen_after_a_cut_is_no_rep(
    cut: tuple[float, float], reps: int
) -> None:
    """A rep needs its start seen: back after a gap in detection (a camera cut, 0.6 s as
    in the sessions) already past the rep's `enter`, the person is waited for to come back
    up, uncounted (a session cut from standing to a clip starting bent over counted a fold)."""
    frames = [f for f in fold_frames([(40.0, 176.0)] * 2) if not cut[0] < f.t < cut[1]]
    checker, _ = run("forward_bend", frames)
    assert checker.reps == reps


def test_forward_bend_bent_knees_are_flagged() -> None:
    _, events = run("forward_bend", fold_frames([(40.0, 135.0), (40.0, 176.0)]))
    assert rep_issues(events) == [("knees_bent",), ()]
    assert of(events, Issue)[0].message == "Keep your knees straight"


def test_forward_bend_stopping_at_the_knees_is_flagged() -> None:
    """Folding only to 95 deg with the arms hanging: the fingers stay near the knees."""
    _, events = run("forward_bend", fold_frames([(95.0, 176.0)], reach=False))
    assert rep_issues(events) == [("shallow_fold",)]


def test_forward_bend_walking_and_standing_count_nothing() -> None:
    for frames in (walking_frames(), still(synth.standing())):
        checker, events = run("forward_bend", frames)
        assert checker.reps == 0
        assert of(events, Issue) == []


# ---- posture ---------------------------------------------------------------------------------
def desk_frames(segments: list[tuple[float, float, float]], **kw) -> list[PoseFrame]:
    """Sitting at a desk through (duration s, trunk lean, head lean) segments, at 10 fps,
    legs hidden under the desk."""
    keys = [(0.0, ss.sitting(*segments[0][1:]))]
    t = 0.0
    for dur, trunk, head in segments:
        keys += [(t + 1.0, ss.sitting(trunk, head)), (t + dur, ss.sitting(trunk, head))]
        t += dur
    kw = {"noise_px": 1.5, "drop_every": 9, "hide": ss.DESK_HIDDEN} | kw
    return synth.frames(synth.timeline(keys, fps=10), **kw)


def test_posture_good_posture_is_all_good_time() -> None:
    _, events = run("posture", desk_frames([(90.0, 0.0, 28.0)]))
    holds = of(events, HoldSegment)
    assert len(holds) == 1
    assert holds[0].duration == pytest.approx(89.0, abs=1.5)
    assert holds[0].good_s == pytest.approx(holds[0].duration, abs=0.5)
    assert of(events, Issue) == []


def test_posture_forward_head_held_a_minute_is_an_alert() -> None:
    """Looking down at the desk, the trunk upright: a forward head, not yet a slouch."""
    segments = [(20.0, 0.0, 28.0), (80.0, 0.0, 56.0), (20.0, 0.0, 28.0)]
    _, events = run("posture", desk_frames(segments))
    issues = of(events, Issue)
    assert [i.code for i in issues] == ["forward_head"]
    assert issues[0].t_start == pytest.approx(20.5, abs=1.0)
    assert issues[0].t_end == pytest.approx(100.5, abs=1.5)
    hold = of(events, HoldSegment)[0]
    assert hold.good_s == pytest.approx(hold.duration - 80.0, abs=2.0)


def test_posture_hunched_over_the_desk_is_an_alert_reclining_is_not() -> None:
    _, events = run(
        "posture", desk_frames([(10.0, 0.0, 28.0), (75.0, 30.0, 32.0), (75.0, -20.0, 15.0)])
    )
    assert [i.code for i in of(events, Issue)] == ["trunk_leaning"]


def test_posture_short_lapses_raise_nothing() -> None:
    """Leaning in to read something for 40 s is not a posture problem."""
    _, events = run(
        "posture", desk_frames([(20.0, 0.0, 28.0), (40.0, 30.0, 38.0), (20.0, 0.0, 28.0)])
    )
    assert of(events, Issue) == []


def test_posture_short_slouch_is_on_the_time_line_a_long_one_alerts() -> None:
    """Rounded forward (head 75 deg forward of vertical, trunk +5: the ear-shoulder-hip angle
    ~110, as in posture_side_a's slouch) for 4 s goes in the time line only; for 70 s it is
    also an alert."""
    short = [(20.0, 0.0, 28.0), (5.0, 5.0, 75.0), (20.0, 0.0, 28.0)]
    _, events = run("posture", desk_frames(short))
    assert of(events, Issue) == []
    spans = {s.code: s for s in of(events, Span)}
    assert set(spans) == {"slouching", "forward_head"}
    assert spans["slouching"].t_start == pytest.approx(20.5, abs=1.0)
    assert spans["slouching"].duration == pytest.approx(4.0, abs=1.2)
    _, events = run("posture", desk_frames([(20.0, 0.0, 28.0), (70.0, 5.0, 75.0)]))
    assert {i.code for i in of(events, Issue)} == {"slouching", "forward_head"}


def test_posture_camera_in_front_asks_for_a_side_view() -> None:
    checker = Checker(spec_for("posture"))
    cues = {checker.update(f).state.cue for f in desk_frames([(20.0, 30.0, 38.0)], far_dx=105)}
    assert checker.hold_total == 0
    assert "Put the camera beside you: side-on" in cues
