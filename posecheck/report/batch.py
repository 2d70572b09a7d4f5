"""``posecheck analyze DIR/``: every video in a folder, one report each, plus an index.

A coach reviewing a week of a client's clips wants one command and one page to start
from. Each file is analysed exactly as ``analyze FILE`` would (same pipeline, both cores
on the pose model); a file that cannot be read is listed in the index with its one-line
reason and the others still run.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.report.files import write_json
from posecheck.report.text import format_time

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".npz")


@dataclass(frozen=True, slots=True)
class Entry:
    """One file's line in the index."""

    file: str
    report: str | None  # the JSON report's file name, None when the file failed
    html: str | None
    summary: dict[str, Any] | None
    error: str | None = None
    exercise: str | None = None  # the spec's name ("push_up")
    title: str | None = None  # and its title ("Push-up"), shown in the index
    kind: str | None = None  # reps | hold: which of the two the index shows


def videos_in(folder: Path) -> list[Path]:
    """The analysable files directly in ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def run_batch(
    files: list[Path],
    out_dir: Path,
    analyze_one: Callable[[Path, Path], tuple[dict[str, Any], bool]],
    errors: tuple[type[BaseException], ...],
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Entry]:
    """Analyse each file with ``analyze_one(file, json_path) -> (report, wrote_html)``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, f in enumerate(files, 1):
        if progress is not None:
            progress(i, len(files), f.name)
        json_path = out_dir / f"{f.stem}.json"
        try:
            report, wrote_html = analyze_one(f, json_path)
        except errors as exc:
            entries.append(Entry(f.name, None, None, None, str(exc)))
            continue
        html_name = f"{f.stem}.html" if wrote_html else None
        entries.append(
            Entry(
                f.name,
                json_path.name,
                html_name,
                report["summary"],
                exercise=report.get("exercise"),
                title=report.get("title"),
                kind=report.get("kind"),
            )
        )
    write_index(entries, out_dir)
    return entries


def write_index(entries: list[Entry], out_dir: Path) -> None:
    """index.json (machine) and index.html (people), both atomic."""
    write_json({"files": [_entry_dict(e) for e in entries]}, out_dir / "index.json")
    rows = []
    for e in entries:
        if e.error is not None:
            rows.append(
                f"<tr><td>{html.escape(e.file)}</td><td colspan=4 class=err>"
                f"{html.escape(e.error)}</td></tr>"
            )
            continue
        s = e.summary or {}
        issues = ", ".join(f"{k} x{v}" for k, v in s.get("issue_counts", {}).items()) or "none"
        link = e.html or e.report or ""
        rows.append(
            f"<tr><td><a href='{html.escape(link)}'>{html.escape(e.file)}</a></td>"
            f"<td>{html.escape(e.title or e.exercise or '')}</td>"
            f"<td>{html.escape(result_text(e))}</td>"
            f"<td>{html.escape(issues)}</td>"
            f"<td><a href='{html.escape(e.report or '')}'>json</a></td></tr>"
        )
    page = (
        "<!doctype html><meta charset=utf-8><title>posecheck reports</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em}.err{color:#b00}</style>"
        "<h1>posecheck reports</h1><table><tr><th>file</th><th>exercise</th><th>result</th>"
        "<th>issues</th><th>data</th></tr>" + "".join(rows) + "</table>"
    )
    tmp = out_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out_dir / "index.html")


def result_text(e: Entry) -> str:
    """What the file's exercise measures: reps for a rep exercise, the hold for a hold (a
    rep exercise showed ``hold 0:00.0``); both when a session has both, as the summary."""
    s = e.summary or {}
    parts = []
    if e.kind != "hold" or s.get("reps"):
        sides = ", ".join(f"{k} {v}" for k, v in s.get("reps_by_side", {}).items())
        parts.append(f"{s.get('reps', 0)} reps" + (f" ({sides})" if sides else ""))
    if e.kind == "hold" or s.get("holds"):
        # the same figures as the terminal summary (the larger of the two timers)
        hold = max(s.get("hold_s") or 0.0, s.get("live_hold_s") or 0.0)
        good = max(s.get("good_hold_s") or 0.0, s.get("live_good_hold_s") or 0.0)
        parts.append(f"hold {format_time(hold)} (good form {format_time(good)})")
    return "; ".join(parts)


def _entry_dict(e: Entry) -> dict[str, Any]:
    return {
        "file": e.file,
        "exercise": e.exercise,
        "title": e.title,
        "kind": e.kind,
        "report": e.report,
        "html": e.html,
        "summary": e.summary,
        "error": e.error,
    }
