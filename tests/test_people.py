"""Two people in the picture: posecheck coaches the one doing the exercise, follows them
while someone else walks through, and does not jump to a passer-by."""

from __future__ import annotations

from dataclasses import replace

import synth

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Issue, Rep
from posecheck.check.people import PersonSelector
from posecheck.check.specs import spec_for
from posecheck.pose.landmarks import PoseFrame


def moved(key: synth.Key, dx: float, scale: float = 1.0) -> synth.Key:
    """A key pose shifted right by dx and scaled about its feet (nearer the camera)."""
    return {
        k: (x * scale + dx, synth.FLOOR - (synth.FLOOR - y) * scale) for k, (x, y) in key.items()
    }


def walker(t0: float, t1: float, x0: float, x1: float, scale: float) -> list[PoseFrame]:
    """Someone walking across the picture, bigger (nearer) than the exerciser."""
    keys = []
    n = int((t1 - t0) / 0.25)
    for i in range(n + 1):
        x = x0 + (x1 - x0) * i / n
        stride = synth.lunge_bottom(front_knee=150, back_gap=1.5) if i % 2 else synth.standing()
        keys.append((i * 0.25, moved(stride, x - 640, scale)))
    return synth.frames(synth.timeline(keys), t0=t0, seed=9)


def together(main: list[PoseFrame], extra: list[PoseFrame]) -> list[PoseFrame]:
    """Frames as the estimator gives them: the largest person first, the rest in others."""
    by_t = {round(f.t, 3): f for f in extra}
    out = []
    for f in main:
        other = by_t.get(round(f.t, 3))
        if other is None or other.pose is None:
            out.append(f)
        else:  # the walker is nearer the camera: the model lists them first
            out.append(replace(f, pose=other.pose, others=(f.pose,)))
    return out


def run(exercise: str, frames: list[PoseFrame]) -> tuple[list, PersonSelector]:
    spec = spec_for(exercise)
    selector, checker = PersonSelector(spec), Checker(spec)
    events = []
    for f in frames:
        events.extend(checker.update(selector.select(f)).events)
    return events + checker.finish(), selector


def plank_hold(seconds: float) -> list[PoseFrame]:
    return synth.frames(synth.timeline([(0.0, synth.plank()), (seconds, synth.plank())]))


def test_a_passer_by_does_not_interrupt_a_plank() -> None:
    plank = plank_hold(20.0)
    frames = together(plank, walker(6.0, 12.0, 100.0, 1200.0, 1.4))
    events, selector = run("plank", frames)
    holds = [e for e in events if isinstance(e, HoldSegment)]
    assert len(holds) == 1 and holds[0].duration > 19.0
    assert [e for e in events if isinstance(e, Issue)] == []
    assert selector.switches == 0


def test_the_person_in_position_is_chosen_over_a_bigger_bystander() -> None:
    """From the first frame a larger person stands in the picture; the plank is timed."""
    plank = plank_hold(10.0)
    bystander = synth.frames(
        synth.timeline(
            [(0.0, moved(synth.standing(), 300, 1.3)), (10.0, moved(synth.standing(), 300, 1.3))]
        ),
        seed=4,
    )
    events, _ = run("plank", together(plank, bystander))
    holds = [e for e in events if isinstance(e, HoldSegment)]
    assert len(holds) == 1 and holds[0].duration > 9.0


def test_lunges_counted_while_someone_walks_past() -> None:
    """The lunger is followed from frame to frame; the walker crossing the picture in
    the middle of the set neither adds reps nor takes the count over."""
    keys = [(0.0, synth.standing()), (1.0, synth.standing())]
    t = 1.0
    for _ in range(5):
        keys += [
            (t + 0.9, synth.lunge_bottom()),
            (t + 1.1, synth.lunge_bottom()),
            (t + 2.0, synth.standing()),
        ]
        t += 2.0
    keys.append((t + 1.0, synth.standing()))
    lunger = synth.frames(synth.timeline(keys))
    frames = together(lunger, walker(4.0, 8.0, 1250.0, 900.0, 1.3))
    events, selector = run("lunge", frames)
    assert len([e for e in events if isinstance(e, Rep)]) == 5
    assert [e for e in events if isinstance(e, Issue)] == []
    assert selector.switches == 0


def test_one_person_frames_pass_through_untouched() -> None:
    frames = plank_hold(2.0)
    selector = PersonSelector(spec_for("plank"))
    assert all(selector.select(f) is f for f in frames)
