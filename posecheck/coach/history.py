"""Past sessions from the session logs (:mod:`posecheck.coach.session_log`), newest first.

The history is read from the logs themselves, not from a separate index, so it cannot
disagree with them, and a session whose process was killed still shows (as
"interrupted", with what it had counted).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.coach.session_log import SUFFIX, SessionLog, SessionLogError, read_session
from posecheck.report.text import format_time


@dataclass(frozen=True, slots=True)
class History:
    """The readable session logs of a directory, newest first, and what was skipped."""

    directory: Path
    sessions: tuple[SessionLog, ...]
    skipped: tuple[str, ...]  # one line per file that is not a readable session log


def load_history(directory: str | os.PathLike[str], last: int | None = None) -> History:
    """Read every ``*.jsonl`` log in ``directory``; ``last`` keeps only the newest N.

    A missing directory is an empty history (no session yet), not an error.
    """
    path = Path(directory).expanduser()
    files = sorted(path.glob(f"*{SUFFIX}")) if path.is_dir() else []
    logs: list[SessionLog] = []
    skipped: list[str] = []
    for f in files:
        try:
            logs.append(read_session(f))
        except SessionLogError as exc:
            skipped.append(str(exc))
    # ISO times with one local offset sort as text; the file name breaks ties.
    logs.sort(key=lambda s: (str(s.header.get("started", "")), s.path.name), reverse=True)
    if last is not None:
        logs = logs[: max(0, last)]
    return History(path, tuple(logs), tuple(skipped))


def status(log: SessionLog) -> str:
    """``interrupted`` (no summary: killed), ``partial`` (ended early), else ``ok``."""
    if not log.complete:
        return "interrupted"
    return "partial" if log.summary.get("partial") else "ok"


def session_row(log: SessionLog) -> dict[str, Any]:
    """One session as a JSON-ready dict (the ``--json`` output)."""
    s, h = log.summary, log.header
    issues = s.get("issue_counts", {})
    row: dict[str, Any] = {
        "file": str(log.path),
        "started": h.get("started"),
        "exercise": h.get("exercise"),
        "title": h.get("title"),
        "kind": h.get("kind"),
        "source": h.get("source"),
        "duration_s": s.get("duration_s"),
        "reps": s.get("reps", 0),
        "reps_by_side": s.get("reps_by_side", {}),
        "hold_s": max(s.get("hold_s") or 0.0, s.get("live_hold_s") or 0.0),
        "good_hold_s": max(s.get("good_hold_s") or 0.0, s.get("live_good_hold_s") or 0.0),
        "issues": sum(issues.values()),
        "issue_counts": issues,
        "targets": h.get("targets", {}),
        "status": status(log),
    }
    if "routine" in h:
        row["routine"] = {k: h.get(k) for k in ("routine", "step", "steps")}
    return row


def _when(started: str | None) -> str:
    """``2025-03-01T07:30:12+01:00`` -> ``2025-03-01 07:30``: local time as it was."""
    if not started:
        return "?"
    return started[:16].replace("T", " ")


def _reps_text(row: dict[str, Any]) -> str:
    if not row["reps"] and row["kind"] == "hold":
        return "-"
    sides = row["reps_by_side"]
    text = str(row["reps"])
    if sides:
        text += " (" + " | ".join(f"{k[:1].upper()} {v}" for k, v in sorted(sides.items())) + ")"
    return text


def format_history(history: History) -> str:
    """The table ``posecheck history`` prints."""
    if not history.sessions:
        lines = [f"no sessions in {history.directory}"]
    else:
        lines = [
            f"{'when':16s}  {'exercise':24s} {'duration':>8s}  {'reps':14s} {'hold':>7s}  "
            f"{'issues':>6s}  status"
        ]
        for log in history.sessions:
            row = session_row(log)
            hold = format_time(row["hold_s"])[:-2] if row["hold_s"] else "-"
            dur = format_time(row["duration_s"])[:-2] if row["duration_s"] is not None else "?"
            note = "" if row["status"] == "ok" else row["status"]
            if "routine" in row:
                r = row["routine"]
                note = f"{note}  routine {r['routine']} {r['step']}/{r['steps']}".strip()
            lines.append(
                f"{_when(row['started']):16s}  {row['exercise']!s:24s} {dur:>8s}  "
                f"{_reps_text(row):14s} {hold:>7s}  {row['issues']:>6d}  {note}".rstrip()
            )
    lines.extend(f"skipped: {s}" for s in history.skipped)
    return "\n".join(lines)


def history_json(history: History) -> dict[str, Any]:
    return {
        "directory": str(history.directory),
        "sessions": [session_row(s) for s in history.sessions],
        "skipped": list(history.skipped),
    }
