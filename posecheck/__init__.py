"""posecheck: a pose-checking exercise monitor.

MediaPipe pose landmarks (from a webcam, a video file or a saved recording) feed a
spec-driven checker that counts reps, times holds and raises form issues.

The public API (documented in :mod:`posecheck.api` and the README's "Python API")::

    import posecheck
    report = posecheck.analyze("clip.mp4", "lunge")      # or a .npz landmark recording
    report.rep_count, report.reps_by_side, report.issues, report.to_dict()

    checker = posecheck.Checker(posecheck.load_spec("plank"))
    for frame in posecheck.load_recording("plank.npz").frames():
        result = checker.update(frame)                    # events and the state shown

``import posecheck`` loads none of this: each name is imported on first use (the checker
pulls in NumPy, the estimator MediaPipe), so a program that only wants the version or
one submodule pays for nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from posecheck._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time, __getattr__ below
    from posecheck.api import (
        ERRORS,
        Checker,
        CheckerState,
        ExerciseSpec,
        FrameResult,
        HoldSegment,
        Issue,
        Landmark,
        ModelError,
        Notice,
        Pose,
        PoseFrame,
        Recording,
        RecordingError,
        Rep,
        Report,
        ReportError,
        SourceError,
        SpecError,
        StrictnessError,
        analyze,
        configure,
        exercises,
        load_recording,
        load_spec,
        model_path,
    )
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.workout_api import analyze_workout

#: public name -> the module that defines it (imported when the name is first used)
_LAZY: dict[str, str] = {
    "PoseEstimator": "posecheck.pose.estimator",
    "analyze_workout": "posecheck.workout_api",
    **dict.fromkeys(
        (
            "ERRORS",
            "Checker",
            "CheckerState",
            "ExerciseSpec",
            "FrameResult",
            "HoldSegment",
            "Issue",
            "Landmark",
            "ModelError",
            "Notice",
            "Pose",
            "PoseFrame",
            "Recording",
            "RecordingError",
            "Rep",
            "Report",
            "ReportError",
            "SourceError",
            "SpecError",
            "StrictnessError",
            "analyze",
            "configure",
            "exercises",
            "load_recording",
            "load_spec",
            "model_path",
        ),
        "posecheck.api",
    ),
}

__all__ = [
    "ERRORS",
    "Checker",
    "CheckerState",
    "ExerciseSpec",
    "FrameResult",
    "HoldSegment",
    "Issue",
    "Landmark",
    "ModelError",
    "Notice",
    "Pose",
    "PoseEstimator",
    "PoseFrame",
    "Recording",
    "RecordingError",
    "Rep",
    "Report",
    "ReportError",
    "SourceError",
    "SpecError",
    "StrictnessError",
    "__version__",
    "analyze",
    "analyze_workout",
    "configure",
    "exercises",
    "load_recording",
    "load_spec",
    "model_path",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'posecheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
