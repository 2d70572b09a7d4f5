"""``posecheck eval LABELS``: accuracy on labelled clips, for people and for CI.

Kept out of cli/app.py because it drives many sessions (fresh pose landmarkers per clip, so
each clip's timestamps start fresh; on both cores, as ``analyze`` runs) and scores them;
the scoring itself is :mod:`posecheck.evaluate.accuracy`.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any

from posecheck.cli.common import UsageError, add_workers_arg
from posecheck.evaluate.accuracy import Case, evaluate, format_table, load_cases, to_json


def register(subparsers: Any, add_model_args: Any) -> None:
    """Add the ``eval`` subcommand to an ``argparse`` subparsers object."""
    ev = subparsers.add_parser(
        "eval",
        help="score posecheck against labelled clips (labels.toml or a recordings folder)",
        description=(
            "Run every labelled clip and print expected vs measured reps, hold time and "
            "issues, then exact-rep rate, within-one rate, rep and hold errors, issue "
            "precision/recall and false alarms on clean clips."
        ),
    )
    ev.add_argument("labels", help="labels .toml (clips beside it) or a folder with expected.toml")
    ev.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    ev.add_argument("--only", metavar="NAME", action="append", help="only this clip (repeatable)")
    add_model_args(ev)
    add_workers_arg(ev)  # as analyze: eval measures what analyze gives
    ev.add_argument(
        "--full-rate",
        action="store_true",
        help="run the pose model on every frame, as analyze --full-rate (default: the "
        "adaptive rate analyze uses)",
    )
    ev.set_defaults(func=cmd_eval)


def only(cases: list[Case], names: list[str]) -> list[Case]:
    """The cases ``--only`` names; a name that is no clip is an error (a typo would
    otherwise evaluate nothing and still exit 0), with the closest name and the known ones."""
    known = [c.name for c in cases]
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--only {name}: no such clip.{hint} Known: {', '.join(known)}")
    return [c for c in cases if c.name in set(names)]


def cmd_eval(args: argparse.Namespace) -> int:
    from posecheck.api import adaptive_options
    from posecheck.check.specs import available, spec_for
    from posecheck.pipeline import analyze
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.pose.models import resolve_model
    from posecheck.report.files import check_writable_dir, write_json
    from posecheck.sources.open import open_source
    from posecheck.sources.parallel import ParallelPoseSource, worker_count

    if args.json:
        check_writable_dir(args.json)
    cases = load_cases(args.labels)
    if args.only:
        cases = only(cases, args.only)
    model = None
    if any(c.needs_model for c in cases if c.exercise in available()):
        model = resolve_model(
            args.model_variant, args.pose_model, progress=lambda m: print(m, file=sys.stderr)
        )

    def run_case(case: Case) -> dict[str, Any]:
        source = open_source(case.path)
        if not case.needs_model:
            return analyze(source, spec_for(case.exercise))[0]
        assert model is not None
        path = model.path
        workers = worker_count(args.workers, source.frame_count)
        if workers > 1:
            source.close()
            spec = spec_for(case.exercise)
            rate = adaptive_options(None if args.full_rate else spec, source.fps)
            source = ParallelPoseSource(
                case.path, lambda: PoseEstimator(path), workers=workers, **rate
            )
            return analyze(source, spec, (), None, model)[0]
        with PoseEstimator(path) as est:
            return analyze(source, spec_for(case.exercise), (), est, model)[0]

    tty = sys.stderr.isatty()

    def progress(i: int, n: int, name: str) -> None:
        bar = "#" * (20 * i // n)
        print(f"\reval [{bar:20s}] {i}/{n} {name[:40]:40s}", end="", file=sys.stderr, flush=True)

    scores, summary = evaluate(cases, run_case, set(available()), progress if tty else None)
    if tty:
        print("\r" + " " * 72 + "\r", end="", file=sys.stderr)
    print(format_table(scores, summary))
    if args.json:
        write_json(to_json(scores, summary), args.json)
    return 0
