"""Spec loading, part one: the ``[signals.*]`` tables, each validated into a Signal.

Which body parts a signal reads, on which side, in which space (picture or 3-D), with
which baseline: every mistake is one line naming the file, the key path and what is
allowed (posecheck.check.specs puts the parts together).
"""

from __future__ import annotations

import difflib
from typing import Any

from posecheck.check.spec_model import (
    ALL_PARTS,
    BASELINES,
    NEEDS_PER,
    SIDE_BY_PREFIXES,
    SIDE_MODES,
    SIGNAL_KINDS,
    SPACES,
    SPECIAL_POINTS,
    WORLD_KINDS,
    WORLD_ONLY_KINDS,
    Signal,
)
from posecheck.check.spec_table import TableReader, spec_error
from posecheck.pose.landmarks import SIDED_PARTS

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


def side_mode(value: str, signals: dict[str, Any], file: str, path: str) -> str:
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


def parse_signals(top: TableReader) -> dict[str, Signal]:
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
        side = side_mode(t.get("side", str, "facing"), raw, top.file, t.key_path("side"))
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
        on_parts = not any(p == "floor" or p.startswith("mid.") for p in (*pts, *(per or ())))
        can_3d = kind in WORLD_KINDS and on_parts
        default = "world" if kind in WORLD_ONLY_KINDS else "auto" if can_3d else "image"
        space = t.choice("space", SPACES, default)
        if kind in WORLD_ONLY_KINDS and space != "world":
            raise spec_error(
                top.file,
                t.key_path("space"),
                f"a {kind} signal is measured in 3-D only (space = 'world' on body parts), "
                f"got {space!r}",
            )
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
