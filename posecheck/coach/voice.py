"""Speech engines: speak a cue (espeak-ng), beep it, or record it to a timeline WAV file.

Every engine has the same small interface, ``say(text, *, kind, t)`` and ``close()``.
``say`` may block (it runs on the voice worker thread, never on the frame loop);
``kind`` lets an engine without words pick a tone; ``t`` is the session time the utterance
belongs at (only the recorder uses it). Speech depends on what the machine has, so every
engine degrades instead of failing: no espeak-ng -> beeps (said once, in one line);
no sound device -> the terminal bell. Only a WAV file that cannot be written is an error
(a one-line ReportError), because then something the user asked for would be lost.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np

from posecheck.report.files import ReportError, check_writable_dir, temp_path_beside

SAMPLE_RATE = 22050  # espeak-ng's own output rate: its speech is never resampled
WORDS_PER_MIN = 160
_SAY_TIMEOUT_S = 15.0
#: One tone pattern per utterance kind, (Hz, seconds) with 0 Hz = a pause: a fault is an
#: urgent double beep, a rep a single short one, a target a rising triad.
_TONES: dict[str, tuple[tuple[float, float], ...]] = {
    "fault": ((880.0, 0.09), (0.0, 0.05), (880.0, 0.09)),
    "rep": ((660.0, 0.12),),
    "side_switch": ((523.0, 0.1), (784.0, 0.12)),
    "target": ((523.0, 0.1), (659.0, 0.1), (784.0, 0.18)),
    "countdown": ((784.0, 0.15),),
    "hold": ((440.0, 0.1),),
    "hint": ((330.0, 0.2),),
}

Notify = Callable[[str], None]


def print_notice(message: str) -> None:
    """Print a one-line notice on the *current* sys.stderr (the CLI may rewire it)."""
    print(message, file=sys.stderr, flush=True)


class Engine(Protocol):
    """What the voice worker needs of an engine."""

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None: ...

    def close(self) -> None: ...


def tone(kind: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The beep for an utterance kind as int16 samples (5 ms fades: no clicks)."""
    parts = []
    for hz, seconds in _TONES.get(kind, _TONES["hint"]):
        n = round(seconds * rate)
        if hz <= 0:
            parts.append(np.zeros(n))
            continue
        wave_ = 0.4 * np.sin(2 * np.pi * hz * np.arange(n) / rate)
        fade = min(n // 2, round(0.005 * rate))
        ramp = np.linspace(0.0, 1.0, fade)
        wave_[:fade] *= ramp
        wave_[n - fade :] *= ramp[::-1]
        parts.append(wave_)
    return (np.concatenate(parts) * 32767).astype(np.int16)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """Mono 16-bit WAV file contents."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return buf.getvalue()


def _read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Samples and rate of a mono 16-bit WAV (espeak-ng's --stdout header has no length,
    so read whatever frames are there)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(1 << 30)
    if width != 2:
        raise ValueError(f"expected 16-bit samples, got {8 * width}-bit")
    samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels)[:, 0]
    return samples, rate


def _trim(samples: np.ndarray, floor: int = 64, keep_s: float = 0.01) -> np.ndarray:
    """Speech without espeak-ng's lead-in and trailing silence (~0.05 s and ~0.35 s), so an
    utterance's sound starts at its time and the next one is not pushed back by silence."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > floor)
    if not len(loud):
        return samples[:0]
    keep = round(keep_s * SAMPLE_RATE)
    return samples[max(0, loud[0] - keep) : loud[-1] + 1 + keep]


def _speakable(text: str) -> str:
    return " ".join(text.split()) or "."


class BellEngine:
    """The last resort: the terminal bell, one per utterance."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        with contextlib.suppress(OSError, ValueError):  # a closed terminal: stay silent
            stream.write("\a")
            stream.flush()

    def close(self) -> None:
        """Nothing to release."""


class BeepEngine:
    """No TTS: a short tone per utterance kind through ``aplay``, else the terminal bell."""

    def __init__(
        self,
        aplay: str | None = None,
        *,
        notify: Notify = print_notice,
        bell: BellEngine | None = None,
    ) -> None:
        self.aplay = aplay
        self.notify = notify
        self.bell = bell if bell is not None else BellEngine()

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
        if self.aplay is None:
            self.bell.say(text, kind=kind, t=t)
            return
        try:
            proc = subprocess.run(
                [self.aplay, "-q", "-"],
                input=wav_bytes(tone(kind)),
                capture_output=True,
                timeout=_SAY_TIMEOUT_S,
                check=False,
            )
            failed = proc.returncode != 0
            why = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        except (OSError, subprocess.SubprocessError) as exc:
            failed, why = True, [str(exc)]
        if failed:
            self.notify(f"posecheck: voice: aplay cannot play sound ({why[0]}); using the bell")
            self.aplay = None
            self.bell.say(text, kind=kind, t=t)

    def close(self) -> None:
        """Nothing to release."""


class EspeakEngine:
    """Speaks through the ``espeak-ng`` binary on the default audio device.

    espeak-ng exits 0 even when there is no sound device (it prints ``error: ...``), so
    its stderr is read too; on the first failure it says so once and falls back to beeps.
    """

    def __init__(
        self,
        binary: str,
        *,
        wpm: int = WORDS_PER_MIN,
        notify: Notify = print_notice,
        fallback: Engine | None = None,
    ) -> None:
        self.binary = binary
        self.wpm = wpm
        self.notify = notify
        self.fallback = fallback
        self.broken = False

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
        if not self.broken:
            cmd = [self.binary, "-s", str(self.wpm), "--", _speakable(text)]
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=_SAY_TIMEOUT_S, check=False)
                err = proc.stderr.decode(errors="replace")
                lines = [ln for ln in err.splitlines() if ln.startswith("error")]
                why = lines[0] if lines else f"exit code {proc.returncode}"
                ok = proc.returncode == 0 and not lines
            except (OSError, subprocess.SubprocessError) as exc:
                ok, why = False, str(exc)
            if ok:
                return
            self.broken = True
            self.notify(
                f"posecheck: voice: espeak-ng cannot play sound ({why}; no audio device?); "
                f"using beeps"
            )
        if self.fallback is None:
            self.fallback = BeepEngine(shutil.which("aplay"), notify=self.notify)
        self.fallback.say(text, kind=kind, t=t)

    def close(self) -> None:
        if self.fallback is not None:
            self.fallback.close()


class WavRecorder:
    """Writes every utterance into ONE WAV file, each starting at its session time.

    Speech comes from ``espeak-ng -s 160 --stdout`` (the same voice as live), else a beep
    tone per kind. Silence fills the gaps; an utterance that would overlap the previous one
    starts right after it instead (``placed`` says where each one went). The file is
    written on ``close``, atomically (temp file beside it, then renamed), also when
    nothing was said (a valid, silent file).
    """

    def __init__(
        self, path: str | os.PathLike[str], espeak: str | None = None, *, wpm: int = WORDS_PER_MIN
    ) -> None:
        self.path = check_writable_dir(path)
        self.espeak = espeak
        self.wpm = wpm
        self.segments: list[tuple[int, np.ndarray]] = []  # (start sample, samples)
        self.placed: list[tuple[float, float, str]] = []  # (start s, end s, text)
        self.last_duration_s = 0.0
        self._end = 0  # first free sample after the last segment

    def synth(self, text: str, kind: str) -> np.ndarray:
        """The utterance's samples at SAMPLE_RATE: speech if espeak-ng works, else a tone."""
        if self.espeak is not None:
            cmd = [self.espeak, "-s", str(self.wpm), "--stdout", "--", _speakable(text)]
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=_SAY_TIMEOUT_S, check=True)
                samples, rate = _read_wav(proc.stdout)
            except (OSError, subprocess.SubprocessError, wave.Error, ValueError, EOFError):
                samples, rate = tone(kind), SAMPLE_RATE
            if rate != SAMPLE_RATE and len(samples):
                n = round(len(samples) * SAMPLE_RATE / rate)
                x = np.linspace(0, len(samples) - 1, n)
                samples = np.interp(x, np.arange(len(samples)), samples).astype(np.int16)
            samples = _trim(samples)
            if len(samples):
                return samples
        return tone(kind)

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
        samples = self.synth(text, kind)
        start = self._end if t is None else max(self._end, round(max(0.0, t) * SAMPLE_RATE))
        self.segments.append((start, samples))
        self._end = start + len(samples)
        self.last_duration_s = len(samples) / SAMPLE_RATE
        self.placed.append((start / SAMPLE_RATE, self._end / SAMPLE_RATE, text))

    def timeline(self) -> np.ndarray:
        """All utterances on one track, silence between."""
        track = np.zeros(self._end, dtype=np.int16)
        for start, samples in self.segments:
            track[start : start + len(samples)] = samples
        return track

    def close(self) -> None:
        data = wav_bytes(self.timeline())
        tmp = temp_path_beside(self.path)
        try:
            tmp.write_bytes(data)
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ReportError(
                f"cannot write {self.path}: {exc.strerror or exc}; choose a writable location"
            ) from exc


class TeeEngine:
    """Several engines in turn: speak live and record the same cues to a file."""

    def __init__(self, engines: Sequence[Engine]) -> None:
        self.engines = list(engines)

    @property
    def last_duration_s(self) -> float | None:
        durations = (getattr(e, "last_duration_s", None) for e in self.engines[::-1])
        return next((d for d in durations if d is not None), None)

    def say(self, text: str, *, kind: str = "hint", t: float | None = None) -> None:
        for engine in self.engines:
            engine.say(text, kind=kind, t=t)

    def close(self) -> None:
        for engine in self.engines:
            engine.close()


def pick_engine(
    voice: bool,
    voice_to: str | os.PathLike[str] | None = None,
    *,
    which: Callable[[str], str | None] = shutil.which,
    notify: Notify = print_notice,
) -> Engine | None:
    """The engine for ``--voice`` / ``--voice-to FILE.wav``; None when neither is asked.

    A missing espeak-ng is said once, in one line, and cues become beeps (live) or tones
    (in the file). A ``voice_to`` path in a missing directory fails here, before the session.
    """
    if not voice and voice_to is None:
        return None
    if voice_to is not None and Path(voice_to).suffix.lower() != ".wav":
        raise ReportError(f"cannot write {voice_to}: a voice recording must end in .wav")
    espeak = which("espeak-ng")
    if espeak is None:
        notify(
            "posecheck: voice: espeak-ng is not installed (apt-get install espeak-ng); "
            + ("cues will be beeps" if voice else "the recording will have tones, not words")
        )
    engines: list[Engine] = []
    if voice:
        beeps = BeepEngine(which("aplay"), notify=notify)
        engines.append(EspeakEngine(espeak, notify=notify, fallback=beeps) if espeak else beeps)
    if voice_to is not None:
        engines.append(WavRecorder(voice_to, espeak))
    return engines[0] if len(engines) == 1 else TeeEngine(engines)
