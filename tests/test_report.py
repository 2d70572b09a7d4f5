"""Report model and writers, fed with hand-built checker output (no model, no video)."""

from __future__ import annotations

import csv
import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest

from posecheck.check.events import CheckerState, FrameResult, HoldSegment, Issue, Notice, Rep
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose, PoseFrame
from posecheck.report import files as report_mod
from posecheck.report.builder import SCHEMA_VERSION, ReportBuilder, SessionInfo
from posecheck.report.files import (
    CSV_COLUMNS,
    ReportError,
    atomic_write_text,
    write_csv,
    write_json,
)
from posecheck.report.text import format_summary, format_time

FPS = 10.0


def _pose() -> Pose:
    return Pose(np.full((NUM_LANDMARKS, 3), 0.5, np.float32), np.ones(NUM_LANDMARKS, np.float32))


def _state(t: float, ok: bool, **kw: object) -> CheckerState:
    base: dict[str, object] = dict(
        t=t,
        in_position=ok,
        visible=ok,
        phase="up" if ok else "idle",
        reps=0,
        reps_by_side={},
        hold_s=0.0,
        good_hold_s=0.0,
        active_issues=(),
        cue=None,
        side=None,
        signals={},
    )
    base.update(kw)
    return CheckerState(**base)  # type: ignore[arg-type]


def _info(kind: str = "alternating_reps", **kw: object) -> SessionInfo:
    base: dict[str, object] = dict(
        exercise="lunge",
        title="Alternating lunge",
        kind=kind,
        source="clip.mp4",
        fps=FPS,
        frame_count=50,
        size=(640, 480),
        model_variant="full",
        model_sha256="ab" * 32,
        targets={"reps": 20},
    )
    base.update(kw)
    return SessionInfo(**base)  # type: ignore[arg-type]


KNEE = Issue("knee_valgus", "Keep your knee over your toes", 2.8, 3.1, "knee_in", 0.1234567, 2)


def reps_session(partial: bool = False) -> dict:
    """50 frames at 10 fps: no pose for 1 s, then 4 s in position with two reps."""
    b = ReportBuilder(_info())
    events: dict[int, tuple] = {
        0: (Notice("not_visible", "Move back so your whole body is visible", 0.0),),
        10: (Notice("visible_again", "OK", 1.0),),
        20: (Rep(1, "left", 1.2, 2.0, 1.6, {"knee_angle": 88.123456}),),
        31: (Rep(2, "right", 2.1, 3.1, 2.6, {"knee_angle": 92.0}, ("knee_valgus",)), KNEE),
    }
    reps = 0
    by_side: dict[str, int] = {}
    for i in range(50):
        t = i / FPS
        ok = i >= 10
        for ev in events.get(i, ()):
            if isinstance(ev, Rep):
                reps += 1
                by_side[ev.side] = by_side.get(ev.side, 0) + 1
        frame = PoseFrame(i, t, 640, 480, _pose() if ok else None)
        state = _state(t, ok, reps=reps, reps_by_side=dict(by_side))
        b.add(frame, FrameResult(events.get(i, ()), state))
    return b.build(partial)


def test_report_contents_and_totals() -> None:
    r = reps_session()
    assert r["schema_version"] == SCHEMA_VERSION == 1
    assert (r["exercise"], r["title"], r["kind"]) == (
        "lunge",
        "Alternating lunge",
        "alternating_reps",
    )
    assert r["partial"] is False
    assert r["source"] == {
        "name": "clip.mp4",
        "live": False,
        "fps": 10.0,
        "frames": 50,
        "frames_expected": 50,
        "t_first": 0.0,
        "t_last": 4.9,
        "duration_s": 5.0,
        "width": 640,
        "height": 480,
        "dropped_frames": 0,
        "model_frames": None,
        "warnings": [],
    }
    assert r["model"] == {"variant": "full", "sha256": "ab" * 32}
    s = r["summary"]
    assert s["reps"] == 2
    assert s["reps_by_side"] == {"left": 1, "right": 1}
    assert s["issue_counts"] == {"knee_valgus": 1}
    assert s["reps_with_issues"] == 1
    assert s["notice_counts"] == {"not_visible": 1, "visible_again": 1}
    assert s["frames_with_pose"] == 0.8
    assert s["frames_visible"] == 0.8
    assert s["in_position_s"] == pytest.approx(4.0)
    assert s["targets"] == {"reps": 20}
    assert s["progress"] == {"reps": {"target": 20, "actual": 2, "fraction": 0.1, "met": False}}
    assert r["reps"][0] == {
        "index": 1,
        "side": "left",
        "t_start": 1.2,
        "t_end": 2.0,
        "t_peak": 1.6,
        "duration_s": 0.8,
        "at_peak": {"knee_angle": 88.123},
        "ranges": {},
        "issues": [],
    }
    assert r["reps"][1]["issues"] == ["knee_valgus"]
    assert r["issues"] == [
        {
            "index": 1,
            "code": "knee_valgus",
            "message": "Keep your knee over your toes",
            "rule": "knee_in",
            "t_start": 2.8,
            "t_end": 3.1,
            "value": 0.123,
            "rep_index": 2,
            "reps": [2],
        }
    ]
    assert [n["kind"] for n in r["notices"]] == ["not_visible", "visible_again"]
    # Strict JSON (no NaN) and a lossless round trip.
    assert json.loads(json.dumps(r, allow_nan=False)) == r


def test_partial_flag_and_build_is_repeatable() -> None:
    b = ReportBuilder(_info())
    b.add(PoseFrame(0, 0.0, 640, 480, None), FrameResult((), _state(0.0, False)))
    assert b.build(True)["partial"] is True
    assert b.build(False)["partial"] is False
    assert b.build(False)["source"]["frames"] == 1


def test_empty_session() -> None:
    r = ReportBuilder(_info()).build(partial=True)
    assert r["source"]["frames"] == 0
    assert r["source"]["duration_s"] == 0.0
    assert r["summary"]["frames_with_pose"] is None
    assert "PARTIAL" in format_summary(r)
    json.dumps(r, allow_nan=False)


def test_nan_values_become_null() -> None:
    b = ReportBuilder(_info())
    bad = Issue("x", "m", 0.0, 0.0, "r", float("nan"))
    rep = Rep(1, None, 0.0, 1.0, 0.5, {"a": float("inf")}, (), {"a": (0.0, float("nan"))})
    b.add(PoseFrame(0, 0.0, 640, 480, None), FrameResult((bad, rep), _state(0.0, True)))
    r = b.build(False)
    assert r["issues"][0]["value"] is None
    assert r["reps"][0]["at_peak"] == {"a": None}
    assert r["reps"][0]["ranges"] == {"a": [0.0, None]}
    json.dumps(r, allow_nan=False)


def test_hold_totals_and_open_hold_progress() -> None:
    info = _info("hold", exercise="plank", title="Plank", targets={"hold_s": 60, "good_hold_s": 30})
    b = ReportBuilder(info)
    seg = HoldSegment(1.0, 21.0, 18.5)
    b.add(
        PoseFrame(0, 21.0, 640, 480, _pose()),
        FrameResult((seg,), _state(21.0, False, hold_s=20.0, good_hold_s=18.5, phase="rest")),
    )
    # A second hold still running when the session ends: no HoldSegment yet.
    b.add(
        PoseFrame(1, 40.0, 640, 480, _pose()),
        FrameResult((), _state(40.0, True, hold_s=35.0, good_hold_s=30.0, phase="hold")),
    )
    r = b.build(partial=True)
    s = r["summary"]
    assert s["hold_s"] == 20.0 and s["good_hold_s"] == 18.5 and s["holds"] == 1
    assert s["live_hold_s"] == 35.0 and s["live_good_hold_s"] == 30.0
    assert s["progress"]["hold_s"] == {
        "target": 60,
        "actual": 35.0,
        "fraction": 0.583,
        "met": False,
    }
    assert s["progress"]["good_hold_s"]["met"] is True
    assert r["holds"] == [
        {"index": 1, "t_start": 1.0, "t_end": 21.0, "duration_s": 20.0, "good_s": 18.5}
    ]
    # Frame 0 (t=21) was out of position until frame 1; frame 1 counts for 1/fps.
    assert s["in_position_s"] == pytest.approx(0.1)
    text = format_summary(r)
    assert "Hold: 0:35.0 (good form 0:30.0) of 1:00.0" in text


def test_unknown_event_type_is_an_error() -> None:
    b = ReportBuilder(_info())
    with pytest.raises(TypeError):
        b.add(PoseFrame(0, 0.0, 1, 1, None), FrameResult(("bogus",), _state(0.0, True)))  # type: ignore[arg-type]


def test_session_info_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        _info("squats")
    with pytest.raises(ValueError, match="unknown target"):
        _info(targets={"laps": 3})
    with pytest.raises(ValueError, match="size"):
        _info(size=(0, 480))


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (0.0, "0:00.0"),
        (12.34, "0:12.3"),
        (59.96, "1:00.0"),
        (75.0, "1:15.0"),
        (3600.0, "60:00.0"),
        (float("nan"), "-:--.-"),
    ],
)
def test_format_time(t: float, text: str) -> None:
    assert format_time(t) == text


def test_format_summary() -> None:
    text = format_summary(reps_session(partial=True))
    assert "PARTIAL" in text
    assert "Reps: 2 of 20" in text
    assert "L 1 | R 1" in text
    assert "0:02.8 knee_valgus: Keep your knee over your toes" in text
    assert "pose found in 80% of frames" in text
    assert "body not fully visible 1 time" in text
    assert "PARTIAL" not in format_summary(reps_session(partial=False))


def test_format_summary_limits_issue_list() -> None:
    b = ReportBuilder(_info())
    issues = tuple(Issue("c", f"m{i}", float(i), float(i), "r") for i in range(30))
    b.add(PoseFrame(0, 0.0, 1, 1, None), FrameResult(issues, _state(0.0, True)))
    text = format_summary(b.build(False), max_issues=5)
    assert "... and 25 more" in text
    assert "m5" not in text


# --------------------------------------------------------------------------- writers


def test_write_json_round_trip(tmp_path: Path) -> None:
    r = reps_session()
    path = write_json(r, tmp_path / "report.json")
    assert json.loads(path.read_text(encoding="utf-8")) == r
    assert os.listdir(tmp_path) == ["report.json"]  # no temp file left behind


def test_write_csv_rows(tmp_path: Path) -> None:
    path = write_csv(reps_session(), tmp_path / "events.csv")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        rows = list(reader)
    assert [r["type"] for r in rows] == ["notice", "notice", "rep", "rep", "issue"]
    n0, _, rep1, rep2, issue = rows
    assert n0 == {
        "type": "notice",
        "index": "1",
        "side": "",
        "t_start": "0.0",
        "t_end": "0.0",
        "code": "not_visible",
        "message": "Move back so your whole body is visible",
        "value": "",
        "rep_index": "",
    }
    assert (
        rep1["index"],
        rep1["side"],
        rep1["t_start"],
        rep1["t_end"],
        rep1["code"],
        rep1["value"],
    ) == ("1", "left", "1.2", "2.0", "", "0.8")
    assert rep2["code"] == "knee_valgus"
    assert (issue["code"], issue["value"], issue["rep_index"], issue["t_end"]) == (
        "knee_valgus",
        "0.123",
        "2",
        "3.1",
    )


def test_write_csv_hold_rows(tmp_path: Path) -> None:
    b = ReportBuilder(_info("hold"))
    b.add(
        PoseFrame(0, 5.0, 1, 1, None),
        FrameResult((HoldSegment(1.0, 5.0, 3.25),), _state(5.0, True)),
    )
    path = write_csv(b.build(False), tmp_path / "e.csv")
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    assert rows == [
        {
            "type": "hold",
            "index": "1",
            "side": "",
            "t_start": "1.0",
            "t_end": "5.0",
            "code": "",
            "message": "",
            "value": "3.25",
            "rep_index": "",
        }
    ]


def test_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "report.json"
    with pytest.raises(ReportError, match="does not exist") as info:
        write_json(reps_session(), target)
    assert str(tmp_path / "nope") in str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "nope").exists()


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions"
)
def test_read_only_directory_real(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(ReportError, match="read-only"):
            write_csv(reps_session(), ro / "events.csv")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_read_only_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Runs as root too (where chmod cannot make a directory read-only)."""

    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(report_mod.os, "open", refuse)
    with pytest.raises(ReportError, match="read-only") as info:
        write_json(reps_session(), tmp_path / "r.json")
    monkeypatch.undo()
    assert str(tmp_path / "r.json") in str(info.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fail_at", ["replace", "fsync"])
def test_failure_keeps_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    target = tmp_path / "report.json"
    target.write_text('{"old": true}\n', encoding="utf-8")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_mod.os, fail_at, disk_full)
    with pytest.raises(ReportError, match="no space"):
        write_json(reps_session(), target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    assert os.listdir(tmp_path) == ["report.json"]


def test_failure_mid_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"

    def half_then_disk_full(f: object) -> None:
        f.write('{"reps": [')  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ReportError, match="no space"):
        atomic_write_text(target, half_then_disk_full)
    assert os.listdir(tmp_path) == []


def test_interrupt_mid_write_is_reraised_and_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    target.write_text("old\n", encoding="utf-8")

    def interrupted(f: object) -> None:
        f.write("type,index\nrep,")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, interrupted)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["events.csv"]


def test_json_dump_failure_is_report_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("{}", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> str:
        raise ValueError("Out of range float values are not JSON compliant")

    monkeypatch.setattr(report_mod.json, "dumps", boom)
    with pytest.raises(ReportError, match="not valid JSON"):
        write_json({"a": 1}, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "{}"
    assert os.listdir(tmp_path) == ["report.json"]


def test_target_is_directory(tmp_path: Path) -> None:
    (tmp_path / "out.json").mkdir()
    with pytest.raises(ReportError, match="directory"):
        write_json({}, tmp_path / "out.json")


def test_add_events_without_a_frame() -> None:
    """The checker's finish() tail (an open hold closed at the end) is recorded too."""
    b = ReportBuilder(_info("hold", targets={}))
    b.add(PoseFrame(0, 0.0, 1, 1, None), FrameResult((), _state(0.0, True)))
    b.add_events([HoldSegment(0.0, 8.0, 7.0), Issue("c", "m", 7.0, 8.0, "r")])
    r = b.build(False)
    assert r["summary"]["hold_s"] == 8.0 and r["summary"]["issue_counts"] == {"c": 1}
    assert r["source"]["frames"] == 1


def test_source_problems_are_kept_in_the_report() -> None:
    b = ReportBuilder(_info())
    b.add(PoseFrame(0, 0.0, 640, 480, _pose()), FrameResult((), _state(0.0, True)))
    b.dropped_frames = 12
    b.source_warnings = ["clip.mp4 ended early"]
    r = b.build(True)
    assert r["source"]["dropped_frames"] == 12
    assert r["source"]["warnings"] == ["clip.mp4 ended early"]
