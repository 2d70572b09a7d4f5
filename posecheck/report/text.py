"""The session report as terminal text: end-of-session summary and live event lines.

Times are shown as ``m:ss.s`` (:func:`posecheck.check.events.format_time`), as everywhere.
The summary reads the dict built by :mod:`posecheck.report.builder`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from posecheck.check.events import HoldSegment, Issue, Notice, Rep, format_time

__all__ = ["format_summary", "format_time", "iter_event_lines"]


def _sides_text(by_side: Mapping[str, int], label: str | None = None) -> str:
    """``L 4 | R 5``, named by what the sides are: ``front leg: L 4 | R 5``."""
    text = " | ".join(f"{side[:1].upper()} {n}" for side, n in sorted(by_side.items()))
    return f"{label}: {text}" if label else text


def side_text(side: str | None, label: str | None) -> str:
    """A rep's side as people say it: ``front leg: left`` (``left`` without a label)."""
    if not side:
        return ""
    return f"{label}: {side}" if label else side


def format_summary(report: Mapping[str, Any], *, max_issues: int = 20) -> str:
    """A few lines for the terminal after a session: totals, issues with times, visibility.

    Issues are listed in time order, at most ``max_issues`` of them (then "... and N
    more"), because a wall of text hides the totals people look for first; so are the
    reps that carry issues (a rep rule's, or a continuous fault that overlapped the rep).
    """
    s = report["summary"]
    progress = s.get("progress", {})
    lines: list[str] = []
    head = f"{report['title']} ({report['source']['name']})"
    if report.get("partial"):
        head += "  [PARTIAL: session ended early]"
    lines.append(head)

    kind = report["kind"]
    if kind in ("reps", "alternating_reps") or s["reps"]:
        text = f"Reps: {s['reps']}"
        if "reps" in progress:
            text += f" of {progress['reps']['target']:g}"
        if s["reps_by_side"]:
            text += f"  ({_sides_text(s['reps_by_side'], report.get('side_label'))})"
        if "reps_per_side" in progress:
            per = report.get("side_label") or "side"
            text += f"  target {progress['reps_per_side']['target']:g} per {per}"
        if s.get("reps_with_issues"):
            text += f"  - {s['reps_with_issues']} with form issues"
        lines.append(text)
        marked = [r for r in report.get("reps", []) if r["issues"]]
        for r in marked[:max_issues]:
            side = f" ({side_text(r['side'], report.get('side_label'))})" if r["side"] else ""
            lines.append(f"  rep {r['index']}{side}: {', '.join(r['issues'])}")
        if len(marked) > max_issues:
            lines.append(f"  ... and {len(marked) - max_issues} more reps with issues")
    if kind == "hold" or s["holds"]:
        hold = max(s["hold_s"] or 0.0, s.get("live_hold_s") or 0.0)
        good = max(s["good_hold_s"] or 0.0, s.get("live_good_hold_s") or 0.0)
        text = f"Hold: {format_time(hold)} (good form {format_time(good)})"
        if "hold_s" in progress:
            text += f" of {format_time(progress['hold_s']['target'])}"
        if "good_hold_s" in progress:
            text += f"; good-form target {format_time(progress['good_hold_s']['target'])}"
        lines.append(text)
    if "duration_s" in progress or "rate_per_min" in progress:
        text = f"Time in position: {format_time(s.get('in_position_s') or 0.0)}"
        if "duration_s" in progress:
            text += f" of {format_time(progress['duration_s']['target'])}"
        if s.get("rate_per_min") is not None:
            text += f"; pace {s['rate_per_min']:.0f}/min"
            if "rate_per_min" in progress:
                text += f" (target {progress['rate_per_min']['target']:g}/min)"
        lines.append(text)

    timeline = s.get("timeline_s") or {}
    if timeline:  # time in each fault too short to alert on (posture: slouched)
        per_min = s.get("timeline_per_min") or {}
        parts = [
            f"{code} {format_time(sec)}"
            + (f" ({per_min[code]:.0f} s per minute)" if per_min.get(code) is not None else "")
            for code, sec in timeline.items()
        ]
        lines.append("Time line: " + ", ".join(parts))

    issues = report.get("issues", [])
    if issues:
        counts = ", ".join(f"{code} x{n}" for code, n in s["issue_counts"].items())
        lines.append(f"Issues ({len(issues)}): {counts}")
        for issue in sorted(issues, key=lambda i: i["t_start"])[:max_issues]:
            lines.append(f"  {format_time(issue['t_start'])} {issue['code']}: {issue['message']}")
        if len(issues) > max_issues:
            lines.append(f"  ... and {len(issues) - max_issues} more (see the JSON/CSV report)")
    else:
        lines.append("Issues: none")

    vis: list[str] = []
    if s["frames_with_pose"] is not None:
        vis.append(f"pose found in {s['frames_with_pose'] * 100:.0f}% of frames")
        vis.append(
            f"in position {format_time(s['in_position_s'])} of "
            f"{format_time(report['source']['duration_s'])}"
        )
    lost = s.get("notice_counts", {}).get("not_visible", 0)
    if lost:
        vis.append(f"body not fully visible {lost} time{'s' if lost != 1 else ''}")
    if vis:
        lines.append("Visibility: " + "; ".join(vis))
    modeled = report["source"].get("model_frames")
    if modeled is not None and report["source"]["frames"]:
        lines.append(
            f"Pose model: ran on {modeled} of {report['source']['frames']} frames "
            "(adaptive rate; --full-rate for every frame)"
        )
    if report["source"]["frames"] == 0:
        lines.append("No frames were processed.")
    return "\n".join(lines)


def iter_event_lines(events: Iterable[object], side_label: str | None = None) -> Iterable[str]:
    """Human one-liners for events as they happen (used by the live ``--no-window`` mode);
    ``side_label`` names a rep's side (``rep 3 (front leg: left)``)."""
    for event in events:
        if isinstance(event, Rep):
            side = f" ({side_text(event.side, side_label)})" if event.side else ""
            faults = f" - {', '.join(event.issues)}" if event.issues else ""
            yield f"{format_time(event.t_end)} rep {event.index}{side}{faults}"
        elif isinstance(event, Issue):
            yield f"{format_time(event.t_start)} ISSUE {event.code}: {event.message}"
        elif isinstance(event, Notice):
            yield f"{format_time(event.t)} NOTE {event.kind}: {event.message}"
        elif isinstance(event, HoldSegment):
            yield (
                f"{format_time(event.t_end)} hold {format_time(event.duration)} "
                f"(good form {format_time(event.good_s)})"
            )
