"""The spec vocabulary beyond the proving exercises: mid-points, sideways tilt, levels
with a rolling baseline, the range stat, the rest_extreme metric, and duration / pace
targets. Each is tested on hand-placed landmarks so the expected numbers are exact."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posecheck.check.checker import Checker
from posecheck.check.events import Rep
from posecheck.check.features import FeatureExtractor
from posecheck.check.specs import SpecError, parse_spec
from posecheck.pose.landmarks import NUM_LANDMARKS, Landmark, Pose, PoseFrame
from posecheck.report.builder import ReportBuilder, SessionInfo
from posecheck.report.text import format_summary

W, H = 1000, 1000


def spec(signals: dict[str, Any], **extra: Any) -> Any:
    data: dict[str, Any] = {
        "name": "probe",
        "title": "Probe",
        "source": "test",
        "view": "front",
        "kind": "hold",
        "visibility": {"parts": ["shoulder", "hip"]},
        "signals": signals,
        "position": {"require": {}},
    }
    data.update(extra)
    return parse_spec(data, "probe.toml")


class Body:
    """Hand-placed landmarks of a person facing the camera (their left at image right)."""

    def __init__(self) -> None:
        self.px = [[500.0, 500.0] for _ in range(NUM_LANDMARKS)]
        self.vis = [1.0] * NUM_LANDMARKS
        self.z = [0.0] * NUM_LANDMARKS

    def put(self, name: str, x: float, y: float) -> Body:
        self.px[int(Landmark[name.upper()])] = [x, y]
        return self

    def trunk(self, lean_deg: float = 0.0, up: float = 0.0, width: float = 120.0) -> Body:
        """Hips at y=600-up, shoulders 150 px above them, leaning `lean_deg` towards image
        right; `width` is the shoulders' and hips' spread across the picture."""
        dx = 150 * math.tan(math.radians(lean_deg))
        self.put("left_hip", 500 + width / 2, 600 - up).put("right_hip", 500 - width / 2, 600 - up)
        self.put("left_shoulder", 500 + width / 2 + dx, 450 - up)
        return self.put("right_shoulder", 500 - width / 2 + dx, 450 - up)


def values(sp: Any, body: Body, t: float = 0.0, fx: FeatureExtractor | None = None) -> dict:
    fx = fx or FeatureExtractor(sp)
    return fx.compute(body.px, body.vis, body.z, t).values


# ---- mid-points and tilt ----------------------------------------------------------------------
TILT = {
    "lean": {"kind": "tilt", "points": ["mid.hip", "mid.shoulder"], "side": "max"},
    "to_left": {"kind": "tilt", "points": ["mid.hip", "mid.shoulder"], "side": "left"},
    "lean_by": {"kind": "tilt", "points": ["mid.hip", "mid.shoulder"], "side": "max:lean"},
}


@pytest.mark.parametrize("lean", [-20.0, -8.0, 0.0, 8.0, 20.0])
def test_tilt_is_signed_towards_the_body_side(lean: float) -> None:
    sp = spec(TILT)
    fx = FeatureExtractor(sp)
    f = fx.compute(Body().trunk(lean).px, [1.0] * NUM_LANDMARKS, [0.0] * NUM_LANDMARKS)
    # Leaning to image right = to the person's left when they face the camera.
    assert f.values["to_left"] == pytest.approx(lean, abs=1e-6)
    assert f.values["lean"] == pytest.approx(abs(lean), abs=1e-6)
    if lean:
        assert f.side_of("max:lean") == ("left" if lean > 0 else "right")


def test_tilt_flips_with_a_mirrored_picture_and_is_nan_side_on() -> None:
    sp = spec(TILT)
    mirrored = Body().trunk(10.0)
    for name in ("hip", "shoulder"):  # the person's left now at image left
        a, b = (
            mirrored.px[int(Landmark[f"LEFT_{name.upper()}"])],
            mirrored.px[int(Landmark[f"RIGHT_{name.upper()}"])],
        )
        a[0], b[0] = b[0], a[0]
    assert values(sp, mirrored)["to_left"] == pytest.approx(-10.0, abs=1e-6)
    side_on = values(sp, Body().trunk(10.0, width=10.0))
    assert math.isnan(side_on["to_left"]) and math.isnan(side_on["lean"])


def test_mid_point_needs_both_sides_seen() -> None:
    sp = spec(TILT)
    body = Body().trunk(10.0)
    body.vis[int(Landmark.RIGHT_HIP)] = 0.1
    assert math.isnan(values(sp, body)["lean"])


# ---- level with a baseline --------------------------------------------------------------------
LEVEL = {
    "rise": {
        "kind": "level",
        "points": ["mid.hip"],
        "per": ["shoulder", "hip"],
        "baseline": "min",
        "window_s": 1.0,
    },
    "drop": {
        "kind": "level",
        "points": ["mid.hip"],
        "per": ["shoulder", "hip"],
        "baseline": "max",
        "window_s": 1.0,
    },
}


def test_level_is_the_rise_over_the_recent_lowest_in_body_lengths() -> None:
    sp = spec(LEVEL)
    fx = FeatureExtractor(sp)
    seq = [(0.0, 0.0), (0.2, 30.0), (0.4, 0.0), (0.6, 15.0), (1.7, 15.0), (1.8, 45.0)]
    got = [values(sp, Body().trunk(up=up), t, fx) for t, up in seq]
    # Trunk 150 px long: a 30 px rise is 0.2 trunk lengths.
    assert [round(v["rise"], 3) for v in got] == [0.0, 0.2, 0.0, 0.1, 0.0, 0.2]
    assert [round(v["drop"], 3) for v in got] == [0.0, 0.0, -0.2, -0.1, 0.0, 0.0]


def test_level_does_not_rise_when_only_the_body_size_changes() -> None:
    """Leaning changes the shoulder-hip length (the unit); the hips did not move."""
    sp = spec(LEVEL)
    fx = FeatureExtractor(sp)
    for t, lean in ((0.0, 0.0), (0.1, 25.0), (0.2, -25.0)):
        assert values(sp, Body().trunk(lean), t, fx)["rise"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("signal", "expected"),
    [
        ({"kind": "level", "points": ["hip"], "per": ["shoulder", "hip"]}, "needs baseline"),
        (
            {"kind": "level", "points": ["hip"], "per": ["shoulder", "hip"], "baseline": "low"},
            "must be one of min, max",
        ),
        (
            {
                "kind": "level",
                "points": ["hip"],
                "per": ["shoulder", "hip"],
                "baseline": "min",
                "side": "max",
            },
            "follows one side",
        ),
        ({"kind": "tilt", "points": ["mid.nose", "hip"]}, "needs a part with two sides"),
        (
            {"kind": "angle", "points": ["hip", "knee", "ankle"], "baseline": "min", "window_s": 0},
            "window_s",
        ),
    ],
)
def test_vocabulary_mistakes_are_one_line_errors(signal: dict, expected: str) -> None:
    with pytest.raises(SpecError) as err:
        spec({"bad": signal})
    assert "probe.toml" in str(err.value) and "signals.bad" in str(err.value)
    assert expected in str(err.value) and "\n" not in str(err.value)


# ---- checker: range stat and rest_extreme ------------------------------------------------------
def arm_spec(rules: list[dict]) -> Any:
    """Reps on the left elbow angle, read from hand-placed arms."""
    return spec(
        {
            "elbow": {"kind": "angle", "points": ["shoulder", "elbow", "wrist"], "side": "left"},
            "trunk": {"kind": "tilt", "points": ["mid.hip", "mid.shoulder"], "side": "left"},
        },
        kind="reps",
        reps={"signal": "elbow", "direction": "down", "enter": 120, "exit": 140},
        rules=rules,
    )


def arm_frame(i: float, t: float, elbow: float, lean: float = 0.0) -> PoseFrame:
    body = Body().trunk(lean)
    sx, sy = body.px[int(Landmark.LEFT_SHOULDER)]
    body.put("left_elbow", sx, sy + 100)
    r = math.radians(180 - elbow)  # forearm swings up from straight down
    body.put("left_wrist", sx + 100 * math.sin(r), sy + 100 + 100 * math.cos(r))
    image = np.zeros((NUM_LANDMARKS, 3), np.float32)
    image[:, :2] = np.array(body.px) / [W, H]
    return PoseFrame(int(i), t, W, H, Pose(image, np.ones(NUM_LANDMARKS, np.float32)))


def run_arm(sp: Any, keys: list[tuple[float, float, float]]) -> list[Rep]:
    """(time, elbow angle, trunk lean) keys, linearly interpolated at 30 fps."""
    checker = Checker(sp)
    ts = np.arange(0.0, keys[-1][0] + 1e-9, 1 / 30)
    elbow = np.interp(ts, [k[0] for k in keys], [k[1] for k in keys])
    lean = np.interp(ts, [k[0] for k in keys], [k[2] for k in keys])
    reps = []
    for i, t in enumerate(ts):
        reps += [e for e in checker.update(arm_frame(i, t, elbow[i], lean[i])).events]
    return [e for e in reps if isinstance(e, Rep)]


def test_range_stat_flags_a_rep_where_the_torso_moved() -> None:
    sp = arm_spec(
        [
            {
                "code": "torso_moving",
                "message": "Keep your torso still",
                "when": "rep",
                "signal": "trunk",
                "stat": "range",
                "above": 10,
            }
        ]
    )
    still = [(0, 170, 0), (1, 170, 0), (2, 80, 0), (3, 170, 0), (4, 170, 0)]
    swing = [(0, 170, 0), (1, 170, 0), (2, 80, 20), (3, 170, 0), (4, 170, 0)]
    assert [r.issues for r in run_arm(sp, still)] == [()]
    assert [r.issues for r in run_arm(sp, swing)] == [("torso_moving",)]


def test_rest_extreme_flags_a_rep_started_from_bent_arms() -> None:
    sp = arm_spec(
        [
            {
                "code": "arms_not_straight",
                "message": "Straighten your arms at the bottom",
                "when": "rep",
                "metric": "rest_extreme",
                "below": 160,
            }
        ]
    )
    keys = [(0, 175, 0), (1, 175, 0), (2, 80, 0), (3, 145, 0), (4, 80, 0), (5, 175, 0), (6, 80, 0)]
    keys += [(7, 175, 0), (8, 175, 0)]
    reps = run_arm(sp, keys)
    # Rep 2 started after the arms opened only to 145: not a full hang.
    assert [r.issues for r in reps] == [(), ("arms_not_straight",), ()]


# ---- duration and pace targets ------------------------------------------------------------------
def test_duration_and_pace_progress(tmp_path: Path) -> None:
    from posecheck.check.events import CheckerState, FrameResult

    info = SessionInfo(
        "probe", "Probe", "reps", "clip.mp4", 10.0, 600, (640, 480),
        targets={"duration_s": 120, "rate_per_min": 5},
    )  # fmt: skip
    b = ReportBuilder(info)
    pose = Pose(np.full((NUM_LANDMARKS, 3), 0.5, np.float32), np.ones(NUM_LANDMARKS, np.float32))
    reps = 0
    for i in range(600):  # 60 s, in position from 10 s on: 50 s in position, 6 reps
        t = i / 10
        events: tuple = ()
        if i in (150, 220, 290, 360, 430, 500):
            reps += 1
            events = (Rep(reps, None, t - 1, t, t - 0.5, {}),)
        state = CheckerState(t, i >= 100, True, "rest", reps, {}, 0.0, 0.0, (), None, None, {})
        b.add(PoseFrame(i, t, 640, 480, pose), FrameResult(events, state))
    s = b.build(False)["summary"]
    assert s["in_position_s"] == pytest.approx(50.0)
    assert s["rate_per_min"] == pytest.approx(7.2)
    assert s["progress"]["duration_s"]["met"] is False
    assert s["progress"]["duration_s"]["fraction"] == pytest.approx(50 / 120, abs=1e-3)
    assert s["progress"]["rate_per_min"]["met"] is True
    text = format_summary(b.build(False))
    assert "Time in position: 0:50.0 of 2:00.0; pace 7/min (target 5/min)" in text


def test_time_in_position_accumulates_only_in_position_and_shows_on_the_hud() -> None:
    from posecheck.report.render import _hud_lines

    sp = arm_spec([])
    checker = Checker(sp)
    state = None
    for i in range(300):  # 10 s: in view 0-4 s, gone 4-6 s, back 6-10 s
        t = i / 30
        frame = arm_frame(i, t, 170.0)
        if 4.0 <= t < 6.0:
            frame = PoseFrame(i, t, W, H, None)
        state = checker.update(frame).state
    assert state is not None
    # Position needs 0.3 s to confirm each time; the gap is not counted.
    assert state.active_s == pytest.approx(4.0 + 4.0 - 0.3 - 0.3, abs=0.15)
    info = SessionInfo(
        "probe", "Probe", "reps", "cam", 30.0, None, (W, H), targets={"duration_s": 120}
    )
    texts = [text for text, _, _ in _hud_lines(state, info, None)]
    assert any(text.startswith("Time 0:0") and text.endswith("/ 2:00.0") for text in texts)


def test_if_seen_bounds_only_judge_what_can_be_measured() -> None:
    from posecheck.check.spec_model import Bound

    strict, lenient = Bound("gap", min=0.6), Bound("gap", min=0.6, if_seen=True)
    assert not strict.ok({"gap": math.nan}) and lenient.ok({"gap": math.nan})
    assert not lenient.ok({"gap": 0.2}) and lenient.ok({"gap": 0.8})
    sp = spec(
        {"lean": TILT["lean"]},
        position={"require": {"lean": {"max": 30, "if_seen": True}}},
    )
    assert sp.position.require[0].if_seen
    with pytest.raises(SpecError, match=r"position\.require\.lean\.if_seen"):
        spec({"lean": TILT["lean"]}, position={"require": {"lean": {"max": 30, "if_seen": 1}}})


def test_a_rep_open_while_its_signal_is_unseen_is_dropped() -> None:
    """The arm bends at 1 s, the wrist is lost 1.5-3 s (longer than lost_after_s): the
    open rep is dropped, not stretched over the gap (another rep may have happened
    unseen). Seen again still bent, the rep is taken up from there and counted once
    when the arm straightens at 4 s; then the next rep."""
    sp = arm_spec([])
    checker = Checker(sp)
    reps = []
    for i in range(240):
        t = i / 30
        elbow = 80.0 if 1.0 <= t < 4.0 else 170.0
        if 5.5 <= t < 6.0:
            elbow = 80.0
        frame = arm_frame(i, t, elbow)
        if 1.5 <= t < 3.0:
            assert frame.pose is not None
            vis = frame.pose.visibility.copy()
            vis[Landmark.LEFT_WRIST] = 0.1
            frame = PoseFrame(i, t, W, H, Pose(frame.pose.image, vis))
        reps += [e for e in checker.update(frame).events if isinstance(e, Rep)]
    assert [(round(r.t_start, 1), round(r.t_end, 1)) for r in reps] == [(3.0, 4.0), (5.5, 6.0)]
