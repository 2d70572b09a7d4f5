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
    KINDS,
    ExerciseSpec,
    Hold,
    Position,
    Smoothing,
    SpecError,
    Visibility,
)
from posecheck.check.spec_rules import parse_bounds, parse_reps, parse_rule
from posecheck.check.spec_signals import parse_signals
from posecheck.check.spec_table import TableReader, spec_error

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
    signals = parse_signals(top)

    pos = top.sub("position", required=True)
    assert pos is not None
    require = parse_bounds(pos.sub("require", required=True), signals, view)
    position = Position(
        require,
        pos.number("enter_s", 0.3, lo=0),
        pos.number("exit_s", 0.5, lo=0),
        parse_bounds(pos.sub("keep"), signals, view),
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
        reps = parse_reps(reps_t, signals, view)
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
        parse_rule(r, i, signals, kind, file, view, rep_signal) for i, r in enumerate(raw_rules)
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
