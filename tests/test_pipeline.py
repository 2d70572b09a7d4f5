"""The one loop: interruption and failure keep what was measured, marked partial."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED_VIDEOS

from posecheck.check.specs import spec_for
from posecheck.pipeline import analyze
from posecheck.sources.base import RecordingSource, SourceFrame

ROOT = Path(__file__).resolve().parents[1]
REC = ROOT / "sample_videos" / "recordings"
SHARED = SHARED_VIDEOS


class StopsAfter(RecordingSource):
    """A real recording whose replay is cut by an exception after `n` frames."""

    def __init__(self, path: Path, n: int, exc: BaseException) -> None:
        super().__init__(path)
        self.n, self.exc = n, exc

    def __iter__(self) -> Iterator[SourceFrame]:
        for i, frame in enumerate(super().__iter__()):
            if i == self.n:
                raise self.exc
            yield frame


def test_ctrl_c_keeps_reps_so_far_and_marks_partial(tmp_path: Path) -> None:
    source = StopsAfter(REC / "lunge_alternating_side_a.npz", 400, KeyboardInterrupt())
    out = tmp_path / "r.json"
    report, result = analyze(source, spec_for("lunge"), json_path=str(out))
    assert result.partial and result.reason == "interrupted"
    assert 4 <= report["summary"]["reps"] < 9  # the first reps, not the whole set
    saved = json.loads(out.read_text())
    assert saved["partial"] is True and saved["summary"]["reps"] == report["summary"]["reps"]


def test_unexpected_error_still_writes_the_partial_report(tmp_path: Path) -> None:
    source = StopsAfter(REC / "plank_forearm_side_a.npz", 450, OSError("disk went away"))
    out = tmp_path / "r.json"
    with pytest.raises(OSError, match="disk went away"):
        analyze(source, spec_for("plank"), json_path=str(out))
    saved = json.loads(out.read_text())
    assert saved["partial"] is True
    assert saved["summary"]["hold_s"] > 5  # the hold measured before the failure is kept


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(
    not (SHARED / "lunge_walking_side_b.mp4").is_file(),
    reason=f"shared clip not found at {SHARED} (not in the repo)",
)
@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_sigint_during_analyze_writes_partial_report(tmp_path: Path, model_path: Path) -> None:
    """A real Ctrl-C (SIGINT) to `posecheck analyze` on a real clip with the real model."""
    out = tmp_path / "r.json"
    cmd = [
        sys.executable,
        "-m",
        "posecheck.cli",
        "analyze",
        str(SHARED / "lunge_walking_side_b.mp4"),
        "-e",
        "lunge",
        "--json",
        str(out),
        "--no-progress",
        "--full-rate",  # every frame: the widest window to interrupt in, whatever the rate
    ]
    # The model fixture has built the model before the clock starts.
    env = dict(os.environ, POSECHECK_CACHE_DIR=str(model_path.parent))
    # A shell's background job (`cmd &`, nohup) starts with SIGINT ignored, and Python then
    # leaves it ignored: give the child the default, as a terminal's Ctrl-C would find it.
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Interrupt mid-analysis, not during start-up: wait for 4 s of CPU time (imports and
    # the model take ~2), however busy the machine is, rather than a fixed wall time.
    deadline = time.monotonic() + 90
    while cpu_seconds(proc.pid) < 4.0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    used = cpu_seconds(proc.pid)
    assert proc.poll() is None, f"analysis ended before the interrupt ({used:.1f} s of CPU)"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "partial" in err
    saved = json.loads(out.read_text())
    assert saved["partial"] is True
    assert saved["summary"]["reps"] < 8


class UnpluggedCamera(RecordingSource):
    """A live camera (stood in for by a recording: no webcam exists here) that is
    unplugged 12 s into the session, as the grabber reports it: the frames stop and
    ``lost`` is set."""

    def __iter__(self) -> Iterator[SourceFrame]:
        for sf in super().__iter__():
            if sf.t > 12.0:
                self.lost = True
                self.warnings.append(f"{self.name} stopped delivering frames")
                return
            yield sf


def test_camera_unplugged_mid_session_keeps_and_summarises_what_was_counted(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    source = UnpluggedCamera(REC / "lunge_walking_side_b.npz")
    _, result = analyze(source, spec_for("lunge"), (), json_path=str(out))
    assert result.partial and result.reason == "source lost"
    saved = json.loads(out.read_text())
    assert saved["partial"] is True and saved["summary"]["reps"] == 3  # bottoms 2.8, 5.9, 10.7 s
    assert saved["source"]["warnings"] == [f"{source.name} stopped delivering frames"]
