"""The voice sink: the coach's utterances to a speech engine, never blocking the frame loop.

Speaking takes about a second; a frame arrives every 33 ms. So the frame loop only hands
an utterance to a worker thread through a one-place slot and returns:

- a newer utterance replaces an unsaid older one of lower or equal priority (the newest
  rep number wins; a fault is not pushed out by a rep count), a lower-priority newcomer is
  dropped;
- on every frame the unsaid one is checked against the new state (``Coach.is_current``),
  and after ``max_wait_s`` of wall time it is dropped anyway: a slow engine drops stale
  cues, it never delays frames or says a fault that is over;
- ``close`` lets the last utterance finish (at most ``close_timeout_s``), then stops.

``threaded=False`` is for sources faster than real time (a recording replayed for a WAV
file or a test): the engine is called inline, and "busy" is simulated in *session* time
from each utterance's length, so the same utterances are kept or dropped as a live
session would, deterministically.

Everything actually spoken is in ``spoken`` (due time, start time, text, kind).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.check.events import Event, FrameResult
from posecheck.check.spec_model import ExerciseSpec
from posecheck.coach.cues import Coach, Utterance
from posecheck.coach.voice import Engine, Notify, print_notice
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.builder import SessionInfo
from posecheck.report.sinks import BaseSink


@dataclass(frozen=True, slots=True)
class Spoken:
    """One utterance the engine was given."""

    t: float  # session time it became due
    said_at: float  # session time of the latest frame when the engine started on it
    text: str
    kind: str


def estimate_duration_s(text: str) -> float:
    """Roughly how long espeak-ng takes to say ``text`` at 160 words/min."""
    return 0.15 + 0.06 * len(text)


class VoiceSink(BaseSink):
    """Owns a Coach and an engine; see the module docstring for the queueing rules."""

    def __init__(
        self,
        engine: Engine,
        *,
        spec: ExerciseSpec | None = None,
        min_repeat_s: float = 8.0,
        threaded: bool = True,
        max_wait_s: float = 3.0,
        close_timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        notify: Notify = print_notice,
    ) -> None:
        self.engine = engine
        self.spec = spec
        self.min_repeat_s = min_repeat_s
        self.threaded = threaded
        self.max_wait_s = max_wait_s
        self.close_timeout_s = close_timeout_s
        self.clock = clock
        self.notify = notify
        self.coach: Coach | None = None
        self.spoken: list[Spoken] = []
        self.dropped: list[Utterance] = []
        self._cond = threading.Condition()
        self._pending: tuple[Utterance, float] | None = None  # (utterance, wall time offered)
        self._closing = False
        self._thread: threading.Thread | None = None
        self._session_t = 0.0
        self._busy_until = -1.0  # inline mode: session time the engine is free again
        self._failed = False

    # ---- sink protocol --------------------------------------------------------------------
    def open(self, info: SessionInfo) -> None:
        self.coach = Coach(info, self.spec, self.min_repeat_s)
        if self.threaded:
            self._thread = threading.Thread(target=self._work, name="posecheck-voice", daemon=True)
            self._thread.start()

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        coach = self.coach
        if coach is None:
            raise RuntimeError("VoiceSink.on_frame called before open()")
        st = result.state
        utterances = coach.update(result)
        with self._cond:
            self._session_t = st.t
            if self._pending is not None and not coach.is_current(self._pending[0], st):
                self.dropped.append(self._pending[0])
                self._pending = None
            self._offer(utterances)
        if not self.threaded:
            self._speak_inline(st.t)

    def on_events(self, events: Sequence[Event]) -> None:
        if self.coach is None:
            return
        with self._cond:
            self._offer(self.coach.on_events(events))

    def close(self, partial: bool) -> None:
        if self.coach is None:
            return  # never opened (another sink failed first): nothing said, nothing to write
        if self.threaded and self._thread is not None:
            with self._cond:
                self._closing = True
                self._cond.notify_all()
            self._thread.join(self.close_timeout_s)
            if self._thread.is_alive():
                self.notify(
                    f"posecheck: voice: the speech engine did not finish within "
                    f"{self.close_timeout_s:g} s; not waiting for it"
                )
        elif not self.threaded:
            self._speak_inline(max(self._busy_until, self._session_t), at_close=True)
        self.engine.close()

    # ---- the slot -------------------------------------------------------------------------
    def _offer(self, utterances: Sequence[Utterance]) -> None:
        """Put utterances in the slot (caller holds the lock)."""
        for u in utterances:
            pending = self._pending
            if pending is not None and u.priority < pending[0].priority:
                self.dropped.append(u)
                continue
            if pending is not None:
                self.dropped.append(pending[0])
            self._pending = (u, self.clock())
            self._cond.notify_all()

    def _say(self, u: Utterance, said_at: float) -> None:
        try:
            self.engine.say(u.text, kind=u.kind, t=said_at)
        except Exception as exc:  # a broken engine must never end the session or the thread
            if not self._failed:
                self._failed = True
                self.notify(f"posecheck: voice: the speech engine failed ({exc}); cues skipped")
            return
        with self._cond:
            self.spoken.append(Spoken(u.t, said_at, u.text, u.kind))

    def _work(self) -> None:
        """The worker thread: speak whatever is in the slot, newest-first, until closed."""
        while True:
            with self._cond:
                while self._pending is None and not self._closing:
                    self._cond.wait()
                if self._pending is None:
                    return
                u, offered = self._pending
                self._pending = None
                if self.clock() - offered > self.max_wait_s:
                    self.dropped.append(u)
                    continue
                said_at = self._session_t
            self._say(u, said_at)

    def _speak_inline(self, now: float, at_close: bool = False) -> None:
        """Inline mode: start the unsaid utterance if the (simulated) speaker is free."""
        with self._cond:
            pending = self._pending
            if pending is None or now < self._busy_until:
                return
            self._pending = None
        u = pending[0]
        if at_close and now > u.expires:
            self.dropped.append(u)
            return
        self._say(u, now)
        length = getattr(self.engine, "last_duration_s", None)
        self._busy_until = now + (length if length else estimate_duration_s(u.text))
