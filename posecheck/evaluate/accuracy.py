"""Measured accuracy: run posecheck on labelled clips and score it against the labels.

The labels format is ``../shared/sample_videos/labels.toml`` (one ``[clips.NAME]`` table
per clip: ``file``, ``exercise``, ``reps`` / ``partial_reps`` / ``reps_tolerance``,
``hold_s`` / ``hold_tolerance_s`` or ``slouch_spans_s``, ``clean``, ``form_issues``). A folder
of landmark recordings works too: ``expected.toml`` (same keys, issues as ``required_issues`` /
``optional_issues``) beside ``recordings/NAME.npz``, which needs no model and no video.

Scoring follows what people must be able to trust: a rep count is *exact* when it lands
in ``[reps, reps + partial_reps]`` (a rep cut by the clip's edge may count or not), an
issue raised is *correct* when the label lists it (required or optional), and any issue on
a clip labelled clean is a *false alarm*. A clip labelled with spans of a fault too short to
alert on (``slouch_spans_s``: a posture clip) is *right* when the report's time line covers at
least half of each labelled span and no alert fired.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from posecheck.evaluate.recognition_score import (
    answer,
    format_recognition,
    outcome,
    summarize_recognition,
    truth_of,
)
from posecheck.sources.base import SourceError
from posecheck.workout.recognition import Recognition


class EvalError(ValueError):
    """A labels file or folder posecheck cannot evaluate, phrased as one line."""


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled clip: where its frames are and what a careful person saw."""

    name: str
    exercise: str
    path: Path | None
    truth: dict[str, Any]
    # Why this entry cannot be scored (no count or hold to compare, no video found...):
    # one entry eval cannot score is a "skipped" line, never the end of the run.
    skip: str = ""

    @property
    def needs_model(self) -> bool:
        return self.path is not None and self.path.suffix.lower() != ".npz"

    def required(self) -> set[str]:
        if "required_issues" in self.truth:
            return set(self.truth["required_issues"])
        return {i["issue"] for i in self.truth.get("form_issues", []) if i.get("required")}

    def allowed(self) -> set[str]:
        if "optional_issues" in self.truth:
            return self.required() | set(self.truth["optional_issues"])
        return self.required() | {i["issue"] for i in self.truth.get("form_issues", [])}


@dataclass(slots=True)
class ClipScore:
    """Expected against measured for one clip."""

    name: str
    exercise: str
    status: str = "ok"  # ok | skipped (no spec) | error (could not be analysed)
    detail: str = ""
    reps_expected: int | None = None
    reps_partial: int = 0
    reps_measured: int | None = None
    rep_error: int | None = None  # distance from [reps, reps + partial]; 0 = exact
    hold_expected: float | None = None
    hold_measured: float | None = None
    hold_error: float | None = None
    spans_expected: float | None = None  # labelled seconds in time-line spans (slouching)
    spans_covered: float | None = None  # of those, seconds the report's time line covers
    spans_ok: bool | None = None  # each labelled span half covered or more, and no alert
    hold_tolerance: float = 0.5
    view: str = "other"  # side / oblique / front / back / mixed (view_class of the label)
    clean: bool = False
    raised: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    confidence: str = ""
    # Recognition of the clip's exercise (posecheck.evaluate.recognition_score), when run:
    # what was named ("not sure", "none") and right / unsure / missed / wrong.
    recognized: str | None = None
    recognition: str | None = None
    shows: str = ""  # the exercise the clip shows: its label, or "none" on a control clip
    candidates: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        """Count, hold or time line within the label's tolerance, and no false issue."""
        if self.rep_error is not None:
            counted = self.rep_error == 0
        elif self.hold_error is not None:
            counted = self.hold_error <= self.hold_tolerance
        else:
            counted = bool(self.spans_ok)
        return counted and not self.unexpected and not (self.clean and self.raised)

    @property
    def missed(self) -> list[str]:
        return sorted(set(self.required) - set(self.raised))

    @property
    def unexpected(self) -> list[str]:
        return sorted(set(self.raised) - set(self.allowed))


def load_cases(target: str | Path) -> list[Case]:
    """The clips of a labels .toml file, or of a folder of recordings with expected.toml."""
    path = Path(target)
    if path.is_dir():
        labels = path / "expected.toml"
        if not labels.is_file():
            raise EvalError(f"{path}: no expected.toml in this folder (nor a labels file given)")
        media_dirs = [path / "recordings", path]
    elif path.is_file():
        labels, media_dirs = path, [path.parent, path.parent / "recordings"]
    else:
        raise EvalError(f"{path}: no such labels file or folder")
    try:
        data = tomllib.loads(labels.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EvalError(f"{labels}: cannot read labels: {exc}") from None
    clips = data.get("clips")
    if not isinstance(clips, dict) or not clips:
        raise EvalError(f"{labels}: needs [clips.NAME] tables, found none")
    cases = []
    for name, truth in clips.items():
        if not isinstance(truth, dict):
            cases.append(Case(name, "?", None, {}, f"clips.{name}: not a table"))
            continue
        exercise = truth.get("exercise")
        if not isinstance(exercise, str):
            cases.append(Case(name, "?", None, truth, f"no exercise name (clips.{name}.exercise)"))
            continue
        names = [truth["file"]] if "file" in truth else []
        names.append(f"{name}.npz")
        found = next((d / n for n in names for d in media_dirs if (d / n).is_file()), None)
        skip = ""
        if "reps" not in truth and "hold_s" not in truth and SPAN_KEY not in truth:
            skip = f"no reps, hold_s or {SPAN_KEY} to compare with"
        elif found is None:
            skip = f"no {' or '.join(names)} in {media_dirs[0]}"
        cases.append(Case(name, exercise, found, truth, skip))
    return cases


SPAN_KEY = "slouch_spans_s"  # labelled stretches the report's time line must show


def covered_s(spans: list[tuple[float, float]], a: float, b: float) -> float:
    """Seconds of [a, b] that the union of ``spans`` covers."""
    total, end = 0.0, a
    for s, e in sorted(spans):
        s, e = max(s, end), min(e, b)
        if e > s:
            total += e - s
            end = e
    return total


def score_spans(truth: dict[str, Any], report: dict[str, Any]) -> tuple[float, float, bool]:
    """(labelled seconds, seconds the time line covers, right?) for a clip labelled with
    spans: each labelled span at least half covered, and no alert (issue) raised."""
    spans = [(x["t_start"], x["t_end"]) for x in report.get("timeline", [])]
    labelled = [(float(a), float(b)) for a, b in truth[SPAN_KEY]]
    covered = [covered_s(spans, a, b) for a, b in labelled]
    ok = all(c >= 0.5 * (b - a) for c, (a, b) in zip(covered, labelled, strict=True))
    return sum(b - a for a, b in labelled), sum(covered), ok and not report["issues"]


def view_class(label: str) -> str:
    """The camera's view as labelled ("side (portrait)", "front-oblique (turned ~30 deg)",
    "front 0-8.6 s and ...; side ...") in one word: side, oblique, front, back or mixed."""
    text = label.lower()
    if "then" in text or ";" in text or re.search(r"\d\s*s\b.*\band\b", text):
        return "mixed"
    first = re.split(r"[\s/(,]", text.strip(), maxsplit=1)[0]
    if "oblique" in first:
        return "oblique"
    return first if first in ("side", "front", "back") else "other"


def score(case: Case, report: dict[str, Any]) -> ClipScore:
    """Compare one report with its clip's labels."""
    truth, summary = case.truth, report["summary"]
    s = ClipScore(case.name, case.exercise, clean=bool(truth.get("clean", False)))
    s.view = view_class(str(truth.get("view", "")))
    s.hold_tolerance = float(truth.get("hold_tolerance_s", 0.5))
    s.confidence = str(truth.get("confidence", ""))
    s.raised = sorted({i["code"] for i in report["issues"]})
    s.required, s.allowed = sorted(case.required()), sorted(case.allowed())
    if "hold_s" in truth:
        s.hold_expected = float(truth["hold_s"])
        s.hold_measured = float(summary["good_hold_s"] or 0.0)
        s.hold_error = round(abs(s.hold_measured - s.hold_expected), 3)
    elif SPAN_KEY in truth and "reps" not in truth:
        expected, covered, s.spans_ok = score_spans(truth, report)
        s.spans_expected, s.spans_covered = round(expected, 3), round(covered, 3)
    else:
        s.reps_expected, s.reps_partial = int(truth["reps"]), int(truth.get("partial_reps", 0))
        s.reps_measured = int(summary["reps"])
        low, high = s.reps_expected, s.reps_expected + s.reps_partial
        s.rep_error = max(low - s.reps_measured, s.reps_measured - high, 0)
    return s


def summarize(scores: list[ClipScore]) -> dict[str, Any]:
    """Overall figures over the clips that ran."""
    ran = [s for s in scores if s.status == "ok"]
    reps = [s for s in ran if s.rep_error is not None]
    holds = [s for s in ran if s.hold_error is not None]
    spans = [s for s in ran if s.spans_ok is not None]
    raised = sum(len(s.raised) for s in ran)
    correct = sum(len(set(s.raised) & set(s.allowed)) for s in ran)
    required = sum(len(s.required) for s in ran)
    found = sum(len(set(s.required) & set(s.raised)) for s in ran)
    clean = [s for s in ran if s.clean]

    def rate(n: int, d: int) -> float | None:
        return round(n / d, 3) if d else None

    return {
        "clips": len(scores),
        "evaluated": len(ran),
        "skipped": sum(s.status == "skipped" for s in scores),
        "errors": sum(s.status == "error" for s in scores),
        "rep_clips": len(reps),
        "reps_exact_rate": rate(sum(s.rep_error == 0 for s in reps), len(reps)),
        "reps_within_one_rate": rate(sum((s.rep_error or 0) <= 1 for s in reps), len(reps)),
        "reps_mean_abs_error": rate(sum(s.rep_error or 0 for s in reps), len(reps)),
        "hold_clips": len(holds),
        "hold_mean_abs_error_s": rate(round(sum(s.hold_error or 0 for s in holds), 3), len(holds)),
        "span_clips": len(spans),
        "spans_right_rate": rate(sum(bool(s.spans_ok) for s in spans), len(spans)),
        "issues_raised": raised,
        "issue_precision": rate(correct, raised),
        "issue_recall": rate(found, required),
        "clean_clips": len(clean),
        "clean_clips_with_false_alarms": sum(bool(s.raised) for s in clean),
        # per view: clips, and clips right (count / hold / time line within tolerance and
        # no fault nobody saw)
        "by_view": {
            view: {"clips": len(group), "right": sum(s.right for s in group)}
            for view in sorted({s.view for s in ran})
            for group in [[s for s in ran if s.view == view]]
        },
        # named right / not sure / missed / wrong, and the confusion matrix (None: not run)
        "recognition": summarize_recognition(
            (s.shows, s.recognized, s.recognition)
            for s in ran
            if s.recognized is not None and s.recognition is not None
        ),
    }


def evaluate(
    cases: list[Case],
    analyze_case: Callable[[Case], dict[str, Any]],
    available: set[str],
    progress: Callable[[int, int, str], None] | None = None,
    recognize_case: Callable[[Case], Recognition] | None = None,
) -> tuple[list[ClipScore], dict[str, Any]]:
    """Run ``analyze_case`` on every case with a spec; a clip that fails is scored as an
    error with its one-line reason, and the others still run. ``recognize_case``, called
    after ``analyze_case`` on the same case, scores exercise recognition too."""
    scores = []
    for i, case in enumerate(cases, 1):
        if progress is not None:
            progress(i, len(cases), case.name)
        if case.skip:
            scores.append(ClipScore(case.name, case.exercise, "skipped", case.skip))
            continue
        if case.exercise not in available:
            scores.append(ClipScore(case.name, case.exercise, "skipped", "no spec"))
            continue
        try:
            scores.append(score(case, analyze_case(case)))
            if recognize_case is not None:
                rec = recognize_case(case)
                s = scores[-1]
                s.shows = truth_of(case.truth)
                s.recognized, s.recognition = answer(rec), outcome(s.shows, rec)
                s.candidates = [c.exercise for c in rec.candidates]
        except SourceError as exc:
            scores.append(ClipScore(case.name, case.exercise, "error", str(exc)))
    return scores, summarize(scores)


def to_json(scores: list[ClipScore], summary: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable result: overall figures and one record per clip."""
    clips = []
    for s in scores:
        record = asdict(s)
        record["missed"], record["unexpected"] = s.missed, s.unexpected
        clips.append(record)
    return {"summary": summary, "clips": clips}


def format_table(scores: list[ClipScore], summary: dict[str, Any]) -> str:
    """Per clip expected vs measured, then the overall figures, for the terminal."""
    lines = [f"{'clip':34s} {'exercise':24s} {'expected':>10s} {'measured':>9s}  issues"]
    for s in scores:
        if s.status != "ok":
            lines.append(f"{s.name:34s} {s.exercise:24s} {s.status}: {s.detail}")
            continue
        if s.reps_expected is not None:
            part = f"+{s.reps_partial}" if s.reps_partial else ""
            exp, got = f"{s.reps_expected}{part} reps", f"{s.reps_measured}"
            mark = "ok" if s.rep_error == 0 else f"off by {s.rep_error}"
        elif s.spans_ok is not None:
            exp, got = f"{s.spans_expected:.1f} s span", f"{s.spans_covered:.1f}"
            mark = "ok" if s.spans_ok else "time line misses it"
        else:
            exp, got = f"{s.hold_expected:.1f} s", f"{s.hold_measured:.1f}"
            mark = f"err {s.hold_error:.1f} s"
        issues = ",".join(s.raised) or "-"
        if s.missed:
            issues += f" MISSED {','.join(s.missed)}"
        if s.unexpected:
            issues += f" FALSE {','.join(s.unexpected)}"
        if s.recognized is not None and s.recognition != "right":
            mark += f"; named {s.recognized} ({s.recognition})"
        lines.append(f"{s.name:34s} {s.exercise:24s} {exp:>10s} {got:>9s}  {issues}  [{mark}]")
    sm = summary
    lines.append("")
    lines.append(
        f"clips {sm['evaluated']}/{sm['clips']} evaluated ({sm['skipped']} skipped, "
        f"{sm['errors']} errors)"
    )
    lines.append(
        f"reps: exact {_pct(sm['reps_exact_rate'])}, within one {_pct(sm['reps_within_one_rate'])},"
        f" mean abs error {sm['reps_mean_abs_error']} over {sm['rep_clips']} clips"
    )
    lines.append(f"holds: mean abs error {sm['hold_mean_abs_error_s']} s over {sm['hold_clips']}")
    if sm["span_clips"]:
        lines.append(
            f"time-line spans: right on {_pct(sm['spans_right_rate'])} of {sm['span_clips']} "
            "clips (each labelled span half covered or more, no alert)"
        )
    lines.append(
        f"issues: {sm['issues_raised']} raised, precision {_pct(sm['issue_precision'])}, "
        f"recall {_pct(sm['issue_recall'])}; false alarms on "
        f"{sm['clean_clips_with_false_alarms']} of {sm['clean_clips']} clean clips"
    )
    if sm.get("by_view"):
        views = ", ".join(f"{v} {c['right']}/{c['clips']}" for v, c in sm["by_view"].items())
        lines.append(f"right by view (count or hold within tolerance, no false issue): {views}")
    if sm.get("recognition"):
        lines.append(format_recognition(sm["recognition"]))
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.0f}%"
