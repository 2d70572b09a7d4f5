"""Pull-up, dead hang, shrug, wall stretch, march and jump rope on synthetic landmarks.

No shared clip shows these exercises, so these sequences are their only regression test:
each count or timer, each rule firing on a clear fault and staying silent on good form, and
the people who are not doing the exercise (standing, walking, another exercise) getting no
count, no time and no warning. Noise is 2 px on a ~500 px tall person, with dropped frames.
"""

from __future__ import annotations

import math

import pytest
import synth
import synth_bar as sb
from checkrun import of, run

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Issue, Rep
from posecheck.check.specs import spec_for
from posecheck.pose.landmarks import PoseFrame

NOISE = 2.0


def front(motion: list, **kw) -> list[PoseFrame]:
    """Frames of a front-view motion (both sides drawn where the key puts them)."""
    kw = {"noise_px": NOISE, "drop_every": 6} | kw
    return synth.frames(motion, far_dx=0, **kw)


def assert_nothing(checker: Checker, events: list) -> None:
    """Not doing the exercise: no count, no hold, no time, no warning."""
    assert checker.reps == 0 and of(events, Rep) == []
    assert of(events, HoldSegment) == [] and of(events, Issue) == []
    assert checker.active_s == 0


def standing_still(duration: float = 8.0) -> list[PoseFrame]:
    return front(sb.sampled(lambda t: sb.stand_front(), duration))


def walking() -> list[PoseFrame]:
    return synth.frames(sb.walking(6.0), noise_px=NOISE, drop_every=6)


# ---- pull-up ---------------------------------------------------------------------------------
def pull_ups(tops: list[float], bottoms: list[float] | None = None, **kw) -> list[PoseFrame]:
    """Hang, then one pull-up per entry of `tops` (elbow angle at the top), each lowered to
    the matching entry of `bottoms` (default: straight arms)."""
    bottoms = bottoms or [175.0] * len(tops)
    keys = [(0.0, 175.0), (1.5, 175.0)]
    t = 1.5
    for top, bottom in zip(tops, bottoms, strict=True):
        keys += [(t + 0.8, top), (t + 1.1, top), (t + 1.9, bottom), (t + 2.5, bottom)]
        t += 2.5
    keys.append((t + 1.0, 175.0))
    return front(synth.timeline(synth.param_timeline(sb.hang, keys)), **kw)


def test_pull_up_counts_full_reps_silently() -> None:
    assert sb.nose_above_wrist(45) > 0  # the top pose has the chin over the bar
    _checker, events = run("pull_up", pull_ups([45, 45, 45]))
    assert [r.index for r in of(events, Rep)] == [1, 2, 3]
    assert of(events, Issue) == []


def test_pull_up_half_rep_is_counted_and_flagged() -> None:
    """A rep that stops with the nose ~5 cm under the hands: the body rose ~0.4 torso
    lengths of its ~0.8 (elbows at 80 deg in this skeleton's frontal-plane arms)."""
    assert sb.nose_above_wrist(80) < -0.08
    _, events = run("pull_up", pull_ups([45, 80, 45]))
    assert [r.issues for r in of(events, Rep)] == [(), ("chin_below_bar",), ()]


def test_pull_up_short_bottom_flags_the_next_rep() -> None:
    """Lowered only to 140 deg after rep 1: rep 2 started from bent arms."""
    _, events = run("pull_up", pull_ups([45, 45, 45], bottoms=[140, 175, 175]))
    assert [r.issues for r in of(events, Rep)] == [(), ("arms_not_straight",), ()]


def test_pull_up_chin_not_judged_when_the_face_is_not_seen() -> None:
    """Filmed from behind: the half rep is counted, but nothing is said about the chin."""
    checker, events = run("pull_up", pull_ups([45, 80], hide={"nose": (0, 99)}))
    assert checker.reps == 2 and of(events, Issue) == []


def test_pull_up_arm_pull_down_in_the_air_is_not_a_rep() -> None:
    """Standing, pulling the arms from overhead down to the shoulders (no bar: the hands
    move) bends the elbows like a pull-up; it must not count."""

    def pose(t: float) -> sb.Key:
        s = sb.pulse((t - 1.0) % 2.5, 0.0, 0.8, 0.3, 0.8) if t >= 1.0 else 0.0
        key = sb.stand_front(arms="up")
        elbow_y = key["shoulder"][1] + 10
        bent = {
            "elbow": (key["elbow"][0] - 25, elbow_y),
            "wrist": (key["wrist"][0] - 20, elbow_y - 65),
            "far_elbow": (key["far_elbow"][0] + 25, elbow_y),
            "far_wrist": (key["far_wrist"][0] + 20, elbow_y - 65),
        }
        return synth.lerp(key, key | bent, s)

    checker, events = run("pull_up", front(sb.sampled(pose, 9.0)))
    assert checker.reps == 0 and of(events, Issue) == []


@pytest.mark.parametrize("name", ["pull_up", "dead_hang"])
def test_bar_exercises_ignore_standing_and_walking(name: str) -> None:
    for frames in (standing_still(), walking()):
        assert_nothing(*run(name, frames))


# ---- dead hang -------------------------------------------------------------------------------
def hang_frames(segments: list[tuple[float, float]]) -> list[PoseFrame]:
    """Stand, then hang through (duration, elbow angle) segments, then stand again."""
    keys: list[tuple[float, sb.Key]] = [(0.0, sb.stand_front()), (1.0, sb.stand_front())]
    t = 1.0
    for dur, elbow in segments:
        keys += [(t + 0.3, sb.hang(elbow)), (t + dur, sb.hang(elbow))]
        t += dur
    keys += [(t + 0.5, sb.stand_front()), (t + 2.0, sb.stand_front())]
    return front(synth.timeline(keys))


def test_dead_hang_is_timed_and_silent() -> None:
    _, events = run("dead_hang", hang_frames([(12.0, 175.0)]))
    (hold,) = of(events, HoldSegment)
    assert hold.duration == pytest.approx(12.0, abs=0.8)
    assert hold.good_s == pytest.approx(hold.duration, abs=0.2)
    assert of(events, Issue) == []
    assert spec_for("dead_hang").targets == {"hold_s": 180}


def test_dead_hang_bent_arms_flagged_and_cut_good_time() -> None:
    _, events = run("dead_hang", hang_frames([(4.0, 175.0), (5.0, 130.0), (4.0, 175.0)]))
    assert [i.code for i in of(events, Issue)] == ["arms_bent"]
    (hold,) = of(events, HoldSegment)
    assert hold.duration == pytest.approx(13.0, abs=0.8)
    assert hold.good_s == pytest.approx(hold.duration - 5.0, abs=1.0)


# ---- shrug -----------------------------------------------------------------------------------
def shrugs(tops: list[float], body_bob: bool = False, **kw) -> list[PoseFrame]:
    """Stand 2 s, then one shrug per entry of `tops` (shoulder rise in px; 20 px ~ 6.5 cm)
    every 3 s. `body_bob`: the knees dip and straighten instead, moving the whole body."""

    def pose(t: float) -> sb.Key:
        k = int((t - 2.0) // 3.0)
        if t < 2.0 or k >= len(tops):
            return sb.stand_front()
        s = tops[k] * sb.pulse(t - 2.0 - 3.0 * k, 0.0, 0.8, 0.6, 0.8)
        if not body_bob:
            return sb.stand_front(shrug=s)
        return {n: (x, y + s) for n, (x, y) in sb.stand_front().items()}

    return front(sb.sampled(pose, 2.0 + 3.0 * len(tops) + 1.5), **kw)


def test_shrug_counts_full_reps_silently() -> None:
    checker, events = run("shrug", shrugs([20, 20, 20, 20]))
    assert checker.reps == 4 and of(events, Issue) == []


def test_shrug_short_lift_is_counted_and_flagged() -> None:
    _, events = run("shrug", shrugs([20, 10, 20]))
    assert [r.issues for r in of(events, Rep)] == [(), ("shallow_shrug",), ()]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shrug_standing_still_with_noise_counts_nothing(seed: int) -> None:
    checker, events = run("shrug", shrugs([0] * 6, seed=seed))
    assert checker.reps == 0 and of(events, Issue) == []


def test_shrug_ignores_walking_and_a_knee_bob() -> None:
    assert run("shrug", walking())[0].reps == 0
    checker, events = run("shrug", shrugs([-20, -20, -20], body_bob=True))
    assert checker.reps == 0 and of(events, Issue) == []


# ---- wall stretch ----------------------------------------------------------------------------
def wall_frames(segments: list[tuple[float, dict]]) -> list[PoseFrame]:
    """Stand 1 s side-on, then (duration, wall_stretch kwargs) segments, then step away."""
    keys = [(0.0, synth.standing()), (1.0, synth.standing())]
    t = 1.0
    for dur, kwargs in segments:
        keys += [(t + 0.6, sb.wall_stretch(**kwargs)), (t + dur, sb.wall_stretch(**kwargs))]
        t += dur
    keys += [(t + 0.8, synth.standing()), (t + 2.0, synth.standing())]
    return synth.frames(synth.timeline(keys), noise_px=NOISE, drop_every=6)


def test_wall_stretch_good_hold_is_timed_and_silent() -> None:
    """Hands up on the wall from upright (2 s), then leaning in, chest to the wall (10 s).
    The upright start is timed but not good-form time: the stretch is the leaning in."""
    _, events = run("wall_stretch", wall_frames([(2.0, {"lean": 0}), (10.0, {"lean": 15})]))
    (hold,) = of(events, HoldSegment)
    assert hold.duration == pytest.approx(12.0, abs=1.0)
    assert hold.good_s == pytest.approx(10.0, abs=0.8)
    assert of(events, Issue) == []


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"lean": 15, "elbow": 120}, "arms_bent"),
        ({"lean": 15, "knee": 145}, "knees_bent"),
        ({"lean": 0}, "chest_off_wall"),  # stays upright: never leans in
    ],
)
def test_wall_stretch_each_fault_alone(fault: dict, code: str) -> None:
    segments = [(2.0, {"lean": 0}), (4.0, {"lean": 15}), (6.0, fault), (3.0, {"lean": 15})]
    _, events = run("wall_stretch", wall_frames(segments))
    assert [i.code for i in of(events, Issue)] == [code]
    (hold,) = of(events, HoldSegment)
    assert hold.good_s < hold.duration - 3.0


def test_wall_stretch_needs_the_wall_and_the_arms_up() -> None:
    """Arms straight up without a wall in front (or a dead hang seen side-on), standing,
    walking: not the stretch."""
    up = synth.chain((640, 400), 90, -90, -90, 90, 90, 0)
    assert_nothing(*run("wall_stretch", synth.frames(synth.timeline([(0, up), (6.0, up)]))))
    for frames in (
        synth.frames(synth.timeline([(0, synth.standing()), (6.0, synth.standing())])),
        walking(),
    ):
        assert_nothing(*run("wall_stretch", frames))


# ---- march -----------------------------------------------------------------------------------
def marching(steps: int, lift: float = 65.0, step_s: float = 0.55) -> list[PoseFrame]:
    """Stand 1 s, then `steps` steps raising the right and left knee in turn by `lift` deg."""

    def pose(t: float) -> sb.Key:
        k = int((t - 1.0) // step_s)
        if t < 1.0 or k >= steps:
            return sb.march(0, 0)
        a = lift * math.sin(math.pi * (t - 1.0 - k * step_s) / step_s)
        return sb.march(a, 0) if k % 2 == 0 else sb.march(0, a)

    return front(sb.sampled(pose, 1.0 + steps * step_s + 2.0))


def test_march_counts_steps_per_raised_knee_and_times_them() -> None:
    """Marching is the position, so the first knee lift of a bout is what brings the person
    into it: whether it counts depends on whether the checker counts a rep it did not see
    start from rest, so either is accepted here."""
    checker, events = run("march", marching(20))
    sides = [r.side for r in of(events, Rep)]
    assert sides[-19:] == ["left"] + ["right", "left"] * 9 and len(sides) in (19, 20)
    assert checker.reps_by_side["left"] == 10 and checker.reps_by_side["right"] in (9, 10)
    assert of(events, Issue) == []
    # 11 s of marching; the clock stops 1 s (exit_s) after the last knee came down
    assert checker.active_s == pytest.approx(11.0 + 1.0, abs=0.6)


def test_march_ignores_walking_standing_and_low_shuffles() -> None:
    """Walking side-on, standing, and shuffling in place with 25-deg knee lifts (a walking
    stride's thigh swing) count no steps and no time."""
    for frames in (walking(), standing_still(), marching(12, lift=25.0)):
        assert_nothing(*run("march", frames))


# ---- jump rope -------------------------------------------------------------------------------
def jumping(rate_hz: float = 2.3, height: float = 14.0, seed: int = 0) -> list[PoseFrame]:
    """Stand 1 s, hop for 10 s (14 px ~ 4.5 cm), stand 1 s."""
    return front(sb.sampled(lambda t: sb.hopping(t, rate_hz, height, 1.0, 11.0), 12.0), seed=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jump_rope_counts_jumps_time_and_pace(seed: int) -> None:
    checker, events = run("jump_rope", jumping(seed=seed))
    # 2.3 a second for 10 s; the first hop of a bout brings the person into position (and
    # counts only if the checker counts a rep it did not see start from rest)
    assert checker.reps in (22, 23)
    assert of(events, Issue) == []
    # time runs while jumping, stopping 0.6 s (exit_s) after the last landing
    assert checker.active_s == pytest.approx(10.3, abs=0.5)
    pace = checker.reps / checker.active_s * 60
    assert pace >= spec_for("jump_rope").targets["rate_per_min"] == 120


def test_jump_rope_small_fast_hops_count() -> None:
    """3 cm hops at 2.5 a second: the smoothing must not flatten them."""
    checker, _ = run("jump_rope", jumping(2.5, 9.0))
    assert checker.reps >= 22  # of 24 after the first: a 3 cm hop is near the 2 cm threshold


def test_jump_rope_slow_pace_is_counted_but_below_target() -> None:
    checker, _ = run("jump_rope", jumping(1.3))
    assert checker.reps in (12, 13)
    assert checker.reps / checker.active_s * 60 < 120


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jump_rope_standing_still_with_noise_counts_nothing(seed: int) -> None:
    frames = front(sb.sampled(lambda t: sb.hop(0.0), 10.0), seed=seed)
    assert_nothing(*run("jump_rope", frames))


def test_jump_rope_ignores_walking_squats_and_one_big_jump() -> None:
    def squats(t: float) -> sb.Key:
        d = 60 * sb.pulse(t % 3.0, 0.5, 0.9, 0.3, 0.9)  # hips 60 px down and up
        return sb.hop(0.0, dip=d)

    def big_jump(t: float) -> sb.Key:
        if 1.0 <= t < 1.4:  # crouch, then 0.5 s in the air ~25 cm up, then land
            return sb.hop(0.0, dip=30 * sb.smooth((t - 1.0) / 0.4))
        if 1.4 <= t < 1.9:
            v = (t - 1.4) / 0.5
            return sb.hop(320 * v * (1 - v))
        return sb.hop(0.0, dip=30 * sb.pulse(t, 1.9, 0.15, 0.1, 0.5))

    for frames in (walking(), front(sb.sampled(squats, 9.0))):
        assert_nothing(*run("jump_rope", frames))
    # One jump ~25 cm high is as high as a double-under (the hips rise 0.3-0.6 torso lengths
    # on jump_rope_front_b), so it is in position for its flight and the 0.6 s after; it
    # counts nothing, because a bout counts only once it shows three jumps in a row.
    checker, events = run("jump_rope", front(sb.sampled(big_jump, 4.0)))
    assert checker.reps == 0 and of(events, Rep) == [] and of(events, Issue) == []
    assert checker.active_s < 1.2
