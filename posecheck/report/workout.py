"""The report of a whole workout: one section per set, the totals per exercise, the rests.

Each set's section carries the very report an exercise's file analysis writes
(:class:`posecheck.report.builder.ReportBuilder` fed the set's judged frames), so a set
reads, key for key, like that set filmed alone; around it, what the recogniser said and
when the set began and ended. A set the recogniser was not sure of has no report, only
the candidates and what each one's checker counted: a report under a guessed name would
be read as a real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posecheck._version import __version__
from posecheck.check.events import format_time
from posecheck.check.specs import spec_for
from posecheck.report.builder import SCHEMA_VERSION, ReportBuilder, SessionInfo, _r
from posecheck.workout.recognition import Recognition
from posecheck.workout.sets import Workout, WorkoutSet

#: ``kind`` of a workout report (a single exercise's report has its exercise kind).
WORKOUT_KIND = "workout"


def recognition_dict(rec: Recognition) -> dict[str, Any]:
    """What the recogniser said, as JSON."""
    return {
        "exercise": rec.exercise,
        "label": rec.label(),
        "confidence": _r(rec.confidence),
        "reason": rec.reason,
        "candidates": [
            {
                "exercise": c.exercise,
                "score": _r(c.score),
                "reps": c.reps,
                "hold_s": _r(c.hold_s),
                "why": c.why,
            }
            for c in rec.candidates
        ],
    }


def set_report(s: WorkoutSet, source: Mapping[str, Any]) -> dict[str, Any] | None:
    """The exercise report of one judged set (None when the set was not judged)."""
    if s.judged_as is None:
        return None
    spec = spec_for(s.judged_as)
    size = (int(source.get("width") or 1), int(source.get("height") or 1))
    if s.results:
        f = s.results[0][0]
        size = (f.width, f.height)
    info = SessionInfo(
        exercise=spec.name,
        title=spec.title,
        kind="alternating_reps" if spec.per_side else spec.kind,
        source=str(source.get("name", "")),
        fps=float(source.get("fps") or 0.0),
        frame_count=len(s.results),
        size=size,
        model_variant=source.get("model_variant"),
        model_sha256=source.get("model_sha256"),
        targets=dict(spec.targets),
        side_label=spec.reps.side_label if spec.reps is not None else None,
        view=spec.view,
    )
    builder = ReportBuilder(info)
    for frame, result in s.results:
        builder.add(frame, result)
    builder.add_events(s.tail)
    return builder.build(partial=False)


def build_workout_report(workout: Workout, source: Mapping[str, Any]) -> dict[str, Any]:
    """The workout report dict. ``source``: ``name``, ``fps``, ``frames``, ``width``,
    ``height`` (and ``model_variant`` / ``model_sha256`` when a model ran)."""
    sets = []
    for s in workout.sets:
        sets.append(
            {
                "index": s.index,
                "exercise": s.exercise,
                "label": s.recognition.label(),
                "start": _r(s.start),
                "end": _r(s.end),
                "duration_s": _r(s.end - s.start),
                "judged": {"start": _r(s.window[0]), "end": _r(s.window[1])},
                "recognition": recognition_dict(s.recognition),
                "report": set_report(s, source),
            }
        )
    totals = {
        name: {
            "sets": t.sets,
            "reps": t.reps,
            "reps_by_side": dict(t.reps_by_side),
            "hold_s": _r(t.hold_s),
            "issue_counts": dict(t.issues),
        }
        for name, t in sorted(workout.totals().items())
    }
    rests = workout.rests()
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"posecheck {__version__}",
        "kind": WORKOUT_KIND,
        "source": {
            "name": str(source.get("name", "")),
            "fps": _r(float(source.get("fps") or 0.0)),
            "frames": int(source.get("frames") or 0),
            "t_first": _r(workout.t_first),
            "t_last": _r(workout.t_last),
            "duration_s": _r(workout.t_last - workout.t_first),
            "width": source.get("width"),
            "height": source.get("height"),
        },
        "summary": {
            "sets": len(workout.sets),
            "sets_not_sure": sum(1 for s in workout.sets if not s.sure),
            "active_s": _r(sum(s.end - s.start for s in workout.sets)),
            "rest_s": _r(sum(b - a for a, b in rests)),
        },
        "sets": sets,
        "totals": totals,
        "rests": [{"start": _r(a), "end": _r(b)} for a, b in rests],
        "other_movement": [
            {"start": _r(c.start), "end": _r(c.end), "reason": c.recognition.reason}
            for c in workout.other
        ],
    }


def set_result_text(entry: Mapping[str, Any]) -> str:
    """``9 reps (L 4 | R 5)``, ``hold 0:19.3``, or the candidates' counts when not sure."""
    rep = entry.get("report")
    if rep is None:
        cands = entry["recognition"]["candidates"][:3]
        parts = [f"{c['exercise']} {_count(c['reps'], c['hold_s'])}" for c in cands]
        return "candidates: " + ", ".join(parts) if parts else "-"
    s = rep["summary"]
    if rep["kind"] == "hold":
        return f"hold {format_time(max(s['hold_s'] or 0.0, s['live_hold_s'] or 0.0))}"
    text = _reps(s["reps"])
    if s["reps_by_side"]:
        text += " (" + " | ".join(f"{k[:1].upper()} {v}" for k, v in s["reps_by_side"].items())
        text += ")"
    return text


def _reps(n: int) -> str:
    return f"{n} rep" if n == 1 else f"{n} reps"


def _count(reps: int, hold_s: float | None) -> str:
    return _reps(reps) if reps else f"hold {format_time(hold_s or 0.0)}"


def set_issues_text(entry: Mapping[str, Any]) -> str:
    rep = entry.get("report")
    if rep is None:
        return "not judged"
    counts = rep["summary"]["issue_counts"]
    return ", ".join(f"{c} x{n}" for c, n in counts.items()) if counts else "none"


def format_workout(report: Mapping[str, Any]) -> str:
    """The workout for the terminal: one line per set, then the totals per exercise."""
    s = report["summary"]
    src = report["source"]
    unsure = f", {s['sets_not_sure']} not sure" if s["sets_not_sure"] else ""
    lines = [
        f"Workout ({src['name']}): {format_time(src['duration_s'])} long, "
        f"{s['sets']} sets{unsure}; active {format_time(s['active_s'])}, "
        f"rest {format_time(s['rest_s'])}"
    ]
    if not report["sets"]:
        lines.append("  no sets found: nobody exercising (standing, walking or away)")
    for e in report["sets"]:
        when = f"{format_time(e['start'])}-{format_time(e['end'])}"
        lines.append(
            f"  {e['index']:>2}. {when:>15}  {e['label']:<24} {set_result_text(e)}; "
            f"issues: {set_issues_text(e)}"
        )
    if report["totals"]:
        lines.append("Totals:")
    for name, t in report["totals"].items():
        parts = [f"{t['sets']} set" + ("s" if t["sets"] != 1 else "")]
        if t["reps"]:
            sides = t["reps_by_side"]
            side = (
                " (" + " | ".join(f"{k[:1].upper()} {v}" for k, v in sides.items()) + ")"
                if sides
                else ""
            )
            parts.append(f"{_reps(t['reps'])}{side}")
        if t["hold_s"]:
            parts.append(f"held {format_time(t['hold_s'])}")
        issues = t["issue_counts"]
        parts.append(
            "issues: " + (", ".join(f"{c} x{n}" for c, n in issues.items()) if issues else "none")
        )
        lines.append(f"  {name}: " + "; ".join(parts))
    return "\n".join(lines)
