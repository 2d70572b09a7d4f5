"""posecheck.pose.lookout: one person tracked on every frame, the whole picture looked at only
when there is a reason (every 2 s, a jump, a loss), several people tracked only while
several are there. Fake models stand in for MediaPipe: what matters here is which model
is asked when, and what comes back."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posecheck.pose.landmarks import Landmark, Pose, PoseFrame
from posecheck.pose.lookout import Lookout

FPS = 30.0
IMAGE = np.zeros((4, 4, 3), dtype=np.uint8)


def person(x: float, y: float = 0.5, size: float = 0.2) -> Pose:
    """A pose whose torso is centred on (x, y), ``size`` tall (normalised units)."""
    image = np.zeros((33, 3), dtype=np.float32)
    image[:, 0], image[:, 1] = x, y
    for name in ("LEFT_SHOULDER", "RIGHT_SHOULDER"):
        image[Landmark[name], 1] = y - size / 2
    for name in ("LEFT_HIP", "RIGHT_HIP"):
        image[Landmark[name], 1] = y + size / 2
    return Pose(image, np.ones(33, dtype=np.float32))


Scene = Callable[[float], list[Pose]]  # who is in the picture at t; the first is tracked


class FakeModel:
    """Answers from the scene: one person (the tracker) or everyone."""

    def __init__(self, scene: Scene, everyone: bool) -> None:
        self.scene, self.everyone = scene, everyone
        self.calls: list[float] = []
        self.resets = 0
        self.closed = False

    def estimate(self, image_bgr: np.ndarray, t: float, index: int) -> PoseFrame:
        self.calls.append(t)
        poses = self.scene(t) if self.everyone else self.scene(t)[:1]
        return PoseFrame(index, t, 640, 480, poses[0] if poses else None, tuple(poses[1:]))

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.closed = True


Run = tuple[Lookout, list[PoseFrame], FakeModel, FakeModel, FakeModel]


def run(scene: Scene, seconds: float) -> Run:
    single, multi, look = FakeModel(scene, False), FakeModel(scene, True), FakeModel(scene, True)
    lookout = Lookout(single, multi, look)
    frames = [lookout.estimate(IMAGE, i / FPS, i) for i in range(round(seconds * FPS))]
    return lookout, frames, single, multi, look


def test_one_person_costs_a_look_every_two_seconds_and_nothing_else() -> None:
    alone = person(0.5)
    lookout, frames, single, multi, look = run(lambda t: [alone], 10.0)
    assert len(single.calls) == len(frames) and multi.calls == []
    assert [round(t, 2) for t in look.calls] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert all(f.pose is alone and f.others == () for f in frames)  # exactly the tracker's
    assert lookout.found == 0 and not lookout.several


def test_a_second_person_is_found_at_the_next_look_and_tracked_while_there() -> None:
    me, visitor = person(0.3), person(0.75, size=0.3)

    def scene(t: float) -> list[Pose]:
        return [me, visitor] if 5.0 <= t < 10.0 else [me]

    lookout, frames, single, multi, look = run(scene, 16.0)
    by_t = {round(f.t, 2): f for f in frames}
    assert by_t[5.5].others == ()  # not looked for yet
    assert by_t[6.0].pose is me and by_t[6.0].others == (visitor,)  # the look at 6 s
    assert all(by_t[round(t, 2)].others == (visitor,) for t in np.arange(6.1, 9.9, 0.5))
    assert lookout.found == 1
    # Alone again from 10 s: after 3 s of one person, back to tracking one, afresh.
    assert round(min(multi.calls), 2) == 6.03 and round(max(multi.calls), 2) == 13.0
    assert single.resets == 1 and not lookout.several
    assert [round(t, 2) for t in look.calls if t > 13] == [15.0]


def test_a_jump_of_the_tracked_person_is_looked_at_at_once() -> None:
    """The one-person tracker swapping to someone else shows as a jump across the picture."""
    me, other = person(0.3), person(0.8)

    def scene(t: float) -> list[Pose]:
        return [me] if t < 3.0 else [other, me]  # from 3 s the tracker follows `other`

    lookout, frames, _, _, look = run(scene, 4.0)
    assert [round(t, 2) for t in look.calls] == [0.0, 2.0, 3.0]
    assert lookout.several and frames[90].pose is other and frames[90].others == (me,)


def test_a_change_of_size_is_a_jump_too() -> None:
    """Someone nearer the camera in the same place: same centre, a bigger torso."""

    def scene(t: float) -> list[Pose]:
        return [person(0.5)] if t < 3.0 else [person(0.5, size=0.35), person(0.5)]

    _, _, _, _, look = run(scene, 4.0)
    assert [round(t, 2) for t in look.calls] == [0.0, 2.0, 3.0]


def test_losing_the_person_is_looked_at_once_not_on_every_frame() -> None:
    me = person(0.5)

    def scene(t: float) -> list[Pose]:
        return [] if 3.0 <= t < 8.0 else [me]

    lookout, _, single, _, look = run(scene, 9.0)
    # lost at 3.0: look; still lost: every 2 s; found again at 8.0: look
    assert [round(t, 2) for t in look.calls] == [0.0, 2.0, 3.0, 5.0, 7.0, 8.0]
    assert lookout.found == 0 and single.resets == 0


def test_looks_are_at_least_half_a_second_apart() -> None:
    """A tracker jumping back and forth on every frame does not make every frame a look."""
    a, b = person(0.2), person(0.8)
    _, _, _, _, look = run(lambda t: [a] if round(t * FPS) % 2 else [b], 3.0)
    gaps = np.diff(look.calls)
    assert len(look.calls) >= 4 and gaps.min() >= 0.5 - 1e-9


def test_close_releases_all_three_models() -> None:
    single, multi, look = (FakeModel(lambda t: [], False) for _ in range(3))
    with Lookout(single, multi, look):
        pass
    assert single.closed and multi.closed and look.closed
