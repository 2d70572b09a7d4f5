"""``posecheck analyze FILE --exercise auto`` and ``--routine NAME``: a whole workout.

The pose model runs once over the file (:func:`posecheck.workout_api.poses_of`); the sets
are found, recognised and judged from those poses (:func:`posecheck.workout.sets.
analyze_workout`), and one report comes out with a section per set, the totals per
exercise and, with ``--routine``, each step's progress against its target. A file with
one set gives a report with one section.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posecheck.check.specs import ExerciseSpec
from posecheck.cli.common import UsageError


def workout_specs(args: argparse.Namespace) -> dict[str, ExerciseSpec] | None:
    """Every exercise's spec with ``--strictness``, ``--rule`` and the config file applied
    (None when none is given: the built-in specs). A ``--rule`` applies to every exercise
    that has the rule; one that no exercise has is an error, as for one exercise."""
    from posecheck.check.strictness import configured, default_config_path, parse_rule_args
    from posecheck.workout.activity import all_specs

    config = args.config if args.config else default_config_path()
    rules = list(args.rule or [])
    if not (args.strictness or rules or config):
        return None
    specs = all_specs()
    known = {r.code for spec in specs.values() for r in spec.rules}
    for code in parse_rule_args(rules):  # the form of every --rule, before any file
        if code not in known:
            raise UsageError(f"--rule {code}: no exercise has this rule (posecheck specs show)")
    out = {}
    for name, spec in specs.items():
        codes = {r.code for r in spec.rules}
        mine = [r for r in rules if r.partition("=")[0].partition(".")[0] in codes]
        out[name] = configured(spec, args.strictness, mine, config)
    return out


def analyze_workout_file(args: argparse.Namespace) -> int:
    """Run the workout analysis the command line asked for; print, write, exit code."""
    from posecheck.coach.routine import routine_for
    from posecheck.coach.routine_match import format_routine, routine_progress
    from posecheck.report.files import atomic_write_text, check_writable_dir, write_json
    from posecheck.report.workout import build_workout_report, format_workout
    from posecheck.report.workout_html import build_workout_html
    from posecheck.workout.sets import analyze_workout
    from posecheck.workout_api import poses_of, source_info

    if args.csv or args.video_out:
        raise UsageError(
            "--csv and --video-out are for one exercise; a workout (--exercise auto, "
            "--routine) writes --json and --html"
        )
    for path in (args.json, args.html):
        if path:
            check_writable_dir(path)
    routine = routine_for(args.routine) if args.routine else None  # a bad name fails first
    specs = workout_specs(args)  # so does a bad --rule
    frames, source = poses_of(
        args.video,
        model_variant=args.model_variant,
        pose_model=args.pose_model,
        workers=args.workers,
        people=args.people,
        progress=lambda m: print(m, file=sys.stderr),
    )
    if not any(f.pose is not None for f in frames):
        raise UsageError(f"{args.video}: nobody found in the file, nothing to recognise")
    workout = analyze_workout(frames, specs=specs)
    info = source_info(source, len(frames))
    report = build_workout_report(workout, info)
    if routine is not None:
        report["routine"] = routine_progress(routine, report)
    elif not workout.sets:
        reasons = "; ".join(c.recognition.reason for c in workout.other) or (
            "nobody exercising (standing, walking or away)"
        )
        raise UsageError(
            f"{args.video}: no exercise recognised: {reasons}; name it with --exercise NAME "
            "(posecheck specs list)"
        )
    if args.json:
        write_json(report, args.json)
    if args.html:
        page = build_workout_html(report)
        atomic_write_text(Path(args.html), lambda f: f.write(page))
    print(format_workout(report))
    if routine is not None:
        print(format_routine(report["routine"]))
    if args.json:
        print(f"Report: {args.json}", file=sys.stderr)
    return 0
