"""Exercise specs: TOML files in ``exercise_specs/`` validated into frozen dataclasses.

A spec is data, not code: which signals to measure, when the person is in position,
what to count or time, and which form rules apply, each rule citing the article sentence
it comes from. Every mistake in a spec is reported as one line naming the file, the key
path and what is allowed, so a spec author never has to read a traceback.
"""

from __future__ import annotations

import difflib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from posecheck.check.spec_model import (
    ALL_PARTS,
    BASELINES,
    KINDS,
    NEEDS_PER,
    REP_METRICS,
    SIDE_BY_PREFIXES,
    SIDE_MODES,
    SIGNAL_KINDS,
    SPACES,
    SPECIAL_POINTS,
    STATS,
    WHENS,
    WORLD_KINDS,
    Bound,
    Cycle,
    ExerciseSpec,
    Hold,
    Position,
    Reps,
    Rule,
    Signal,
    Smoothing,
    SpecError,
    Visibility,
)
from posecheck.check.spec_table import TableReader, spec_error
from posecheck.pose.landmarks import SIDED_PARTS
from posecheck.pose.view import VIEWS

__all__ = [
    "SPECS_DIR",
    "ExerciseSpec",
    "SpecError",
    "available",
    "load_spec",
    "parse_spec",
    "spec_for",
]


def data_dir(package: str) -> Path:
    """The folder of one of posecheck's data packages (``posecheck.exercise_specs``,
    ``posecheck.routines``).

    The TOML files live in the checkout's top-level ``exercise_specs/`` and ``routines/``,
    where spec authors edit them; pyproject.toml maps those folders into the package, so a
    wheel installs them as ``posecheck/exercise_specs/`` and an editable install points the
    same names at the checkout. importlib.resources finds either. Both are folders on disk
    (pip unpacks wheels), which the loaders need: they list the folder and report paths.
    """
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise ImportError(
            f"{package} is not installed: this posecheck install predates its data packages; "
            "run `pip install -e .` (or reinstall the wheel) again"
        ) from None
    if not isinstance(root, Path):
        raise ImportError(f"{package} is not a folder on disk ({root}): install posecheck unzipped")
    return root


SPECS_DIR = data_dir("posecheck.exercise_specs")
#: A signal's label is an axis title on the HTML plot: longer ones do not fit beside it.
MAX_LABEL = 40


def _point(name: str, file: str, path: str) -> str:
    base = name.removeprefix("other.").removeprefix("mid.")
    if base not in ALL_PARTS and name not in SPECIAL_POINTS:
        hint = difflib.get_close_matches(base, ALL_PARTS, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise spec_error(
            file,
            path,
            f"unknown body part {name!r}{did}; allowed: {', '.join(ALL_PARTS)}, "
            "'other.<part>' for the opposite side, 'mid.<part>' for midway between both "
            "sides, or 'floor'",
        )
    if name.startswith("mid.") and base not in SIDED_PARTS:
        raise spec_error(file, path, f"{name!r}: 'mid.' needs a part with two sides")
    return name


def _side(value: str, signals: dict[str, Any], file: str, path: str) -> str:
    if value in SIDE_MODES:
        return value
    for prefix in SIDE_BY_PREFIXES:
        if value.startswith(prefix) and value[len(prefix) :] in signals:
            return value
    raise spec_error(
        file,
        path,
        f"must be one of {', '.join(SIDE_MODES)} or 'min:<signal>'/"
        f"'max:<signal>' naming a signal; got {value!r}",
    )


def _parse_signals(top: TableReader) -> dict[str, Signal]:
    table = top.sub("signals", required=True)
    assert table is not None
    raw = table.data
    signals: dict[str, Signal] = {}
    for name in raw:
        table.allowed.append(name)
        t = TableReader(raw[name], top.file, table.key_path(name))
        kind = t.choice("kind", tuple(SIGNAL_KINDS))
        points = t.get("points", list)
        if len(points) != SIGNAL_KINDS[kind] or not all(isinstance(p, str) for p in points):
            raise spec_error(
                top.file,
                t.key_path("points"),
                f"a {kind} signal takes {SIGNAL_KINDS[kind]} body-part names, got {points!r}",
            )
        pts = tuple(_point(p, top.file, t.key_path("points")) for p in points)
        side = _side(t.get("side", str, "facing"), raw, top.file, t.key_path("side"))
        per_raw = t.get("per", list, None)
        if kind in NEEDS_PER and per_raw is None:
            raise spec_error(
                top.file,
                t.key_path("per"),
                f"a {kind} signal needs per = [part, part], the segment used as unit",
            )
        per = None
        if per_raw is not None:
            if len(per_raw) != 2 or not all(isinstance(p, str) for p in per_raw):
                raise spec_error(
                    top.file, t.key_path("per"), f"must be two body-part names, got {per_raw!r}"
                )
            per = (
                _point(per_raw[0], top.file, t.key_path("per")),
                _point(per_raw[1], top.file, t.key_path("per")),
            )
        baseline = t.get("baseline", str, None)
        if baseline is not None and baseline not in BASELINES:
            raise spec_error(
                top.file,
                t.key_path("baseline"),
                f"must be one of {', '.join(BASELINES)} (relative to its recent lowest / "
                f"highest value); got {baseline!r}",
            )
        if kind == "level" and baseline is None:
            raise spec_error(
                top.file,
                t.key_path("baseline"),
                "a level signal needs baseline = 'min' or 'max': a height in the picture "
                "means nothing on its own",
            )
        if kind == "level" and side not in ("facing", "left", "right"):
            raise spec_error(
                top.file,
                t.key_path("side"),
                f"a level signal follows one side: facing, left or right; got {side!r} "
                "(use a 'mid.<part>' point for the middle of the body)",
            )
        window_s = t.number("window_s", 1.5, lo=0.1, hi=60)
        label = " ".join(t.get("label", str, "").split())
        if "label" in raw[name] and not 0 < len(label) <= MAX_LABEL:
            raise spec_error(
                top.file,
                t.key_path("label"),
                f"must be 1 to {MAX_LABEL} characters of what a person sees "
                f"(e.g. 'free knee height'), got {raw[name]['label']!r}",
            )
        # 3-D is for angles and distances on body parts (not the floor line or a
        # mid-point): by default "auto", the view-robust choice (docs/view-and-space.md).
        on_parts = not any(
            p == "floor" or p.startswith("mid.") for p in (*pts, *(per or ()))
        )
        can_3d = kind in WORLD_KINDS and on_parts
        space = t.choice("space", SPACES, "auto" if can_3d else "image")
        if space != "image" and not can_3d:
            raise spec_error(
                top.file,
                t.key_path("space"),
                f"a {kind} signal on {', '.join(pts)} is measured in the picture only "
                f"(space = 'image'); '{space}' is for {', '.join(WORLD_KINDS)} signals on "
                "body parts",
            )
        near_only = t.get("near_only", bool, False)
        if near_only and not (side.startswith(SIDE_BY_PREFIXES) or side in ("min", "max")):
            raise spec_error(
                top.file,
                t.key_path("near_only"),
                f"is for a signal whose side is picked (min, max, min:<signal>, max:<signal>);"
                f" side = {side!r} already says which side it measures",
            )
        t.done()
        signals[name] = Signal(
            name=name,
            kind=kind,
            points=pts,
            side=side,
            per=per,
            baseline=baseline,
            window_s=window_s,
            label=label,
            space=space,
            near_only=near_only,
        )
    if not signals:
        raise spec_error(top.file, "signals", "needs at least one signal")
    for s in signals.values():  # a side chosen by another signal must name a real one
        if ":" in s.side and signals[s.side.split(":", 1)[1]].side.startswith(SIDE_BY_PREFIXES):
            raise spec_error(
                top.file,
                f"signals.{s.name}.side",
                "may not name a signal whose own side is chosen by another signal",
            )
    return signals


# Measures in the picture that a turn of the camera about the body changes: lines, leans,
# spreads and distances across the picture. Heights and levels (up and down in the
# picture) barely change with the camera's yaw.
_YAW_BOUND_KINDS = ("offset", "lean", "forward", "spread", "tilt", "inclination", "distance")


def _bound_views(signal: Signal, spec_view: str) -> tuple[str, ...]:
    """The views a bound is checked in when the spec does not say: everywhere, but for a
    picture measure a turn changes, in a side-view spec: side-on only (there its limits
    were measured; turned, the other bounds, in 3-D, say what the position is). A
    front-view spec judges from the picture seen from the front: its bounds keep anyone
    seen from the side out of position ("Face the camera")."""
    if signal.space == "image" and signal.kind in _YAW_BOUND_KINDS and spec_view == "side":
        return ("side",)
    return VIEWS


def _bounds(
    table: TableReader | None, signals: dict[str, Signal], spec_view: str = "any"
) -> tuple[Bound, ...]:
    if table is None:
        return ()
    bounds = []
    for name in table.data:
        table.allowed.append(name)
        if name not in signals:
            raise spec_error(
                table.file,
                table.key_path(name),
                f"is not a signal of this spec; signals: {', '.join(signals)}",
            )
        t = TableReader(table.data[name], table.file, table.key_path(name))
        lo = t.number("min", None)
        hi = t.number("max", None)
        message = t.get("message", str, "")
        if_seen = t.get("if_seen", bool, False)
        guide = t.get("guide", bool, False)
        views = _views(t)
        t.done()
        if lo is None and hi is None:
            raise spec_error(table.file, table.key_path(name), "needs min, max or both")
        if lo is not None and hi is not None and lo > hi:
            raise spec_error(table.file, table.key_path(name), f"min {lo:g} is above max {hi:g}")
        if guide and not message:
            raise spec_error(
                table.file, table.key_path(name), "a guide bound needs the message it shows"
            )
        if views is None:
            views = _bound_views(signals[name], spec_view)
        bounds.append(Bound(name, lo, hi, message, if_seen, guide, views))
    return tuple(bounds)


def _signal_ref(t: TableReader, key: str, signals: dict[str, Signal], default: Any = ...) -> Any:
    value = t.get(key, str, default)
    if value is not None and value not in signals:
        raise spec_error(t.file, t.key_path(key), f"names no signal; signals: {', '.join(signals)}")
    return value


def _parse_reps(t: TableReader, signals: dict[str, Signal], spec_view: str = "any") -> Reps:
    signal = _signal_ref(t, "signal", signals)
    direction = t.choice("direction", ("down", "up"))
    enter = t.number("enter")
    exit_ = t.number("exit")
    if direction == "down" and not enter < exit_:
        raise spec_error(
            t.file,
            t.key_path("enter"),
            f"with direction = 'down' enter ({enter:g}) "
            "must be "
            f"below exit ({exit_:g}): the phase starts low and ends higher (hysteresis)",
        )
    if direction == "up" and not enter > exit_:
        raise spec_error(
            t.file,
            t.key_path("enter"),
            f"with direction = 'up' enter ({enter:g}) must be "
            f"above exit ({exit_:g}): the phase starts high and ends lower (hysteresis)",
        )
    min_active = t.number("min_active_s", 0.2, lo=0)
    min_rep = t.number("min_rep_s", 0.5, lo=0)
    max_rep = t.number("max_rep_s", 10.0, lo=0.1)
    if min_rep >= max_rep:
        raise spec_error(
            t.file, t.key_path("min_rep_s"), f"({min_rep:g}) must be below max_rep_s ({max_rep:g})"
        )
    side_by = t.get("side_by", str, None)
    if side_by is not None:
        side_by = _side(side_by, signals, t.file, t.key_path("side_by"))
        if ":" not in side_by:
            raise spec_error(
                t.file, t.key_path("side_by"), "must be 'min:<signal>' or 'max:<signal>'"
            )
    side_label = t.get("side_label", str, None)
    if side_label is not None and not 0 < len(side_label.strip()) <= 30:
        raise spec_error(
            t.file, t.key_path("side_label"), "must be a short name such as 'front leg'"
        )
    require = _bounds(t.sub("require"), signals, spec_view)
    throughout = _bounds(t.sub("throughout"), signals, spec_view)
    cycle = _parse_cycle(t, enter, exit_)
    t.done()
    return Reps(
        signal,
        direction,
        enter,
        exit_,
        min_active,
        min_rep,
        max_rep,
        side_by,
        require,
        side_label,
        throughout,
        cycle,
    )


def _parse_cycle(reps: TableReader, enter: float, exit_: float) -> Cycle | None:
    """[reps.cycle]: count the cycles of a periodic signal (posecheck.check.cycles); enter and
    exit are then fractions of the signal's recent range."""
    t = reps.sub("cycle")
    if t is None:
        return None
    for key, value in (("enter", enter), ("exit", exit_)):
        if not 0 < value < 1:
            raise spec_error(
                reps.file,
                reps.key_path(key),
                f"with [reps.cycle] it is a fraction of the signal's recent range, "
                f"strictly between 0 and 1; got {value:g}",
            )
    cycle = Cycle(
        t.number("window_s", 1.5, lo=0.2, hi=30),
        t.number("min_range", 0.05, lo=0),
        int(t.number("confirm", 3, lo=1, hi=20)),
        t.number("max_gap_s", 1.5, lo=0),
    )
    t.done()
    return cycle


def _views(t: TableReader) -> tuple[str, ...] | None:
    """An optional ``views = [...]`` list, in VIEWS order."""
    raw = t.get("views", list, None)
    if raw is None:
        return None
    if not raw or any(v not in VIEWS for v in raw):
        raise spec_error(
            t.file, t.key_path("views"), f"must list views from {', '.join(VIEWS)}; got {raw!r}"
        )
    return tuple(v for v in VIEWS if v in raw)


def _rule_views(t: TableReader, signal: Signal | None, spec_view: str) -> tuple[str, ...]:
    """The views a rule can be judged in: as the spec says, else from how it is measured.

    A rule on a rep's timing, or on a 3-D measure ("world"), holds from any side. A rule
    on an "auto" signal holds in the spec's own view (side-on unless it is a front-view
    spec), where the signal is the picture's and its threshold was measured: elsewhere
    the 3-D measure reads differently (docs/view-and-space.md), so such a rule speaks in
    other views only once a spec lists them, measured. A rule on the
    picture's geometry (a line, an offset, a lean) holds in the view the spec was made
    for: a body line seen from the front is foreshortened."""
    views = _views(t)
    if views is not None:
        return views
    if signal is None or signal.space == "world":
        return VIEWS
    if signal.space == "auto":
        return ("front",) if spec_view == "front" else ("side",)
    return VIEWS if spec_view == "any" else (spec_view,)


# Rep metrics in the rep signal's own units (its value, or its speed): as space-bound as
# the signal. The others are durations.
_VALUE_METRICS = ("rest_extreme", "to_peak_speed", "from_peak_speed")


def _parse_rule(
    raw: Any,
    index: int,
    signals: dict[str, Signal],
    kind: str,
    file: str,
    spec_view: str = "any",
    rep_signal: Signal | None = None,
) -> Rule:
    t = TableReader(raw, file, f"rules[{index}]")
    code = t.get("code", str)
    if not code.replace("_", "").isalnum() or not code.islower():
        raise spec_error(file, t.key_path("code"), f"must be lower_snake_case, got {code!r}")
    message = t.get("message", str)
    when = t.choice("when", WHENS)
    if kind == "hold" and when != "continuous":
        raise spec_error(file, t.key_path("when"), "a hold exercise only has 'continuous' rules")
    signal = _signal_ref(t, "signal", signals, None)
    metric = t.get("metric", str, None)
    if metric is not None and (when != "rep" or metric not in REP_METRICS):
        raise spec_error(
            file,
            t.key_path("metric"),
            f"needs when = 'rep' and one of {', '.join(REP_METRICS)}; got {metric!r}",
        )
    if (signal is None) == (metric is None):
        raise spec_error(file, t.path, "needs exactly one of signal or metric")
    above = t.number("above", None)
    below = t.number("below", None)
    if above is None and below is None:
        raise spec_error(file, t.path, "needs a threshold: above, below, or both")
    if above is not None and below is not None and below > above:
        raise spec_error(file, t.path, f"below ({below:g}) > above ({above:g}) would always fire")
    for_s = t.number("for_s", 0.0, lo=0)
    stat = t.get("stat", str, None)
    if when == "rep" and signal is not None:
        if stat not in STATS:
            raise spec_error(
                file,
                t.key_path("stat"),
                f"a 'rep' rule on a signal needs stat = "
                f"{' or '.join(STATS)} (its extreme or its span over the rep); got {stat!r}",
            )
    elif stat is not None:
        raise spec_error(file, t.key_path("stat"), "is only for when = 'rep' rules on a signal")
    band = t.number("band", 5.0, lo=0)
    source = t.get("source", str, "")
    measured = signals[signal] if signal is not None else None
    if metric in _VALUE_METRICS:
        measured = rep_signal
    views = _rule_views(t, measured, spec_view)
    timeline_s = t.number("timeline_s", None, lo=0)
    if timeline_s is not None and when != "continuous":
        raise spec_error(file, t.key_path("timeline_s"), "is only for when = 'continuous' rules")
    strict, lenient = t.number("strict", None), t.number("lenient", None)
    if strict is not None or lenient is not None:
        if (above is None) == (below is None):
            raise spec_error(
                file, t.path, "strict/lenient need a one-sided rule (above or below, not both)"
            )
        sign = 1.0 if above is not None else -1.0  # above: stricter = lower threshold
        base = above if above is not None else below
        assert base is not None
        if strict is not None and sign * (base - strict) <= 0:
            side = "below" if sign > 0 else "above"
            raise spec_error(
                file, t.key_path("strict"), f"must be {side} the threshold {base:g} (stricter)"
            )
        if lenient is not None and sign * (lenient - base) <= 0:
            side = "above" if sign > 0 else "below"
            raise spec_error(
                file, t.key_path("lenient"), f"must be {side} the threshold {base:g} (more lenient)"
            )
    t.done()
    return Rule(
        code,
        message,
        when,
        signal,
        metric,
        above,
        below,
        for_s,
        stat,
        band,
        source,
        strict,
        lenient,
        views,
        timeline_s,
    )


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
    top = TableReader(data, file, "")
    name = top.get("name", str)
    if stem is not None and name != stem:
        raise spec_error(file, "name", f"must match the file name {stem!r}, got {name!r}")
    title = top.get("title", str)
    source = top.get("source", str)
    view = top.choice("view", ("side", "front", "any"))
    kind = top.choice("kind", KINDS)
    per_side = top.get("per_side", bool, False)
    notes = top.get("notes", str, "")
    signals = _parse_signals(top)

    pos = top.sub("position", required=True)
    assert pos is not None
    require = _bounds(pos.sub("require", required=True), signals, view)
    position = Position(
        require,
        pos.number("enter_s", 0.3, lo=0),
        pos.number("exit_s", 0.5, lo=0),
        _bounds(pos.sub("keep"), signals, view),
    )
    pos.done()

    vis_t = top.sub("visibility", required=True)
    assert vis_t is not None
    parts = vis_t.get("parts", list)
    for i, p in enumerate(parts):
        if not isinstance(p, str) or p not in ALL_PARTS:
            raise spec_error(
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
            raise spec_error(file, "reps", "is required when kind = 'reps'")
        if hold_t is not None:
            raise spec_error(file, "hold", "is only for kind = 'hold'")
        reps = _parse_reps(reps_t, signals, view)
        if per_side and reps.side_by is None:
            raise spec_error(file, "reps.side_by", "is required when per_side = true")
        if not per_side and reps.side_label is not None:
            raise spec_error(file, "reps.side_label", "is only for per_side = true")
    else:
        if reps_t is not None:
            raise spec_error(file, "reps", "is only for kind = 'reps'")
        if per_side:
            raise spec_error(file, "per_side", "is only for kind = 'reps'")
        if hold_t is None:
            hold = Hold()
        else:
            hold = Hold(hold_t.number("min_s", 1.0, lo=0))
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
    rep_signal = signals[reps.signal] if reps is not None else None
    rules = tuple(
        _parse_rule(r, i, signals, kind, file, view, rep_signal) for i, r in enumerate(raw_rules)
    )
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
