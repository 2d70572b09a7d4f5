"""``posecheck routine NAME``: an article's routine, step by step, live.

Each step is a normal live session (the same pipeline, window or event lines, and a
session log); the routine file decides the order, targets and rests
(:mod:`posecheck.coach.routine`). :func:`run_routine` moves on by itself when the step's target
is met, when the user skips ('n' in the window; Ctrl-C without one) or when the step's
source ends. Ctrl-C twice within ``double_tap_s`` ends the whole routine; 'q'/Esc in the
window does too. Rests are counted down between steps; Ctrl-C skips one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from posecheck.check.specs import ExerciseSpec, spec_for
from posecheck.cli.common import add_model_args, add_people_arg, add_strictness_args
from posecheck.coach.routine import (
    Routine,
    RoutineError,
    RoutineWindowSink,
    StepResult,
    TargetSink,
    seconds_text,
    step_measure,
    step_title,
    target_text,
)
from posecheck.report.files import ReportError
from posecheck.report.screen import DisplayError, EventLogSink
from posecheck.report.sinks import Sink
from posecheck.report.text import format_time
from posecheck.sources.base import SourceError

# ------------------------------------------------------------------------------ runner


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run a routine. ``sources``: one per step, or one for all; () = webcam 0."""

    sources: tuple[str, ...] = ()
    realtime: bool = True
    window: bool = False
    rest: bool = True
    sessions_dir: Path | None = None  # None: no session log
    configure: Callable[[ExerciseSpec], ExerciseSpec] = field(default=lambda spec: spec)
    make_estimator: Callable[[], Any] | None = None  # for sources that are not recordings
    model: Any = None
    step_sinks: Callable[[ExerciseSpec], list[Sink]] = field(default=lambda spec: [])  # voice
    countdown_s: float = 0.0  # > 0: each step starts with the camera set-up and a countdown
    double_tap_s: float = 1.0  # a quick double press; a second, slower one skips the rest


def step_sources(routine: Routine, sources: Sequence[str]) -> list[str]:
    """The source for each step: given once per step, or once (or never: webcam 0) for all."""
    n = len(routine.steps)
    if len(sources) == n:
        return list(sources)
    if len(sources) <= 1:
        src = sources[0] if sources else "0"
        if n > 1 and not src.strip().isdigit():
            raise RoutineError(
                f"routine {routine.name} has {n} steps but one --source file {src!r}: give "
                f"--source once per step (a clip or recording for each), or a webcam index"
            )
        return [src] * n
    raise RoutineError(
        f"routine {routine.name} has {n} steps but --source was given {len(sources)} times: "
        f"give it once per step, or once (a webcam index) for all"
    )


def needs_model(source: str) -> bool:
    return not source.lower().endswith(".npz")


def _ended(reason: str | None, target: TargetSink, win: RoutineWindowSink | None) -> str:
    if target.reached:
        return "target reached"
    if win is not None and win.next_step:
        return "next"
    if win is not None and win.stop_requested:
        return "quit"
    if reason in ("interrupted", "source lost", "failed"):
        return reason
    return "source ended"


def run_step(
    routine: Routine, number: int, source_arg: str, opts: RunOptions, out: TextIO
) -> StepResult:
    """One step through the normal pipeline, with its target, log and feedback sinks."""
    from posecheck.coach.session_log import SessionLogSink
    from posecheck.pipeline import analyze
    from posecheck.sources.open import open_source

    step = routine.steps[number - 1]
    # The step's goal is the session's goal: reports and logs measure progress against it.
    spec = replace(opts.configure(spec_for(step.exercise)), targets=dict(step.target))
    source = open_source(source_arg, realtime=opts.realtime)
    target = TargetSink(step.target)
    sinks: list[Sink] = [target]
    # The window first: with no display it refuses in open(), before a log file exists.
    from posecheck.sources.webcam import Webcam

    mirror = isinstance(source, Webcam)  # a webcam facing the person is shown as a mirror
    win = RoutineWindowSink("posecheck", mirror=mirror) if opts.window else None
    if win is not None:
        sinks.append(win)
    log = None
    if opts.sessions_dir is not None:
        meta = {"routine": routine.name, "step": number, "steps": len(routine.steps)}
        log = SessionLogSink(opts.sessions_dir, meta=meta)
        sinks.append(log)
    if win is None:  # after the log: a rep printed is a rep already on disk
        sinks.append(EventLogSink(out))
    sinks.extend(opts.step_sinks(spec))
    estimator = None
    if needs_model(source_arg) and opts.make_estimator is not None:
        estimator = opts.make_estimator()
    setup = None
    if opts.countdown_s > 0:
        from posecheck.coach.guidance import SetUp

        setup = SetUp(spec, opts.countdown_s)
    try:
        report, result = analyze(source, spec, sinks, estimator, opts.model, setup=setup)
    finally:
        if estimator is not None:
            estimator.close()
    ended = _ended(result.reason, target, win)
    progress = report["summary"]["progress"]
    reached = target.reached or bool(progress and all(p["met"] for p in progress.values()))
    return StepResult(number, step, ended, reached, report, log.path if log else None)


class DoubleTap:
    """Ctrl-C once ends a step; twice within ``window_s`` ends the routine."""

    def __init__(self, window_s: float, clock: Callable[[], float]) -> None:
        self.window_s = window_s
        self.clock = clock
        self.last: float | None = None

    def hit(self) -> bool:
        now = self.clock()
        double = self.last is not None and now - self.last <= self.window_s
        self.last = now
        return double


def run_routine(
    routine: Routine,
    opts: RunOptions,
    out: TextIO | None = None,
    say: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[StepResult], str | None]:
    """Run every step; returns the step results and why the routine ended early, if it did.

    ``say`` announces (notes, steps, rest): print by default; a voice can be plugged in.
    """
    out = out if out is not None else sys.stdout

    def _print(text: str) -> None:
        print(text, file=out, flush=True)

    say = say or _print
    sources = step_sources(routine, opts.sources)
    taps = DoubleTap(opts.double_tap_s, clock)
    results: list[StepResult] = []
    if routine.notes:
        say(f"{routine.title}: before you start")
        for note in routine.notes:
            say(f"  - {note}")
    for number, src in enumerate(sources, 1):
        say(step_title(routine, number))
        try:
            res = run_step(routine, number, src, opts, out)
        except KeyboardInterrupt:
            res = StepResult(number, routine.steps[number - 1], "interrupted", False, None)
        except (SourceError, ReportError, DisplayError) as exc:
            # A camera gone or a full disk at step 5: keep the summary of steps 1-4.
            results.append(StepResult(number, routine.steps[number - 1], "failed", False, None))
            return results, f"failed: {exc}"
        results.append(res)
        _print(f"Step {number} ended: {res.ended}; {step_measure(res)}")
        if res.ended == "quit":
            return results, "quit"
        if res.ended == "interrupted" and taps.hit():
            return results, "interrupted"
        if number < len(sources) and not _rest(routine, number, opts, say, out, sleep, taps):
            return results, "interrupted"
    return results, None


def _rest(
    routine: Routine,
    number: int,
    opts: RunOptions,
    say: Callable[[str], None],
    out: TextIO,
    sleep: Callable[[float], None],
    taps: DoubleTap,
) -> bool:
    """The rest after step ``number``; Ctrl-C skips it. False: Ctrl-C twice, stop."""
    seconds = routine.steps[number - 1].rest_s
    if not opts.rest or seconds <= 0:
        return True
    say(f"Rest {seconds_text(seconds)} (Ctrl-C skips). Next: {step_title(routine, number + 1)}")
    tty = bool(getattr(out, "isatty", lambda: False)())
    try:
        left = seconds
        while left > 0:
            if tty:
                out.write(f"\r  rest {format_time(left)[:-2]} ")
                out.flush()
            sleep(min(1.0, left))
            left -= 1.0
    except KeyboardInterrupt:
        if taps.hit():
            return False
        say("Rest skipped")
    if tty:
        out.write("\r" + " " * 20 + "\r")
    return True


# --------------------------------------------------------------------------- command


def register(subparsers: Any) -> None:
    """Add the ``routine`` subcommand to an ``argparse`` subparsers object."""
    ro = subparsers.add_parser(
        "routine",
        help="do an article's routine step by step (thigh, back)",
        description=(
            "Run a routine: each step is a live session that moves on by itself when the "
            "step's target is met. In the window 'n' skips to the next step and 'q' ends the "
            "routine; with --no-window Ctrl-C ends the step and Ctrl-C twice quickly ends "
            "the routine. Rests between steps are skipped with Ctrl-C."
        ),
    )
    ro.add_argument("routine", nargs="?", help="routine name (--list) or a routine .toml file")
    ro.add_argument(
        "--list",
        action="store_true",
        help="list the built-in routines; with a routine name, that routine's steps",
    )
    ro.add_argument("--show", action="store_true", help="print the steps and notes, run nothing")
    ro.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SRC",
        help="webcam index (default 0) for all steps, or a clip / .npz recording per step "
        "(repeat once per step, in order)",
    )
    ro.add_argument("--no-window", action="store_true", help="print events instead of a window")
    ro.add_argument("--no-rest", action="store_true", help="no rest countdown between steps")
    ro.add_argument(
        "--fast",
        action="store_true",
        help="replay --source files as fast as possible, not at their real frame rate",
    )
    ro.add_argument(
        "--sessions-dir",
        metavar="DIR",
        help="where each step's session log goes (default: $POSECHECK_SESSIONS_DIR or "
        "~/.local/share/posecheck/sessions)",
    )
    ro.add_argument("--no-session-log", action="store_true", help="write no session logs")
    add_people_arg(ro, 2)
    add_strictness_args(ro)
    ro.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="speak the notes, steps, counts and cues (espeak-ng; beeps without it)",
    )
    ro.add_argument(
        "--countdown",
        type=float,
        default=3.0,
        metavar="S",
        help="before each step: camera set-up, then an S-second countdown (0 = none)",
    )
    add_model_args(ro)
    ro.set_defaults(func=cmd_routine)


def format_routine(routine: Routine) -> str:
    lines = [f"{routine.title} ({routine.name}; from {routine.source})"]
    lines += [f"  note: {n}" for n in routine.notes]
    for i, step in enumerate(routine.steps, 1):
        rest = f"; rest {step.rest_s:g} s" if step.rest_s else ""
        lines.append(f"  {i}. {step.exercise}: {target_text(step.target)}{rest}")
        lines.append(f"       {step.quote}")
    return "\n".join(lines)


def format_summary(
    routine: Routine, results: list[StepResult], ended_early: str | None, logs: Path | None
) -> str:
    """The routine summary printed at the end: one line per step, then the totals."""
    with_target = [r for r in results if r.step.target]
    reached = sum(r.reached for r in with_target)
    head = f"Routine {routine.title}: {len(results)} of {len(routine.steps)} steps done"
    if with_target:
        head += f", {reached} of {len(with_target)} targets reached"
    if ended_early:
        head += f" (ended early: {ended_early})"
    lines = [head]
    for r in results:
        mark = "reached" if r.reached else ("-" if not r.step.target else "not reached")
        lines.append(
            f"  {r.number}. {r.step.exercise:24s} {mark:11s} ({r.ended}) "
            f"target: {target_text(r.step.target) if r.step.target else 'none'}; "
            f"{step_measure(r)}"
        )
    for r in routine.steps[len(results) :]:
        lines.append(f"  -  {r.exercise:24s} not started")
    if logs is not None:
        lines.append(f"Session logs: {logs}")
    return "\n".join(lines)


def cmd_routine(args: argparse.Namespace) -> int:
    from posecheck.check.strictness import configured, default_config_path
    from posecheck.coach.routine import available_routines, routine_for
    from posecheck.coach.session_log import check_sessions_dir, default_sessions_dir

    if args.list and args.routine:  # one routine: its steps, one a line (--show: in full)
        routine = routine_for(args.routine)
        print(f"{routine.title} ({routine.name}):")
        for i, step in enumerate(routine.steps, 1):
            print(f"  {i}. {step.exercise:26s} {target_text(step.target)}")
        return 0
    if args.list:
        for name in available_routines():
            r = routine_for(name)
            print(f"{name:12s} {r.title}: {', '.join(s.exercise for s in r.steps)}")
        return 0
    if not args.routine:
        raise RoutineError(
            "give a routine name (posecheck routine --list shows them) or a routine .toml file"
        )
    routine = routine_for(args.routine)
    if args.show:
        print(format_routine(routine))
        return 0
    sources = step_sources(routine, args.source)
    for src in sources:  # a typo in step 6 should fail now, not after five exercises
        if not src.strip().isdigit() and not Path(src).is_file():
            raise SourceError(f"file not found: {src} — check the path and spelling")
    logs = None
    if not args.no_session_log:
        logs = check_sessions_dir(args.sessions_dir or default_sessions_dir())
    config = args.config if args.config else default_config_path()
    # A --rule applies to the steps whose exercise has that rule; one that no step has is a
    # typo, said now rather than ignored.
    step_codes = {r.code for s in routine.steps for r in spec_for(s.exercise).rules}
    rule_code = {arg: arg.partition("=")[0].partition(".")[0] for arg in args.rule}
    unknown = sorted({c for c in rule_code.values() if c not in step_codes})
    if unknown:
        raise RoutineError(
            f"--rule {', '.join(unknown)}: no step of {routine.name} has that rule; "
            f"its rules: {', '.join(sorted(step_codes))}"
        )

    def configure(spec: Any) -> Any:
        codes = {r.code for r in spec.rules}
        rules = [arg for arg, code in rule_code.items() if code in codes]
        return configured(spec, args.strictness, rules, config)

    model = None
    make_estimator = None
    if any(needs_model(s) for s in sources):
        from posecheck.pose.lookout import pose_estimator
        from posecheck.pose.models import resolve_model

        model = resolve_model(
            getattr(args, "model_variant", "full"),
            getattr(args, "pose_model", None),
            progress=lambda msg: print(msg, file=sys.stderr),
        )

        def make_estimator() -> Any:
            return pose_estimator(model.path, args.people)

    engine = None
    if args.voice:
        from posecheck.coach.voice import pick_engine

        engine = pick_engine(True)  # says once if espeak-ng is missing

    def step_sinks(spec: ExerciseSpec) -> list[Sink]:
        if not args.voice:
            return []
        from posecheck.coach.voice import pick_engine
        from posecheck.coach.voice_sink import VoiceSink

        step_engine = pick_engine(True, notify=lambda _: None)  # a VoiceSink closes its own
        return [VoiceSink(step_engine, spec=spec)] if step_engine is not None else []

    def say(text: str) -> None:
        print(text, flush=True)
        if engine is not None:
            engine.say(text.strip(" -"), kind="hint")

    opts = RunOptions(
        sources=tuple(sources),
        realtime=not args.fast,
        window=not args.no_window,
        rest=not args.no_rest,
        sessions_dir=logs,
        configure=configure,
        make_estimator=make_estimator,
        model=model,
        step_sinks=step_sinks,
        countdown_s=max(0.0, args.countdown),
    )
    try:
        results, ended_early = run_routine(routine, opts, say=say)
    finally:
        if engine is not None:
            engine.close()
    print(format_summary(routine, results, ended_early, logs))
    if ended_early and ended_early.startswith("failed: "):
        print(f"posecheck: error: {ended_early.removeprefix('failed: ')}", file=sys.stderr)
        return 2
    return 130 if ended_early == "interrupted" else 0
