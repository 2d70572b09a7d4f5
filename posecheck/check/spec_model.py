"""The validated form of an exercise spec: frozen dataclasses and the vocabulary they use.

These are what the checker and the feature extractor read; nothing here parses TOML (that
is posecheck.check.specs), so the types can be built directly in tests or by other front ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from posecheck.pose.landmarks import SIDED_PARTS, UNSIDED_PARTS
from posecheck.pose.view import VIEWS

SIGNAL_KINDS: dict[str, int] = {
    # kind: number of points
    "angle": 3,  # joint angle at the middle point, degrees
    "offset": 3,  # signed offset of point 1 from the line 2-3, / line length (+ = above)
    "inclination": 2,  # segment angle from horizontal, 0..90 degrees
    "lean": 2,  # signed angle of base->top from vertical, + = towards where the person faces
    "distance": 2,  # distance / `per` segment length
    "height": 2,  # how far point 1 is above point 2, / `per` segment length
    "forward": 2,  # how far point 1 is in front of point 2 (facing direction), / `per`
    "spread": 2,  # horizontal distance between the points, / `per`
    "tilt": 2,  # signed angle of base->top from vertical, + = towards the signal's body side
    "level": 1,  # height of the point in the picture, / `per` (only useful with a baseline)
    # how far the body's front faces the camera, in 3-D: 1 facing it, 0 side-on, -1 the back
    # to it; points: the line across the body (both ends must be seen)
    "toward_camera": 2,
}
NEEDS_PER = {"distance", "height", "forward", "spread", "level"}
BASELINES = ("min", "max")  # a signal relative to its own lowest / highest of the last window_s
SIDE_MODES = ("facing", "left", "right", "min", "max", "mean")
# Where a signal is measured: "image" in the picture's pixels (lines and offsets, the better
# measure side-on), "world" on MediaPipe's metric 3-D landmarks (angles and distances that
# barely change with the camera's yaw), "auto" in the picture from the view the spec was
# made for (side-on, or from the front for a front-view spec) and in 3-D from any other.
SPACES = ("image", "world", "auto")
# The kinds that can be measured in 3-D (on body parts: not the floor line, not mid-points).
WORLD_KINDS = ("angle", "distance", "inclination", "height", "forward", "toward_camera")
# ... and the kinds only 3-D can measure: the picture does not show front from back.
WORLD_ONLY_KINDS = ("toward_camera",)
SIDE_BY_PREFIXES = ("min:", "max:")
KINDS = ("hold", "reps")
WHENS = ("continuous", "peak", "rep")
STATS = ("min", "max", "range", "rest_min", "rest_max")  # rest_*: in the rest before the rep
REP_METRICS = (
    "peak_dwell_s",
    "to_peak_s",
    "from_peak_s",
    "to_peak_speed",
    "from_peak_speed",
    "rep_s",
    "rest_extreme",  # the rep signal's furthest return during the rest before the rep
)
SPECIAL_POINTS = ("floor",)
POINT_PREFIXES = ("other.", "mid.")  # the opposite side's part; midway between both sides
ALL_PARTS = tuple(SIDED_PARTS) + tuple(UNSIDED_PARTS)


class SpecError(ValueError):
    """A spec problem, already phrased as one line for the user."""


@dataclass(frozen=True, slots=True)
class Signal:
    """A named measurement computed on every frame."""

    name: str
    kind: str
    points: tuple[str, ...]
    side: str = "facing"
    per: tuple[str, str] | None = None
    # Relative to its own recent extreme: "min" gives how far it rose above its lowest
    # value of the last `window_s` (a jump above the floor it stands on), "max" how far
    # it dropped below its highest. People differ in build; a baseline removes that.
    baseline: str | None = None
    window_s: float = 1.5
    # What a person sees, for plots ("free knee height"); the name is the spec author's.
    label: str = ""
    space: str = "image"  # one of SPACES; the spec loader makes angles "auto" by default
    # True: only measured when the side it picks is the one facing the camera (NaN on the
    # far side): the far limb is often hidden, and MediaPipe then guesses its place.
    near_only: bool = False


@dataclass(frozen=True, slots=True)
class Bound:
    """An allowed range for a signal (position gate or rep requirement)."""

    signal: str
    min: float | None = None
    max: float | None = None
    message: str = ""  # what to tell the person when this bound keeps them out of position
    # True: judge it only when it can be measured (a far-side landmark often cannot);
    # False: an unmeasurable signal fails the bound (the default: no judgement blind).
    if_seen: bool = False
    # True: camera guidance only ("Turn side-on to the camera"): its message is shown while
    # it fails, but it never keeps the person out of position, so counting goes on.
    guide: bool = False
    # The views (posecheck.pose.view) in which the bound is checked; in the others it is not
    # (a front-to-back spread in the picture means nothing seen from the front).
    views: tuple[str, ...] = VIEWS

    def holds(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def ok(self, values: dict[str, float]) -> bool:
        """Does this frame's (or peak's) value satisfy the bound?"""
        v = values.get(self.signal, math.nan)
        if math.isnan(v):
            return self.if_seen
        return self.holds(v)


@dataclass(frozen=True, slots=True)
class Position:
    require: tuple[Bound, ...]
    enter_s: float = 0.3
    exit_s: float = 0.5
    # Once in position, these bounds (when given) keep the person there instead of
    # `require`: a hold entered with every check passed survives a camera cut or a turn to
    # a view where some of them cannot be judged (a cobra's legs behind its torso).
    keep: tuple[Bound, ...] = ()


@dataclass(frozen=True, slots=True)
class Visibility:
    parts: tuple[str, ...]
    min_visibility: float = 0.5
    lost_after_s: float = 1.0


@dataclass(frozen=True, slots=True)
class Cycle:
    """Reps as the cycles of a periodic signal (posecheck.check.cycles): the rep signal is read
    within its own range of the last `window_s`, and enter / exit are fractions of it."""

    window_s: float = 1.5
    min_range: float = 0.05  # a smaller range (signal units) is jitter, not motion
    confirm: int = 3  # cycles in a row before a bout counts (one jump is not a rhythm)
    max_gap_s: float = 1.5  # a longer pause between cycles ends the bout


@dataclass(frozen=True, slots=True)
class Reps:
    signal: str
    direction: str  # "down": the active phase is the signal going below `enter`; "up": above
    enter: float
    exit: float
    min_active_s: float = 0.2
    min_rep_s: float = 0.5
    max_rep_s: float = 10.0
    side_by: str | None = None  # "min:<signal>" / "max:<signal>" picks the rep's side at the peak
    require: tuple[Bound, ...] = ()
    # What a rep's side *is*, as people say it ("front leg", "supporting leg", "side leaned
    # to"): reports and the overlay name the left/right counts with it. Not the side facing
    # the camera (CheckerState.side), which only says which landmarks were read.
    side_label: str | None = None
    # Bounds that must hold over the whole rep (every frame from start to end), where
    # `require` is checked at the peak only.
    throughout: tuple[Bound, ...] = ()
    cycle: Cycle | None = None  # count the cycles of a periodic signal (jump rope, marching)

    def is_active(self, value: float, active_now: bool) -> bool:
        """Phase decision with hysteresis: enter past `enter`, leave only past `exit`."""
        if self.direction == "down":
            return value < (self.exit if active_now else self.enter)
        return value > (self.exit if active_now else self.enter)


@dataclass(frozen=True, slots=True)
class Hold:
    min_s: float = 1.0  # shorter stretches in position are not reported as holds


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    message: str
    when: str
    signal: str | None = None
    metric: str | None = None
    above: float | None = None
    below: float | None = None
    for_s: float = 0.0
    stat: str | None = None
    band: float = 5.0
    source: str = ""
    # The threshold at the "strict" / "lenient" strictness levels (posecheck.check.strictness),
    # for rules whose firing point has been measured; None: the level changes only for_s.
    strict: float | None = None
    lenient: float | None = None
    # The views (posecheck.pose.view) in which the rule can be judged; in the others it stays
    # silent and the checker says once that it cannot judge it from there.
    views: tuple[str, ...] = VIEWS
    # A continuous rule with a time line: every stretch of breaking of at least
    # `timeline_s` goes in the report's time line (a Span), also those too short to alert on.
    timeline_s: float | None = None

    def breaks(self, value: float) -> bool:
        """True when a value is on the wrong side of the rule's threshold."""
        return (self.above is not None and value > self.above) or (
            self.below is not None and value < self.below
        )


@dataclass(frozen=True, slots=True)
class Smoothing:
    min_cutoff: float = 1.0
    beta: float = 0.5


@dataclass(frozen=True, slots=True)
class ExerciseSpec:
    name: str
    title: str
    source: str
    view: str
    kind: str
    per_side: bool
    signals: dict[str, Signal]
    position: Position
    visibility: Visibility
    rules: tuple[Rule, ...]
    reps: Reps | None = None
    hold: Hold | None = None
    targets: dict[str, float] = field(default_factory=dict)
    smoothing: Smoothing = Smoothing()
    notes: str = ""
    file: str = ""
