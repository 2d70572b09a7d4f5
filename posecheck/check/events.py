"""What the checker tells the world: events as they happen, and the state shown on screen.

These types are the contract between the checker (which decides) and the sinks (which
report, draw or speak). Sinks never re-derive judgement from landmarks; they only
render these.

Times in events are seconds from the start of the source; :func:`format_time` is how
people see them (``m:ss.s``), in the checker's own notes (the frame-rate watch) as in
every report, overlay and event line, so the one format lives with the events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Issue:
    """A form fault the checker is sure of, with when it was seen."""

    code: str
    message: str
    t_start: float
    t_end: float
    rule: str
    value: float | None = None  # the measured signal value that broke the rule
    rep_index: int | None = None  # set when the fault was judged on a rep

    def __post_init__(self) -> None:
        if self.t_end < self.t_start:
            raise ValueError(f"Issue {self.code}: t_end {self.t_end} < t_start {self.t_start}")


@dataclass(frozen=True, slots=True)
class Rep:
    """One completed repetition."""

    index: int  # 1-based over the whole set
    side: str | None  # "left" / "right" for per-side exercises, else None
    t_start: float
    t_end: float
    # The middle of the rep's top or bottom (of a lunge, a bridge): the frames around the
    # counting signal's extreme within a quarter of its travel (rep_metrics.peak_time).
    t_peak: float
    # signal -> value at the counting signal's extreme (its deepest or highest frame, in
    # the top or bottom around t_peak): what "at the peak" rules judge.
    at_peak: dict[str, float] = field(default_factory=dict)
    issues: tuple[str, ...] = ()  # issue codes judged on this rep
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # signal -> (min, max)

    @property
    def duration(self) -> float:
        return self.t_end - self.t_start


@dataclass(frozen=True, slots=True)
class HoldSegment:
    """A continuous stretch in the hold position; ``good_s`` counts only time with no fault."""

    t_start: float
    t_end: float
    good_s: float

    @property
    def duration(self) -> float:
        return self.t_end - self.t_start


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know that is not a form fault (e.g. body part not visible)."""

    # "not_visible" | "visible_again" | "out_of_position" | "in_position", or from the
    # pipeline's frame-rate watch (posecheck.check.frame_rate): "low_frame_rate" | "frame_rate_ok"
    kind: str
    message: str
    t: float


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time a continuous rule broke, for the report's time line.

    Every stretch is one, however short; only those lasting the rule's ``for_s`` are also
    an Issue (an alert). Posture needs both: an hour's monitoring reports the minutes spent
    slouched, but only a slouch that lasts deserves an alert.
    """

    code: str
    message: str
    t_start: float
    t_end: float

    @property
    def duration(self) -> float:
        return self.t_end - self.t_start


Event = Rep | Issue | HoldSegment | Notice | Span


@dataclass(frozen=True, slots=True)
class CheckerState:
    """A snapshot for overlays and voice: what to show now. Cheap to build every frame."""

    t: float
    in_position: bool
    visible: bool
    phase: str  # "idle" | "up" | "down" (reps) or "hold" / "rest" (holds)
    reps: int
    reps_by_side: dict[str, int]
    hold_s: float  # total time in position (holds)
    good_hold_s: float  # time in position without any active fault
    active_issues: tuple[str, ...]  # codes of faults present right now
    cue: str | None  # the one message to show / say now, if any
    side: str | None  # the body side being judged
    signals: dict[str, float]  # current smoothed signal values, for display and debugging
    active_s: float = 0.0  # time in position so far: a timed set ("two minutes") and pace
    # Set by the pipeline, not the checker, while the frame rate is too low to judge this
    # exercise (posecheck.check.frame_rate): shown in the live window.
    frame_rate_note: str | None = None
    # Camera guidance that holds now though judging goes on ("Turn side-on to the camera").
    guidance: str | None = None


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one frame produced: new events and the state after it."""

    events: tuple[Event, ...]
    state: CheckerState


def format_time(t: float | None) -> str:
    """Seconds as ``m:ss.s`` (e.g. ``0:12.3``, ``75:02.0``), the way people read a timer.

    Rounds to tenths before splitting so 59.96 s shows as ``1:00.0``, not ``0:60.0``.
    """
    if t is None or not math.isfinite(t):
        return "-:--.-"
    sign = "-" if t < 0 else ""
    tenths = round(abs(t) * 10)
    minutes, rem = divmod(tenths, 600)
    return f"{sign}{minutes}:{rem // 10:02d}.{rem % 10}"
