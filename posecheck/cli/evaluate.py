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
from posecheck.evaluate.sessions import is_manifest
from posecheck.pose.landmarks import PoseFrame
from posecheck.workout.recognition import Recognition


def register(subparsers: Any, add_model_args: Any) -> None:
    """Add the ``eval`` subcommand to an ``argparse`` subparsers object."""
    ev = subparsers.add_parser(
        "eval",
        help="score posecheck against labelled clips (labels.toml or a recordings folder)",
        description=(
            "Run every labelled clip and print expected vs measured reps, hold time and "
            "issues, then exact-rep rate, within-one rate, rep and hold errors, issue "
            "precision/recall and false alarms on clean clips; and exercise recognition "
            "on each clip (right, not sure, wrong) with its confusion matrix."
        ),
    )
    ev.add_argument(
        "labels",
        help="labels .toml (clips beside it), a folder with expected.toml, or a sessions "
        "manifest (sample_videos/sessions.toml: whole-workout sets and recognition)",
    )
    ev.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    ev.add_argument("--only", metavar="NAME", action="append", help="only this clip (repeatable)")
    ev.add_argument(
        "--no-recognition",
        action="store_true",
        help="do not score exercise recognition (saves ~1 s a clip)",
    )
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


def eval_sessions(args: argparse.Namespace) -> int:
    """Score set segmentation and per-set recognition on the manifest's sessions."""
    from posecheck.evaluate.segmentation import (
        alone_results,
        format_sessions,
        score_session,
        sessions_json,
    )
    from posecheck.evaluate.sessions import build_session, load_manifest
    from posecheck.report.files import write_json
    from posecheck.workout.sets import analyze_workout

    manifest = load_manifest(args.labels)
    plans = list(manifest.sessions)
    if args.only:
        known = [p.name for p in plans]
        for name in args.only:
            if name not in known:
                raise UsageError(f"--only {name}: no such session. Known: {', '.join(known)}")
        plans = [p for p in plans if p.name in args.only]
    alone = alone_results(manifest)
    scores = []
    for plan in plans:
        print(f"eval: session {plan.name} ({len(plan.clips)} clips)", file=sys.stderr)
        session = build_session(manifest, plan)
        workout = analyze_workout(session.frames)
        scores.append(score_session(session, workout.sets, alone))
    print(format_sessions(scores))
    if args.json:
        write_json(sessions_json(scores), args.json)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from posecheck.api import adaptive_options
    from posecheck.check.specs import available, spec_for
    from posecheck.pipeline import analyze
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.pose.models import resolve_model
    from posecheck.report.files import check_writable_dir, write_json
    from posecheck.report.sinks import BaseSink
    from posecheck.sources.open import open_source
    from posecheck.sources.parallel import ParallelPoseSource, worker_count
    from posecheck.workout.recognize import recognize

    if args.json:
        check_writable_dir(args.json)
    if is_manifest(args.labels):  # synthetic whole-workout sessions: sets, not clips
        return eval_sessions(args)
    cases = load_cases(args.labels)
    if args.only:
        cases = only(cases, args.only)
    model = None
    if any(c.needs_model for c in cases if c.exercise in available()):
        model = resolve_model(
            args.model_variant, args.pose_model, progress=lambda m: print(m, file=sys.stderr)
        )

    class Poses(BaseSink):
        """Keeps the frames' poses, so recognition needs no second pass of the model."""

        def __init__(self) -> None:
            self.frames: list[PoseFrame] = []

        def on_frame(self, image: Any, pose_frame: PoseFrame, result: Any) -> None:
            self.frames.append(pose_frame)

    poses = Poses()

    def run_case(case: Case) -> dict[str, Any]:
        poses.frames = []
        source = open_source(case.path)
        sinks = () if args.no_recognition else (poses,)
        if not case.needs_model:
            return analyze(source, spec_for(case.exercise), sinks)[0]
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
            return analyze(source, spec, sinks, None, model)[0]
        with PoseEstimator(path) as est:
            return analyze(source, spec_for(case.exercise), sinks, est, model)[0]

    def recognize_case(case: Case) -> Recognition:
        return recognize(poses.frames)

    tty = sys.stderr.isatty()

    def progress(i: int, n: int, name: str) -> None:
        bar = "#" * (20 * i // n)
        print(f"\reval [{bar:20s}] {i}/{n} {name[:40]:40s}", end="", file=sys.stderr, flush=True)

    scores, summary = evaluate(
        cases,
        run_case,
        set(available()),
        progress if tty else None,
        None if args.no_recognition else recognize_case,
    )
    if tty:
        print("\r" + " " * 72 + "\r", end="", file=sys.stderr)
    print(format_table(scores, summary))
    if args.json:
        write_json(to_json(scores, summary), args.json)
    return 0
