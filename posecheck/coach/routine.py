"""Routines: an article's exercises one after another, as data (``routines/*.toml``).

A routine file lists steps in the article's order (warm-up first, stretch last), each
an existing exercise spec with the article's target for it (quoted), and the rest after
it; plus safety notes from the article, said once at the start. Loading validates it
into frozen dataclasses; every mistake is one line naming the file, the key path and what
is allowed (unknown exercises suggest the closest name), as for specs.

The sinks a routine step adds to the normal pipeline live here too: :class:`TargetSink`
asks the pipeline to stop when the step's target is met, :class:`RoutineWindowSink` adds
'n' (next step) to the live window. The runner that drives the steps is
:func:`posecheck.cli.routine.run_routine`.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.check.events import CheckerState, FrameResult
from posecheck.check.spec_model import SpecError
from posecheck.check.spec_table import TableReader
from posecheck.check.specs import ExerciseSpec, available, data_dir, spec_for
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.screen import LiveWindowSink
from posecheck.report.sinks import BaseSink
from posecheck.report.text import format_time

ROUTINES_DIR = data_dir("posecheck.routines")  # the checkout's routines/, or the wheel's

#: Targets a step can end on, and what each needs of the exercise.
STEP_TARGETS: tuple[str, ...] = ("reps", "reps_per_side", "hold_s", "good_hold_s", "duration_s")


class RoutineError(SpecError):
    """A routine file (or a routine's sources) cannot be used; one line for the user."""


@dataclass(frozen=True, slots=True)
class Step:
    exercise: str
    target: Mapping[str, float]  # empty: ends when the user moves on (or the source ends)
    quote: str  # the article's sentence the target comes from
    rest_s: float


@dataclass(frozen=True, slots=True)
class Routine:
    name: str
    title: str
    source: str
    notes: tuple[str, ...]  # safety notes quoted from the article: said once, at the start
    steps: tuple[Step, ...]
    file: str = ""


# ------------------------------------------------------------------------------- loading


def _err(file: str, path: str, problem: str) -> RoutineError:
    return RoutineError(f"{file}: {path}: {problem}")


def _target(t: TableReader, spec: ExerciseSpec) -> dict[str, float]:
    target: dict[str, float] = {}
    for key in list(t.data):
        if key not in STEP_TARGETS:
            continue
        target[key] = t.number(key, lo=0.001)
    t.allowed.extend(STEP_TARGETS)
    t.done()
    if not target:
        raise _err(
            t.file, t.path, f"is empty; give one of {', '.join(STEP_TARGETS)} (or no target)"
        )
    what = "reps per side" if spec.per_side else ("reps" if spec.kind == "reps" else "a hold")
    for key in target:
        bad = (
            (key == "reps" and spec.kind != "reps")
            or (key == "reps_per_side" and not spec.per_side)
            or (key in ("hold_s", "good_hold_s") and spec.kind != "hold")
        )
        if bad:
            raise _err(t.file, t.key_path(key), f"{spec.name} counts {what}; {key} cannot be met")
    return target


def parse_routine(data: dict[str, Any], file: str, stem: str | None = None) -> Routine:
    """Validate an already-parsed routine document."""
    try:
        top = TableReader(data, file, "")
        name = top.get("name", str)
        if stem is not None and name != stem:
            raise _err(file, "name", f"must match the file name {stem!r}, got {name!r}")
        title = top.get("title", str)
        source = top.get("source", str)
        default_rest = top.number("rest_s", 0.0, lo=0.0, hi=3600.0)
        notes = top.get("notes", list, [])
        for i, note in enumerate(notes):
            if not isinstance(note, str) or not note.strip():
                raise _err(file, f"notes[{i}]", f"must be a non-empty quote, got {note!r}")
        raw_steps = top.get("steps", list)
        top.done()
        if not raw_steps:
            raise _err(file, "steps", "needs at least one [[steps]] table")
        known = available()
        steps: list[Step] = []
        for i, raw in enumerate(raw_steps):
            t = TableReader(raw, file, f"steps[{i}]")
            exercise = t.get("exercise", str)
            if exercise not in known:
                close = difflib.get_close_matches(exercise, known, n=1, cutoff=0.5)
                did = f" (did you mean {close[0]!r}?)" if close else ""
                raise _err(
                    file,
                    t.key_path("exercise"),
                    f"unknown exercise {exercise!r}{did}; known: {', '.join(known)}",
                )
            sub = t.sub("target")
            target = _target(sub, spec_for(exercise)) if sub is not None else {}
            quote = t.get("quote", str)
            rest = t.number("rest_s", default_rest, lo=0.0, hi=3600.0)
            t.done()
            steps.append(Step(exercise, target, quote, rest))
    except RoutineError:
        raise
    except SpecError as exc:  # TableReader's messages, already one line with the key path
        raise RoutineError(str(exc)) from None
    return Routine(name, title, source, tuple(notes), tuple(steps), file)


def load_routine(path: str | Path) -> Routine:
    """Read and validate one routine file; RoutineError (one line) on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RoutineError(f"{path}: routine file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RoutineError(f"{path}: cannot read routine: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RoutineError(f"{path.name}: not valid TOML: {exc}") from None
    return parse_routine(data, path.name, path.stem)


def available_routines(routines_dir: Path = ROUTINES_DIR) -> list[str]:
    return sorted(p.stem for p in routines_dir.glob("*.toml"))


def routine_for(name: str, routines_dir: Path = ROUTINES_DIR) -> Routine:
    """A built-in routine by name, or any routine file by path (``.toml``)."""
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return load_routine(name)
    known = available_routines(routines_dir)
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise RoutineError(f"unknown routine {name!r}.{hint} Known: {', '.join(known)}")
    return load_routine(routines_dir / f"{name}.toml")


@dataclass(frozen=True, slots=True)
class StepResult:
    number: int
    step: Step
    ended: str  # target reached | next | interrupted | source ended | quit | source lost | failed
    reached: bool
    report: dict[str, Any] | None  # None when the step never started (Ctrl-C while opening)
    session_log: Path | None = None


# ------------------------------------------------------------------------- words for it


def seconds_text(s: float) -> str:
    """``300`` -> ``5 min``, ``90`` -> ``1 min 30 s``, ``3`` -> ``3 s``: as people say it."""
    minutes, rest = divmod(round(s), 60)
    if not minutes:
        return f"{s:g} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def target_text(target: Mapping[str, float]) -> str:
    if not target:
        return "no set target: move on when you are done"
    parts = {
        "reps": lambda v: f"{v:g} reps",
        "reps_per_side": lambda v: f"{v:g} reps per side",
        "hold_s": lambda v: f"hold {seconds_text(v)}",
        "good_hold_s": lambda v: f"{seconds_text(v)} in good form",
        "duration_s": seconds_text,
    }
    return ", ".join(parts[k](v) for k, v in target.items())


def step_title(routine: Routine, number: int) -> str:
    step = routine.steps[number - 1]
    return f"Step {number} of {len(routine.steps)}: {step.exercise}, {target_text(step.target)}"


def step_measure(res: StepResult) -> str:
    """What a step measured, in the terms of its exercise: ``reps 9 (L 4 | R 5)``."""
    if res.report is None:
        return "not started"
    s = res.report["summary"]
    parts: list[str] = []
    if res.report["kind"] != "hold" or s["reps"]:
        text = f"reps {s['reps']}"
        if s["reps_by_side"]:
            text += " (" + " | ".join(f"{k[:1].upper()} {v}" for k, v in s["reps_by_side"].items())
            text += ")"
        parts.append(text)
    if res.report["kind"] == "hold":
        hold = max(s["hold_s"] or 0.0, s["live_hold_s"] or 0.0)
        good = max(s["good_hold_s"] or 0.0, s["live_good_hold_s"] or 0.0)
        parts.append(f"hold {format_time(hold)} (good form {format_time(good)})")
    if "duration_s" in res.step.target:
        parts.append(f"in position {format_time(s['in_position_s'] or 0.0)}")
    issues = s["issue_counts"]
    parts.append(
        "issues: " + (", ".join(f"{c} x{n}" for c, n in issues.items()) if issues else "none")
    )
    return "; ".join(parts)


# ------------------------------------------------------------------------------ sinks


def target_met(target: Mapping[str, float], state: CheckerState) -> bool:
    """Whether the checker's running totals meet every key of ``target`` (never if empty)."""
    if not target:
        return False
    sides = state.reps_by_side
    actual = {
        "reps": float(state.reps),
        "reps_per_side": float(min(sides.get("left", 0), sides.get("right", 0))),
        "hold_s": state.hold_s,
        "good_hold_s": state.good_hold_s,
        "duration_s": state.active_s,
    }
    return all(actual[k] >= v for k, v in target.items())


class TargetSink(BaseSink):
    """Asks the pipeline to stop as soon as the step's target is met."""

    def __init__(self, target: Mapping[str, float]) -> None:
        self.target = dict(target)
        self.reached = False

    @property
    def stop_requested(self) -> bool:
        return self.reached

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        if not self.reached and target_met(self.target, result.state):
            self.reached = True


class RoutineWindowSink(LiveWindowSink):
    """The live window plus 'n' (next step); 'q', Esc or closing it ends the routine.

    It only adds the key: LiveWindowSink draws and passes each key to ``handle_key``.
    """

    def __init__(self, window_name: str = "posecheck", mirror: bool = False) -> None:
        super().__init__(window_name, mirror=mirror)
        self.next_step = False

    @property
    def stop_requested(self) -> bool:
        return self._stop or self.next_step

    def handle_key(self, key: int) -> None:
        if key in (ord("n"), ord("N")):
            self.next_step = True
        else:
            super().handle_key(key)
