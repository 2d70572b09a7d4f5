"""Exercise specs: TOML files in ``exercise_specs/`` validated into frozen dataclasses.

A spec is data, not code: which signals to measure, when the person is in position,
what to count or time, and which form rules apply, each rule citing the article sentence
it comes from. Every mistake in a spec is reported as one line naming the file, the key
path and what is allowed, so a spec author never has to read a traceback.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .landmarks import SIDED_PARTS, UNSIDED_PARTS

SPECS_DIR = Path(__file__).resolve().parent.parent / "exercise_specs"

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
}
NEEDS_PER = {"distance", "height", "forward", "spread"}
SIDE_MODES = ("facing", "left", "right", "min", "max", "mean")
SIDE_BY_PREFIXES = ("min:", "max:")
KINDS = ("hold", "reps")
WHENS = ("continuous", "peak", "rep")
STATS = ("min", "max")
REP_METRICS = (
    "peak_dwell_s", "to_peak_s", "from_peak_s", "to_peak_speed", "from_peak_speed", "rep_s",
)
SPECIAL_POINTS = ("floor",)
ALL_PARTS = tuple(SIDED_PARTS) + tuple(UNSIDED_PARTS)


class SpecError(ValueError):
    """A spec problem, already phrased as one line for the user."""


def _err(file: str, path: str, problem: str) -> SpecError:
    return SpecError(f"{file}: {path}: {problem}")


class _Table:
    """Reads keys from one TOML table, then complains about any key nobody asked for."""

    def __init__(self, data: Any, file: str, path: str) -> None:
        if not isinstance(data, dict):
            raise _err(file, path or "<top>", f"must be a table, got {type(data).__name__}")
        self.data = data
        self.file = file
        self.path = path
        self.allowed: list[str] = []

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, types: type | tuple[type, ...], default: Any = ...) -> Any:
        self.allowed.append(key)
        if key not in self.data:
            if default is ...:
                raise _err(self.file, self.key_path(key), "is required")
            return default
        value = self.data[key]
        kinds = types if isinstance(types, tuple) else (types,)
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(t.__name__ for t in kinds)
            raise _err(self.file, self.key_path(key), f"must be {names}, got {value!r}")
        return value

    def number(
        self, key: str, default: Any = ..., lo: float | None = None, hi: float | None = None
    ) -> float:
        value = self.get(key, (int, float), default)
        if value is None:
            return value
        value = float(value)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            raise _err(self.file, self.key_path(key), f"must be in {rng}, got {value:g}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            raise _err(
                self.file, self.key_path(key), f"must be one of {', '.join(allowed)}; got {value!r}"
            )
        return value

    def sub(self, key: str, required: bool = False) -> _Table | None:
        self.allowed.append(key)
        if key not in self.data:
            if required:
                raise _err(self.file, self.key_path(key), "is required")
            return None
        return _Table(self.data[key], self.file, self.key_path(key))

    def done(self) -> None:
        extra = sorted(set(self.data) - set(self.allowed))
        if extra:
            hint = difflib.get_close_matches(extra[0], self.allowed, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise _err(
                self.file,
                self.key_path(extra[0]),
                f"unknown key{did}; allowed here: {', '.join(sorted(set(self.allowed)))}",
            )


@dataclass(frozen=True, slots=True)
class Signal:
    """A named measurement computed on every frame."""

    name: str
    kind: str
    points: tuple[str, ...]
    side: str = "facing"
    per: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Bound:
    """An allowed range for a signal (position gate or rep requirement)."""

    signal: str
    min: float | None = None
    max: float | None = None
    message: str = ""  # what to tell the person when this bound keeps them out of position

    def holds(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True, slots=True)
class Position:
    require: tuple[Bound, ...]
    enter_s: float = 0.3
    exit_s: float = 0.5


@dataclass(frozen=True, slots=True)
class Visibility:
    parts: tuple[str, ...]
    min_visibility: float = 0.5
    lost_after_s: float = 1.0


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

    def is_active(self, value: float, active_now: bool) -> bool:
        """Phase decision with hysteresis: enter past `enter`, leave only past `exit`."""
        if self.direction == "down":
            return value < (self.exit if active_now else self.enter)
        return value > (self.exit if active_now else self.enter)


@dataclass(frozen=True, slots=True)
class Hold:
    grace_s: float = 0.5
    min_s: float = 1.0


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


def _point(name: str, file: str, path: str) -> str:
    base = name.removeprefix("other.")
    if base not in ALL_PARTS and name not in SPECIAL_POINTS:
        hint = difflib.get_close_matches(base, ALL_PARTS, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise _err(
            file,
            path,
            f"unknown body part {name!r}{did}; allowed: {', '.join(ALL_PARTS)}, "
            "'other.<part>' for the opposite side, or 'floor'",
        )
    return name


def _side(value: str, signals: dict[str, Any], file: str, path: str) -> str:
    if value in SIDE_MODES:
        return value
    for prefix in SIDE_BY_PREFIXES:
        if value.startswith(prefix) and value[len(prefix) :] in signals:
            return value
    raise _err(
        file,
        path,
        f"must be one of {', '.join(SIDE_MODES)} or 'min:<signal>'/"
        f"'max:<signal>' naming a signal; got {value!r}",
    )


def _parse_signals(top: _Table) -> dict[str, Signal]:
    table = top.sub("signals", required=True)
    assert table is not None
    raw = table.data
    signals: dict[str, Signal] = {}
    for name in raw:
        table.allowed.append(name)
        t = _Table(raw[name], top.file, table.key_path(name))
        kind = t.choice("kind", tuple(SIGNAL_KINDS))
        points = t.get("points", list)
        if len(points) != SIGNAL_KINDS[kind] or not all(isinstance(p, str) for p in points):
            raise _err(
                top.file,
                t.key_path("points"),
                f"a {kind} signal takes {SIGNAL_KINDS[kind]} body-part names, got {points!r}",
            )
        pts = tuple(_point(p, top.file, t.key_path("points")) for p in points)
        side = _side(t.get("side", str, "facing"), raw, top.file, t.key_path("side"))
        per_raw = t.get("per", list, None)
        if kind in NEEDS_PER and per_raw is None:
            raise _err(
                top.file,
                t.key_path("per"),
                f"a {kind} signal needs per = [part, part], the segment used as unit",
            )
        per = None
        if per_raw is not None:
            if len(per_raw) != 2 or not all(isinstance(p, str) for p in per_raw):
                raise _err(
                    top.file, t.key_path("per"), f"must be two body-part names, got {per_raw!r}"
                )
            per = (
                _point(per_raw[0], top.file, t.key_path("per")),
                _point(per_raw[1], top.file, t.key_path("per")),
            )
        t.done()
        signals[name] = Signal(name=name, kind=kind, points=pts, side=side, per=per)
    if not signals:
        raise _err(top.file, "signals", "needs at least one signal")
    for s in signals.values():  # a side chosen by another signal must name a real one
        if ":" in s.side and signals[s.side.split(":", 1)[1]].side.startswith(SIDE_BY_PREFIXES):
            raise _err(
                top.file,
                f"signals.{s.name}.side",
                "may not name a signal whose own side is chosen by another signal",
            )
    return signals


def _bounds(table: _Table | None, signals: dict[str, Signal]) -> tuple[Bound, ...]:
    if table is None:
        return ()
    bounds = []
    for name in table.data:
        table.allowed.append(name)
        if name not in signals:
            raise _err(
                table.file,
                table.key_path(name),
                f"is not a signal of this spec; signals: {', '.join(signals)}",
            )
        t = _Table(table.data[name], table.file, table.key_path(name))
        lo = t.number("min", None)
        hi = t.number("max", None)
        message = t.get("message", str, "")
        t.done()
        if lo is None and hi is None:
            raise _err(table.file, table.key_path(name), "needs min, max or both")
        if lo is not None and hi is not None and lo > hi:
            raise _err(table.file, table.key_path(name), f"min {lo:g} is above max {hi:g}")
        bounds.append(Bound(name, lo, hi, message))
    return tuple(bounds)


def _signal_ref(t: _Table, key: str, signals: dict[str, Signal], default: Any = ...) -> Any:
    value = t.get(key, str, default)
    if value is not None and value not in signals:
        raise _err(t.file, t.key_path(key), f"names no signal; signals: {', '.join(signals)}")
    return value


def _parse_reps(t: _Table, signals: dict[str, Signal]) -> Reps:
    signal = _signal_ref(t, "signal", signals)
    direction = t.choice("direction", ("down", "up"))
    enter = t.number("enter")
    exit_ = t.number("exit")
    if direction == "down" and not enter < exit_:
        raise _err(
            t.file,
            t.key_path("enter"),
            f"with direction = 'down' enter ({enter:g}) "
            "must be "
            f"below exit ({exit_:g}): the phase starts low and ends higher (hysteresis)",
        )
    if direction == "up" and not enter > exit_:
        raise _err(
            t.file,
            t.key_path("enter"),
            f"with direction = 'up' enter ({enter:g}) must be "
            f"above exit ({exit_:g}): the phase starts high and ends lower (hysteresis)",
        )
    min_active = t.number("min_active_s", 0.2, lo=0)
    min_rep = t.number("min_rep_s", 0.5, lo=0)
    max_rep = t.number("max_rep_s", 10.0, lo=0.1)
    if min_rep >= max_rep:
        raise _err(
            t.file, t.key_path("min_rep_s"), f"({min_rep:g}) must be below max_rep_s ({max_rep:g})"
        )
    side_by = t.get("side_by", str, None)
    if side_by is not None:
        side_by = _side(side_by, signals, t.file, t.key_path("side_by"))
        if ":" not in side_by:
            raise _err(t.file, t.key_path("side_by"), "must be 'min:<signal>' or 'max:<signal>'")
    require = _bounds(t.sub("require"), signals)
    t.done()
    return Reps(signal, direction, enter, exit_, min_active, min_rep, max_rep, side_by, require)


def _parse_rule(raw: Any, index: int, signals: dict[str, Signal], kind: str, file: str) -> Rule:
    t = _Table(raw, file, f"rules[{index}]")
    code = t.get("code", str)
    if not code.replace("_", "").isalnum() or not code.islower():
        raise _err(file, t.key_path("code"), f"must be lower_snake_case, got {code!r}")
    message = t.get("message", str)
    when = t.choice("when", WHENS)
    if kind == "hold" and when != "continuous":
        raise _err(file, t.key_path("when"), "a hold exercise only has 'continuous' rules")
    signal = _signal_ref(t, "signal", signals, None)
    metric = t.get("metric", str, None)
    if metric is not None and (when != "rep" or metric not in REP_METRICS):
        raise _err(
            file,
            t.key_path("metric"),
            f"needs when = 'rep' and one of {', '.join(REP_METRICS)}; got {metric!r}",
        )
    if (signal is None) == (metric is None):
        raise _err(file, t.path, "needs exactly one of signal or metric")
    above = t.number("above", None)
    below = t.number("below", None)
    if above is None and below is None:
        raise _err(file, t.path, "needs a threshold: above, below, or both")
    if above is not None and below is not None and below > above:
        raise _err(file, t.path, f"below ({below:g}) > above ({above:g}) would always fire")
    for_s = t.number("for_s", 0.0, lo=0)
    stat = t.get("stat", str, None)
    if when == "rep" and signal is not None:
        if stat not in STATS:
            raise _err(
                file,
                t.key_path("stat"),
                f"a 'rep' rule on a signal needs stat = "
                f"{' or '.join(STATS)} (its extreme over the rep); got {stat!r}",
            )
    elif stat is not None:
        raise _err(file, t.key_path("stat"), "is only for when = 'rep' rules on a signal")
    band = t.number("band", 5.0, lo=0)
    source = t.get("source", str, "")
    t.done()
    return Rule(code, message, when, signal, metric, above, below, for_s, stat, band, source)


def load_spec(path: str | Path) -> ExerciseSpec:
    """Read and validate one spec file; raise SpecError with a one-line message."""
    path = Path(path)
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read spec: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{file}: not valid TOML: {exc}") from None
    return parse_spec(data, file, path.stem)


def parse_spec(data: dict[str, Any], file: str, stem: str | None = None) -> ExerciseSpec:
    """Validate an already-parsed TOML document into an ExerciseSpec."""
    top = _Table(data, file, "")
    name = top.get("name", str)
    if stem is not None and name != stem:
        raise _err(file, "name", f"must match the file name {stem!r}, got {name!r}")
    title = top.get("title", str)
    source = top.get("source", str)
    view = top.choice("view", ("side", "front", "any"))
    kind = top.choice("kind", KINDS)
    per_side = top.get("per_side", bool, False)
    notes = top.get("notes", str, "")
    signals = _parse_signals(top)

    pos = top.sub("position", required=True)
    assert pos is not None
    require = _bounds(pos.sub("require", required=True), signals)
    position = Position(require, pos.number("enter_s", 0.3, lo=0), pos.number("exit_s", 0.5, lo=0))
    pos.done()

    vis_t = top.sub("visibility", required=True)
    assert vis_t is not None
    parts = vis_t.get("parts", list)
    for i, p in enumerate(parts):
        if not isinstance(p, str) or p not in ALL_PARTS:
            raise _err(
                file,
                f"visibility.parts[{i}]",
                f"unknown body part {p!r}; allowed: {', '.join(ALL_PARTS)}",
            )
    visibility = Visibility(
        tuple(parts),
        vis_t.number("min_visibility", 0.5, lo=0, hi=1),
        vis_t.number("lost_after_s", 1.0, lo=0),
    )
    vis_t.done()

    reps = hold = None
    reps_t, hold_t = top.sub("reps"), top.sub("hold")
    if kind == "reps":
        if reps_t is None:
            raise _err(file, "reps", "is required when kind = 'reps'")
        if hold_t is not None:
            raise _err(file, "hold", "is only for kind = 'hold'")
        reps = _parse_reps(reps_t, signals)
        if per_side and reps.side_by is None:
            raise _err(file, "reps.side_by", "is required when per_side = true")
    else:
        if reps_t is not None:
            raise _err(file, "reps", "is only for kind = 'reps'")
        if per_side:
            raise _err(file, "per_side", "is only for kind = 'reps'")
        if hold_t is None:
            hold = Hold()
        else:
            hold = Hold(hold_t.number("grace_s", 0.5, lo=0), hold_t.number("min_s", 1.0, lo=0))
            hold_t.done()

    targets: dict[str, float] = {}
    tg = top.sub("targets")
    if tg is not None:
        for key in ("reps", "reps_per_side", "hold_s", "duration_s", "rate_per_min"):
            value = tg.number(key, None, lo=0)
            if value is not None:
                targets[key] = value
        tg.done()

    smoothing = Smoothing()
    sm = top.sub("smoothing")
    if sm is not None:
        smoothing = Smoothing(sm.number("min_cutoff", 1.0, lo=0.01), sm.number("beta", 0.5, lo=0))
        sm.done()

    raw_rules = top.get("rules", list, [])
    rules = tuple(_parse_rule(r, i, signals, kind, file) for i, r in enumerate(raw_rules))
    top.done()
    return ExerciseSpec(
        name=name,
        title=title,
        source=source,
        view=view,
        kind=kind,
        per_side=per_side,
        signals=signals,
        position=position,
        visibility=visibility,
        rules=rules,
        reps=reps,
        hold=hold,
        targets=targets,
        smoothing=smoothing,
        notes=notes,
        file=file,
    )


def available(specs_dir: Path = SPECS_DIR) -> list[str]:
    """Names of the exercises that have a spec file."""
    return sorted(p.stem for p in specs_dir.glob("*.toml"))


def spec_for(name: str, specs_dir: Path = SPECS_DIR) -> ExerciseSpec:
    """Load the spec of a named exercise, suggesting the closest name when it is unknown."""
    path = specs_dir / f"{name}.toml"
    if not path.is_file():
        known = available(specs_dir)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SpecError(f"unknown exercise {name!r}.{hint} Known: {', '.join(known)}")
    return load_spec(path)
