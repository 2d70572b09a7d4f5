"""Speech engines and the voice sink's worker: speech never blocks the frame loop.

The worker tests use a deliberately slow stand-in engine (the one place a fake engine is
right: what is tested is the queueing, not the voice). The WAV tests use the real
espeak-ng when it is installed (skipped with the reason otherwise) and the beep tones
always; the end-to-end test replays a real recording at real time through the real
pipeline into the threaded sink.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from posecheck.check.checker import Checker
from posecheck.check.events import CheckerState, FrameResult, Rep
from posecheck.check.specs import spec_for
from posecheck.coach.voice import (
    SAMPLE_RATE,
    BeepEngine,
    BellEngine,
    EspeakEngine,
    TeeEngine,
    WavRecorder,
    pick_engine,
    tone,
)
from posecheck.coach.voice_sink import VoiceSink
from posecheck.pipeline import run, session_info
from posecheck.report.builder import SessionInfo
from posecheck.report.files import ReportError
from posecheck.report.sinks import Sink
from posecheck.sources.open import open_source

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(
    ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)
RECORDINGS = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"
SAG = "Lift your hips: keep a straight line from shoulders to heels"
INFO = SessionInfo("squat", "Squat", "reps", "synthetic", 30.0, None, (640, 480))


def state(t: float, reps: int = 0, cue: str | None = None) -> CheckerState:
    return CheckerState(
        t, True, True, "rest", reps, {}, 0.0, 0.0, ("x",) if cue else (), cue, "right", {}
    )


def rep_frame(i: int, t: float) -> FrameResult:
    return FrameResult((Rep(i, None, t - 0.5, t, t - 0.2),), state(t, i))


class SlowEngine:
    """Takes ``delay`` s per utterance, or until ``gate`` is set."""

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None) -> None:
        self.delay, self.gate = delay, gate
        self.said: list[str] = []
        self.started = threading.Event()

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        time.sleep(self.delay)
        self.said.append(text)

    def close(self) -> None:
        pass


def onsets(path: Path, min_gap_s: float = 0.15) -> tuple[list[float], float]:
    """Start times of the non-silent stretches of a WAV file, and its length."""
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        rate = w.getframerate()
        a = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(a.astype(np.int32)) > 300)
    if not len(loud):
        return [], len(a) / rate
    first = np.r_[0, np.flatnonzero(np.diff(loud) > min_gap_s * rate) + 1]
    return [float(s) / rate for s in loud[first]], len(a) / rate


# ---- the worker -------------------------------------------------------------------------
def test_voice_sink_is_a_sink() -> None:
    assert isinstance(VoiceSink(BellEngine()), Sink)


def test_slow_engine_never_blocks_frames_and_drops_stale_counts() -> None:
    engine = SlowEngine(delay=0.3)
    sink = VoiceSink(engine)
    sink.open(INFO)
    worst = 0.0
    for i in range(1, 21):  # a rep every frame, 20 frames in a few ms: far faster than speech
        t0 = time.perf_counter()
        sink.on_frame(None, None, rep_frame(i, i * 0.1))  # type: ignore[arg-type]
        worst = max(worst, time.perf_counter() - t0)
        time.sleep(0.01)
    t0 = time.perf_counter()
    sink.close(False)
    closed_in = time.perf_counter() - t0
    assert worst < 0.02  # on_frame returned at once, though each utterance takes 0.3 s
    assert closed_in < 1.0  # close waited only for what was speaking and the one pending
    said = [s.text for s in sink.spoken]
    assert said == engine.said and said[0] == "one" and said[-1] == "twenty"
    assert 2 <= len(said) <= 3  # the rest were replaced by newer numbers, never queued
    assert len(said) + len(sink.dropped) == 20


def test_fault_that_ended_while_the_engine_was_busy_is_not_said() -> None:
    gate = threading.Event()
    engine = SlowEngine(gate=gate)
    sink = VoiceSink(engine)
    sink.open(INFO)
    sink.on_frame(None, None, rep_frame(1, 1.0))  # type: ignore[arg-type]
    assert engine.started.wait(2)  # "one" is being spoken, and takes a while
    sink.on_frame(None, None, FrameResult((), state(1.2, 1, SAG)))  # type: ignore[arg-type]
    sink.on_frame(None, None, FrameResult((), state(1.5, 1)))  # type: ignore[arg-type]
    gate.set()
    sink.close(False)
    assert engine.said == ["one"]
    assert [u.text for u in sink.dropped] == ["Lift your hips"]


def test_fault_replaces_a_pending_count_not_the_reverse() -> None:
    gate = threading.Event()
    engine = SlowEngine(gate=gate)
    sink = VoiceSink(engine)
    sink.open(INFO)
    sink.on_frame(None, None, rep_frame(1, 1.0))  # type: ignore[arg-type]
    assert engine.started.wait(2)
    sink.on_frame(None, None, FrameResult((), state(1.1, 1, SAG)))  # type: ignore[arg-type]
    sink.on_frame(None, None, FrameResult((), state(1.2, 1, SAG)))  # type: ignore[arg-type]
    sink.on_events([])
    gate.set()
    sink.close(False)
    assert engine.said == ["one", "Lift your hips"]


def test_wall_clock_backstop_drops_old_utterances() -> None:
    now = [0.0]
    gate = threading.Event()
    engine = SlowEngine(gate=gate)
    sink = VoiceSink(engine, clock=lambda: now[0], max_wait_s=3.0)
    sink.open(INFO)
    sink.on_frame(None, None, rep_frame(1, 1.0))  # type: ignore[arg-type]
    assert engine.started.wait(2)
    sink.on_frame(None, None, rep_frame(2, 1.5))  # type: ignore[arg-type]
    now[0] = 10.0  # the engine hung for 10 s: "two" is history by then
    gate.set()
    sink.close(False)
    assert engine.said == ["one"] and [u.text for u in sink.dropped] == ["two"]


def test_close_is_bounded_when_the_engine_hangs() -> None:
    gate = threading.Event()
    notes: list[str] = []
    sink = VoiceSink(SlowEngine(gate=gate), close_timeout_s=0.2, notify=notes.append)
    sink.open(INFO)
    sink.on_frame(None, None, rep_frame(1, 1.0))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    sink.close(False)
    assert time.perf_counter() - t0 < 1.0
    assert notes == [
        "posecheck: voice: the speech engine did not finish within 0.2 s; not waiting for it"
    ]
    gate.set()


def test_failing_engine_is_reported_once_and_the_session_goes_on() -> None:
    class Broken(SlowEngine):
        def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
            raise RuntimeError("device vanished")

    notes: list[str] = []
    sink = VoiceSink(Broken(), threaded=False, notify=notes.append)
    sink.open(INFO)
    for i in range(1, 4):
        sink.on_frame(None, None, rep_frame(i, i * 2.0))  # type: ignore[arg-type]
    sink.close(False)
    assert notes == ["posecheck: voice: the speech engine failed (device vanished); cues skipped"]
    assert sink.spoken == []


def test_never_opened_sink_closes_quietly(tmp_path: Path) -> None:
    VoiceSink(WavRecorder(tmp_path / "v.wav")).close(True)
    assert not (tmp_path / "v.wav").exists()


# ---- engines --------------------------------------------------------------------------------
@needs_espeak
def test_wav_recorder_real_espeak_places_speech_at_utterance_times(tmp_path: Path) -> None:
    rec = WavRecorder(tmp_path / "voice.wav", ESPEAK)
    for t, text in ((0.5, "one"), (2.0, "Lift your hips"), (4.0, "twenty, done")):
        rec.say(text, kind="rep", t=t)
    rec.close()
    starts, length = onsets(tmp_path / "voice.wav", min_gap_s=0.4)
    assert starts == pytest.approx([0.5, 2.0, 4.0], abs=0.03)
    assert 4.5 < length < 6.0
    assert [p[2] for p in rec.placed] == ["one", "Lift your hips", "twenty, done"]


def test_wav_recorder_beeps_without_espeak(tmp_path: Path) -> None:
    rec = WavRecorder(tmp_path / "voice.wav", espeak=None)
    rec.say("one", kind="rep", t=1.0)
    rec.say("Lift your hips", kind="fault", t=2.5)
    rec.say("ten", kind="hold", t=2.55)  # overlaps the fault's beep: starts right after it
    rec.close()
    starts, length = onsets(tmp_path / "voice.wav", min_gap_s=0.04)
    fault_len = len(tone("fault")) / SAMPLE_RATE
    # the fault is a double beep (0.09 s, 0.05 s pause, 0.09 s); the hold beep follows it
    assert starts == pytest.approx([1.0, 2.5, 2.5 + 0.09 + 0.05], abs=0.01)
    assert length == pytest.approx(2.5 + fault_len + 0.1, abs=0.002)
    assert [round(p[0], 3) for p in rec.placed] == [1.0, 2.5, round(2.5 + fault_len, 3)]


def test_wav_recorder_empty_session_writes_a_silent_file(tmp_path: Path) -> None:
    WavRecorder(tmp_path / "voice.wav").close()
    with wave.open(str(tmp_path / "voice.wav"), "rb") as w:
        assert (w.getframerate(), w.getnframes()) == (SAMPLE_RATE, 0)


def test_wav_recorder_bad_directory_fails_before_the_session(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        WavRecorder(tmp_path / "nope" / "voice.wav")


def test_espeak_failure_reported_once_then_bell(tmp_path: Path) -> None:
    notes: list[str] = []
    bell = io.StringIO()
    engine = EspeakEngine("/bin/false", notify=notes.append, fallback=BellEngine(bell))
    engine.say("one")
    engine.say("two")
    assert notes == [
        "posecheck: voice: espeak-ng cannot play sound (exit code 1; no audio device?); using beeps"
    ]
    assert bell.getvalue() == "\a\a"


@needs_espeak
def test_real_espeak_speaks_or_says_once_why_not() -> None:
    notes: list[str] = []
    bell = io.StringIO()
    engine = EspeakEngine(ESPEAK, notify=notes.append, fallback=BellEngine(bell))  # type: ignore[arg-type]
    engine.say("one")
    engine.say("two")
    # With a sound device it speaks; without one (CI) it says so once and rings the bell.
    assert notes == [] or (len(notes) == 1 and bell.getvalue() == "\a\a"), notes


def test_beep_engine_bell_without_aplay_and_after_aplay_fails() -> None:
    bell = io.StringIO()
    BeepEngine(None, bell=BellEngine(bell)).say("one", kind="rep")
    assert bell.getvalue() == "\a"
    notes: list[str] = []
    engine = BeepEngine("/bin/false", notify=notes.append, bell=BellEngine(bell))
    engine.say("one", kind="rep")
    engine.say("two", kind="rep")
    assert len(notes) == 1 and notes[0].startswith("posecheck: voice: aplay cannot play sound")
    assert bell.getvalue() == "\a\a\a"


def test_tones_differ_by_kind() -> None:
    lengths = {k: len(tone(k)) for k in ("fault", "rep", "target", "hint")}
    assert len(set(lengths.values())) == 4
    assert np.abs(tone("rep")).max() > 10000 and tone("rep")[0] == 0  # faded in: no click


def test_pick_engine_choices_and_fallback_message(tmp_path: Path) -> None:
    notes: list[str] = []
    missing = lambda name: None  # noqa: E731
    assert pick_engine(False, None, which=missing, notify=notes.append) is None
    assert notes == []
    engine = pick_engine(True, None, which=missing, notify=notes.append)
    assert isinstance(engine, BeepEngine)
    assert notes == [
        "posecheck: voice: espeak-ng is not installed (apt-get install espeak-ng); "
        "cues will be beeps"
    ]
    both = pick_engine(True, tmp_path / "v.wav", which=missing, notify=notes.append)
    assert isinstance(both, TeeEngine) and len(notes) == 2  # once per pick
    assert isinstance(both.engines[1], WavRecorder) and both.engines[1].espeak is None
    found = lambda name: f"/usr/bin/{name}" if name == "espeak-ng" else None  # noqa: E731
    live = pick_engine(True, None, which=found, notify=notes.append)
    assert isinstance(live, EspeakEngine) and len(notes) == 2
    rec = pick_engine(False, tmp_path / "v.wav", which=found, notify=notes.append)
    assert isinstance(rec, WavRecorder) and rec.espeak == "/usr/bin/espeak-ng"
    with pytest.raises(ReportError, match=r"must end in \.wav"):
        pick_engine(False, tmp_path / "v.mp3", which=found)


# ---- end to end: a real recording at real time, the threaded sink ----------------------------
@pytest.mark.e2e  # a live session paced at real time: seconds of waiting
def test_live_pushup_replay_speaks_the_sag_and_the_rep(tmp_path: Path) -> None:
    spec = spec_for("push_up")
    source = open_source(RECORDINGS / "pushup_hip_sag_side_a.npz", realtime=True)
    engine = pick_engine(False, tmp_path / "live.wav", notify=lambda m: None)
    assert engine is not None
    sink = VoiceSink(engine, spec=spec)
    sink.open(session_info(source, spec))
    frame_s: list[float] = []
    last = [time.perf_counter()]

    def tick(frame: object, result: object) -> None:
        now = time.perf_counter()
        frame_s.append(now - last[0])
        last[0] = now

    run(source, Checker(spec), [sink], on_frame=tick)
    assert [(s.t, s.text) for s in sink.spoken] == [(2.2, "Lift your hips"), (3.4, "one")]
    assert all(abs(s.said_at - s.t) < 0.2 for s in sink.spoken)
    assert max(frame_s[1:]) < 0.15  # 25 fps pacing held: synthesis never stalled a frame
    starts, _ = onsets(tmp_path / "live.wav", min_gap_s=0.2)
    assert starts == pytest.approx([s.said_at for s in sink.spoken], abs=0.05)
