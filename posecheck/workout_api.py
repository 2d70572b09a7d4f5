"""The public Python API for a whole workout: a file (video or landmark recording) in, the
report of ``posecheck analyze FILE --exercise auto`` out, as a dict, key for key.

Kept beside :mod:`posecheck.api` (one exercise) rather than in it: a workout needs no
exercise name, runs the model once over the file at every frame (which frames matter
depends on the exercise, not yet known), and judges the sets from those poses. The command
line calls :func:`analyze_workout` too, so the two cannot drift.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from posecheck.api import pose_input
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.models import resolve_model
from posecheck.pose.recording import Recording
from posecheck.sources.base import RecordingSource, Source, SourceFrame
from posecheck.sources.open import open_source

PathLike = str | os.PathLike[str]


def pose_of(sf: SourceFrame, estimator: Any) -> PoseFrame:
    """A source frame's pose: the one it carries (a recording, the parallel reader), else
    the model's on its picture."""
    if sf.pose_frame is not None:
        return sf.pose_frame
    assert estimator is not None
    return estimator.estimate(sf.image, sf.t, sf.index)


def poses_of(
    path: PathLike | Recording,
    *,
    model_variant: str = "full",
    pose_model: PathLike | None = None,
    workers: int | None = None,
    people: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[PoseFrame], Source]:
    """Every frame's pose of the file (the model runs here for a video, at every frame, on
    ``workers`` threads), and the source they came from (closed), for its name, rate and
    size."""
    source: Source = (
        RecordingSource(path) if isinstance(path, Recording) else open_source(os.fspath(path))
    )
    if isinstance(source, RecordingSource):
        return list(source.recording.frames()), source
    model = resolve_model(model_variant, pose_model, progress=progress)
    first = source
    src, estimator = pose_input(source, model.path, people, workers)
    try:
        frames = [pose_of(sf, estimator) for sf in src]
    finally:
        src.close()
        if estimator is not None:
            estimator.close()
    return frames, first


def source_info(source: Source, frames: int) -> dict[str, Any]:
    """The report's ``source`` section for a workout."""
    return {
        "name": str(source.name),
        "fps": float(source.fps or 0.0),
        "frames": frames,
        "width": source.size[0] if source.size else None,
        "height": source.size[1] if source.size else None,
    }


def analyze_workout(
    path: PathLike | Recording,
    *,
    routine: str | None = None,
    specs: Mapping[str, ExerciseSpec] | None = None,
    model_variant: str = "full",
    pose_model: PathLike | None = None,
    workers: int | None = None,
    people: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The sets of a whole workout, each recognised and judged alone, as the report dict
    ``analyze --exercise auto --json`` writes (``sets``, ``totals``, ``summary``, and
    ``routine`` with each step's progress when ``routine`` names one: ``thigh``, ``back``).

    ``specs``: configured specs by name (a strictness, rule overrides); default the
    built-in ones. Raises the one-line errors of :data:`posecheck.api.ERRORS` (and
    ``RoutineError`` for an unknown routine) for input a person can fix.
    """
    from posecheck.coach.routine import routine_for
    from posecheck.coach.routine_match import routine_progress
    from posecheck.report.workout import build_workout_report
    from posecheck.workout.sets import analyze_workout as find_and_judge

    chosen = routine_for(routine) if routine else None  # a bad name fails before the model
    frames, source = poses_of(
        path,
        model_variant=model_variant,
        pose_model=pose_model,
        workers=workers,
        people=people,
        progress=progress,
    )
    workout = find_and_judge(frames, specs=specs)
    report = build_workout_report(workout, source_info(source, len(frames)))
    if chosen is not None:
        report["routine"] = routine_progress(chosen, report)
    return report
