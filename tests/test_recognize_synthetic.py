"""Recognition on the synthetic motion the exercise tests already build, for the specs no
shared clip shows (and the no-exercise motions): each is named right or "not sure" with it
among the candidates, never another name; walking and standing are never named. This
proves the decision's logic across specs, not its thresholds (those are measured on the
recordings, tests/test_recognize.py). Synthetic frames have no world landmarks, so the
stillness and sitting tests are not judged here."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import synth_floor as sf
import synth_front as sfr
import test_ex_bar as bar
import test_ex_bridge as bridge
import test_ex_floor as floor
import test_ex_front as front
import test_ex_standing as standing

from posecheck.evaluate.recognition_score import NONE, outcome
from posecheck.pose.landmarks import PoseFrame
from posecheck.workout.recognize import recognize

KNEELING = floor.KNEELING
MOTIONS: dict[str, Callable[[], list[PoseFrame]]] = {
    "shrug": lambda: bar.shrugs([20, 20, 20, 20]),
    "wall_stretch": lambda: bar.wall_frames([(2.0, {"lean": 0}), (10.0, {"lean": 15})]),
    "straight_leg_glute_bridge": lambda: bridge.lifts([{}, {}, {}]),
    "child_pose": lambda: floor.make(
        [
            floor.still(1, KNEELING),
            floor.move(1.5, KNEELING, sf.child_pose("back")),
            floor.still(8, sf.child_pose("back")),
        ]
    ),
    "full_body_stretch": lambda: floor.make(floor.stretch(sf.lying()), drop_every=5),
    "straddle_stretch": lambda: sfr.frames_front(
        front.SEQUENCES["straddle_stretch"](), **front.NOISY
    ),
    "side_stretch": lambda: sfr.frames_front(front.SEQUENCES["side_stretch"](), **front.NOISY),
    "cross_toe_touch": lambda: sfr.frames_front(
        front.SEQUENCES["cross_toe_touch"](), **front.NOISY
    ),
    "step_over_jump": lambda: sfr.frames_front(front.SEQUENCES["step_over_jump"](), **front.NOISY),
    "loaded_forward_bend": lambda: standing.hinge_frames([(90.0, 160.0)] * 3),
    "posture": lambda: standing.desk_frames([(90.0, 0.0, 28.0)]),
    NONE + ": walking": bar.walking,
    NONE + ": walking side-on": standing.walking_frames,
    NONE + ": standing": bar.standing_still,
}


@pytest.mark.parametrize("name", MOTIONS)
def test_synthetic_motion_is_never_named_wrong(name: str) -> None:
    truth = name.split(":")[0]
    rec = recognize(MOTIONS[name]())
    assert outcome(truth, rec) in ("right", "unsure"), f"{name}: {rec.label()}: {rec.reason}"
