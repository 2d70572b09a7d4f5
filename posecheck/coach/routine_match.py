"""A recorded workout against a routine: which sets were which step, and how far each
step got towards its target (what ``posecheck routine`` tells live, for a recording).

Sets are matched to steps *in order*: a set of the current step's exercise belongs to
it (a step done in two sets adds them up); a set of a later step's exercise moves on to
that step (the steps between were skipped); a set of an exercise that is no later step
(done twice out of order, or not in the routine) is listed as outside the routine. A set
the recogniser was not sure of matches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from posecheck.check.events import format_time
from posecheck.coach.routine import Routine, seconds_text, target_text

#: The report's summary keys for each step target (the weaker side for reps_per_side).
_ACTUAL = {
    "reps": lambda s: float(s["reps"]),
    "reps_per_side": lambda s: float(
        min(s["reps_by_side"].get("left", 0), s["reps_by_side"].get("right", 0))
    ),
    "hold_s": lambda s: float(max(s["hold_s"] or 0.0, s["live_hold_s"] or 0.0)),
    "good_hold_s": lambda s: float(max(s["good_hold_s"] or 0.0, s["live_good_hold_s"] or 0.0)),
    "duration_s": lambda s: float(s["in_position_s"] or 0.0),
}


def match_sets(routine: Routine, exercises: Sequence[str | None]) -> list[int | None]:
    """For each set (its recognised exercise, None when not sure), the 0-based step it
    belongs to, or None."""
    out: list[int | None] = []
    step = 0
    names = [s.exercise for s in routine.steps]
    for ex in exercises:
        if ex is None:
            out.append(None)
            continue
        later = [k for k in range(step, len(names)) if names[k] == ex]
        if later:
            step = later[0]
            out.append(step)
        else:
            out.append(None)
    return out


def _side_sum(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The summaries of a step's sets added up, as one summary."""
    total: dict[str, Any] = {
        "reps": 0,
        "reps_by_side": {},
        "hold_s": 0.0,
        "live_hold_s": 0.0,
        "good_hold_s": 0.0,
        "live_good_hold_s": 0.0,
        "in_position_s": 0.0,
        "issue_counts": {},
    }
    for r in reports:
        s = r["summary"]
        total["reps"] += s["reps"]
        for side, n in s["reps_by_side"].items():
            total["reps_by_side"][side] = total["reps_by_side"].get(side, 0) + n
        hold = max(s["hold_s"] or 0.0, s["live_hold_s"] or 0.0)
        good = max(s["good_hold_s"] or 0.0, s["live_good_hold_s"] or 0.0)
        total["hold_s"] += hold
        total["live_hold_s"] += hold
        total["good_hold_s"] += good
        total["live_good_hold_s"] += good
        total["in_position_s"] += s["in_position_s"] or 0.0
        for code, n in s["issue_counts"].items():
            total["issue_counts"][code] = total["issue_counts"].get(code, 0) + n
    return total


def routine_progress(routine: Routine, workout_report: Mapping[str, Any]) -> dict[str, Any]:
    """The routine section of a workout report: each step's sets and progress."""
    sets = workout_report["sets"]
    steps_of = match_sets(routine, [s["exercise"] for s in sets])
    steps = []
    for k, step in enumerate(routine.steps):
        mine = [s for s, m in zip(sets, steps_of, strict=True) if m == k]
        summary = _side_sum([s["report"] for s in mine if s["report"] is not None])
        progress = {}
        for key, target in step.target.items():
            actual = _ACTUAL[key](summary)
            progress[key] = {
                "target": target,
                "actual": round(actual, 3),
                "fraction": round(min(1.0, actual / target), 3) if target > 0 else None,
                "met": actual >= target,
            }
        steps.append(
            {
                "number": k + 1,
                "exercise": step.exercise,
                "target": dict(step.target),
                "target_text": target_text(step.target),
                "sets": [s["index"] for s in mine],
                "done": bool(mine),
                "met": bool(progress) and all(p["met"] for p in progress.values()),
                "progress": progress,
                "reps": summary["reps"],
                "reps_by_side": dict(sorted(summary["reps_by_side"].items())),
                "hold_s": round(summary["hold_s"], 3),
                "issue_counts": dict(sorted(summary["issue_counts"].items())),
            }
        )
    outside = [s["index"] for s, m in zip(sets, steps_of, strict=True) if m is None]
    return {
        "name": routine.name,
        "title": routine.title,
        "steps": steps,
        "sets_outside": outside,
        "steps_done": sum(1 for s in steps if s["done"]),
        "targets_met": sum(1 for s in steps if s["met"]),
    }


#: What a target's key reads as on the terminal (the JSON keeps the keys).
_WORDS = {"duration_s": "time", "hold_s": "held", "reps_per_side": "reps per side", "reps": "reps"}


def _amount(key: str, value: float) -> str:
    """Seconds as people read them (``0:32.4``, ``5 min``), counts as numbers."""
    if not key.endswith("_s"):
        return f"{value:g}"
    return format_time(value) if value % 1 else seconds_text(value)


def format_routine(section: Mapping[str, Any]) -> str:
    """The routine's steps for the terminal: what each got against its target."""
    lines = [
        f"Routine {section['title']} ({section['name']}): {section['steps_done']} of "
        f"{len(section['steps'])} steps done, {section['targets_met']} targets met"
    ]
    for s in section["steps"]:
        if not s["done"]:
            got = "not done"
        else:
            parts = [
                f"{_WORDS.get(key, key)} {_amount(key, p['actual'])} of {_amount(key, p['target'])}"
                + (" (met)" if p["met"] else "")
                for key, p in s["progress"].items()
            ]
            sets = ", ".join(f"#{i}" for i in s["sets"])
            got = f"sets {sets}: " + ("; ".join(parts) if parts else "done (no target)")
        lines.append(f"  {s['number']}. {s['exercise']} ({s['target_text']}): {got}")
    if section["sets_outside"]:
        lines.append(
            "  outside the routine: sets " + ", ".join(f"#{i}" for i in section["sets_outside"])
        )
    return "\n".join(lines)
