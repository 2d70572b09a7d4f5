"""``posecheck analyze`` and ``posecheck live`` (and ``record``): one runner for both.

Only the source and the sinks differ between analysing a file and coaching live; this
module picks them from the command line (workers, window or terminal, voice, session log,
set-up phase, HTML). ``analyze`` hands them to the public :func:`posecheck.analyze`, so a
program gets exactly what the command writes; ``live`` adds the set-up phase and runs
:func:`posecheck.pipeline.analyze` on one pose-model thread.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posecheck._version import __version__
from posecheck.check.specs import spec_for
from posecheck.cli.common import EXPECTED_ERRORS, UsageError
from posecheck.report.text import format_summary
from posecheck.sources.base import RecordingSource, Source
from posecheck.sources.open import open_source


def _check_outputs(args: argparse.Namespace) -> None:
    """Fail before hours of analysis, not after, when an output cannot be written."""
    from posecheck.report.files import check_writable_dir

    for path in (args.json, args.csv, args.video_out, args.html):
        if path:
            check_writable_dir(path)
    if args.video_out and Path(args.video_out).suffix.lower() != ".mp4":
        raise UsageError(f"--video-out {args.video_out}: must end in .mp4")


def _run(args: argparse.Namespace, source: Source, *, live: bool) -> int:
    from posecheck.api import analyze, configure, pose_input
    from posecheck.check.strictness import default_config_path
    from posecheck.coach.guidance import SetUp
    from posecheck.pipeline import analyze as run_live
    from posecheck.pose.models import resolve_model
    from posecheck.report.screen import EventLogSink, LiveWindowSink, ProgressSink
    from posecheck.report.sinks import AnnotatedVideoSink
    from posecheck.sources.webcam import Webcam

    spec = configure(
        args.exercise,
        args.strictness,
        args.rule,
        args.config if args.config else default_config_path(),
    )

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr)

    engine = None
    model = None
    estimator = None
    if live:
        from posecheck.coach.voice import pick_engine

        engine = pick_engine(args.voice, args.voice_to)  # a bad --voice-to fails here, early
        # One model thread, on the newest frame; none when the source brings its poses (a
        # recording, or --exercise auto's replay, whose watching model carries on).
        if not (isinstance(source, RecordingSource) or getattr(source, "gives_poses", False)):
            model = resolve_model(args.model_variant, args.pose_model, progress=progress)
            source, estimator = pose_input(source, model.path, args.people, 1)
    sinks: list = []
    if args.video_out:
        sinks.append(AnnotatedVideoSink(args.video_out, fps=float(source.fps or 30.0)))
    if args.html:
        from posecheck.report.html_sink import HtmlReportSink

        sinks.append(HtmlReportSink(args.html, spec))
    log = None
    if live:
        if not args.no_window:  # a webcam facing the person is shown as a mirror; a file as is
            camera = getattr(source, "inner", source)  # a webcam behind --exercise auto's replay
            mirror = isinstance(camera, Webcam) and not args.no_mirror
            sinks.append(LiveWindowSink("posecheck", mirror=mirror))
        if args.sessions_dir is not None:  # after the window: no display, no empty log
            from posecheck.coach.session_log import SessionLogSink

            log = SessionLogSink(args.sessions_dir)
            sinks.append(log)
        if args.no_window:  # after the log: a rep printed is a rep already on disk
            sinks.append(EventLogSink(sys.stdout))
        if engine is not None:
            from posecheck.coach.voice_sink import VoiceSink

            sinks.append(VoiceSink(engine, spec=spec))
        try:
            setup = SetUp(spec, args.countdown) if args.countdown > 0 else None
            report, result = run_live(
                source, spec, sinks, estimator, model, args.json, args.csv, setup=setup
            )
        finally:
            if estimator is not None:
                estimator.close()
        reason = result.reason
    else:  # the public API's run: what a program gets is what this command writes
        if not args.no_progress:
            sinks.append(ProgressSink(sys.stderr))
        done = analyze(
            source,
            spec,
            people=args.people,
            model_variant=args.model_variant,
            pose_model=args.pose_model,
            workers=_workers(args, source),
            full_rate=getattr(args, "full_rate", False),
            json_path=args.json,
            csv_path=args.csv,
            sinks=sinks,
            on_model_progress=progress,
        )
        report, reason = done.to_dict(), done.reason
    print(format_summary(report))
    if log is not None and log.path is not None:
        print(f"Session log: {log.path}")
    for warning in report["source"]["warnings"]:
        print(f"posecheck: note: {warning}", file=sys.stderr)
    if reason == "interrupted":
        print("posecheck: interrupted: the report is marked partial", file=sys.stderr)
        return 130
    return 0


def _workers(args: argparse.Namespace, source: Source) -> int:
    """Pose-model threads for a file: one when frames must stay whole and in order (an
    annotated video), else as :func:`posecheck.sources.parallel.worker_count` decides."""
    from posecheck.sources.parallel import worker_count

    if args.video_out and args.workers is None:
        return 1
    return worker_count(args.workers, source.frame_count)


def cmd_analyze(args: argparse.Namespace) -> int:
    from posecheck.cli.auto import AUTO

    if args.exercise is None and getattr(args, "routine", None) is None:
        raise UsageError(
            "give --exercise NAME, --exercise auto (a whole workout) or --routine NAME"
        )
    if getattr(args, "routine", None) is not None and args.exercise not in (None, AUTO):
        raise UsageError("--routine finds the exercises itself: drop --exercise")
    auto = args.exercise == AUTO or getattr(args, "routine", None) is not None
    if auto and (Path(args.video).is_dir() or getattr(args, "engine", "threads") == "ray"):
        raise UsageError(
            "--exercise auto works on one file (so does --routine); name the exercise for a folder"
        )
    if not auto:
        spec_for(args.exercise)  # unknown exercise: fail before opening anything
    if getattr(args, "engine", "threads") == "ray":
        return _analyze_on_ray(args)
    if args.address:
        raise UsageError("--address goes with --engine ray")
    if Path(args.video).is_dir():
        return _analyze_folder(args)
    _check_outputs(args)
    if args.video_out and Path(args.video).suffix.lower() == ".npz":
        raise UsageError(
            f"--video-out {args.video_out}: {args.video} is a landmark recording, with no "
            "pictures to draw on; give the video it was recorded from"
        )
    if auto:  # a whole workout: sets found, recognised, judged (posecheck.cli.workout)
        from posecheck.cli.workout import analyze_workout_file

        return analyze_workout_file(args)
    return _run(args, open_source(args.video), live=False)


def _analyze_folder(args: argparse.Namespace) -> int:
    """Every video in the folder: one report each and an index (see posecheck.report.batch)."""
    import json

    from posecheck.report.batch import run_batch, videos_in

    folder = Path(args.video)
    out_dir = Path(args.out_dir) if args.out_dir else folder / "posecheck-reports"
    files = videos_in(folder)
    if not files:
        raise UsageError(f"{folder}: no video files in this folder (looked for .mp4, .mov, ...)")
    if args.json or args.csv or args.video_out or args.html:
        raise UsageError(
            "with a folder, reports go to --out-dir; drop --json/--csv/--video-out/--html"
        )

    def one(f: Path, json_path: Path) -> tuple[dict, bool]:
        html_path = str(json_path.with_suffix(".html"))  # the index links each file's page
        sub = argparse.Namespace(
            **{**vars(args), "video": str(f), "json": str(json_path), "html": html_path}
        )
        print(f"== {f.name}", flush=True)
        _run(sub, open_source(f), live=False)
        return json.loads(json_path.read_text(encoding="utf-8")), True

    entries = run_batch(files, out_dir, one, EXPECTED_ERRORS)
    return _batch_outcome(entries, out_dir)


def _batch_outcome(entries: list, out_dir: Path) -> int:
    """Say which files failed and where the index is; exit 1 when any failed."""
    failed = [e for e in entries if e.error is not None]
    for e in failed:
        print(f"posecheck: {e.file}: {e.error}", file=sys.stderr)
    print(
        f"{len(entries) - len(failed)} of {len(entries)} files analysed; index: "
        f"{out_dir / 'index.html'}"
    )
    return 0 if not failed else 1


def _analyze_on_ray(args: argparse.Namespace) -> int:
    """A folder or a LIST.txt of videos on Ray (see posecheck.distributed)."""
    from posecheck.check.strictness import default_config_path
    from posecheck.distributed import (
        EngineError,
        VideoProgress,
        import_ray,
        run_ray_batch,
        videos_in_list,
    )
    from posecheck.report.batch import videos_in

    try:
        import_ray()
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    where = Path(args.video)
    if where.is_dir():
        files = videos_in(where)
        default_out = where / "posecheck-reports"
    elif where.suffix.lower() == ".txt" and where.is_file():
        files = videos_in_list(where)
        default_out = where.parent / "posecheck-reports"
    else:
        raise UsageError(f"--engine ray: {where} is not a folder or a LIST.txt of videos")
    if not files:
        raise UsageError(f"{where}: no video files (looked for .mp4, .mov, ...)")
    if args.json or args.csv or args.video_out or args.html:
        raise UsageError(
            "with --engine ray, reports go to --out-dir; drop --json/--csv/--video-out/--html"
        )
    out_dir = Path(args.out_dir) if args.out_dir else default_out
    options = {
        "exercise": args.exercise,
        "strictness": args.strictness,
        "rules": list(args.rule or ()),
        "config": args.config if args.config else default_config_path(),
        "people": args.people,
        "model_variant": args.model_variant,
        "pose_model": args.pose_model,
        "workers": args.workers,
        "full_rate": getattr(args, "full_rate", False),
    }
    try:
        entries = run_ray_batch(
            files,
            out_dir,
            options,
            address=args.address,
            num_cpus=args.workers,
            progress=None if args.no_progress else VideoProgress(sys.stderr),
        )
    except EngineError as exc:
        raise UsageError(str(exc)) from None
    return _batch_outcome(entries, out_dir)


def cmd_live(args: argparse.Namespace) -> int:
    from posecheck.cli.auto import AUTO, live_auto
    from posecheck.coach.session_log import check_sessions_dir, default_sessions_dir

    _check_outputs(args)
    if args.exercise != AUTO:
        spec_for(args.exercise)
    # Checked before the camera opens; None = no log.
    args.sessions_dir = (
        None
        if args.no_session_log
        else check_sessions_dir(args.sessions_dir or default_sessions_dir())
    )
    if args.exercise == AUTO:  # recognise first, then coach (posecheck.cli.auto)
        return live_auto(args, lambda named, source: _run(named, source, live=True))
    return _run(args, open_source(args.source, realtime=True), live=True)


def cmd_record(args: argparse.Namespace) -> int:
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.pose.models import resolve_model
    from posecheck.pose.recording import save_recording

    source = open_source(args.video)
    model = resolve_model(
        args.model_variant, args.pose_model, progress=lambda msg: print(msg, file=sys.stderr)
    )
    with PoseEstimator(model.path) as est:
        frames = [est.estimate(sf.image, sf.t, sf.index) for sf in source]
    source.close()
    save_recording(
        args.out,
        frames,
        fps=float(source.fps or 0.0),
        meta={
            "source": Path(args.video).name,
            "model_variant": model.variant,
            "model_sha256": model.sha256,
            "posecheck": __version__,
        },
    )
    found = sum(f.pose is not None for f in frames)
    print(f"{args.out}: {len(frames)} frames, {found} with a pose")
    return 0
