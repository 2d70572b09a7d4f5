"""Compare a posecheck report with one clip's ground truth (labels.toml / expected.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from posecheck.check.specs import spec_for
from posecheck.evaluate.accuracy import SPAN_KEY, covered_s


def required_issues(clip: dict) -> set[str]:
    if "required_issues" in clip:
        return set(clip["required_issues"])
    return {i["issue"] for i in clip.get("form_issues", []) if i.get("required")}


def optional_issues(clip: dict) -> set[str]:
    if "optional_issues" in clip:
        return set(clip["optional_issues"])
    return {i["issue"] for i in clip.get("form_issues", []) if not i.get("required")}


def check_counts(name: str, clip: dict, report: dict) -> None:
    """Reps within the labelled tolerance (a clip-cut partial rep may or may not count),
    per-side counts likewise, hold time within its tolerance, labelled spans (slouching) in
    the report's time line."""
    summary = report["summary"]
    if "hold_s" in clip:
        good = summary["good_hold_s"]
        assert good == pytest.approx(clip["hold_s"], abs=clip["hold_tolerance_s"]), (
            f"{name}: good-form hold {good:.2f} s, labelled {clip['hold_s']} s"
        )
        return
    if SPAN_KEY in clip and "reps" not in clip:
        # A fault too short to alert on (a 2 s slouch; posture alerts after a minute) must
        # show in the report's time line, and must not be an alert.
        spans = [(x["t_start"], x["t_end"]) for x in report.get("timeline", [])]
        for a, b in clip[SPAN_KEY]:
            covered = covered_s(spans, a, b)
            assert covered >= 0.5 * (b - a), (
                f"{name}: the time line covers {covered:.1f} s of the labelled {a}-{b} s: {spans}"
            )
        assert report["issues"] == [], f"{name}: a short span alerted: {report['issues']}"
        return
    if "reps" not in clip:
        raise AssertionError(f"{name}: no reps, hold_s or {SPAN_KEY} labelled: nothing to check")
    reps = summary["reps"]
    tol = clip.get("reps_tolerance", 0)
    low, high = clip["reps"] - tol, clip["reps"] + clip.get("partial_reps", 0) + tol
    assert low <= reps <= high, f"{name}: counted {reps}, labelled {clip['reps']}"
    if clip.get("reps_per_side") and spec_for(clip["exercise"]).per_side:
        got = sorted(summary["reps_by_side"].values())
        want = sorted(clip["reps_per_side"].values())
        side_tol = tol + clip.get("partial_reps", 0)
        assert all(abs(a - b) <= side_tol for a, b in zip(got, want, strict=True)), (
            f"{name}: per side {summary['reps_by_side']}, labelled {clip['reps_per_side']}"
        )


def check_issues(name: str, clip: dict, report: dict) -> None:
    """Clean clips raise nothing; required faults are raised; nothing nobody saw is raised."""
    raised = {i["code"] for i in report["issues"]}
    if clip["clean"]:
        assert raised == set(), f"{name} is clean but raised {raised}"
    required = required_issues(clip)
    assert required <= raised, f"{name}: missing required {required - raised}"
    allowed = required | optional_issues(clip)
    assert raised <= allowed, f"{name}: raised {raised - allowed}, a fault nobody saw"


STATUS_FILE = Path(__file__).with_name("clip_status.toml")
STATUS: dict[str, dict] = tomllib.loads(STATUS_FILE.read_text())


def status_marks(name: str, check: str, reviewed: bool = True) -> list[pytest.MarkDecorator]:
    """The marks for one check of one clip: a strict xfail with its reason while the clip
    is listed as not yet right (tests/clip_status.toml); a non-strict one for a clip added
    to the shared labels since the last review (nothing recorded or expected for it yet)."""
    entry = STATUS.get(name)
    if entry is not None and check in entry.get("checks", ()):
        return [pytest.mark.xfail(strict=True, reason=f"{name}: {entry['reason']}")]
    if not reviewed:
        return [
            pytest.mark.xfail(
                strict=False,
                reason=f"{name}: new clip, not reviewed yet (scripts/record_samples.sh, "
                "scripts/make_expected.py, then tests/clip_status.toml)",
            )
        ]
    return []
