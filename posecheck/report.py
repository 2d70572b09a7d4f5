"""The session report: collected from checker results, written as JSON/CSV, summarised as text.

The report only *records* what the checker decided (reps, holds, issues, notices and
the per-frame state); it never re-judges landmarks. The JSON layout is documented in
``docs/report-schema.md`` and versioned by ``schema_version`` so downstream tools can
refuse a layout they do not understand instead of misreading it.

Writers are atomic (temp file in the target directory, then ``os.replace``) because a
report is often the only record of a session: a crash, a full disk or a Ctrl-C while
writing must leave either the previous file or the complete new one, never half a file.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import math
import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from posecheck import __version__
from posecheck.events import CheckerState, FrameResult, HoldSegment, Issue, Notice, Rep
from posecheck.landmarks import PoseFrame

SCHEMA_VERSION = 1

#: Exercise kinds a session can have; decides which totals the HUD and summary show.
KINDS: tuple[str, ...] = ("reps", "hold", "alternating_reps")

#: CSV columns, in order (see docs/report-schema.md for their meaning per event type).
CSV_COLUMNS: tuple[str, ...] = (
    "type",
    "index",
    "side",
    "t_start",
    "t_end",
    "code",
    "message",
    "value",
    "rep_index",
)

#: Decimal places for seconds and measured values: milliseconds are finer than any
#: camera frame interval, and more digits only make the files noisy to diff.
_DECIMALS = 3


class ReportError(Exception):
    """A report (or other session output file) could not be written.

    The message is one line naming the path and what the user can do about it, so the
    CLI can print it as-is instead of a traceback.
    """


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Everything sinks need to know about a session before the first frame.

    ``size`` is the source frame size (width, height) in pixels. ``fps`` is the nominal
    source rate (0 when unknown); ``frame_count`` is None for live sources or files whose
    length the container does not state. ``targets`` are the user's goals, e.g.
    ``{"reps": 20, "hold_s": 60}`` (see ``TARGET_KEYS``); it may be empty.
    """

    exercise: str
    title: str
    kind: str
    source: str
    fps: float
    frame_count: int | None
    size: tuple[int, int]
    is_live: bool = False
    model_variant: str | None = None
    model_sha256: str | None = None
    targets: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"SessionInfo.kind must be one of {KINDS}, got {self.kind!r}")
        if len(self.size) != 2 or self.size[0] <= 0 or self.size[1] <= 0:
            raise ValueError(f"SessionInfo.size must be (width, height) > 0, got {self.size}")
        if not math.isfinite(self.fps) or self.fps < 0:
            raise ValueError(f"SessionInfo.fps must be a finite rate >= 0, got {self.fps}")
        if self.frame_count is not None and self.frame_count < 0:
            raise ValueError(f"SessionInfo.frame_count must be >= 0, got {self.frame_count}")
        unknown = set(self.targets) - set(TARGET_KEYS)
        if unknown:
            raise ValueError(
                f"unknown target(s) {sorted(unknown)}; known targets: {list(TARGET_KEYS)}"
            )


#: Targets the report can measure progress against, with their unit.
TARGET_KEYS: dict[str, str] = {
    "reps": "reps",  # total reps (both sides together for per-side exercises)
    "reps_per_side": "reps",  # reps on each side; progress counts the weaker side
    "hold_s": "s",  # total hold time
    "good_hold_s": "s",  # hold time with good form
}


def _r(x: float | None) -> float | None:
    """Round for JSON; NaN/inf become None because they are not valid JSON."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, _DECIMALS)


def format_time(t: float | None) -> str:
    """Seconds as ``m:ss.s`` (e.g. ``0:12.3``, ``75:02.0``), the way people read a timer.

    Rounds to tenths before splitting so 59.96 s shows as ``1:00.0``, not ``0:60.0``.
    """
    if t is None or not math.isfinite(t):
        return "-:--.-"
    sign = "-" if t < 0 else ""
    tenths = round(abs(t) * 10)
    minutes, rem = divmod(tenths, 600)
    return f"{sign}{minutes}:{rem // 10:02d}.{rem % 10}"


def rep_to_dict(rep: Rep) -> dict[str, Any]:
    """A Rep as a JSON-ready dict."""
    return {
        "index": rep.index,
        "side": rep.side,
        "t_start": _r(rep.t_start),
        "t_end": _r(rep.t_end),
        "t_peak": _r(rep.t_peak),
        "duration_s": _r(rep.duration),
        "at_peak": {str(k): _r(v) for k, v in rep.at_peak.items()},
        "ranges": {str(k): [_r(lo), _r(hi)] for k, (lo, hi) in rep.ranges.items()},
        "issues": list(rep.issues),
    }


def hold_to_dict(index: int, hold: HoldSegment) -> dict[str, Any]:
    """A HoldSegment as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {
        "index": index,
        "t_start": _r(hold.t_start),
        "t_end": _r(hold.t_end),
        "duration_s": _r(hold.duration),
        "good_s": _r(hold.good_s),
    }


def issue_to_dict(index: int, issue: Issue) -> dict[str, Any]:
    """An Issue as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {
        "index": index,
        "code": issue.code,
        "message": issue.message,
        "rule": issue.rule,
        "t_start": _r(issue.t_start),
        "t_end": _r(issue.t_end),
        "value": _r(issue.value),
        "rep_index": issue.rep_index,
    }


def notice_to_dict(index: int, notice: Notice) -> dict[str, Any]:
    """A Notice as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {"index": index, "kind": notice.kind, "message": notice.message, "t": _r(notice.t)}


class ReportBuilder:
    """Accumulates one session's checker output into a report dict.

    Fed once per frame by ``ReportSink`` (or directly by tests / batch tools). Time
    totals are computed from frame timestamps, not frame counts, so dropped frames or a
    variable frame rate do not distort them: each frame's state is taken to hold until
    the next frame, and the last frame for one nominal frame interval.
    """

    def __init__(self, info: SessionInfo) -> None:
        self.info = info
        self.frames = 0
        self.frames_with_pose = 0
        self.frames_visible = 0
        self.frames_in_position = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self.last_state: CheckerState | None = None
        self.reps: list[Rep] = []
        self.holds: list[HoldSegment] = []
        self.issues: list[Issue] = []
        self.notices: list[Notice] = []
        self._covered_s = 0.0
        self._in_position_s = 0.0

    def add(self, frame: PoseFrame, result: FrameResult) -> None:
        """Record one frame: its events, whether a pose was found and the checker's state."""
        state = result.state
        if self.last_t is not None and self.last_state is not None:
            dt = max(0.0, frame.t - self.last_t)
            self._covered_s += dt
            if self.last_state.in_position:
                self._in_position_s += dt
        if self.first_t is None:
            self.first_t = frame.t
        self.last_t = frame.t
        self.last_state = state
        self.frames += 1
        self.frames_with_pose += frame.pose is not None
        self.frames_visible += state.visible
        self.frames_in_position += state.in_position
        self.add_events(result.events)

    def add_events(self, events: Iterable[object]) -> None:
        """Record events that arrive without a frame: the checker's ``finish()`` tail.

        At the end of a source the checker closes what is still open (a hold segment, a
        fault episode); without these the report of an interrupted plank would show no
        hold at all.
        """
        for event in events:
            if isinstance(event, Rep):
                self.reps.append(event)
            elif isinstance(event, HoldSegment):
                self.holds.append(event)
            elif isinstance(event, Issue):
                self.issues.append(event)
            elif isinstance(event, Notice):
                self.notices.append(event)
            else:  # a new event type in the contract must be added here, not dropped silently
                raise TypeError(f"unknown event type {type(event).__name__}")

    def _tail_s(self) -> float:
        """How long the last frame counts for: one nominal frame interval."""
        return 1.0 / self.info.fps if self.info.fps > 0 and self.frames else 0.0

    def build(self, partial: bool) -> dict[str, Any]:
        """The JSON-ready report; ``partial`` marks a session cut short (Ctrl-C, source error).

        Can be called more than once (e.g. for a live preview); it does not consume state.
        """
        info = self.info
        tail = self._tail_s()
        duration = self._covered_s + tail
        in_position = self._in_position_s
        if self.last_state is not None and self.last_state.in_position:
            in_position += tail

        reps_by_side: Counter[str] = Counter(r.side for r in self.reps if r.side is not None)
        hold_s = sum(h.duration for h in self.holds)
        good_hold_s = sum(h.good_s for h in self.holds)
        # The checker's running totals at the last frame: they include a hold still in
        # progress when the session ended, which has no HoldSegment yet.
        live_hold_s = self.last_state.hold_s if self.last_state is not None else 0.0
        live_good_s = self.last_state.good_hold_s if self.last_state is not None else 0.0
        actuals: dict[str, float] = {
            "reps": len(self.reps),
            "reps_per_side": (
                min(reps_by_side.get("left", 0), reps_by_side.get("right", 0))
                if reps_by_side
                else 0
            ),
            "hold_s": max(hold_s, live_hold_s),
            "good_hold_s": max(good_hold_s, live_good_s),
        }
        progress: dict[str, dict[str, Any]] = {}
        for key, target in info.targets.items():
            actual = actuals[key]
            progress[key] = {
                "target": _r(target),
                "actual": _r(actual),
                "fraction": _r(min(1.0, actual / target)) if target > 0 else None,
                "met": actual >= target,
            }

        frames = self.frames
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": f"posecheck {__version__}",
            "exercise": info.exercise,
            "title": info.title,
            "kind": info.kind,
            "partial": bool(partial),
            "source": {
                "name": info.source,
                "live": info.is_live,
                "fps": _r(info.fps),
                "frames": frames,
                "frames_expected": info.frame_count,
                "t_first": _r(self.first_t),
                "t_last": _r(self.last_t),
                "duration_s": _r(duration),
                "width": info.size[0],
                "height": info.size[1],
            },
            "model": (
                {"variant": info.model_variant, "sha256": info.model_sha256}
                if info.model_variant is not None or info.model_sha256 is not None
                else None
            ),
            "summary": {
                "reps": len(self.reps),
                "reps_by_side": dict(sorted(reps_by_side.items())),
                "hold_s": _r(hold_s),
                "good_hold_s": _r(good_hold_s),
                "live_hold_s": _r(live_hold_s),
                "live_good_hold_s": _r(live_good_s),
                "holds": len(self.holds),
                "targets": {k: _r(v) for k, v in info.targets.items()},
                "progress": progress,
                "issue_counts": dict(sorted(Counter(i.code for i in self.issues).items())),
                "reps_with_issues": sum(1 for r in self.reps if r.issues),
                "notice_counts": dict(sorted(Counter(n.kind for n in self.notices).items())),
                "frames_with_pose": _r(self.frames_with_pose / frames) if frames else None,
                "frames_visible": _r(self.frames_visible / frames) if frames else None,
                "frames_in_position": _r(self.frames_in_position / frames) if frames else None,
                "in_position_s": _r(in_position),
            },
            "reps": [rep_to_dict(r) for r in self.reps],
            "holds": [hold_to_dict(i, h) for i, h in enumerate(self.holds, 1)],
            "issues": [issue_to_dict(i, x) for i, x in enumerate(self.issues, 1)],
            "notices": [notice_to_dict(i, n) for i, n in enumerate(self.notices, 1)],
        }


# --------------------------------------------------------------------------- writing


def _explain_os_error(path: Path, exc: OSError) -> str:
    """One line saying what went wrong with ``path`` and what to do about it."""
    directory = path.parent
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot write {path}: directory {directory} is read-only or not writable "
            f"({exc.strerror}); choose a writable location"
        )
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write {path}: no space left on the device; free some space and retry"
    if code == errno.ENOENT:
        return (
            f"cannot write {path}: directory {directory} does not exist; "
            f"create it or choose another path"
        )
    if code in (errno.EISDIR, errno.ENOTDIR):
        return f"cannot write {path}: the path is a directory, or a parent is not one"
    return f"cannot write {path}: {exc.strerror or exc}"


def check_writable_dir(path: str | os.PathLike[str]) -> Path:
    """Fail early (before a long session) if ``path`` cannot be written to.

    Returns the path as a ``Path``. Raises ReportError naming the problem.
    """
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise ReportError(
            f"cannot write {target}: directory {directory} does not exist; "
            f"create it or choose another path"
        )
    if target.is_dir():
        raise ReportError(f"cannot write {target}: it is a directory; give a file name")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ReportError(
            f"cannot write {target}: directory {directory} is read-only or not writable; "
            f"choose a writable location"
        )
    return target


def temp_path_beside(target: Path) -> Path:
    """A fresh hidden temp name in ``target``'s directory, keeping its suffix.

    Same directory so ``os.replace`` is an atomic rename on one filesystem; same suffix
    because some writers (OpenCV's video backends) pick the container from it.
    """
    token = f"{os.getpid()}.{secrets.token_hex(4)}"
    return target.with_name(f".{target.stem}.{token}.tmp{target.suffix}")


def atomic_write_text(
    path: str | os.PathLike[str], write: Callable[[TextIO], None], *, newline: str | None = None
) -> Path:
    """Write a text file atomically: ``write(f)`` fills a temp file, then it is renamed.

    On any failure the temp file is removed and the target (new or previous) is left
    untouched; OS errors become ``ReportError`` with an actionable message.
    """
    target = check_writable_dir(path)
    tmp = temp_path_beside(target)
    try:
        # O_EXCL: never clobber someone else's file; mode 0o666 lets the umask decide the
        # final permissions, as for any normally created file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ReportError(_explain_os_error(target, exc)) from exc
    try:
        with open(fd, "w", encoding="utf-8", newline=newline) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:  # includes KeyboardInterrupt: clean up, then re-raise
        # Nothing more to do if even the cleanup fails; the original error matters more.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ReportError(_explain_os_error(target, exc)) from exc
        raise
    return target


def write_json(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the report as pretty-printed UTF-8 JSON, atomically. Returns the path written.

    ``allow_nan=False`` so a stray NaN fails here, loudly, rather than producing a file
    that strict JSON parsers reject.
    """
    try:
        # Serialise first: a report bug (unserialisable value) must not touch the disk.
        text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise ReportError(f"cannot write {path}: report is not valid JSON ({exc})") from exc

    def _write(f: TextIO) -> None:
        f.write(text)

    return atomic_write_text(path, _write)


def _csv_value(x: Any) -> Any:
    return "" if x is None else x


def csv_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per event, ordered by start time (then by type), with ``CSV_COLUMNS`` keys."""
    rows: list[tuple[float, int, dict[str, Any]]] = []

    def add(order: int, t: float | None, **row: Any) -> None:
        full = {col: _csv_value(row.get(col)) for col in CSV_COLUMNS}
        rows.append((t if t is not None else 0.0, order, full))

    for r in report.get("reps", []):
        add(
            0,
            r["t_start"],
            type="rep",
            index=r["index"],
            side=r["side"],
            t_start=r["t_start"],
            t_end=r["t_end"],
            code=";".join(r["issues"]),
            value=r["duration_s"],
        )
    for h in report.get("holds", []):
        add(
            1,
            h["t_start"],
            type="hold",
            index=h["index"],
            t_start=h["t_start"],
            t_end=h["t_end"],
            value=h["good_s"],
        )
    for i in report.get("issues", []):
        add(
            2,
            i["t_start"],
            type="issue",
            index=i["index"],
            t_start=i["t_start"],
            t_end=i["t_end"],
            code=i["code"],
            message=i["message"],
            value=i["value"],
            rep_index=i["rep_index"],
        )
    for n in report.get("notices", []):
        add(
            3,
            n["t"],
            type="notice",
            index=n["index"],
            t_start=n["t"],
            t_end=n["t"],
            code=n["kind"],
            message=n["message"],
        )
    rows.sort(key=lambda x: (x[0], x[1]))
    return [row for _, _, row in rows]


def write_csv(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write one row per event (columns ``CSV_COLUMNS``) as UTF-8 CSV, atomically.

    Columns are documented in docs/report-schema.md. Returns the path written.
    """
    rows = csv_rows(report)

    def _write(f: TextIO) -> None:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    return atomic_write_text(path, _write, newline="")


# --------------------------------------------------------------------------- summary text


def _sides_text(by_side: Mapping[str, int]) -> str:
    return " | ".join(f"{side[:1].upper()} {n}" for side, n in sorted(by_side.items()))


def format_summary(report: Mapping[str, Any], *, max_issues: int = 20) -> str:
    """A few lines for the terminal after a session: totals, issues with times, visibility.

    Issues are listed in time order, at most ``max_issues`` of them (then "... and N
    more"), because a wall of text hides the totals people look for first.
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
            text += f"  ({_sides_text(s['reps_by_side'])})"
        if "reps_per_side" in progress:
            text += f"  per side target {progress['reps_per_side']['target']:g}"
        if s.get("reps_with_issues"):
            text += f"  - {s['reps_with_issues']} with form issues"
        lines.append(text)
    if kind == "hold" or s["holds"]:
        hold = max(s["hold_s"] or 0.0, s.get("live_hold_s") or 0.0)
        good = max(s["good_hold_s"] or 0.0, s.get("live_good_hold_s") or 0.0)
        text = f"Hold: {format_time(hold)} (good form {format_time(good)})"
        if "hold_s" in progress:
            text += f" of {format_time(progress['hold_s']['target'])}"
        if "good_hold_s" in progress:
            text += f"; good-form target {format_time(progress['good_hold_s']['target'])}"
        lines.append(text)

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
    if report["source"]["frames"] == 0:
        lines.append("No frames were processed.")
    return "\n".join(lines)


def iter_event_lines(events: Iterable[object]) -> Iterable[str]:
    """Human one-liners for events as they happen (used by the live ``--no-window`` mode)."""
    for event in events:
        if isinstance(event, Rep):
            side = f" ({event.side})" if event.side else ""
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
