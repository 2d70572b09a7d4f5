"""A continuous fault marks the reps it overlapped (issue 12, item 5): a sag through a
whole push-up is one Issue, reported when it ends, and the push-up carries its code in
the JSON, CSV, text and HTML reports. Synthetic push-ups place the sag exactly; the
committed recording of the shared hip-sag clip is the case that was reported."""

from __future__ import annotations

from pathlib import Path

import synth_floor as sf
from checkrun import of, run
from test_ex_floor import Segment, make, still

from posecheck.check.checker import Checker
from posecheck.check.events import Issue, Rep
from posecheck.check.specs import spec_for
from posecheck.pipeline import analyze
from posecheck.report.builder import ReportBuilder, SessionInfo
from posecheck.report.files import csv_rows
from posecheck.report.text import format_summary
from posecheck.sources.open import open_source

REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"
SAG = -0.13  # hips this far below the shoulder-ankle line: hips_sagging (cut -0.05)


def _rep(bottom: float, hip: float) -> list[Segment]:
    """One push-up (down 0.8 s, 0.2 s at the bottom, up 0.8 s) with the hips at ``hip``."""
    p = lambda s: sf.straight_plank(175 + (bottom - 175) * s, hip_offset=hip)  # noqa: E731
    return [(0.8, p), still(0.2, p(1.0)), (0.8, lambda s: p(1 - s))]


def _top(dur: float, hip: float = 0.0) -> Segment:
    return still(dur, sf.straight_plank(hip_offset=hip))


def _reps_and_issues(segments: list[Segment]) -> tuple[list[Rep], list[Issue]]:
    _, events = run("push_up", make(segments))
    return of(events, Rep), of(events, Issue)


def test_a_sag_through_one_rep_marks_that_rep_only() -> None:
    reps, issues = _reps_and_issues(
        [_top(1.0), *_rep(90, 0.0), _top(1.0), *_rep(90, SAG), _top(1.0), *_rep(90, 0.0), _top(1)]
    )
    assert [r.issues for r in reps] == [(), ("hips_sagging",), ()]
    (sag,) = issues
    assert sag.code == "hips_sagging" and sag.rep_index is None  # judged over time, not a rep
    assert sag.t_start <= reps[1].t_end and sag.t_end >= reps[1].t_start


def test_a_sag_that_ended_before_the_rep_was_counted_still_marks_it() -> None:
    """Sagging on the way down and at the bottom, straight on the way up: the episode is
    over (its Issue already out) by the time the rep is counted."""
    down, bottom, _ = _rep(90, SAG)
    _, _, up = _rep(90, 0.0)
    _, events = run("push_up", make([_top(1.0), down, bottom, up, _top(1.5)]))
    (sag,) = of(events, Issue)
    (rep,) = of(events, Rep)
    assert events.index(sag) < events.index(rep) and rep.t_start <= sag.t_end <= rep.t_end
    assert rep.issues == ("hips_sagging",)


def test_one_sag_over_two_reps_is_one_issue_marking_both() -> None:
    reps, issues = _reps_and_issues(
        [_top(1.0, SAG), *_rep(90, SAG), _top(0.8, SAG), *_rep(90, SAG), _top(1.0)]
    )
    assert [r.issues for r in reps] == [("hips_sagging",), ("hips_sagging",)]
    assert [i.code for i in issues] == ["hips_sagging"]


def test_a_sag_only_while_resting_at_the_top_marks_no_rep() -> None:
    reps, issues = _reps_and_issues(
        [_top(1.0), *_rep(90, 0.0), _top(0.5), _top(2.0, SAG), _top(1.0), *_rep(90, 0.0), _top(1)]
    )
    assert [i.code for i in issues] == ["hips_sagging"]  # confirmed, but between the reps
    assert [r.issues for r in reps] == [(), ()]


def test_a_rep_rule_and_an_overlapping_fault_are_both_carried_once() -> None:
    reps, issues = _reps_and_issues([_top(1.0, SAG), *_rep(124, SAG), _top(1.0)])
    assert [r.issues for r in reps] == [("shallow_depth", "hips_sagging")]
    assert sorted(i.code for i in issues) == ["hips_sagging", "shallow_depth"]


def test_the_hip_sag_recording_marks_rep_1_in_every_report() -> None:
    """The reported case: the sag runs 0:01.4-0:03.7 and covers all of rep 1."""
    report, _ = analyze(open_source(REC / "pushup_hip_sag_side_a.npz"), spec_for("push_up"))
    (rep,) = report["reps"]
    (issue,) = report["issues"]
    assert (issue["code"], issue["t_start"]) == ("hips_sagging", 1.4) and issue["t_end"] > 3.6
    assert issue["t_start"] <= rep["t_start"] and rep["t_end"] <= issue["t_end"]
    assert rep["issues"] == ["hips_sagging"] and issue["reps"] == [1]
    assert report["summary"]["reps_with_issues"] == 1
    (rep_row,) = [r for r in csv_rows(report) if r["type"] == "rep"]
    assert rep_row["code"] == "hips_sagging"
    text = format_summary(report)
    assert "Reps: 1  - 1 with form issues\n  rep 1: hips_sagging\n" in text


def test_the_text_summary_lists_marked_reps_up_to_max_issues() -> None:
    segments: list[Segment] = [_top(1.0)]
    for _ in range(4):
        segments += [*_rep(124, 0.0), _top(0.8)]  # shallow: every rep carries a fault
    frames = make(segments)
    checker = Checker(spec_for("push_up"))
    info = SessionInfo("push_up", "Push-up", "reps", "synthetic", 20.0, None, (1000, 1000))
    builder = ReportBuilder(info)
    for f in frames:
        builder.add(f, checker.update(f))
    builder.add_events(checker.finish())
    report = builder.build(False)
    assert [r["issues"] for r in report["reps"]] == [["shallow_depth"]] * 4
    assert [i["reps"] for i in report["issues"]] == [[1], [2], [3], [4]]
    lines = format_summary(report, max_issues=2).splitlines()
    marked = [ln for ln in lines if ln.startswith("  rep ")]
    assert marked == ["  rep 1: shallow_depth", "  rep 2: shallow_depth"]
    assert "  ... and 2 more reps with issues" in lines
