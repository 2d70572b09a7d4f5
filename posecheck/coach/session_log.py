"""Session logs that survive a crash: one append-only JSON-lines file per live session.

A report is written when a session ends; a session that ends with a killed process, a
flat battery or a pulled plug would then leave nothing. So every live session also goes
line by line to ``<sessions dir>/<start>_<exercise>.jsonl`` while it happens:

- ``header``: format, schema version, posecheck version, exercise, title, kind, source,
  targets, wall-clock start (ISO 8601), frame size and rate, plus caller metadata (a
  routine's name and step);
- one line per event (``rep``, ``issue``, ``notice``, ``hold``), with the same fields as
  the report (:func:`posecheck.report.builder.rep_to_dict` and friends), written and flushed as
  it happens and ``fsync``-ed, so a count once shown is on the disk;
- ``progress`` lines (media time, reps, reps per side, hold and good-form time, time in
  position) every ``progress_every_s``, and every ``hold_every_s`` while a hold timer is
  running, so a killed plank loses at most a second of its hold;
- ``summary`` at close: the report's own totals, and ``partial``.

:func:`read_session` reads a log back, tolerating a cut-off last line, and recomputes
the totals from the events when the summary line is missing (the process was killed).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from posecheck._version import __version__
from posecheck.check.events import (
    CheckerState,
    Event,
    FrameResult,
    HoldSegment,
    Issue,
    Notice,
    Rep,
    Span,
)
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.builder import (
    ReportBuilder,
    SessionInfo,
    hold_to_dict,
    issue_to_dict,
    notice_to_dict,
    rep_to_dict,
    span_to_dict,
)
from posecheck.report.files import ReportError
from posecheck.report.sinks import BaseSink

FORMAT = "posecheck-session"
SCHEMA_VERSION = 1
SUFFIX = ".jsonl"


class SessionLogError(ReportError):
    """A session log cannot be written or read; one line naming the file or directory."""


def default_sessions_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$POSECHECK_SESSIONS_DIR``, else ``$XDG_DATA_HOME/posecheck/sessions``
    (``~/.local/share/posecheck/sessions``)."""
    env = os.environ if env is None else env
    if env.get("POSECHECK_SESSIONS_DIR"):
        return Path(env["POSECHECK_SESSIONS_DIR"]).expanduser()
    data = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "posecheck" / "sessions"


def check_sessions_dir(directory: str | os.PathLike[str]) -> Path:
    """Create ``directory`` if needed and make sure files can be created in it.

    Called before a session starts, so a bad directory is one line up front instead of a
    session that silently goes unrecorded.
    """
    path = Path(directory).expanduser()
    fix = "pass --sessions-dir DIR, set $POSECHECK_SESSIONS_DIR, or --no-session-log"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SessionLogError(
            f"cannot write session logs to directory {path}: {exc.strerror or exc}; {fix}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SessionLogError(f"cannot write session logs to directory {path}: not writable; {fix}")
    return path


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _event_line(event: Event, counts: Counter[str]) -> dict[str, Any]:
    """One event as a log line; issues, notices and holds are numbered like the report."""
    if isinstance(event, Rep):
        return {"type": "rep", **rep_to_dict(event)}
    if isinstance(event, Issue):
        counts["issue"] += 1
        return {"type": "issue", **issue_to_dict(counts["issue"], event)}
    if isinstance(event, Notice):
        counts["notice"] += 1
        return {"type": "notice", **notice_to_dict(counts["notice"], event)}
    if isinstance(event, HoldSegment):
        counts["hold"] += 1
        return {"type": "hold", **hold_to_dict(counts["hold"], event)}
    if isinstance(event, Span):
        counts["span"] += 1
        return {"type": "span", **span_to_dict(counts["span"], event)}
    raise TypeError(f"unknown event type {type(event).__name__}")


def _progress(state: CheckerState, frames: int) -> dict[str, Any]:
    return {
        "type": "progress",
        "t": round(state.t, 3),
        "frames": frames,
        "reps": state.reps,
        "reps_by_side": dict(sorted(state.reps_by_side.items())),
        "hold_s": round(state.hold_s, 3),
        "good_hold_s": round(state.good_hold_s, 3),
        "active_s": round(state.active_s, 3),
    }


class SessionLogSink(BaseSink):
    """Writes the session log described in the module docstring, line by line.

    A write failure part-way (disk full, drive removed) never ends the session: it is
    reported once on ``warn_stream`` and kept in ``.error``; the other sinks go on.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        meta: Mapping[str, Any] | None = None,
        progress_every_s: float = 5.0,
        hold_every_s: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now().astimezone(),
        warn_stream: TextIO | None = None,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_sessions_dir()
        self.meta = dict(meta or {})
        self.progress_every_s = progress_every_s
        self.hold_every_s = hold_every_s
        self.now = now
        self.warn_stream = warn_stream
        self.path: Path | None = None
        self.error: str | None = None
        self._file: TextIO | None = None
        self._builder: ReportBuilder | None = None
        self._counts: Counter[str] = Counter()
        self._last_progress_t: float | None = None
        self._last_hold_s = 0.0
        self._last_state: CheckerState | None = None

    # -- writing -------------------------------------------------------------------------
    def _create(self, exercise: str, started: datetime) -> Path:
        stem = f"{started:%Y-%m-%d_%H%M%S}_{exercise}"
        for n in range(1, 1000):
            path = self.directory / (stem + (f"_{n}" if n > 1 else "") + SUFFIX)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o666)
            except FileExistsError:
                continue
            except OSError as exc:
                raise SessionLogError(
                    f"cannot create session log {path}: {exc.strerror or exc}; pass "
                    f"--sessions-dir DIR or --no-session-log"
                ) from None
            self._file = open(fd, "w", encoding="utf-8")  # noqa: SIM115 - kept open all session
            return path
        raise SessionLogError(f"cannot create session log {stem}{SUFFIX}: too many with that name")

    def _write(self, line: Mapping[str, Any], durable: bool) -> None:
        if self._file is None or self.error is not None:
            return
        try:
            self._file.write(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n")
            self._file.flush()
            if durable:
                os.fsync(self._file.fileno())
        except (OSError, ValueError) as exc:
            self.error = f"session log {self.path} stopped: {exc}"
            stream = self.warn_stream if self.warn_stream is not None else sys.stderr
            print(f"posecheck: warning: {self.error}", file=stream)

    def open(self, info: SessionInfo) -> None:
        check_sessions_dir(self.directory)
        started = self.now()
        self.path = self._create(info.exercise, started)
        self._builder = ReportBuilder(info)
        self._counts = Counter()
        self._last_progress_t = None
        self._last_hold_s = 0.0
        header = {
            "type": "header",
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "posecheck": __version__,
            "started": _iso(started),
            "exercise": info.exercise,
            "title": info.title,
            "kind": info.kind,
            "source": info.source,
            "live": info.is_live,
            "targets": dict(info.targets),
            "size": list(info.size),
            "fps": round(info.fps, 3),
            **self.meta,
        }
        self._write(header, durable=True)

    def _events(self, events: Sequence[Event]) -> None:
        for event in events:
            line = _event_line(event, self._counts)
            self._write(line, durable=line["type"] != "notice")

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        if self._builder is None:
            raise RuntimeError("SessionLogSink.on_frame called before open()")
        self._builder.add(pose_frame, result)
        self._events(result.events)
        state = result.state
        self._last_state = state
        if self._last_progress_t is None:
            self._last_progress_t = state.t
            return
        holding = state.hold_s > self._last_hold_s
        every = self.hold_every_s if holding else self.progress_every_s
        if state.t - self._last_progress_t >= every:
            self._write(_progress(state, self._builder.frames), durable=True)
            self._last_progress_t = state.t
            self._last_hold_s = state.hold_s

    def on_events(self, events: Sequence[Event]) -> None:
        if self._builder is not None:
            self._builder.add_events(events)
            self._events(events)

    def close(self, partial: bool) -> None:
        if self._builder is None or self._file is None:
            return
        report = self._builder.build(partial)
        last = self._last_state
        if last is not None and last.t != self._last_progress_t:
            self._write(_progress(last, self._builder.frames), durable=False)
        summary = {
            "type": "summary",
            "ended": _iso(self.now()),
            "partial": bool(partial),
            "frames": report["source"]["frames"],
            "duration_s": report["source"]["duration_s"],
            **report["summary"],
        }
        self._write(summary, durable=True)
        with contextlib.suppress(OSError):
            self._file.close()
        self._file = None


# ------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class SessionLog:
    """A session log as read back.

    ``complete``: the summary line was written (the session closed normally; it may
    still be ``partial``, e.g. Ctrl-C). ``truncated``: the last line was cut off.
    ``summary`` is the summary line, or totals recomputed from the events when it is
    missing (then ``summary["complete"]`` is False and ``partial`` True).
    """

    path: Path
    header: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    progress: dict[str, Any] | None
    summary: dict[str, Any]
    complete: bool
    truncated: bool
    skipped_lines: int = 0

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    @property
    def reps(self) -> list[dict[str, Any]]:
        return self.of_type("rep")


def _summary_from_events(
    events: Sequence[dict[str, Any]], progress: dict[str, Any] | None
) -> dict[str, Any]:
    """The totals a killed session had reached, from what its log holds."""
    reps = [e for e in events if e["type"] == "rep"]
    holds = [e for e in events if e["type"] == "hold"]
    issues = [e for e in events if e["type"] == "issue"]
    by_side = Counter(r["side"] for r in reps if r.get("side"))
    hold_s = sum(h["duration_s"] or 0.0 for h in holds)
    good_s = sum(h["good_s"] or 0.0 for h in holds)
    times = [e.get("t_end", e.get("t")) for e in events] + [(progress or {}).get("t")]
    return {
        "complete": False,
        "partial": True,
        "duration_s": max((t for t in times if isinstance(t, int | float)), default=0.0),
        "reps": len(reps),
        "reps_by_side": dict(sorted(by_side.items())),
        # A hold still running when the process died has no hold line: the last progress
        # line has it.
        "hold_s": round(max(hold_s, (progress or {}).get("hold_s", 0.0)), 3),
        "good_hold_s": round(max(good_s, (progress or {}).get("good_hold_s", 0.0)), 3),
        "holds": len(holds),
        "issue_counts": dict(sorted(Counter(i["code"] for i in issues).items())),
    }


def read_session(path: str | os.PathLike[str]) -> SessionLog:
    """Read a session log; a cut-off last line is dropped (the process was killed)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SessionLogError(f"cannot read session log {path}: {exc.strerror or exc}") from None
    raw = text.split("\n")
    truncated = False
    lines: list[dict[str, Any]] = []
    skipped = 0
    for i, line in enumerate(raw):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            if i == len(raw) - 1:
                truncated = True
                continue
            skipped += 1  # a damaged line mid-file: keep everything else
            continue
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            lines.append(value)
        else:
            skipped += 1
    if not lines or lines[0]["type"] != "header" or lines[0].get("format") != FORMAT:
        raise SessionLogError(f"{path}: not a posecheck session log (no header line)")
    header = lines[0]
    if header.get("schema_version") != SCHEMA_VERSION:
        raise SessionLogError(
            f"{path}: session log schema_version {header.get('schema_version')!r}; "
            f"this posecheck reads {SCHEMA_VERSION}"
        )
    events = tuple(e for e in lines[1:] if e["type"] in ("rep", "issue", "notice", "hold"))
    progress = next((e for e in reversed(lines) if e["type"] == "progress"), None)
    final = next((e for e in reversed(lines) if e["type"] == "summary"), None)
    if final is not None:
        summary = {k: v for k, v in final.items() if k != "type"} | {"complete": True}
    else:
        summary = _summary_from_events(events, progress)
    return SessionLog(
        path, header, events, progress, summary, final is not None, truncated, skipped
    )
