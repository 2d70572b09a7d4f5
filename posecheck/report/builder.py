"""The session report model: checker results collected into a JSON-ready dict.

The report only *records* what the checker decided (reps, holds, issues, notices and
the per-frame state); it never re-judges landmarks. The JSON layout is documented in
``docs/report-schema.md`` and versioned by ``schema_version`` so downstream tools can
refuse a layout they do not understand instead of misreading it.

Writing the report to disk lives in :mod:`posecheck.report.files`; the terminal text
(summary, live event lines, ``m:ss.s`` times) in :mod:`posecheck.report.text`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from posecheck._version import __version__
from posecheck.check.events import CheckerState, FrameResult, HoldSegment, Issue, Notice, Rep, Span
from posecheck.pose.landmarks import PoseFrame

SCHEMA_VERSION = 1

#: Exercise kinds a session can have; decides which totals the HUD and summary show.
KINDS: tuple[str, ...] = ("reps", "hold", "alternating_reps")

#: Decimal places for seconds and measured values: milliseconds are finer than any
#: camera frame interval, and more digits only make the files noisy to diff.
_DECIMALS = 3


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Everything sinks need to know about a session before the first frame.

    ``size`` is the source frame size (width, height) in pixels. ``fps`` is the nominal
    source rate (0 when unknown); ``frame_count`` is None for live sources or files whose
    length the container does not state. ``targets`` are the user's goals, e.g.
    ``{"reps": 20, "hold_s": 60}`` (see ``TARGET_KEYS``); it may be empty.
    ``side_label`` is what a per-side rep's left/right is ("front leg", from the spec's
    ``reps.side_label``); ``view`` the spec's camera view ("side", "front", "any"), which
    says whether "the side facing the camera" means anything.
    """

    exercise: str
    title: str
    kind: str
    source: str
    fps: float
    frame_count: int | None
    size: tuple[int, int]
    is_live: bool = False
    model_variant: str | None = None
    model_sha256: str | None = None
    targets: Mapping[str, float] = field(default_factory=dict)
    side_label: str | None = None
    view: str = "any"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"SessionInfo.kind must be one of {KINDS}, got {self.kind!r}")
        if len(self.size) != 2 or self.size[0] <= 0 or self.size[1] <= 0:
            raise ValueError(f"SessionInfo.size must be (width, height) > 0, got {self.size}")
        if not math.isfinite(self.fps) or self.fps < 0:
            raise ValueError(f"SessionInfo.fps must be a finite rate >= 0, got {self.fps}")
        if self.frame_count is not None and self.frame_count < 0:
            raise ValueError(f"SessionInfo.frame_count must be >= 0, got {self.frame_count}")
        unknown = set(self.targets) - set(TARGET_KEYS)
        if unknown:
            raise ValueError(
                f"unknown target(s) {sorted(unknown)}; known targets: {list(TARGET_KEYS)}"
            )


#: Targets the report can measure progress against, with their unit.
TARGET_KEYS: dict[str, str] = {
    "reps": "reps",  # total reps (both sides together for per-side exercises)
    "reps_per_side": "reps",  # reps on each side; progress counts the weaker side
    "hold_s": "s",  # total hold time
    "good_hold_s": "s",  # hold time with good form
    "duration_s": "s",  # time spent in the exercise's position (a timed set: "two minutes")
    "rate_per_min": "reps/min",  # reps per minute in position (a pace: "20 in 3-4 minutes")
}


def _r(x: float | None) -> float | None:
    """Round for JSON; NaN/inf become None because they are not valid JSON."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, _DECIMALS)


def rep_to_dict(rep: Rep) -> dict[str, Any]:
    """A Rep as a JSON-ready dict."""
    return {
        "index": rep.index,
        "side": rep.side,
        "t_start": _r(rep.t_start),
        "t_end": _r(rep.t_end),
        "t_peak": _r(rep.t_peak),
        "duration_s": _r(rep.duration),
        "at_peak": {str(k): _r(v) for k, v in rep.at_peak.items()},
        "ranges": {str(k): [_r(lo), _r(hi)] for k, (lo, hi) in rep.ranges.items()},
        "issues": list(rep.issues),
    }


def hold_to_dict(index: int, hold: HoldSegment) -> dict[str, Any]:
    """A HoldSegment as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {
        "index": index,
        "t_start": _r(hold.t_start),
        "t_end": _r(hold.t_end),
        "duration_s": _r(hold.duration),
        "good_s": _r(hold.good_s),
    }


def issue_to_dict(index: int, issue: Issue) -> dict[str, Any]:
    """An Issue as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {
        "index": index,
        "code": issue.code,
        "message": issue.message,
        "rule": issue.rule,
        "t_start": _r(issue.t_start),
        "t_end": _r(issue.t_end),
        "value": _r(issue.value),
        "rep_index": issue.rep_index,
    }


def span_to_dict(index: int, span: Span) -> dict[str, Any]:
    """A time-line Span as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {
        "index": index,
        "code": span.code,
        "message": span.message,
        "t_start": _r(span.t_start),
        "t_end": _r(span.t_end),
        "duration_s": _r(span.duration),
    }


def notice_to_dict(index: int, notice: Notice) -> dict[str, Any]:
    """A Notice as a JSON-ready dict; ``index`` is its 1-based order in the session."""
    return {"index": index, "kind": notice.kind, "message": notice.message, "t": _r(notice.t)}


class ReportBuilder:
    """Accumulates one session's checker output into a report dict.

    Fed once per frame by ``ReportSink`` (or directly by tests / batch tools). Time
    totals are computed from frame timestamps, not frame counts, so dropped frames or a
    variable frame rate do not distort them: each frame's state is taken to hold until
    the next frame, and the last frame for one nominal frame interval.
    """

    def __init__(self, info: SessionInfo) -> None:
        self.info = info
        self.frames = 0
        self.frames_with_pose = 0
        self.frames_visible = 0
        self.frames_in_position = 0
        self.first_t: float | None = None
        self.dropped_frames = 0  # frames the source skipped to keep up (live)
        # Frames the pose model ran on, when the source says (the adaptive rate: the
        # others' landmarks are interpolated); None: every frame, or no model at all.
        self.model_frames: int | None = None
        self.source_warnings: list[str] = []  # e.g. "the file ended early"
        self.last_t: float | None = None
        self.last_state: CheckerState | None = None
        self.reps: list[Rep] = []
        self.holds: list[HoldSegment] = []
        self.issues: list[Issue] = []
        self.notices: list[Notice] = []
        self.spans: list[Span] = []  # the time line: every stretch a rule broke, alert or not
        self._covered_s = 0.0
        self._in_position_s = 0.0

    def add(self, frame: PoseFrame, result: FrameResult) -> None:
        """Record one frame: its events, whether a pose was found and the checker's state."""
        state = result.state
        if self.last_t is not None and self.last_state is not None:
            dt = max(0.0, frame.t - self.last_t)
            self._covered_s += dt
            if self.last_state.in_position:
                self._in_position_s += dt
        if self.first_t is None:
            self.first_t = frame.t
        self.last_t = frame.t
        self.last_state = state
        self.frames += 1
        self.frames_with_pose += frame.pose is not None
        self.frames_visible += state.visible
        self.frames_in_position += state.in_position
        self.add_events(result.events)

    def add_events(self, events: Iterable[object]) -> None:
        """Record events that arrive without a frame: the checker's ``finish()`` tail.

        At the end of a source the checker closes what is still open (a hold segment, a
        fault episode); without these the report of an interrupted plank would show no
        hold at all.
        """
        for event in events:
            if isinstance(event, Rep):
                self.reps.append(event)
            elif isinstance(event, HoldSegment):
                self.holds.append(event)
            elif isinstance(event, Issue):
                self.issues.append(event)
            elif isinstance(event, Notice):
                self.notices.append(event)
            elif isinstance(event, Span):
                self.spans.append(event)
            else:  # a new event type in the contract must be added here, not dropped silently
                raise TypeError(f"unknown event type {type(event).__name__}")

    def _reps_of(self, issue: Issue) -> list[int]:
        """The reps that carry an issue: the one it was judged on, or for a continuous
        fault every rep the checker marked with its code whose span meets the fault's."""
        if issue.rep_index is not None:
            return [issue.rep_index]
        return [
            r.index
            for r in self.reps
            if issue.code in r.issues and r.t_start <= issue.t_end and r.t_end >= issue.t_start
        ]

    def _tail_s(self) -> float:
        """How long the last frame counts for: one nominal frame interval."""
        return 1.0 / self.info.fps if self.info.fps > 0 and self.frames else 0.0

    def build(self, partial: bool) -> dict[str, Any]:
        """The JSON-ready report; ``partial`` marks a session cut short (Ctrl-C, source error).

        Can be called more than once (e.g. for a live preview); it does not consume state.
        """
        info = self.info
        tail = self._tail_s()
        duration = self._covered_s + tail
        in_position = self._in_position_s
        if self.last_state is not None and self.last_state.in_position:
            in_position += tail

        # Pace over the time actually spent exercising, so pauses out of position and a
        # long lead-in before the first rep do not make a fast set look slow.
        rate = len(self.reps) / in_position * 60.0 if in_position > 0 else 0.0
        reps_by_side: Counter[str] = Counter(r.side for r in self.reps if r.side is not None)
        hold_s = sum(h.duration for h in self.holds)
        good_hold_s = sum(h.good_s for h in self.holds)
        # The checker's running totals at the last frame: they include a hold still in
        # progress when the session ended, which has no HoldSegment yet.
        live_hold_s = self.last_state.hold_s if self.last_state is not None else 0.0
        live_good_s = self.last_state.good_hold_s if self.last_state is not None else 0.0
        actuals: dict[str, float] = {
            "reps": len(self.reps),
            "reps_per_side": (
                min(reps_by_side.get("left", 0), reps_by_side.get("right", 0))
                if reps_by_side
                else 0
            ),
            "hold_s": max(hold_s, live_hold_s),
            "good_hold_s": max(good_hold_s, live_good_s),
            "duration_s": in_position,
            "rate_per_min": rate,
        }
        progress: dict[str, dict[str, Any]] = {}
        for key, target in info.targets.items():
            actual = actuals[key]
            progress[key] = {
                "target": _r(target),
                "actual": _r(actual),
                "fraction": _r(min(1.0, actual / target)) if target > 0 else None,
                "met": actual >= target,
            }

        frames = self.frames
        # Time per time-line code, and per minute monitored (in position): an hour at the
        # desk says how much of it was spent slouched, not only whether an alert fired.
        timeline_s: dict[str, float] = {}
        for span in self.spans:
            timeline_s[span.code] = timeline_s.get(span.code, 0.0) + span.duration
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": f"posecheck {__version__}",
            "exercise": info.exercise,
            "title": info.title,
            "kind": info.kind,
            # What a rep's "side" is (the front leg, the supporting leg); null: no sides.
            "side_label": info.side_label if info.kind == "alternating_reps" else None,
            "partial": bool(partial),
            "source": {
                "name": info.source,
                "live": info.is_live,
                "fps": _r(info.fps),
                "frames": frames,
                "frames_expected": info.frame_count,
                "t_first": _r(self.first_t),
                "t_last": _r(self.last_t),
                "duration_s": _r(duration),
                "width": info.size[0],
                "height": info.size[1],
                "dropped_frames": self.dropped_frames,
                "model_frames": self.model_frames,
                "warnings": list(self.source_warnings),
            },
            "model": (
                {"variant": info.model_variant, "sha256": info.model_sha256}
                if info.model_variant is not None or info.model_sha256 is not None
                else None
            ),
            "summary": {
                "reps": len(self.reps),
                "reps_by_side": dict(sorted(reps_by_side.items())),
                "hold_s": _r(hold_s),
                "good_hold_s": _r(good_hold_s),
                "live_hold_s": _r(live_hold_s),
                "live_good_hold_s": _r(live_good_s),
                "holds": len(self.holds),
                "targets": {k: _r(v) for k, v in info.targets.items()},
                "progress": progress,
                "issue_counts": dict(sorted(Counter(i.code for i in self.issues).items())),
                "reps_with_issues": sum(1 for r in self.reps if r.issues),
                "notice_counts": dict(sorted(Counter(n.kind for n in self.notices).items())),
                "frames_with_pose": _r(self.frames_with_pose / frames) if frames else None,
                "frames_visible": _r(self.frames_visible / frames) if frames else None,
                "frames_in_position": _r(self.frames_in_position / frames) if frames else None,
                "in_position_s": _r(in_position),
                "rate_per_min": _r(rate) if self.reps else None,
                "timeline_s": {k: _r(v) for k, v in sorted(timeline_s.items())},
                "timeline_per_min": {
                    k: _r(v / in_position * 60.0) if in_position > 0 else None
                    for k, v in sorted(timeline_s.items())
                },
            },
            "reps": [rep_to_dict(r) for r in self.reps],
            "holds": [hold_to_dict(i, h) for i, h in enumerate(self.holds, 1)],
            "issues": [
                {**issue_to_dict(i, x), "reps": self._reps_of(x)}
                for i, x in enumerate(self.issues, 1)
            ],
            "notices": [notice_to_dict(i, n) for i, n in enumerate(self.notices, 1)],
            "timeline": [
                span_to_dict(i, x)
                for i, x in enumerate(sorted(self.spans, key=lambda x: x.t_start), 1)
            ],
        }
