"""Sinks driven the way the pipeline drives them, with synthetic frames and results."""

from __future__ import annotations

import gc
import io
import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.check.events import CheckerState, FrameResult, HoldSegment, Issue, Notice, Rep
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose, PoseFrame
from posecheck.report.builder import SessionInfo
from posecheck.report.files import ReportError
from posecheck.report.screen import DisplayError, EventLogSink, LiveWindowSink, ProgressSink
from posecheck.report.sinks import (
    AnnotatedVideoSink,
    BaseSink,
    ReportSink,
    Sink,
)


def _info(
    w: int = 320, h: int = 240, frame_count: int | None = 10, live: bool = False, fps: float = 10.0
) -> SessionInfo:
    return SessionInfo(
        "squat",
        "Squat",
        "reps",
        "synthetic",
        fps,
        frame_count,
        (w, h),
        is_live=live,
        targets={"reps": 5},
    )


def _state(t: float, reps: int = 0) -> CheckerState:
    return CheckerState(t, True, True, "down", reps, {}, 0.0, 0.0, (), "Chest up", None, {})


def _pose() -> Pose:
    img = np.random.default_rng(1).uniform(0.2, 0.8, (NUM_LANDMARKS, 3)).astype(np.float32)
    return Pose(img, np.ones(NUM_LANDMARKS, np.float32))


def run(
    sinks: list,
    n: int = 10,
    w: int = 320,
    h: int = 240,
    *,
    info: SessionInfo | None = None,
    skip_images: tuple[int, ...] = (),
    partial: bool = False,
) -> None:
    """The pipeline loop, in miniature."""
    info = info or _info(w, h, n)
    for s in sinks:
        s.open(info)
    reps = 0
    for i in range(n):
        t = i / 10
        events: tuple = ()
        if i == 5:
            reps += 1
            events = (Rep(1, None, 0.1, 0.5, 0.3), Issue("depth", "Go lower", 0.3, 0.4, "d", 95.0))
        image = None if i in skip_images else np.full((h, w, 3), (i * 20) % 255, np.uint8)
        for s in sinks:
            s.on_frame(image, PoseFrame(i, t, w, h, _pose()), FrameResult(events, _state(t, reps)))
    for s in sinks:
        s.close(partial)


def test_all_sinks_satisfy_protocol() -> None:
    for sink in (
        ReportSink(),
        AnnotatedVideoSink("x.mp4", 10),
        ProgressSink(io.StringIO()),
        LiveWindowSink("w"),
        EventLogSink(io.StringIO()),
        BaseSink(),
    ):
        assert isinstance(sink, Sink)
        assert sink.stop_requested is False


# --------------------------------------------------------------------------- ReportSink


def test_report_sink_writes_files(tmp_path: Path) -> None:
    sink = ReportSink(tmp_path / "r.json", tmp_path / "r.csv")
    run([sink], partial=True)
    assert sink.report is not None
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data == sink.report
    assert data["partial"] is True
    assert data["summary"]["reps"] == 1
    assert data["summary"]["issue_counts"] == {"depth": 1}
    assert data["source"]["frames"] == 10
    lines = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "type,index,side,t_start,t_end,code,message,value,rep_index"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["rep", "issue"]


def test_report_sink_without_paths_keeps_report() -> None:
    sink = ReportSink()
    run([sink])
    assert sink.report is not None and sink.report["partial"] is False


def test_report_sink_fails_early_on_missing_dir(tmp_path: Path) -> None:
    sink = ReportSink(json_path=tmp_path / "missing" / "r.json")
    with pytest.raises(ReportError, match="does not exist"):
        sink.open(_info())
    sink.close(partial=True)  # closing an unopened sink is harmless


def test_report_sink_keeps_report_when_write_fails(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    sink = ReportSink(json_path=sub / "r.json", csv_path=tmp_path / "r.csv")
    sink.open(_info())
    sink.on_frame(None, PoseFrame(0, 0.0, 320, 240, None), FrameResult((), _state(0.0)))
    sub.rmdir()  # the directory disappears during the session
    with pytest.raises(ReportError, match="does not exist"):
        sink.close(partial=False)
    assert sink.report is not None
    assert (tmp_path / "r.csv").exists()  # the other file is still written


# --------------------------------------------------------------------------- video


def _read_video(path: Path) -> tuple[int, int, int]:
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened()
    n = 0
    w = h = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        n += 1
        h, w = frame.shape[:2]
    cap.release()
    return n, w, h


@pytest.mark.parametrize(("w", "h"), [(320, 240), (240, 320)])
def test_annotated_video(tmp_path: Path, w: int, h: int) -> None:
    path = tmp_path / "annotated.mp4"
    sink = AnnotatedVideoSink(path, fps=10)
    run([sink], n=12, w=w, h=h, skip_images=(3, 7))
    assert sink.frames_written == 10
    assert _read_video(path) == (10, w, h)
    assert os.listdir(tmp_path) == ["annotated.mp4"]  # temp file renamed, none left


def test_annotated_video_partial_still_written(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    run([AnnotatedVideoSink(path, fps=None)], n=5, partial=True)
    assert _read_video(path)[0] == 5


def test_annotated_video_frames_differ_from_announced_size(tmp_path: Path) -> None:
    """Rotated phone clips: the real frames decide the video size."""
    path = tmp_path / "a.mp4"
    run([AnnotatedVideoSink(path, 10)], n=4, w=240, h=320, info=_info(320, 240, 4))
    assert _read_video(path) == (4, 240, 320)
    assert os.listdir(tmp_path) == ["a.mp4"]


def test_annotated_video_no_frames_no_file(tmp_path: Path) -> None:
    run([AnnotatedVideoSink(tmp_path / "a.mp4", 10)], n=3, skip_images=(0, 1, 2))
    assert os.listdir(tmp_path) == []


def test_annotated_video_bad_path(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        AnnotatedVideoSink(tmp_path / "nope" / "a.mp4", 10).open(_info())
    sink = AnnotatedVideoSink(tmp_path / "a.unknownext", 10)
    with pytest.raises(ReportError, match="cannot write video"):
        sink.open(_info())
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_known_length() -> None:
    out = io.StringIO()
    clock = FakeClock()
    sink = ProgressSink(out, force=True, clock=clock)
    info = _info(frame_count=10)
    sink.open(info)
    for i in range(10):
        clock.now += 0.5  # 2 frames/s of processing
        sink.on_frame(None, PoseFrame(i, i / 10, 320, 240, None), FrameResult((), _state(0)))
        if i == 4:
            assert " 50.0%" in out.getvalue().split("\r")[-1]
            assert "ETA 0:02" in out.getvalue().split("\r")[-1]
    sink.close(partial=False)
    text = out.getvalue()
    assert "%" in text and "100.0%" in text and "10/10 frames" in text
    assert "2.0 fps" in text
    assert text.endswith("\n") and text.startswith("\r")


def test_progress_is_rate_limited() -> None:
    out = io.StringIO()
    clock = FakeClock()
    sink = ProgressSink(out, force=True, clock=clock, min_interval=0.25)
    sink.open(_info(frame_count=1000))
    for i in range(100):
        clock.now += 0.01  # 100 fps: 1 s in total
        sink.on_frame(None, PoseFrame(i, i / 10, 320, 240, None), FrameResult((), _state(0)))
    assert 3 <= out.getvalue().count("\r") <= 5


def test_progress_live_and_partial() -> None:
    out = io.StringIO()
    clock = FakeClock()
    sink = ProgressSink(out, force=True, clock=clock)
    sink.open(_info(frame_count=None, live=True))
    for i in range(30):
        clock.now += 1 / 30
        sink.on_frame(None, PoseFrame(i, i / 30, 320, 240, None), FrameResult((), _state(0)))
    sink.close(partial=True)
    last = out.getvalue().split("\r")[-1]
    assert "elapsed 0:01" in last and "30 frames" in last and "30.0 fps" in last
    assert "stopped early" in last and "%" not in last


def test_progress_silent_when_not_a_tty() -> None:
    out = io.StringIO()  # isatty() is False
    run([ProgressSink(out)])
    assert out.getvalue() == ""


# --------------------------------------------------------------------------- event log


def test_event_log_lines() -> None:
    out = io.StringIO()
    sink = EventLogSink(out)
    events = (
        Rep(1, "left", 5.0, 6.2, 5.6),
        Issue("hips_sagging", "Lift your hips", 12.0, 12.5, "hips"),
        Notice("not_visible", "Move back", 13.0),
        HoldSegment(20.0, 50.0, 28.0),
        Rep(2, "right", 7.0, 8.0, 7.5, issues=("knee_valgus",)),
    )
    sink.on_frame(None, PoseFrame(0, 0.0, 1, 1, None), FrameResult(events, _state(0)))
    sink.on_frame(None, PoseFrame(1, 0.1, 1, 1, None), FrameResult((), _state(0)))
    assert out.getvalue().splitlines() == [
        "0:00.0 >> Chest up",  # the state's cue, printed once when it appears
        "0:06.2 rep 1 (left)",
        "0:12.0 ISSUE hips_sagging: Lift your hips",
        "0:13.0 NOTE not_visible: Move back",
        "0:50.0 hold 0:30.0 (good form 0:28.0)",
        "0:08.0 rep 2 (right) - knee_valgus",
    ]


# --------------------------------------------------------------------------- live window


def test_live_window_construction_only() -> None:
    sink = LiveWindowSink("posecheck test")
    assert sink.window_name == "posecheck test" and sink.stop_requested is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display check is Linux-only")
def test_live_window_refuses_without_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(DisplayError, match="--no-window"):
        LiveWindowSink().open(_info())


# --------------------------------------------------------------------------- end of source


def test_finish_events_reach_report_and_log(tmp_path: Path) -> None:
    """The pipeline hands the checker's finish() events to on_events before close."""
    report = ReportSink(tmp_path / "r.json")
    log_out = io.StringIO()
    log = EventLogSink(log_out)
    sinks = [report, log]
    info = SessionInfo(
        "plank",
        "Plank",
        "hold",
        "cam",
        10.0,
        None,
        (320, 240),
        is_live=True,
        targets={"hold_s": 60},
    )
    for s in sinks:
        s.open(info)
    st = CheckerState(4.9, True, True, "hold", 0, {}, 4.0, 3.5, (), None, None, {})
    for i in range(50):
        for s in sinks:
            s.on_frame(None, PoseFrame(i, i / 10, 320, 240, None), FrameResult((), st))
    tail = (HoldSegment(0.9, 4.9, 3.5),)
    for s in sinks:
        s.on_events(tail)
        s.close(True)
    assert report.report is not None
    assert report.report["summary"]["hold_s"] == 4.0
    assert report.report["holds"][0]["good_s"] == 3.5
    assert log_out.getvalue() == "0:04.9 hold 0:04.0 (good form 0:03.5)\n"


def test_video_open_leaves_nothing_on_disk(tmp_path: Path) -> None:
    sink = AnnotatedVideoSink(tmp_path / "a.mp4", 10)
    sink.open(_info())
    assert os.listdir(tmp_path) == []
    sink.close(partial=True)
    assert os.listdir(tmp_path) == []


def test_video_temp_removed_if_never_closed(tmp_path: Path) -> None:
    sink = AnnotatedVideoSink(tmp_path / "a.mp4", 10)
    sink.open(_info())
    sink.on_frame(
        np.zeros((240, 320, 3), np.uint8),
        PoseFrame(0, 0.0, 320, 240, None),
        FrameResult((), _state(0.0)),
    )
    assert len(os.listdir(tmp_path)) == 1 and os.listdir(tmp_path)[0].startswith(".a.")
    del sink
    gc.collect()
    assert os.listdir(tmp_path) == []


def test_event_log_prints_a_cue_the_moment_it_appears() -> None:
    """A held fault is an Issue only when it ends; its cue is printed as soon as it shows."""
    import io

    from posecheck.check.checker import Checker
    from posecheck.check.specs import spec_for
    from posecheck.pose.recording import load_recording
    from posecheck.report.screen import EventLogSink

    rec = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"
    out = io.StringIO()
    sink = EventLogSink(out)
    checker = Checker(spec_for("squat"))
    for frame in load_recording(rec / "squat_trunk_lean_side_a.npz").frames():
        sink.on_frame(None, frame, checker.update(frame))
    lines = out.getvalue().splitlines()
    cue = [ln for ln in lines if ">> Keep your chest up" in ln]
    # once, as the leaning rep (bottom at 0.6 s) is counted at 0.9 s, with the rep's line
    assert len(cue) == 1 and cue[0].split()[0] == "0:00.9"
    assert "0:00.9 rep 1 - trunk_leaning" in lines
