"""The generic, spec-driven checker: one PoseFrame in, events and a display state out.

Order of judgement on every frame, each step able to say "no judgement":
1. visibility: are the landmarks the spec needs seen well enough? If not for
   `lost_after_s`, say which parts are missing and judge nothing;
2. position: is the person in the exercise's position at all (debounced both ways)?
3. counting (reps, a phase state machine with hysteresis and minimum durations) or
   timing (hold segments with good-form time);
4. form rules: continuously (a fault held for `for_s`), at the peak of a rep, or over a rep.
Everything works from timestamps, so dropped frames and variable frame rates are fine.

A rep carries the codes of its rep rules and of each continuous fault that overlapped it:
an episode confirmed by the time the rep is counted whose span (first to last breaking
frame) meets the rep's. One sag through a push-up marks it, though the Issue comes once,
when the episode ends. An episode confirmed only after the count (begun in the rep's last
``for_s``) marks only later reps it overlaps: a counted rep never changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecheck.check.cycles import Bout, CycleRange
from posecheck.check.events import (
    CheckerState,
    Event,
    FrameResult,
    HoldSegment,
    Issue,
    Notice,
    Span,
)
from posecheck.check.features import Features
from posecheck.check.frame_signals import GAP_RESET_S, FrameSignals
from posecheck.check.rep_counting import RepCounting
from posecheck.check.rep_metrics import RepTrack
from posecheck.check.spec_model import Bound, ExerciseSpec, Rule
from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.view import FRONT

_CLEAR_S = 0.3  # a continuous fault must be absent this long before its episode ends
_REP_CUE_S = 2.5  # how long a rep's fault message stays on screen


@dataclass(slots=True)
class _Episode:
    """A continuous rule's current stretch of breaking."""

    onset: float | None = None  # first frame breaking
    last_break: float = 0.0
    confirmed: bool = False
    worst: float = math.nan
    last_span: tuple[float, float] | None = None  # the last confirmed episode's span, ended

    def overlaps(self, t0: float, t1: float) -> bool:
        """Whether a confirmed stretch of this fault (open or ended) met [t0, t1]."""
        spans = [self.last_span]
        if self.confirmed and self.onset is not None:
            spans.append((self.onset, self.last_break))
        return any(s is not None and s[0] <= t1 and s[1] >= t0 for s in spans)


def _debounce(
    current: bool, wanted: bool, since: float | None, t: float, need_s: float
) -> tuple[bool, float | None, float | None]:
    """Switch a boolean only after ``wanted`` differed from it for ``need_s`` seconds.

    Returns (new value, pending-since, switch time backdated to when the change began).
    """
    if wanted == current:
        return current, None, None
    since = t if since is None else since
    if t - since >= need_s:
        return wanted, None, since
    return current, since, None


class Checker(RepCounting):
    """Stateful judge of one exercise set; feed it frames in time order."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.signals = FrameSignals(spec)
        self.features = self.signals.features
        self.continuous = [r for r in spec.rules if r.when == "continuous"]
        self.rep_rules = [r for r in spec.rules if r.when != "continuous"]
        # The gate: bounds that keep a person out of position. Guide bounds ("Turn side-on
        # to the camera") only give their message: counting never waits for the camera.
        self._require = tuple(b for b in spec.position.require if not b.guide)
        self._guides = tuple(b for b in spec.position.require if b.guide)
        # Once in position, these (if any) keep the person there instead of the gate.
        self._keep = tuple(b for b in spec.position.keep if not b.guide)
        # What must be measurable to count or time at all: the rep signal and the gate's
        # signals (the keep's, once in position), but for bounds judged only if seen. Any
        # other part out of sight only silences the rules that need it (NaN signals).
        rep_signal = {spec.reps.signal} if spec.reps is not None else set()
        self._core_enter = tuple(
            sorted({b.signal for b in self._require if not b.if_seen} | rep_signal)
        )
        self._core_keep = (
            tuple(sorted({b.signal for b in self._keep if not b.if_seen} | rep_signal))
            if self._keep
            else self._core_enter
        )
        self.view: str | None = None  # the view of the latest frame (posecheck.pose.view)
        self._front_only = spec.view == FRONT
        self._view_notes: set[tuple[str, str]] = set()  # (rule code, view) said once
        self.t = 0.0
        # visibility
        self.visible = False
        self.last_seen_t: float | None = None
        self.announced_lost = False
        # position
        self.in_position = False
        self.pos_pending: float | None = None
        self.last_in_position_t: float | None = None
        self.active_s = 0.0  # time in position, summed over frames less than a gap apart
        # reps
        self.reps = 0
        self.reps_by_side: dict[str, int] = {"left": 0, "right": 0} if spec.per_side else {}
        self._sides_shown = dict(self.reps_by_side)  # the states' copy, renewed on a change
        self.rep: RepTrack | None = None
        self.rep_stuck = False
        self.rest_extreme = math.nan  # the rep signal's furthest return since the last rep
        self.rep_seen_t = 0.0  # when the rep signal was last measurable
        # Periodic reps (spec.reps.cycle, posecheck.check.cycles): the rep signal within its
        # recent range, and the bout that must show a rhythm before its cycles count.
        cycle = spec.reps.cycle if spec.reps is not None else None
        self.cycle = CycleRange(cycle, spec.reps.direction) if spec.reps and cycle else None
        self.bout: Bout[tuple[RepTrack, float]] | None = Bout(cycle) if cycle else None
        self.cycle_value = math.nan
        # Every signal's extremes in the rest before a rep, for "rest_min"/"rest_max" rules.
        self._rest_stats = any(r.stat in ("rest_min", "rest_max") for r in spec.rules)
        self.rest_mins: dict[str, float] = {}
        self.rest_maxs: dict[str, float] = {}
        # holds
        self.hold_start: float | None = None
        self.hold_good = 0.0
        self.hold_last_t = 0.0
        self.hold_total = 0.0
        self.good_total = 0.0
        # rules
        self.episodes = [_Episode() for _ in self.continuous]  # one per continuous rule
        self.rep_cue: tuple[str, float] | None = None
        self.position_hint: str | None = None  # why the person is out of position, if known
        self.last_features: Features | None = None

    # ---- the frame loop -------------------------------------------------------------------
    def update(self, frame: PoseFrame) -> FrameResult:
        """Judge one frame. Cheap: a few hundred float operations beyond the filter."""
        t = frame.t
        self.t = t
        events: list[Event] = []
        feats = self._features(frame)
        values = feats.values if feats is not None else {}
        if feats is not None:
            self.view = feats.view
        seen = feats is not None and (not feats.missing or self._core_seen(values))
        if self.cycle is not None and self.spec.reps is not None:
            self.cycle_value = self.cycle(t, values.get(self.spec.reps.signal, math.nan))
        if self._rest_stats and self.rep is None and feats is not None:
            self._track_rest(values)  # in position or not: the hang before the first pull
        if seen and self.visible:  # the usual case of _update_visibility
            self.last_seen_t = t
        else:
            self._update_visibility(seen, feats, t, events)
        judge = self.visible and seen
        if judge:
            wanted, self.position_hint = self._position_check(values)
            if wanted == self.in_position:  # the usual case of _debounce
                self.pos_pending = None
            else:
                need = self.spec.position.enter_s if wanted else self.spec.position.exit_s
                new, self.pos_pending, switched = _debounce(
                    self.in_position, wanted, self.pos_pending, t, need
                )
                if new != self.in_position:
                    self._switch_position(new, switched if switched is not None else t, events)
        elif self.in_position and (
            self.last_seen_t is None or t - self.last_seen_t > self.spec.visibility.lost_after_s
        ):
            self.in_position = False
            self._leave_position(self.last_seen_t or t, events)
        if judge and self.in_position:
            if self.last_in_position_t is not None and t - self.last_in_position_t <= GAP_RESET_S:
                self.active_s += t - self.last_in_position_t
            self.last_in_position_t = t
            breaking = self._continuous(values, t, events) if self.continuous else False
            if self.spec.reps is not None:
                self._count(feats, t, events)
            else:
                self._hold(t, breaking)
        return FrameResult(tuple(events) if events else (), self.state(feats))

    def finish(self) -> list[Event]:
        """Close what is still open at the end of the source (episodes, hold segment)."""
        events: list[Event] = []
        self._leave_position(self.last_in_position_t or self.t, events)
        return events

    # ---- steps ----------------------------------------------------------------------------
    def _features(self, frame: PoseFrame) -> Features | None:
        feats = self.signals(frame)
        if feats is not None:
            self.last_features = feats
        return feats

    def _core_seen(self, values: dict[str, float]) -> bool:
        """Are the signals counting and timing need all measurable (no NaN)?"""
        for name in self._core_keep if self.in_position else self._core_enter:
            v = values.get(name, math.nan)
            if v != v:
                return False
        return True

    def _judged_here(self, rule: Rule, t: float, events: list[Event]) -> bool:
        """Can ``rule`` be judged from the current view? If not, say so once per rule and
        view: the rule stays silent rather than judge a foreshortened picture."""
        view = self.view
        if view is None or view in rule.views:
            return True
        key = (rule.code, view)
        if key not in self._view_notes:
            self._view_notes.add(key)
            need = " or ".join(f"{v}-on" if v == "side" else v for v in rule.views)
            events.append(
                Notice(
                    "rule_needs_view",
                    f"{rule.code.replace('_', ' ')}: not judged from a {view} view "
                    f"(needs a {need} view)",
                    t,
                )
            )
        return False

    def _update_visibility(
        self, seen: bool, feats: Features | None, t: float, events: list[Event]
    ) -> None:
        if seen:
            self.last_seen_t = t
            if not self.visible:
                self.visible = True
                if self.announced_lost:
                    events.append(Notice("visible_again", "I can see you again", t))
                    self.announced_lost = False
            return
        lost_for = t - (self.last_seen_t if self.last_seen_t is not None else 0.0)
        if self.visible and lost_for > self.spec.visibility.lost_after_s:
            self.visible = False
        lost = lost_for > self.spec.visibility.lost_after_s
        if not self.visible and not self.announced_lost and lost:
            self.announced_lost = True
            events.append(Notice("not_visible", self._missing_message(feats), t))

    @staticmethod
    def _missing_message(feats: Features | None) -> str:
        if feats is None or not feats.missing:
            return "I can't see you: step into the camera's view, side-on"
        parts = ", ".join(p.replace("_", " ") + "s" for p in feats.missing)
        return f"I can't see your {parts}: move so your whole body is in view"

    def _applies(self, bound: Bound) -> bool:
        """Is ``bound`` checked from the current view?"""
        return self.view is None or self.view in bound.views

    def _position_check(self, values: dict[str, float]) -> tuple[bool, str | None]:
        """(every position bound holds, the message of the first failing one that has
        one, if any; else a failing guide bound's, which does not keep anyone out)."""
        if self._front_only and self.view not in (None, FRONT):
            # A front-view exercise is judged on the picture seen from the front (feet
            # apart across it, a lean to the side): turned away, it is not judged at all.
            return False, "Face the camera"
        ok = True
        for bound in self._keep if self.in_position and self._keep else self._require:
            if not bound.ok(values) and self._applies(bound):
                if bound.message:
                    return False, bound.message
                ok = False
        for bound in self._guides:
            v = values.get(bound.signal, math.nan)
            if v == v and not bound.holds(v):
                return ok, bound.message
        return ok, None

    def _switch_position(self, new: bool, since: float, events: list[Event]) -> None:
        """Into or out of position, as of ``since`` (when the change began)."""
        self.in_position = new
        events.append(
            Notice(
                "in_position" if new else "out_of_position",
                f"{self.spec.title}: " + ("in position" if new else "out of position"),
                since,
            )
        )
        if not new:
            self._leave_position(since, events)
        elif self.spec.hold is not None:  # the hold began when the position did
            self.hold_start, self.hold_good, self.hold_last_t = since, 0.0, since

    def _leave_position(self, t: float, events: list[Event]) -> None:
        """Out of position or out of sight: close faults and holds, drop a half-done rep."""
        for rule, ep in zip(self.continuous, self.episodes, strict=True):
            self._end_episode(rule, ep, events)
        self.rep = None
        self.rep_stuck = False
        self.rest_extreme = math.nan
        self.rest_mins, self.rest_maxs = {}, {}
        if self.bout is not None:
            self.bout.reset()  # cycles held back are no rhythm once the person stops
        if self.hold_start is not None:
            if t - self.hold_start >= self.spec.hold.min_s:  # type: ignore[union-attr]
                good = min(self.hold_good, t - self.hold_start)
                events.append(HoldSegment(self.hold_start, t, good))
                self.hold_total += t - self.hold_start
                self.good_total += good
            self.hold_start = None
            self.hold_good = 0.0

    def _continuous(self, values: dict[str, float], t: float, events: list[Event]) -> bool:
        """Run continuous rules; True when any of them breaks on this frame."""
        any_break = False
        for rule, ep in zip(self.continuous, self.episodes, strict=True):
            v = values.get(rule.signal or "", math.nan)
            if math.isnan(v) or not self._judged_here(rule, t, events):
                continue  # not seen: no judgement, and the episode neither grows nor ends
            if rule.breaks(v):
                any_break = True
                if ep.onset is None:
                    ep.onset = t
                    ep.worst = v
                ep.last_break = t
                ep.worst = max(ep.worst, v) if rule.above is not None else min(ep.worst, v)
                if not ep.confirmed and t - ep.onset >= rule.for_s:
                    ep.confirmed = True
            elif ep.onset is not None and t - ep.last_break > _CLEAR_S:
                self._end_episode(rule, ep, events)
        return any_break

    @staticmethod
    def _end_episode(rule: Rule, ep: _Episode, events: list[Event]) -> None:
        if (
            rule.timeline_s is not None
            and ep.onset is not None
            and ep.last_break - ep.onset >= rule.timeline_s
        ):
            events.append(Span(rule.code, rule.message, ep.onset, ep.last_break))
        if ep.onset is not None and ep.confirmed:
            ep.last_span = (ep.onset, max(ep.onset, ep.last_break))
            events.append(
                Issue(
                    rule.code,
                    rule.message,
                    ep.onset,
                    max(ep.onset, ep.last_break),
                    rule.code,
                    round(ep.worst, 4),
                )
            )
        ep.onset = None
        ep.confirmed = False
        ep.worst = math.nan

    def _hold(self, t: float, breaking: bool) -> None:
        if self.hold_start is None:
            self.hold_start = t
            self.hold_good = 0.0
        elif not breaking:
            self.hold_good += t - self.hold_last_t
        self.hold_last_t = t

    # ---- display --------------------------------------------------------------------------
    def state(self, feats: Features | None = None) -> CheckerState:
        """The display snapshot now (the latest features unless others are given).

        Built on every frame, so it shares what never changes once made instead of
        copying it: the frame's signal values and the per-side counts (a new dict on
        each rep). Nothing may modify them.
        """
        feats = feats if feats is not None else self.last_features
        confirmed = (
            [r for r, ep in zip(self.continuous, self.episodes, strict=True) if ep.confirmed]
            if self.continuous
            else None
        )
        active: tuple[str, ...] = ()
        cue = None
        if confirmed:
            active = tuple(r.code for r in confirmed)
            cue = confirmed[0].message
        elif self.rep_cue is not None and self.t - self.rep_cue[1] < _REP_CUE_S:
            cue = self.rep_cue[0]
        elif not self.visible and self.announced_lost:
            cue = self._missing_message(feats)
        elif self.visible and self.position_hint:
            # Out of position: why. In position: camera guidance ("Turn side-on"), shown
            # while counting goes on (live guidance; voice says hints only out of position).
            cue = self.position_hint
        if self.spec.reps is not None:
            phase = "active" if self.rep is not None else ("rest" if self.in_position else "idle")
        else:
            phase = "hold" if self.hold_start is not None else "rest"
        open_hold = (self.t - self.hold_start) if self.hold_start is not None else 0.0
        return CheckerState(  # positional: a frozen dataclass is built faster so
            self.t,
            self.in_position,
            self.visible,
            phase,
            self.reps,
            self._sides_shown,
            self.hold_total + open_hold,
            self.good_total + self.hold_good,
            active,
            cue,
            feats.facing if feats else None,
            feats.values if feats else {},
            self.active_s,
            None,  # frame_rate_note: the pipeline's
            self.position_hint if self.in_position and self.visible else None,
        )
