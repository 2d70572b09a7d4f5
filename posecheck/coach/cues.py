"""What to say, and when: the spoken-coaching policy, fed every frame's checker result.

During a workout the person is on the floor, not reading a screen, so the coach turns the
checker's decisions into a few short words at the right moments. It judges nothing about
form itself (that is the checker's ``state.cue`` and events) and plays no audio (that is
posecheck.coach.voice, driven by posecheck.coach.voice_sink); it is pure logic, cheap enough
to run on every frame, and deterministic, so it is tested on recordings frame by frame.

The policy:
- at most one utterance per frame, never a backlog: every utterance carries how long it
  stays worth saying (``expires``) and what must still be true (``needs``), so a fault cue
  that is over by the time the speaker is free is dropped, not said late;
- fault cues when the checker shows them (a continuous fault confirmed, or right after a
  rep with a fault), the same cue at most once per ``min_repeat_s``;
- rep numbers on completion ("three"; "left, three" per side), "switched legs" after a run
  on one side, "twenty, switch legs" / "twenty, done" at a target; a rep and its fault are
  said together ("three. Go lower") rather than one dropping the other;
- holds counted every ``hold_every_s`` ("ten", "twenty", "one minute"), "hold... two" at
  the top of a rep whose spec checks the article's "hold for two counts";
- visibility and position hints once when they begin (a position hint only once it has
  lasted ``hint_delay_s``: getting into position passes through many wrong positions);
- the live set-up phase (posecheck.coach.guidance, ``phase == "setup"``): its first message (how
  to place the camera) at once, later ones like hints, the countdown as "three", "two",
  "one", and "go" when judging begins;
- priority when several are due: fault > rep count / target > hold count > hint.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from posecheck.check.events import CheckerState, Event, FrameResult, HoldSegment, Notice, Rep
from posecheck.check.spec_model import ExerciseSpec, SpecError
from posecheck.report.builder import SessionInfo

#: Higher is said first; a newer utterance replaces an unsaid one of lower or equal priority.
PRIORITY: dict[str, int] = {
    "fault": 3,
    "target": 2,
    "countdown": 2,
    "side_switch": 2,
    "rep": 2,
    "hold": 1,
    "hint": 0,
}

_REP_STALE_S = 2.0  # a rep number said later than this is confusing: the next rep is coming
_TARGET_STALE_S = 4.0
_FAULT_STALE_S = 3.0
_HOLD_STALE_S = 1.5  # "twenty" said at 22 s is wrong; skip to the next count instead
_HINT_STALE_S = 5.0
_COUNTDOWN = "Starting in "  # posecheck.coach.guidance's countdown cue: "Starting in 3"
_TOP_HOLD_TEXT = "hold... two"  # glute bridge: "Hold for two counts" (article step 3)
_MIN_HOLD_SUMMARY_S = 5.0  # a hold shorter than this ended is not worth a summary

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """0..999 as words ("twenty one"); a TTS engine reads words more steadily than digits."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    return str(n)


def duration_words(seconds: int) -> str:
    """Whole seconds as a hold count: "fifty", "one minute", "two minutes ten"."""
    if seconds < 60:
        return number_words(seconds)
    minutes, rest = divmod(seconds, 60)
    head = "one minute" if minutes == 1 else f"{number_words(minutes)} minutes"
    return f"{head} {number_words(rest)}" if rest else head


def short(message: str, max_words: int = 6) -> str:
    """The spoken form of a screen message: its first clause when the whole is long.

    Messages are written "instruction: explanation" ("Lift your hips: keep a straight line
    from shoulders to heels"); the instruction is what a person can act on mid-rep.
    """
    head, sep, _ = message.partition(":")
    if sep and len(message.split()) > max_words and head.strip():
        return head.strip()
    return message.strip()


@dataclass(frozen=True, slots=True)
class Utterance:
    """One thing to say, with when it became due and how long it stays worth saying."""

    t: float  # session time it became due
    text: str
    kind: str  # a PRIORITY key
    key: str  # what rate limiting and staleness judge it by (a fault: its screen message)
    expires: float  # session time after which it is stale
    needs: str | None = None  # "cue": state.cue == key; "unseen": not visible; "active"

    @property
    def priority(self) -> int:
        return PRIORITY[self.kind]


def _load_spec(name: str) -> ExerciseSpec | None:
    from posecheck.check.specs import spec_for

    try:
        return spec_for(name)
    except SpecError:
        return None  # an ad-hoc session: the coach still works from the checker's state


class Coach:
    """Feed it every frame's result (``update``) and the finish() tail (``on_events``)."""

    def __init__(
        self,
        info: SessionInfo,
        spec: ExerciseSpec | None = None,
        min_repeat_s: float = 8.0,
        *,
        hold_every_s: float = 10.0,
        hint_delay_s: float = 1.0,
        hint_repeat_s: float = 20.0,
        switch_after: int = 3,
    ) -> None:
        self.info = info
        self.spec = spec if spec is not None else _load_spec(info.exercise)
        self.min_repeat_s = min_repeat_s
        self.hold_every_s = hold_every_s
        self.hint_delay_s = hint_delay_s
        self.hint_repeat_s = hint_repeat_s
        self.switch_after = switch_after
        self.targets = dict(info.targets)
        rep_target = "reps" in self.targets or "reps_per_side" in self.targets
        # A timed set of fast reps (jump rope, marching) is counted in minutes, not reps.
        self.count_reps = info.kind != "hold" and (rep_target or "duration_s" not in self.targets)
        # "left, three" when the goal is per side; otherwise the set's total ("seven"), which
        # is what an alternating lunge towards "30 times" needs (the leg is obvious).
        self.per_side_counts = "reps_per_side" in self.targets
        rules = self.spec.rules if self.spec is not None else ()
        self.top_hold = any(r.metric == "peak_dwell_s" for r in rules)
        self.limbs = "sides" if self.spec is not None and self.spec.view == "front" else "legs"
        self.fault_texts: set[str] = {r.message for r in rules}
        self.t = 0.0
        self.last_said: dict[str, float] = {}
        self.done: set[str] = set()
        self.run_side: str | None = None
        self.run_len = 0
        self.hold_k = 0  # hold counts said (or skipped) so far, in hold_every_s steps
        self.minute_k = 0  # minutes of a timed set said so far
        self.last_count_t = -math.inf  # when the last hold count was said
        self.phase = "idle"
        self.seen_hint: tuple[str, str] | None = None  # (text, "unseen"), due until said
        self.pos_hint: str | None = None
        self.pos_since = 0.0
        self.pos_said = False
        self.countdown_cue: str | None = None

    # ---- the frame loop -------------------------------------------------------------------
    def update(self, result: FrameResult) -> list[Utterance]:
        """What to say now, given this frame: zero or one utterance."""
        st = result.state
        self.t = t = st.t
        if st.phase == "setup":
            return self._setup(st)
        go = self.phase == "setup"  # the countdown is over: judging starts now
        rep: Rep | None = None
        held: HoldSegment | None = None
        for e in result.events:
            if isinstance(e, Rep):
                rep = e
            elif isinstance(e, HoldSegment):
                held = e
            elif isinstance(e, Notice):
                self._notice(e)
        if st.visible:
            self.seen_hint = None
        fault = self._fault(st, rep)
        top = self.top_hold and st.phase == "active" and self.phase != "active"
        self.phase = st.phase
        self._track_position_hint(st, bool(st.active_issues) or bool(rep and rep.issues))
        if rep is not None and self.count_reps:
            return [self._said(self._rep(rep, st, fault))]
        if fault is not None:
            return [self._said(fault)]
        if go:
            return [self._said(Utterance(t, "go", "countdown", "go", t + 1.5))]
        # In priority order, and lazily: a candidate not reached stays due (or is skipped
        # by its own staleness rule) instead of being marked as said.
        u = self._target(st)
        if u is None and top:
            u = self._top_hold(t)
        if u is None:
            u = self._hold_count(st)
        if u is None and held is not None:
            u = self._hold_summary(held)
        if u is None:
            u = self._hint(st)
        return [] if u is None else [self._said(u)]

    def on_events(self, events: Sequence[Event]) -> list[Utterance]:
        """The checker's finish() tail: a hold still open at the end gets its summary."""
        for e in events:
            if isinstance(e, HoldSegment):
                u = self._hold_summary(e)
                if u is not None:
                    return [self._said(u)]
        return []

    def is_current(self, u: Utterance, st: CheckerState) -> bool:
        """Is ``u`` still worth saying in state ``st``? (A speaker that was busy asks.)"""
        if st.t > u.expires:
            return False
        if u.needs == "cue":
            return st.cue == u.key
        if u.needs == "unseen":
            return not st.visible
        if u.needs == "active":
            return st.phase == "active"
        return True

    # ---- pieces ---------------------------------------------------------------------------
    def _said(self, u: Utterance) -> Utterance:
        self.last_said[u.key] = u.t
        return u

    def _recent(self, key: str, within: float) -> bool:
        last = self.last_said.get(key)
        return last is not None and self.t - last < within

    def _notice(self, e: Notice) -> None:
        if e.kind == "not_visible":
            self.seen_hint = (short(e.message), "unseen")

    def _fault(self, st: CheckerState, rep: Rep | None) -> Utterance | None:
        """The fault cue due now, if any: the checker's cue while a fault is on it."""
        cue = st.cue
        if cue is None:
            return None
        rep_fault = rep is not None and bool(rep.issues)
        if st.active_issues or rep_fault:
            self.fault_texts.add(cue)
        else:
            return None  # a hint, or a rep's fault already said at the rep
        if self._recent(cue, self.min_repeat_s):
            return None
        return Utterance(st.t, short(cue), "fault", cue, st.t + _FAULT_STALE_S, "cue")

    def _rep(self, rep: Rep, st: CheckerState, fault: Utterance | None) -> Utterance:
        t, side, kind = st.t, rep.side, "rep"
        n = st.reps_by_side.get(side, 0) if side else rep.index
        named = side is not None and self.per_side_counts
        text = f"{side}, {number_words(n)}" if named else number_words(rep.index)
        if side is not None:
            if side != self.run_side and self.run_len >= self.switch_after:
                text, kind = f"switched {self.limbs}: {text}", "side_switch"
            self.run_len = self.run_len + 1 if side == self.run_side else 1
            self.run_side = side
        per_side = self.targets.get("reps_per_side")
        total = self.targets.get("reps")
        if side and per_side and n >= per_side and f"side:{side}" not in self.done:
            self.done.add(f"side:{side}")
            if len(self.done & {"side:left", "side:right"}) == 2:
                text, kind = f"{text}, done", "target"
            else:
                text, kind = f"{text}. switch {self.limbs}", "side_switch"
        if total and rep.index >= total and "reps" not in self.done:
            self.done.add("reps")
            done = f"{number_words(rep.index)}, done"
            text, kind = (f"{text}. {done}" if named else done), "target"
        expires = t + _REP_STALE_S
        if fault is not None:
            self.last_said[fault.key] = t
            return Utterance(t, f"{text}. {fault.text}", "fault", fault.key, expires, "cue")
        return Utterance(t, text, kind, f"rep:{rep.index}", expires)

    def _target(self, st: CheckerState) -> Utterance | None:
        """A timed target reached: time held (holds) or time in position (timed sets)."""
        for key, value in (("hold_s", st.hold_s), ("good_hold_s", st.good_hold_s)):
            goal = self.targets.get(key)
            if goal and value >= goal and key not in self.done:
                self.done.add(key)
                self.hold_k = max(self.hold_k, int(value // self.hold_every_s))
                text = f"{duration_words(int(goal))}, done"
                return Utterance(st.t, text, "target", key, st.t + _TARGET_STALE_S)
        goal = self.targets.get("duration_s")
        if goal and st.active_s >= goal and "duration_s" not in self.done:
            self.done.add("duration_s")
            self.minute_k = max(self.minute_k, int(st.active_s // 60))
            text = f"{duration_words(int(goal))}, done"
            return Utterance(st.t, text, "target", "duration_s", st.t + _TARGET_STALE_S)
        return None

    def _top_hold(self, t: float) -> Utterance:
        return Utterance(t, _TOP_HOLD_TEXT, "hold", "top_hold", t + 1.0, "active")

    def _hold_count(self, st: CheckerState) -> Utterance | None:
        if self.info.kind == "hold":
            if st.phase != "hold":
                return None
            k = int(st.hold_s // self.hold_every_s)
            if k <= self.hold_k:
                return None
            late = st.hold_s - k * self.hold_every_s > _HOLD_STALE_S
            self.hold_k = k
            if late:
                return None
            text = duration_words(int(k * self.hold_every_s))
        elif "duration_s" in self.targets and st.in_position:
            k = int(st.active_s // 60)
            if k <= self.minute_k:
                return None
            late = st.active_s - k * 60 > _HOLD_STALE_S
            self.minute_k = k
            if late:
                return None
            text = duration_words(60 * k)
        else:
            return None
        self.last_count_t = st.t
        return Utterance(st.t, text, "hold", f"hold:{text}", st.t + _HOLD_STALE_S)

    def _hold_summary(self, seg: HoldSegment | None) -> Utterance | None:
        if seg is None or seg.duration < _MIN_HOLD_SUMMARY_S:
            return None
        t = max(self.t, seg.t_end)
        if t - self.last_count_t < 2 * _HOLD_STALE_S:
            return None  # "ten" was just said: "held ten" adds nothing
        whole = int(seg.duration)
        text = f"held {duration_words(whole)}" + (" seconds" if whole < 60 else "")
        return Utterance(t, text, "hold", f"held:{seg.t_start}", t + _HOLD_STALE_S + 1.0)

    def _setup(self, st: CheckerState) -> list[Utterance]:
        """Set-up phase: placement at once, problems like hints, the countdown in words."""
        first = self.phase != "setup"
        self.phase = "setup"
        cue = st.cue
        if cue is not None and cue.startswith(_COUNTDOWN) and cue[len(_COUNTDOWN) :].isdigit():
            self.pos_hint = None
            if cue == self.countdown_cue:
                return []
            self.countdown_cue = cue
            text = number_words(int(cue[len(_COUNTDOWN) :]))
            return [self._said(Utterance(st.t, text, "countdown", cue, st.t + 1.0, "cue"))]
        self.countdown_cue = None
        if cue != self.pos_hint:
            self.pos_hint, self.pos_since, self.pos_said = cue, st.t, False
            if first:  # how to place the camera: the first thing to hear, no waiting
                self.pos_since -= self.hint_delay_s
        u = self._hint(st)
        return [self._said(u)] if u is not None else []

    def _track_position_hint(self, st: CheckerState, faulting: bool) -> None:
        cue = st.cue
        hint = None
        if st.visible and not st.in_position and not faulting and cue not in self.fault_texts:
            hint = cue
        elif st.guidance is not None and cue == st.guidance and not faulting:
            hint = cue  # camera guidance while counting goes on: said like a position hint
        if hint != self.pos_hint:
            self.pos_hint, self.pos_since, self.pos_said = hint, st.t, False

    def _hint(self, st: CheckerState) -> Utterance | None:
        if self.seen_hint is not None:
            text, needs = self.seen_hint
            self.seen_hint = None
            if not self._recent(text, self.hint_repeat_s):
                return Utterance(st.t, text, "hint", text, st.t + _HINT_STALE_S, needs)
        hint = self.pos_hint
        if hint is None or self.pos_said or st.t - self.pos_since < self.hint_delay_s:
            return None
        self.pos_said = True
        if self._recent(hint, self.hint_repeat_s):
            return None
        return Utterance(st.t, short(hint), "hint", hint, st.t + _HINT_STALE_S, "cue")
