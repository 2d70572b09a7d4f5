"""Spec loading, part two: bounds, reps and rules, and the views each one holds in.

A bound or a rule measured on the picture side-on is judged only from the views where
that measure means what it meant there (docs/view-and-space.md); these functions work
out those views when the spec does not list them (posecheck.check.specs puts the parts
together).
"""

from __future__ import annotations

from typing import Any

from posecheck.check.spec_model import (
    REP_METRICS,
    STATS,
    WHENS,
    Bound,
    Cycle,
    Reps,
    Rule,
    Signal,
)
from posecheck.check.spec_signals import side_mode
from posecheck.check.spec_table import TableReader, spec_error
from posecheck.pose.view import VIEWS

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


def parse_bounds(
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


def parse_reps(t: TableReader, signals: dict[str, Signal], spec_view: str = "any") -> Reps:
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
        side_by = side_mode(side_by, signals, t.file, t.key_path("side_by"))
        if ":" not in side_by:
            raise spec_error(
                t.file, t.key_path("side_by"), "must be 'min:<signal>' or 'max:<signal>'"
            )
    side_label = t.get("side_label", str, None)
    if side_label is not None and not 0 < len(side_label.strip()) <= 30:
        raise spec_error(
            t.file, t.key_path("side_label"), "must be a short name such as 'front leg'"
        )
    require = parse_bounds(t.sub("require"), signals, spec_view)
    throughout = parse_bounds(t.sub("throughout"), signals, spec_view)
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


def parse_rule(
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
