"""Session logs: written line by line as a session goes, readable after a kill, listed by
``posecheck history``."""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from posecheck import __version__
from posecheck.check.specs import spec_for
from posecheck.cli import history as cli_history
from posecheck.coach.history import format_history, load_history
from posecheck.coach.session_log import (
    SessionLogError,
    SessionLogSink,
    check_sessions_dir,
    default_sessions_dir,
    read_session,
)
from posecheck.pipeline import analyze
from posecheck.report.text import iter_event_lines
from posecheck.sources.open import open_source

ROOT = Path(__file__).resolve().parents[1]
REC = ROOT / "sample_videos" / "recordings"
TZ = timezone(timedelta(hours=1))


def clock(*times: datetime):
    """A fixed sequence of wall-clock times (open, then close) for repeatable names."""
    it = iter(times)
    last = [times[0]]

    def now() -> datetime:
        last[0] = next(it, last[0])
        return last[0]

    return now


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2025, 3, 1, 7, minute, second, tzinfo=TZ)


def record(tmp: Path, clip: str, exercise: str, minute: int) -> tuple[dict, Path]:
    """Analyse a committed recording with a session log; return (report, log path)."""
    sink = SessionLogSink(tmp, now=clock(at(minute), at(minute, 40)))
    report, _ = analyze(open_source(REC / f"{clip}.npz"), spec_for(exercise), [sink])
    assert sink.path is not None and sink.error is None
    return report, sink.path


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_log_holds_header_every_event_and_the_report_totals(tmp_path: Path) -> None:
    report, path = record(tmp_path, "plank_knee_drive_side_a", "plank_knee_drive", 30)
    assert path.name == "2025-03-01_073000_plank_knee_drive.jsonl"
    log = lines(path)
    header = log[0]
    assert header == {
        "type": "header",
        "format": "posecheck-session",
        "schema_version": 1,
        "posecheck": __version__,
        "started": "2025-03-01T07:30:00+01:00",
        "exercise": "plank_knee_drive",
        "title": header["title"],
        "kind": "alternating_reps",
        "source": str(REC / "plank_knee_drive_side_a.npz"),
        "live": False,
        "targets": {"reps_per_side": 20.0},
        "size": [report["source"]["width"], report["source"]["height"]],
        "fps": 30.0,
    }
    # Every rep and notice, as the report has them (same dicts), in time order.
    assert [{k: v for k, v in x.items() if k != "type"} for x in log if x["type"] == "rep"] == (
        report["reps"]
    )
    assert [x for x in log if x["type"] == "notice"] == [
        {"type": "notice", **n} for n in report["notices"]
    ]
    summary = log[-1]
    assert summary["type"] == "summary" and summary["ended"] == "2025-03-01T07:30:40+01:00"
    assert summary["partial"] is False and summary["frames"] == report["source"]["frames"]
    assert {k: summary[k] for k in report["summary"]} == report["summary"]
    # Progress every 5 s of the session (this one is 6.5 s long) and a last one at the end.
    assert [(x["t"], x["reps"]) for x in log if x["type"] == "progress"] == [
        (5.0, 4),
        (6.467, 6),
    ]
    back = read_session(path)
    assert back.complete and not back.truncated
    assert back.summary["reps"] == 6 and back.summary["reps_by_side"] == {"left": 3, "right": 3}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the file")
def test_reps_and_holds_are_fsynced_as_they_happen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What was on disk at each fsync: every rep line is made durable when it is written."""
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        real(fd)
        text = Path(f"/proc/self/fd/{fd}").resolve().read_text(encoding="utf-8")
        synced.append(text.splitlines()[-1])

    monkeypatch.setattr("posecheck.coach.session_log.os.fsync", spy)
    _, path = record(tmp_path, "lunge_walking_side_b", "lunge", 31)
    rep_lines = [x for x in path.read_text(encoding="utf-8").splitlines() if '"rep"' in x[:20]]
    assert len(rep_lines) == 8
    assert all(r in synced for r in rep_lines)


def test_hold_in_progress_is_kept_when_killed(tmp_path: Path) -> None:
    """A plank killed before its hold ends has no hold line: the progress lines carry it,
    once a second while the timer runs."""
    _, path = record(tmp_path, "plank_forearm_side_d", "plank", 32)
    text = path.read_text(encoding="utf-8").splitlines()
    progress_t = [json.loads(x)["t"] for x in text if '"progress"' in x[:20]]
    assert progress_t == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.467]
    # Killed just after the 5 s progress line: keep the lines up to it.
    cut = next(i for i, x in enumerate(text) if '"t": 5.0' in x)
    path.write_text("\n".join(text[: cut + 1]) + "\n", encoding="utf-8")
    back = read_session(path)
    assert not back.complete and not back.truncated
    assert back.summary["complete"] is False and back.summary["partial"] is True
    assert back.summary["hold_s"] == 5.0 and back.summary["duration_s"] == 5.0


def test_read_session_tolerates_a_cut_off_last_line(tmp_path: Path) -> None:
    report, path = record(tmp_path, "lunge_walking_side_b", "lunge", 33)
    text = path.read_text(encoding="utf-8")
    reps = [x for x in text.splitlines() if '"rep"' in x[:20]]
    # Killed while writing the 6th rep line: the 5 before it are all there.
    cut = text.index(reps[5]) + len(reps[5]) // 2
    path.write_text(text[:cut], encoding="utf-8")
    back = read_session(path)
    assert back.truncated and not back.complete
    assert back.reps == [{"type": "rep", **r} for r in report["reps"][:5]]
    assert back.summary["reps"] == 5
    assert back.summary["reps_by_side"] == {"left": 3, "right": 2}
    assert back.summary["issue_counts"] == {}


def test_not_a_session_log_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type": "rep"}\n', encoding="utf-8")
    with pytest.raises(SessionLogError, match=r"x\.jsonl: not a posecheck session log"):
        read_session(bad)


def test_unwritable_sessions_dir_is_one_line_before_the_session(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "sessions"
    with pytest.raises(SessionLogError) as err:
        check_sessions_dir(target)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"cannot write session logs to directory {target}: ")
    assert "--sessions-dir" in msg
    # The sink refuses in open(), i.e. before the first frame.
    sink = SessionLogSink(target)
    with pytest.raises(SessionLogError):
        analyze(open_source(REC / "plank_forearm_side_d.npz"), spec_for("plank"), [sink])
    # And the runner says it as one line, exit 2.
    out = subprocess.run(
        [sys.executable, "-m", "posecheck.cli.session_runner", "-e", "plank", "--source",
         str(REC / "plank_forearm_side_d.npz"), "--dir", str(target)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [f"posecheck: error: {msg}"]


def test_default_sessions_dir() -> None:
    assert default_sessions_dir({"POSECHECK_SESSIONS_DIR": "/x/s"}) == Path("/x/s")
    assert default_sessions_dir({"XDG_DATA_HOME": "/d"}) == Path("/d/posecheck/sessions")
    assert default_sessions_dir({}) == Path.home() / ".local/share/posecheck/sessions"


@pytest.mark.e2e  # a live session paced at real time: seconds of waiting
def test_killed_live_session_keeps_every_rep_shown(tmp_path: Path) -> None:
    """SIGKILL a live (real-time) lunge session after it has printed 2 reps: the log holds
    those reps, exactly, and reads back as interrupted."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "posecheck.cli", "live", "-e", "lunge", "--source",
         str(REC / "lunge_walking_side_b.npz"), "--no-window", "--no-voice", "--countdown", "0",
         "--sessions-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    got: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [got.put(x) for x in proc.stdout], daemon=True).start()
    printed: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while sum(" rep " in x for x in printed) < 2:
            printed.append(got.get(timeout=max(0.1, deadline - time.monotonic())).rstrip("\n"))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    (path,) = tmp_path.glob("*.jsonl")
    log = read_session(path)
    assert not log.complete and log.summary["partial"] is True
    shown = [x for x in printed if " rep " in x]
    assert shown == ["0:03.6 rep 1 (front leg: left)", "0:07.5 rep 2 (front leg: right)"]
    # Every rep printed is in the log, the same (a rep finished in the instant between the
    # print and the kill may follow them).
    from posecheck.check.events import Rep

    reps = [Rep(r["index"], r["side"], r["t_start"], r["t_end"], r["t_peak"]) for r in log.reps]
    logged = [next(iter_event_lines([rep], "front leg")) for rep in reps]
    assert logged[:2] == shown and len(logged) <= 3
    assert log.summary["reps"] == len(logged)


def _history(tmp: Path) -> None:
    """Three sessions: a plank, a complete lunge set and a lunge set killed after 5 reps."""
    record(tmp, "plank_forearm_side_d", "plank", 10)
    record(tmp, "lunge_walking_side_b", "lunge", 20)
    _, killed = record(tmp, "lunge_alternating_side_a", "lunge", 25)
    text = killed.read_text(encoding="utf-8").splitlines()
    reps = [i for i, x in enumerate(text) if '"rep"' in x[:20]]
    killed.write_text("\n".join(text[: reps[4] + 1]) + "\n" + text[reps[4] + 1][:30])
    (tmp / "notes.jsonl").write_text("hello\n", encoding="utf-8")


def test_history_lists_newest_first(tmp_path: Path) -> None:
    _history(tmp_path)
    assert format_history(load_history(tmp_path)).splitlines() == [
        "when              exercise                 duration  reps              hold  issues"
        "  status",
        "2025-03-01 07:25  lunge                        0:14  5 (L 2 | R 3)        -       0"
        "  interrupted",
        "2025-03-01 07:20  lunge                        0:35  8 (L 4 | R 4)        -       0",
        "2025-03-01 07:10  plank                        0:06  -                 0:06       0",
        f"skipped: {tmp_path / 'notes.jsonl'}: not a posecheck session log (no header line)",
    ]
    assert len(load_history(tmp_path, last=1).sessions) == 1
    assert format_history(load_history(tmp_path / "none")) == f"no sessions in {tmp_path}/none"


def test_history_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _history(tmp_path)
    parser = argparse.ArgumentParser()
    cli_history.register(parser.add_subparsers())
    args = parser.parse_args(["history", "--dir", str(tmp_path), "--last", "2", "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    rows = [
        (s["started"], s["exercise"], s["reps"], s["reps_by_side"], s["status"])
        for s in out["sessions"]
    ]
    assert rows == [
        ("2025-03-01T07:25:00+01:00", "lunge", 5, {"left": 2, "right": 3}, "interrupted"),
        ("2025-03-01T07:20:00+01:00", "lunge", 8, {"left": 4, "right": 4}, "ok"),
    ]
    with pytest.raises(SystemExit):
        parser.parse_args(["history", "--last", "0"])
