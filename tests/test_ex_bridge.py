"""The article's single-leg glute bridge (step 3 of the thigh routine): one knee bent
with its foot on the floor, the other leg held straight, the pelvis lifted until heel,
hips and shoulders are in one line, held for two counts, lowered slowly.

Synthetic side-on sequences with noise and dropped frames: reps per supporting leg, each
rule firing on its fault and silent on good form, and the other bridges (both feet down,
the free knee drawn up) not counted as this one.
"""

from __future__ import annotations

import synth
from checkrun import of, run

from posecheck.check.events import Issue, Rep
from posecheck.pose.landmarks import PoseFrame

NAME = "straight_leg_glute_bridge"


def lifts(
    reps: list[dict], rest_s: float = 0.8, up_s: float = 1.0, hold_s: float = 1.2, down_s=1.2
) -> list[PoseFrame]:
    """Each rep: a dict of straight_leg_bridge keywords for the top (``top`` = hip angle);
    the hips start and end on the floor (130 deg) with the free leg in line."""
    out: list[tuple[float, synth.Key]] = []
    t = 0.0

    def add(dur: float, pose_at) -> None:  # eased from progress 0 to 1 over `dur`
        nonlocal t
        if dur <= 0:
            return
        n = max(1, round(dur / 0.05))
        for i in range(n):
            s = i / n
            out.append((t + i * 0.05, pose_at(s * s * (3 - 2 * s))))
        t += dur

    side = reps[0].get("free_side", "far")
    add(1.0, lambda s: synth.straight_leg_bridge(130.0, side))
    for rep in reps:
        kw = {k: v for k, v in rep.items() if k != "top"}
        top = rep.get("top", 180.0)
        droop, knee = kw.pop("droop", 0.0), kw.pop("free_knee", 180.0)

        def at(a: float, s: float, kw=kw, droop=droop, knee=knee) -> synth.Key:
            return synth.straight_leg_bridge(a, droop=droop * s, free_knee=knee, **kw)

        add(up_s, lambda s, top=top, at=at: at(130.0 + (top - 130.0) * s, s))
        add(hold_s, lambda s, top=top, at=at: at(top, 1.0))
        add(down_s, lambda s, top=top, at=at: at(top + (130.0 - top) * s, 1.0 - s))
        add(rest_s, lambda s, at=at: at(130.0, 0.0))
    return synth.frames(synth.timeline(out), drop_every=7)


def issues(events: list) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(r.side, r.issues) for r in of(events, Rep)]


def test_reps_count_for_the_supporting_leg_silently() -> None:
    checker, events = run(
        NAME, lifts([{}, {"top": 176}, {"free_side": "near"}, {"free_side": "near"}])
    )
    # The free leg is the far (left) one first: the near (right) leg does the work.
    assert issues(events) == [("right", ()), ("right", ()), ("left", ()), ("left", ())]
    assert checker.reps_by_side == {"left": 2, "right": 2}
    assert of(events, Issue) == []


def test_low_hips_and_a_drooping_free_leg_are_flagged() -> None:
    _, events = run(NAME, lifts([{"top": 157}, {"droop": 30}, {}]))
    assert issues(events) == [
        ("right", ("hips_not_extended",)),
        ("right", ("free_leg_not_in_line",)),
        ("right", ()),
    ]


def test_no_hold_and_a_dropped_pelvis_are_flagged() -> None:
    _, events = run(NAME, lifts([{}], up_s=0.6, hold_s=0.0, down_s=1.0))
    assert [r.issues for r in of(events, Rep)] == [("no_hold_at_top",)]
    _, events = run(NAME, lifts([{}], down_s=0.25))
    assert [r.issues for r in of(events, Rep)] == [("fast_lowering",)]


def test_other_bridges_are_not_this_one() -> None:
    """Both feet on the floor, or the free knee drawn up: not the article's form, so not
    counted (and the cue says what to change)."""
    two_feet = [(0.0, synth.bridge(130.0))]
    for i, a in enumerate([130, 180, 180, 130, 130] * 2):
        two_feet.append((0.8 * (i + 1), synth.bridge(float(a))))
    checker, events = run(NAME, synth.frames(synth.timeline(two_feet)))
    assert checker.reps == 0 and of(events, Issue) == []
    assert checker.state().cue == "Keep the other leg straight"
    knee_up = [(0.0, synth.single_leg_bridge(130.0, 0.0))]
    for i, (a, r) in enumerate([(130, 0), (180, 1), (180, 1), (130, 0), (130, 0)] * 2):
        knee_up.append((0.8 * (i + 1), synth.single_leg_bridge(float(a), float(r))))
    checker, _ = run(NAME, synth.frames(synth.timeline(knee_up)))
    assert checker.reps == 0
