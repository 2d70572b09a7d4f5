"""The report's time line: every stretch a continuous rule broke for `timeline_s` or more is a
Span, also those too short to alert on (a 2 s slouch; posture alerts after a minute), with the
time per fault and per minute monitored in the summary. And the spec checks of the keys that
came with it ([position.keep], timeline_s)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from test_vocabulary import arm_frame, spec

from posecheck.check.checker import Checker
from posecheck.check.events import HoldSegment, Span
from posecheck.check.specs import SpecError
from posecheck.coach.session_log import _event_line
from posecheck.evaluate.accuracy import Case, covered_s, score
from posecheck.report.builder import ReportBuilder, SessionInfo

ELBOW = {"elbow": {"kind": "angle", "points": ["shoulder", "elbow", "wrist"], "side": "left"}}


def bent_arm_spec(timeline_s: float | None = 1.0, for_s: float = 60.0) -> Any:
    rule: dict[str, Any] = {
        "code": "arm_bent",
        "message": "Straighten your arm",
        "when": "continuous",
        "signal": "elbow",
        "below": 120,
        "for_s": for_s,
    }
    if timeline_s is not None:
        rule["timeline_s"] = timeline_s
    return spec(ELBOW, rules=[rule])


def session(sp: Any, bends: list[tuple[float, float]], duration: float = 12.0) -> dict:
    """Hold the arm straight, bent to 90 deg during each (start, end), for `duration` s."""
    checker = Checker(sp)
    info = SessionInfo("probe", "Probe", "hold", "test", 30.0, None, (1000, 1000))
    builder = ReportBuilder(info)
    for i in range(round(duration * 30)):
        t = i / 30
        bent = any(a <= t < b for a, b in bends)
        frame = arm_frame(i, t, 90.0 if bent else 175.0)
        builder.add(frame, checker.update(frame))
    builder.add_events(checker.finish())
    return builder.build(partial=False)


def test_a_short_fault_is_a_time_line_span_not_an_alert() -> None:
    report = session(bent_arm_spec(), [(4.0, 6.5)])
    assert report["issues"] == []
    (span,) = report["timeline"]
    assert span["code"] == "arm_bent" and span["message"] == "Straighten your arm"
    assert span["t_start"] == pytest.approx(4.0, abs=0.1)
    assert span["t_end"] == pytest.approx(6.5, abs=0.1)
    summary = report["summary"]
    assert summary["timeline_s"]["arm_bent"] == pytest.approx(2.5, abs=0.15)
    in_position_min = summary["in_position_s"] / 60
    per_min = summary["timeline_per_min"]["arm_bent"]
    assert per_min == pytest.approx(summary["timeline_s"]["arm_bent"] / in_position_min, rel=0.01)


def test_a_fault_that_lasts_is_both_an_alert_and_a_span() -> None:
    report = session(bent_arm_spec(for_s=2.0), [(3.0, 8.0)])
    assert [i["code"] for i in report["issues"]] == ["arm_bent"]
    assert [s["code"] for s in report["timeline"]] == ["arm_bent"]


def test_blips_and_rules_without_a_time_line_give_no_spans() -> None:
    assert session(bent_arm_spec(), [(3.0, 3.5), (6.0, 6.6)])["timeline"] == []
    assert session(bent_arm_spec(timeline_s=None), [(4.0, 7.0)])["timeline"] == []


def test_spans_go_to_the_session_log_and_are_scored_by_eval() -> None:
    line = _event_line(Span("slouching", "Sit tall", 5.8, 7.8), Counter())
    assert line["type"] == "span" and line["duration_s"] == pytest.approx(2.0)
    assert covered_s([(5.0, 6.0), (5.5, 7.0), (9.0, 9.5)], 5.9, 7.9) == pytest.approx(1.1)
    case = Case("c", "posture", None, {"exercise": "posture", "slouch_spans_s": [[5.9, 7.9]]})
    timeline = [{"t_start": 5.8, "t_end": 7.8}]
    assert score(case, {"summary": {}, "issues": [], "timeline": timeline}).spans_ok
    alert = {"summary": {}, "issues": [{"code": "slouching"}], "timeline": timeline}
    assert score(case, alert).spans_ok is False  # a 2 s slouch must not alert
    late = {"summary": {}, "issues": [], "timeline": [{"t_start": 7.5, "t_end": 9.0}]}
    assert score(case, late).spans_ok is False


def test_timeline_is_only_for_continuous_rules() -> None:
    rule = {"code": "x", "message": "m", "when": "rep", "signal": "elbow", "stat": "min"}
    with pytest.raises(SpecError, match=r"rules\[0\]\.timeline_s: is only for when = 'continuous'"):
        spec(
            ELBOW,
            kind="reps",
            reps={"signal": "elbow", "direction": "down", "enter": 120, "exit": 140},
            rules=[rule | {"below": 100, "timeline_s": 1.0}],
        )


def test_keep_bounds_name_signals_of_the_spec() -> None:
    with pytest.raises(SpecError, match=r"position\.keep\.elbw: is not a signal of this spec"):
        spec(ELBOW, position={"require": {}, "keep": {"elbw": {"min": 1}}})
    sp = spec(ELBOW, position={"require": {"elbow": {"min": 150}}, "keep": {"elbow": {"min": 90}}})
    assert [b.signal for b in sp.position.keep] == ["elbow"]


def test_keep_holds_a_position_the_entry_check_would_refuse() -> None:
    """Entered at 150+ deg, the hold is kept down to 90: one hold through a bend to 120."""
    sp = spec(ELBOW, position={"require": {"elbow": {"min": 150}}, "keep": {"elbow": {"min": 90}}})
    checker = Checker(sp)
    events = []
    for i in range(9 * 30):
        t = i / 30
        elbow = 120.0 if 3.0 <= t < 6.0 else 175.0
        events.extend(checker.update(arm_frame(i, t, elbow)).events)
    events.extend(checker.finish())
    (hold,) = [e for e in events if isinstance(e, HoldSegment)]
    assert hold.duration == pytest.approx(9.0, abs=0.5)
