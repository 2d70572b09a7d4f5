"""Command line: ``posecheck analyze | live | routine | history | record | specs | models | eval``.

Every expected failure (bad file, bad spec, no model, unwritable output) ends as one line
on stderr and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, cli_eval, cli_history, cli_models, cli_routine
from .evaluate import EvalError
from .models import ModelError
from .recording import RecordingError
from .report_files import ReportError
from .report_text import format_summary
from .sinks import DisplayError
from .sources import Source, SourceError, open_source
from .specs import SpecError, available, load_spec, spec_for
from .strictness import StrictnessError

EXPECTED_ERRORS = (
    SpecError,
    SourceError,
    ModelError,
    ReportError,
    RecordingError,
    DisplayError,
    EvalError,
    StrictnessError,
)


class UsageError(Exception):
    """A command-line mistake the user can fix."""


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--pose-model",
        metavar="PATH",
        help="pose_landmarker .task file (default: cached or built offline)",
    )
    p.add_argument(
        "--model-variant",
        choices=("lite", "full", "heavy"),
        default="full",
        help="model size when no --pose-model is given (default: full)",
    )


def _people(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 4:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 4, got {text!r}")
    return n


def _add_people_arg(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument(
        "--people",
        type=_people,
        default=default,
        metavar="N",
        help=f"look for up to N people and coach the one doing the exercise (default: "
        f"{default}; each extra person costs about 60%% more pose-model time)",
    )


def _add_strictness_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--strictness",
        choices=("lenient", "normal", "strict"),
        help="how readily faults are called (default: normal, or the config file's)",
    )
    p.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="CODE.KEY=VALUE",
        help="override one rule: hips_sagging.below=-0.08, trunk_leaning.for_s=2, "
        "trunk_leaning=off (repeatable)",
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="settings file (default: $POSECHECK_CONFIG or ~/.config/posecheck/config.toml)",
    )


def _add_output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH", help="write the JSON report here")
    p.add_argument("--csv", metavar="PATH", help="write the CSV event table here")
    p.add_argument("--video-out", metavar="PATH", help="write an annotated .mp4 here")
    p.add_argument(
        "--html",
        metavar="PATH",
        help="write a self-contained HTML report here (summary, signal plot, a picture of "
        "each issue, per-rep table)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecheck",
        description="Count reps, time holds and check exercise form from a camera or video.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    an = sub.add_parser("analyze", help="analyse a video file (or a landmark recording)")
    an.add_argument("video", help="video file, a .npz landmark recording, or a folder of them")
    an.add_argument(
        "--out-dir",
        metavar="DIR",
        help="for a folder: where the reports and index go (default: FOLDER/posecheck-reports)",
    )
    an.add_argument("--exercise", "-e", required=True, help="exercise name (posecheck specs list)")
    _add_output_args(an)
    _add_model_args(an)
    _add_people_arg(an, 1)
    _add_strictness_args(an)
    an.add_argument(
        "--workers",
        type=int,
        choices=(1, 2, 3, 4),
        help="pose-model threads for a video file (default: 2 on a multi-core machine, "
        "1 with --video-out or a clip under 300 frames); same reps and issues either way",
    )
    an.add_argument("--no-progress", action="store_true", help="no progress bar")
    an.set_defaults(func=cmd_analyze)

    lv = sub.add_parser("live", help="coach live from a webcam (or a file, in real time)")
    lv.add_argument("--exercise", "-e", required=True, help="exercise name (posecheck specs list)")
    lv.add_argument("--source", default="0", help="webcam index or video file (default: 0)")
    lv.add_argument(
        "--no-window", action="store_true", help="no window: print events to the terminal instead"
    )
    _add_output_args(lv)
    _add_model_args(lv)
    _add_people_arg(lv, 2)
    _add_strictness_args(lv)
    lv.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="speak counts and form cues aloud (espeak-ng; beeps without it; default: on)",
    )
    lv.add_argument(
        "--voice-to",
        metavar="FILE.wav",
        help="also write every spoken cue into one WAV file, each at its time in the session",
    )
    lv.add_argument("--no-mirror", action="store_true", help="show the webcam picture unmirrored")
    lv.add_argument(
        "--sessions-dir",
        metavar="DIR",
        help="where the session log goes (default: $POSECHECK_SESSIONS_DIR or "
        "~/.local/share/posecheck/sessions)",
    )
    lv.add_argument("--no-session-log", action="store_true", help="write no session log")
    lv.add_argument(
        "--countdown",
        type=float,
        default=3.0,
        metavar="S",
        help="camera set-up, then an S-second countdown before judging starts "
        "(default: 3; 0 = judge from the first frame)",
    )
    lv.set_defaults(func=cmd_live)

    rec = sub.add_parser("record", help="save a video's pose landmarks as a .npz recording")
    rec.add_argument("video")
    rec.add_argument("--out", "-o", required=True, help="output .npz path")
    _add_model_args(rec)
    rec.set_defaults(func=cmd_record)

    sp = sub.add_parser("specs", help="list, show or validate exercise specs")
    sp_sub = sp.add_subparsers(dest="specs_command", required=True, metavar="ACTION")
    sp_sub.add_parser("list", help="list known exercises").set_defaults(func=cmd_specs_list)
    show = sp_sub.add_parser("show", help="print one exercise's spec")
    show.add_argument("name")
    show.set_defaults(func=cmd_specs_show)
    val = sp_sub.add_parser("validate", help="validate spec files (default: all built-in)")
    val.add_argument("files", nargs="*")
    val.set_defaults(func=cmd_specs_validate)

    cli_models.register(sub)
    cli_eval.register(sub, _add_model_args)
    cli_history.register(sub)
    cli_routine.register(sub, _add_model_args)
    return parser


# ---- commands ------------------------------------------------------------------------------
def _check_outputs(args: argparse.Namespace) -> None:
    """Fail before hours of analysis, not after, when an output cannot be written."""
    from .report_files import check_writable_dir

    for path in (args.json, args.csv, args.video_out, args.html):
        if path:
            check_writable_dir(path)
    if args.video_out and Path(args.video_out).suffix.lower() != ".mp4":
        raise UsageError(f"--video-out {args.video_out}: must end in .mp4")


def _run(args: argparse.Namespace, source: Source, *, live: bool) -> int:
    from .estimator import PoseEstimator
    from .guidance import SetUp
    from .models import resolve_model
    from .pipeline import analyze
    from .sinks import AnnotatedVideoSink, EventLogSink, LiveWindowSink, ProgressSink
    from .strictness import configured, default_config_path
    from .webcam import Webcam

    spec = configured(
        spec_for(args.exercise),
        args.strictness,
        args.rule,
        args.config if args.config else default_config_path(),
    )
    engine = None
    if live:
        from .voice import pick_engine

        engine = pick_engine(args.voice, args.voice_to)  # a bad --voice-to fails here, early
    needs_model = not str(source.name).endswith(".npz")
    model = None
    estimator = None
    if needs_model:
        model = resolve_model(
            args.model_variant, args.pose_model, progress=lambda msg: print(msg, file=sys.stderr)
        )
        path, people = model.path, args.people
        workers = 1 if live else _workers(args, source)
        if workers > 1:  # the model on chunks in parallel; the checker still in order
            from .parallel import ParallelPoseSource

            source.close()
            source = ParallelPoseSource(
                args.video, lambda: PoseEstimator(path, num_poses=people), workers=workers
            )
        else:
            estimator = PoseEstimator(path, num_poses=people)
    sinks: list = []
    if args.video_out:
        sinks.append(AnnotatedVideoSink(args.video_out, fps=float(source.fps or 30.0)))
    if args.html:
        from .html_sink import HtmlReportSink

        sinks.append(HtmlReportSink(args.html, spec))
    log = None
    if live:
        if not args.no_window:  # a webcam facing the person is shown as a mirror; a file as is
            mirror = isinstance(source, Webcam) and not args.no_mirror
            sinks.append(LiveWindowSink("posecheck", mirror=mirror))
        if args.sessions_dir is not None:  # after the window: no display, no empty log
            from .session_log import SessionLogSink

            log = SessionLogSink(args.sessions_dir)
            sinks.append(log)
        if args.no_window:  # after the log: a rep printed is a rep already on disk
            sinks.append(EventLogSink(sys.stdout))
        if engine is not None:
            from .voice_sink import VoiceSink

            sinks.append(VoiceSink(engine, spec=spec))
    elif not args.no_progress:
        sinks.append(ProgressSink(sys.stderr))
    try:
        setup = SetUp(spec, args.countdown) if live and args.countdown > 0 else None
        report, result = analyze(
            source, spec, sinks, estimator, model, args.json, args.csv, setup=setup
        )
    finally:
        if estimator is not None:
            estimator.close()
    print(format_summary(report))
    if log is not None and log.path is not None:
        print(f"Session log: {log.path}")
    for warning in report["source"]["warnings"]:
        print(f"posecheck: note: {warning}", file=sys.stderr)
    if result.reason == "interrupted":
        print("posecheck: interrupted: the report is marked partial", file=sys.stderr)
        return 130
    return 0


def _workers(args: argparse.Namespace, source: Source) -> int:
    """How many pose-model threads for a file: both cores unless frames must stay whole
    and in order (an annotated video), or the file is too short to split."""
    if args.workers is not None:
        return int(args.workers)
    if args.video_out or (source.frame_count is not None and source.frame_count < 300):
        return 1
    return min(2, os.cpu_count() or 1)


def cmd_analyze(args: argparse.Namespace) -> int:
    spec_for(args.exercise)  # unknown exercise: fail before opening anything
    if Path(args.video).is_dir():
        return _analyze_folder(args)
    _check_outputs(args)
    return _run(args, open_source(args.video), live=False)


def _analyze_folder(args: argparse.Namespace) -> int:
    """Every video in the folder: one report each and an index (see posecheck.batch)."""
    import json

    from .batch import run_batch, videos_in

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
    failed = [e for e in entries if e.error is not None]
    for e in failed:
        print(f"posecheck: {e.file}: {e.error}", file=sys.stderr)
    print(
        f"{len(entries) - len(failed)} of {len(entries)} files analysed; index: "
        f"{out_dir / 'index.html'}"
    )
    return 0 if not failed else 1


def cmd_live(args: argparse.Namespace) -> int:
    from .session_log import check_sessions_dir, default_sessions_dir

    _check_outputs(args)
    spec_for(args.exercise)
    # Checked before the camera opens; None = no log.
    args.sessions_dir = (
        None
        if args.no_session_log
        else check_sessions_dir(args.sessions_dir or default_sessions_dir())
    )
    return _run(args, open_source(args.source, realtime=True), live=True)


def cmd_record(args: argparse.Namespace) -> int:
    from .estimator import PoseEstimator
    from .models import resolve_model
    from .recording import save_recording

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


def cmd_specs_list(args: argparse.Namespace) -> int:
    for name in available():
        spec = spec_for(name)
        what = "reps per side" if spec.per_side else ("reps" if spec.kind == "reps" else "hold")
        n = len(spec.rules)
        print(f"{name:28s} {spec.title} ({what}; {n} form rule{'' if n == 1 else 's'})")
    return 0


def cmd_specs_show(args: argparse.Namespace) -> int:
    spec = spec_for(args.name)
    from .specs import SPECS_DIR

    print((SPECS_DIR / spec.file).read_text(encoding="utf-8"), end="")
    return 0


def cmd_specs_validate(args: argparse.Namespace) -> int:
    from .specs import SPECS_DIR

    files = [Path(f) for f in args.files] or sorted(SPECS_DIR.glob("*.toml"))
    bad = 0
    for f in files:
        try:
            spec = load_spec(f)
        except SpecError as exc:
            bad += 1
            print(f"INVALID {exc}", file=sys.stderr)
        else:
            print(
                f"ok      {f}: {spec.title}, {len(spec.signals)} signals, {len(spec.rules)} rules"
            )
    return 1 if bad else 0


def _hide_native_stderr() -> None:
    """Send what native libraries write to file descriptor 2 to /dev/null, keep Python's.

    MediaPipe (glog, TFLite) and FFmpeg print warnings straight to fd 2 at moments we do
    not control ("moov atom not found", "Using NORM_RECT without IMAGE_DIMENSIONS ...").
    They are not for users: posecheck reports its own one-line errors. Python's
    sys.stderr is re-opened on a copy of the real fd 2, so progress and errors still show.
    ``--debug`` or POSECHECK_NATIVE_LOGS=1 keeps the native logs.
    """
    try:
        sys.stderr.flush()
        real = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(real, "w", buffering=1, encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None and not args.debug and os.environ.get("POSECHECK_NATIVE_LOGS") != "1":
        _hide_native_stderr()  # only as a program: never rewire a host's fds when embedded
    try:
        return int(args.func(args) or 0)
    except (*EXPECTED_ERRORS, UsageError) as exc:
        if args.debug:
            raise
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("posecheck: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
