"""What the command-line modules share: the errors that end as one line, and the
options several commands take (model, people, strictness)."""

from __future__ import annotations

import argparse

from posecheck.check.specs import SpecError
from posecheck.check.strictness import StrictnessError
from posecheck.evaluate.accuracy import EvalError
from posecheck.pose.models import ModelError
from posecheck.pose.recording import RecordingError
from posecheck.report.files import ReportError
from posecheck.report.screen import DisplayError
from posecheck.sources.base import SourceError

#: Expected failures: printed as ``posecheck: error: ...`` with exit code 2.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
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


def add_model_args(p: argparse.ArgumentParser) -> None:
    """--pose-model and --model-variant, for every command that runs the model."""
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


def add_people_arg(p: argparse.ArgumentParser, default: int) -> None:
    """--people N: how many people the model looks for."""
    p.add_argument(
        "--people",
        type=_people,
        default=default,
        metavar="N",
        help=f"coach the one doing the exercise among up to N people (default: {default}); "
        "one person is tracked and others looked for every 2 s or when the tracked one "
        "jumps or is lost; while several are in the picture each extra person costs about "
        "60%% more pose-model time",
    )


def add_workers_arg(p: argparse.ArgumentParser, also_one: str = "") -> None:
    """--workers N: pose-model threads for a video file (``also_one``: when else the
    default is one thread, for this command)."""
    p.add_argument(
        "--workers",
        type=int,
        choices=(1, 2, 3, 4),
        help="pose-model threads for a video file (default: 2 on a multi-core machine, 1 "
        f"for a clip under 120 frames{also_one}); same reps and issues either way",
    )


def add_strictness_args(p: argparse.ArgumentParser) -> None:
    """--strictness, --rule and --config: how this user wants faults called."""
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
