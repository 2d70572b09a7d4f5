"""Floor exercises filmed side-on (donkey kick, plank knee drive, push-up, cobra, child's
pose, full body stretch) on synthetic landmark sequences with noise and dropped frames.

For each: the count or the timer works (per leg where the article asks), every form rule
fires on a clear fault and stays silent on good form, and someone not in the exercise's
position (standing, walking, kneeling, another floor exercise) gets nothing counted,
timed or raised.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import synth
import synth_floor as sf
from checkrun import of, run

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Issue, Rep
from posecheck.check.specs import spec_for
from posecheck.pose.landmarks import PoseFrame

Key = synth.Key
Segment = tuple[float, Callable[[float], Key]]  # (duration, pose at progress 0..1)


def motion(segments: list[Segment], step: float = 0.05) -> list[tuple[float, Key]]:
    """Key poses every `step` s through segments, each eased from its start to its end."""
    out: list[tuple[float, Key]] = []
    t = 0.0
    for dur, pose in segments:
        n = max(1, round(dur / step))
        for i in range(n):
            s = i / n
            out.append((t + i * step, pose(s * s * (3 - 2 * s))))
        t += dur
    out.append((t, segments[-1][1](1.0)))
    return out


def still(dur: float, key: Key) -> Segment:
    return dur, lambda s: key


def move(dur: float, a: Key, b: Key) -> Segment:
    return dur, lambda s: synth.lerp(a, b, s)


def make(segments: list[Segment], **kw) -> list[PoseFrame]:
    kw.setdefault("noise_px", 1.5)
    return sf.frames(synth.timeline(motion(segments)), **kw)


def codes(events: list) -> list[str]:
    return [i.code for i in of(events, Issue)]


STANDING = sf.with_face(synth.standing(), 0)
KNEELING = sf.with_face(synth.kneeling(), 0)


def walk(dur: float = 4.0) -> list[Segment]:
    """Standing, stepping through a stride and back (legs swinging)."""
    stride = sf.with_face(
        synth.on_floor(synth.chain((640, 400), 90, -70, -100, -100, -90, 0, back_thigh=-110)), 0
    )
    return [still(0.5, STANDING)] + [
        move(dur / 6, STANDING, stride),
        move(dur / 6, stride, STANDING),
    ] * 3


def assert_nothing(name: str, segments: list[Segment]) -> None:
    checker, events = run(name, make(segments, drop_every=6))
    assert checker.reps == 0 and checker.hold_total == 0
    assert of(events, Rep) == [] and of(events, Issue) == [] and of(events, HoldSegment) == []


# ---- donkey kick -----------------------------------------------------------------------------
def kicks(tops: list[tuple[float, str]], **pose) -> list[Segment]:
    """On all fours; each kick raises the `leg` to `top` degrees below the body line."""
    rest = sf.quadruped(**pose)
    segs = [still(1.0, rest)]
    for top, leg in tops:
        lift = lambda s, top=top, leg=leg: sf.quadruped(76.5 + (top - 76.5) * s, leg, **pose)  # noqa: E731
        segs += [
            (1.0, lift),
            still(0.6, lift(1.0)),
            (1.0, lambda s, f=lift: f(1 - s)),
            still(0.6, rest),
        ]
    return segs


def test_donkey_kick_counts_per_kicking_leg_silently() -> None:
    tops = [(-10, "near"), (-30, "near"), (-15, "far"), (0, "far")]  # -30: as the clean clip
    checker, events = run("donkey_kick", make(kicks(tops), drop_every=5))
    assert [r.side for r in of(events, Rep)] == ["right", "right", "left", "left"]
    assert checker.reps_by_side == {"left": 2, "right": 2}
    assert of(events, Issue) == []


def test_donkey_kick_low_and_over_arched_kicks_are_flagged() -> None:
    tops = [(25, "near"), (0, "near"), (-60, "near")]
    _, events = run("donkey_kick", make(kicks(tops)))
    assert [r.issues for r in of(events, Rep)] == [("hips_not_extended",), (), ("back_arched",)]


def test_donkey_kick_hands_forward_of_shoulders_is_flagged() -> None:
    _, events = run("donkey_kick", make(kicks([(0, "near")], elbow_under=False)))
    assert codes(events) == ["arms_not_under_shoulders"]


def test_donkey_kick_not_on_all_fours_counts_nothing() -> None:
    assert_nothing("donkey_kick", walk())
    drive = lambda s: sf.straight_plank(drive=s)  # noqa: E731
    plank = sf.straight_plank()
    assert_nothing("donkey_kick", [still(1, plank), (1, drive), (1, lambda s: drive(1 - s))] * 2)
    assert_nothing(
        "donkey_kick",
        [still(1, KNEELING), move(1, KNEELING, sf.child_pose()), still(2, sf.child_pose())],
    )


# ---- plank knee drive ------------------------------------------------------------------------
def drives(
    legs: list[str], hip: float = 0.0, t_in: float = 1.0, hold: float = 0.4, rest: float = 0.6
) -> list[Segment]:
    """A straight-arm plank; each entry drives that leg's knee to the chest and back."""
    plank = sf.straight_plank(hip_offset=hip)
    segs = [still(1.0, plank)]
    for leg in legs:
        d = lambda s, leg=leg: sf.straight_plank(hip_offset=hip, drive=s, leg=leg)  # noqa: E731
        segs += [
            (t_in, d),
            still(hold, d(1.0)),
            (t_in, lambda s, d=d: d(1 - s)),
            still(rest, plank),
        ]
    return [*segs, still(1.0, plank)]


def test_knee_drive_counts_per_leg_slow_and_fast() -> None:
    checker, events = run("plank_knee_drive", make(drives(["near", "far"] * 2), drop_every=5))
    assert [r.side for r in of(events, Rep)] == ["right", "left", "right", "left"]
    assert of(events, Issue) == []
    # Mountain-climber pace with the hips a little high between drives: still no fault.
    fast = drives(["near", "far"] * 3, hip=0.12, t_in=0.3, hold=0.1, rest=0.1)
    checker, events = run("plank_knee_drive", make(fast, drop_every=7))
    assert checker.reps_by_side == {"left": 3, "right": 3}
    assert of(events, Issue) == []


def test_knee_drive_sagging_pelvis_is_flagged() -> None:
    _, events = run("plank_knee_drive", make(drives(["near", "far"], hip=-0.12)))
    # The hips rise on each drive, so one sag episode per stretch between drives.
    assert set(codes(events)) == {"hips_sagging"}


def test_knee_drive_hands_forward_is_flagged() -> None:
    plank = sf.straight_plank(arm_lean=45)
    _, events = run("plank_knee_drive", make([still(4.0, plank)]))
    assert codes(events) == ["arms_not_under_shoulders"]


def test_knee_drive_other_positions_count_nothing() -> None:
    assert_nothing("plank_knee_drive", walk())
    assert_nothing("plank_knee_drive", kicks([(-10, "near"), (-10, "far")]))  # donkey kicks
    assert_nothing(
        "plank_knee_drive",
        [still(1, KNEELING), move(1, KNEELING, sf.child_pose()), still(2, sf.child_pose())],
    )


# ---- push-up ---------------------------------------------------------------------------------
def push_ups(bottoms: list[float], hip: float = 0.0, top_s: float = 0.8) -> list[Segment]:
    top = sf.straight_plank(hip_offset=hip)
    segs = [still(1.0, top)]
    for b in bottoms:
        p = lambda s, b=b: sf.straight_plank(175 + (b - 175) * s, hip_offset=hip)  # noqa: E731
        segs += [(0.8, p), still(0.2, p(1.0)), (0.8, lambda s, p=p: p(1 - s)), still(top_s, top)]
    return segs


def test_push_up_counts_full_reps_silently() -> None:
    checker, events = run("push_up", make(push_ups([90, 85, 95]), drop_every=5))
    assert checker.reps == 3
    assert of(events, Issue) == []


def test_push_up_shallow_rep_is_counted_and_flagged() -> None:
    _, events = run("push_up", make(push_ups([90, 124])))
    assert [r.issues for r in of(events, Rep)] == [(), ("shallow_depth",)]


def test_push_up_sagging_and_piked_hips() -> None:
    _, events = run("push_up", make(push_ups([90, 90], hip=-0.13)))
    assert set(codes(events)) == {"hips_sagging"}
    _, events = run("push_up", make(push_ups([90], hip=0.25, top_s=1.5)))
    assert set(codes(events)) == {"hips_piked"}


def test_push_up_other_positions_count_nothing() -> None:
    assert_nothing("push_up", walk())
    kneel_top = sf.quadruped(gap=40)  # knees down, hips forward: a knee push-up's top
    assert_nothing(
        "push_up",
        [still(1, sf.quadruped()), move(1, sf.quadruped(), kneel_top), still(2, kneel_top)],
    )
    flat = sf.lying("down", arms="sides")
    assert_nothing("push_up", [still(1, flat), move(1, flat, sf.cobra()), still(4, sf.cobra())])


# ---- cobra -----------------------------------------------------------------------------------
FLAT = sf.lying("down", arms="sides")


def cobra_hold(pose: Key, hold: float = 6.0) -> list[Segment]:
    return [
        still(1.0, FLAT),
        move(1.0, FLAT, pose),
        still(hold, pose),
        move(1.0, pose, FLAT),
        still(1.0, FLAT),
    ]


def test_cobra_hold_is_timed_silently() -> None:
    _, events = run("cobra", make(cobra_hold(sf.cobra(), 8.0), drop_every=5))
    holds = of(events, HoldSegment)
    assert len(holds) == 1
    assert holds[0].duration == pytest.approx(8.7, abs=0.8)
    assert holds[0].good_s == pytest.approx(holds[0].duration, abs=0.2)
    assert of(events, Issue) == []


@pytest.mark.parametrize(
    ("pose", "code"),
    [
        (sf.cobra(hip_lift=40), "hips_off_floor"),
        (sf.cobra(elbow=100), "arms_bent"),
        (sf.cobra(shrug=1.0), "shoulders_shrugged"),
    ],
)
def test_cobra_faults_are_flagged(pose: Key, code: str) -> None:
    checker, events = run("cobra", make(cobra_hold(pose)))
    assert codes(events) == [code]
    assert checker.good_total < checker.hold_total - 3


_LEGS = ("left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel")
_FEET = ("left_foot", "right_foot")


def front_cobra(lowered: float = 0.0) -> Key:
    """The cobra filmed from in front: shoulders square to the camera, arms straight down to
    the floor, hips behind the torso (foreshortened), legs hidden behind it. `lowered` 0..1
    brings the chest down to the floor on bent arms."""
    import synth_bar as sb

    sy = synth.FLOOR - 140 + 120 * lowered
    elbow_out = 62 + 40 * lowered
    return sb.front(
        {
            "shoulder": (60.0, sy),
            "elbow": (elbow_out, sy + 70 * (1 - lowered) + 10 * lowered),
            "wrist": (64.0, synth.FLOOR - 5),
            "hip": (35.0, sy + 40 - 20 * lowered),
            "knee": (36.0, sy + 45),
            "ankle": (37.0, sy + 50),
            "heel": (37.0, sy + 52),
            "foot_index": (37.0, sy + 55),
        }
    )


def test_cobra_hold_survives_a_cut_to_a_front_view() -> None:
    """Held 5 s side-on, then the video cuts to the front, where the legs are hidden behind
    the torso and the trunk reads near vertical (as cobra_side_then_front_a at 9.4 and 16.6 s):
    one hold, until the chest comes down."""
    side = make([still(1.0, FLAT), move(1.0, FLAT, sf.cobra()), still(5.0, sf.cobra())])
    t0 = side[-1].t + 1 / 30
    hidden = {name: (0.0, 99.0) for name in _LEGS + _FEET}
    front = [
        (i / 30, front_cobra(max(0.0, (i / 30 - 6.0) / 1.0)) if i / 30 < 7.0 else front_cobra(1.0))
        for i in range(round(8.0 * 30))
    ]
    frames = side + synth.frames(front, t0=t0, far_dx=0, hide=hidden, noise_px=1.5)
    _, events = run("cobra", frames)
    (hold,) = of(events, HoldSegment)
    assert hold.t_start == pytest.approx(1.5, abs=0.6)
    assert hold.t_end == pytest.approx(t0 + 6.5, abs=0.8)  # the chest came down
    assert of(events, Issue) == []


def test_cobra_is_not_entered_without_seeing_the_legs() -> None:
    """Standing in front of a desk camera (legs out of the picture) looks like the front view
    of a cobra from the waist up: it must not start one."""
    import synth_bar as sb

    hidden = {name: (0.0, 99.0) for name in _LEGS + _FEET}
    frames = synth.frames(
        sb.sampled(lambda t: sb.stand_front(), 6.0), far_dx=0, hide=hidden, noise_px=1.5
    )
    checker, events = run("cobra", frames)
    assert of(events, HoldSegment) == [] and checker.active_s == 0


def test_cobra_other_positions_time_nothing() -> None:
    assert_nothing("cobra", [still(4, FLAT)])  # the starting position is not the stretch
    assert_nothing(
        "cobra", [still(1, FLAT), move(1, FLAT, sf.sit_reclined()), still(4, sf.sit_reclined())]
    )
    assert_nothing("cobra", push_ups([90, 90]))
    assert_nothing("cobra", walk())


# ---- child's pose ----------------------------------------------------------------------------
def test_child_pose_hold_spans_relaxed_and_stretched_arms() -> None:
    back, forward = sf.child_pose("back"), sf.child_pose("forward")
    segs = [
        still(1, KNEELING),
        move(1.5, KNEELING, back),
        still(5, back),
        move(1, back, forward),
        still(5, forward),
        move(1.5, forward, KNEELING),
        still(1, KNEELING),
    ]
    _, events = run("child_pose", make(segs, drop_every=5))
    holds = of(events, HoldSegment)
    assert len(holds) == 1
    assert holds[0].duration == pytest.approx(11.5, abs=1.0)
    assert holds[0].good_s == pytest.approx(holds[0].duration, abs=0.2)
    assert of(events, Issue) == []


def turned(key: Key, spread: float = 90.0) -> Key:
    """The same pose after a turn towards the camera: the far shoulder `spread` px across
    the picture from the near one (0.6 torso lengths; side-on reads under 0.45)."""
    sx, sy = key["shoulder"]
    return key | {"far_shoulder": (sx + spread, sy)}


@pytest.mark.parametrize(
    ("name", "pose", "rest"),
    [
        ("child_pose", sf.child_pose("forward"), KNEELING),
        ("full_body_stretch", sf.lying(), sf.lying("up", arms="sides")),
    ],
)
def test_floor_hold_survives_a_turn_away_from_side_on(name: str, pose: Key, rest: Key) -> None:
    """Entered side-on, the hold goes on when a turn spreads the shoulders across the picture
    (the side-on check gets a person into the pose, it does not throw them out)."""
    pose, rest = turned(pose, 0.0), turned(rest, 0.0)  # side-on, with the far shoulder's key
    segs = [
        still(1, rest),
        move(1, rest, pose),
        still(3, pose),
        move(0.5, pose, turned(pose)),
        still(4, turned(pose)),
        move(1, turned(pose), rest),
        still(1, rest),
    ]
    _, events = run(name, make(segs, drop_every=5))
    (hold,) = of(events, HoldSegment)
    assert hold.duration == pytest.approx(8.0, abs=1.0)


def test_child_pose_hips_off_heels_is_flagged() -> None:
    high = sf.child_pose(knee=85, hip=60)
    segs = [
        still(1, sf.child_pose()),
        move(1, sf.child_pose(), high),
        still(4, high),
        move(1, high, sf.child_pose()),
        still(2, sf.child_pose()),
    ]
    _, events = run("child_pose", make(segs))
    assert codes(events) == ["hips_off_heels"]


def test_child_pose_other_positions_time_nothing() -> None:
    assert_nothing(
        "child_pose",
        [still(1, KNEELING), move(1, KNEELING, sf.quadruped()), still(3, sf.quadruped())],
    )
    assert_nothing(
        "child_pose", [still(1, STANDING), move(1, STANDING, sf.squat()), still(3, sf.squat())]
    )
    assert_nothing("child_pose", walk())


# ---- full body stretch -----------------------------------------------------------------------
REST = sf.lying("up", arms="sides")


def stretch(pose: Key, hold: float = 6.0) -> list[Segment]:
    return [
        still(1, REST),
        move(1, REST, pose),
        still(hold, pose),
        move(1, pose, REST),
        still(1, REST),
    ]


def test_full_body_stretch_hold_is_timed_silently() -> None:
    _, events = run("full_body_stretch", make(stretch(sf.lying()), drop_every=5))
    holds = of(events, HoldSegment)
    assert len(holds) == 1
    assert holds[0].duration == pytest.approx(6.7, abs=0.8)
    assert holds[0].good_s == pytest.approx(holds[0].duration, abs=0.2)
    assert of(events, Issue) == []


@pytest.mark.parametrize(
    ("pose", "code"),
    [(sf.lying(knee=120), "knees_bent"), (sf.lying(arm_deg=45), "arms_not_overhead")],
)
def test_full_body_stretch_faults_are_flagged(pose: Key, code: str) -> None:
    _, events = run("full_body_stretch", make(stretch(pose)))
    assert codes(events) == [code]


def test_full_body_stretch_lying_otherwise_times_nothing_and_asks_for_the_arms() -> None:
    assert_nothing("full_body_stretch", [still(4, sf.lying("down"))])  # on the stomach
    assert_nothing("full_body_stretch", walk())
    checker = Checker(spec_for("full_body_stretch"))
    cues = {checker.update(f).state.cue for f in make([still(3, REST)])}
    assert checker.hold_total == 0
    assert "Stretch your arms behind your head" in cues
