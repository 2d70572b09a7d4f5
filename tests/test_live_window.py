"""The live window for real, on a virtual X display (Xvfb), when the machine has one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None, reason="Xvfb not installed (apt-get install xvfb)"
)


@pytest.fixture()
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f":{90 + os.getpid() % 9}"
    proc = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "1280x800x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    monkeypatch.setenv("DISPLAY", name)
    try:
        yield name
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_live_window_shows_frames_and_closes(display: str) -> None:
    """A real OpenCV window: the checker's state is drawn into it frame after frame."""
    code = f"""
import numpy as np
from posecheck.pipeline import analyze
from posecheck.report.screen import LiveWindowSink
from posecheck.sources.base import SourceFrame, RecordingSource
from posecheck.check.specs import spec_for

class WithImages(RecordingSource):
    def __iter__(self):
        for sf in super().__iter__():
            img = np.full((sf.pose_frame.height, sf.pose_frame.width, 3), 90, np.uint8)
            yield SourceFrame(sf.index, sf.t, img, sf.pose_frame)

sink = LiveWindowSink("posecheck-test")
source = WithImages({str(REC / "plank_forearm_side_c.npz")!r})
report, result = analyze(source, spec_for("plank"), [sink])
print("visible-before-close", sink._shown, result.frames, report["summary"]["good_hold_s"] > 2)
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, DISPLAY=display),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "visible-before-close True 90 True" in out.stdout
