"""The live set-up phase: camera placement, what is wrong with the view, then a
countdown; judged on synthetic people filmed side-on and from the front."""

from __future__ import annotations

import synth
import synth_front as sfr

from posecheck.check.specs import spec_for
from posecheck.coach.guidance import SetUp, placement


def messages(spec_name: str, frames, countdown_s: float = 3.0) -> list[tuple[float, str | None]]:
    """(time, message) each time the message changes."""
    setup = SetUp(spec_for(spec_name), countdown_s)
    out: list[tuple[float, str | None]] = []
    for f in frames:
        msg = setup.update(f)
        if not out or out[-1][1] != msg:
            out.append((round(f.t, 1), msg))
    return out


def plank(seconds: float, **kw):
    return synth.frames(synth.timeline([(0.0, synth.plank()), (seconds, synth.plank())]), **kw)


def test_good_view_counts_down_then_judging_begins() -> None:
    got = messages("plank", plank(6.0))
    assert [m for _, m in got] == [
        "Good: hold still", "Starting in 3", "Starting in 2", "Starting in 1", None,
    ]  # fmt: skip
    assert got[-1][0] == 4.0  # 1 s steady + 3 s countdown


def test_nobody_then_placement_then_the_missing_parts() -> None:
    frames = synth.empty(0.0, 3.0) + plank(
        4.0, t0=3.0, hide={"left_ankle": (0, 99), "right_ankle": (0, 99)}
    )
    got = [m for _, m in messages("plank", frames)]
    assert got[0] == placement(spec_for("plank"))
    assert got[1] == "Get in the picture: I can't see you"
    assert got[2] == "Step back or move the camera: I can't see your ankles"


def test_facing_the_camera_for_a_side_on_exercise() -> None:
    front = sfr.frames_front(sfr.params(lambda v: sfr.standing(), [(0, 0), (4, 0)]))
    got = [m for _, m in messages("lunge", front)]
    assert "Turn side-on to the camera" in got and None not in got


def test_a_problem_during_the_countdown_starts_it_again() -> None:
    frames = plank(2.5) + synth.empty(2.5, 3.0) + plank(6.0, t0=3.0)
    got = [m for _, m in messages("plank", frames)]
    assert got[:3] == ["Good: hold still", "Starting in 3", "Starting in 2"]
    assert "Get in the picture: I can't see you" in got
    assert got[-1] is None and got.count("Starting in 3") == 2


def test_no_countdown_means_no_set_up() -> None:
    assert messages("plank", plank(1.0), countdown_s=0) == [(0.0, None)]
