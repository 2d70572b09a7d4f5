"""Command line: ``posecheck analyze | live | routine | history | record | specs | models | eval``.

Every expected failure (bad file, bad spec, no model, unwritable output) ends as one line
on stderr and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from posecheck._version import __version__
from posecheck.cli import evaluate, history, models, routine, specs
from posecheck.cli.common import (
    EXPECTED_ERRORS,
    UsageError,
    add_model_args,
    add_people_arg,
    add_strictness_args,
    add_workers_arg,
)
from posecheck.cli.session import cmd_analyze, cmd_live, cmd_record


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
    an.add_argument(
        "--exercise",
        "-e",
        help="exercise name (posecheck specs list), or auto: a whole workout (one file): "
        "find the sets, recognise each, one report with a section per set",
    )
    an.add_argument(
        "--routine",
        metavar="NAME",
        help="a whole workout done as a routine (posecheck routine --list): the sets "
        "matched to its steps in order, each step's progress against its target",
    )
    _add_output_args(an)
    add_model_args(an)
    add_people_arg(an, 1)
    add_strictness_args(an)
    add_workers_arg(an, " or with --video-out")
    an.add_argument(
        "--full-rate",
        action="store_true",
        help="run the pose model on every frame (default: fewer frames where motion "
        "allows, with the same answers; docs/frame-rate-agreement.md)",
    )
    an.add_argument("--no-progress", action="store_true", help="no progress bar")
    an.add_argument(
        "--engine",
        choices=("threads", "ray"),
        default="threads",
        help="for a folder or a LIST.txt of videos: ray = one task per video on a Ray "
        "cluster (pip install 'posecheck[ray]'; docs/distributed.md)",
    )
    an.add_argument(
        "--address",
        metavar="ADDR",
        help="with --engine ray: the cluster to join (default: start a local one with "
        "--workers CPUs, else all of them)",
    )
    an.set_defaults(func=cmd_analyze)

    lv = sub.add_parser("live", help="coach live from a webcam (or a file, in real time)")
    lv.add_argument(
        "--exercise",
        "-e",
        required=True,
        help="exercise name (posecheck specs list), or auto: recognise it from your first reps",
    )
    lv.add_argument("--source", default="0", help="webcam index or video file (default: 0)")
    lv.add_argument(
        "--no-window", action="store_true", help="no window: print events to the terminal instead"
    )
    _add_output_args(lv)
    add_model_args(lv)
    add_people_arg(lv, 2)
    add_strictness_args(lv)
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
    add_model_args(rec)
    rec.set_defaults(func=cmd_record)

    specs.register(sub)
    models.register(sub)
    evaluate.register(sub, add_model_args)
    history.register(sub)
    routine.register(sub)
    return parser


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
