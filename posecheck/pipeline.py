"""The one loop: source -> (estimator) -> checker -> sinks. `analyze` and `live` both use it.

Only the ends differ between live coaching and file analysis, so a behaviour seen in a
report is the behaviour a person gets in front of the camera.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from posecheck.check.checker import Checker
from posecheck.check.events import FrameResult, Notice
from posecheck.check.frame_rate import FrameRateMonitor
from posecheck.check.people import PersonSelector
from posecheck.check.specs import ExerciseSpec
from posecheck.coach.guidance import SetUp
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.builder import SessionInfo
from posecheck.report.sinks import ReportSink, Sink
from posecheck.sources.base import Source


class Estimator(Protocol):
    """What the pipeline needs of a pose estimator (posecheck.pose.estimator.PoseEstimator)."""

    def estimate(self, image_bgr: np.ndarray, t: float, index: int) -> PoseFrame: ...


@dataclass(frozen=True, slots=True)
class RunResult:
    frames: int
    partial: bool
    reason: str | None  # why the run ended early: "interrupted", "stopped", "source lost"


def run(
    source: Source,
    checker: Checker,
    sinks: Sequence[Sink],
    estimator: Estimator | None = None,
    on_frame: Callable[[PoseFrame, FrameResult], None] | None = None,
    setup: SetUp | None = None,
) -> RunResult:
    """Drive every frame of ``source`` through the checker into the sinks.

    With ``setup`` (live), frames first go through the set-up phase (camera placement,
    countdown): the sinks get its message as the cue and the checker sees nothing yet.

    The frame rate judged at is watched (posecheck.check.frame_rate): when it falls below what
    the exercise needs, a notice goes with that frame's events, a note into its state
    for the window, and a line into the source's warnings at the end.

    Ctrl-C ends the run as *partial*, never as a crash: what was measured up to then is
    still handed to the sinks, which write it (marked partial) on close.
    """
    frames = 0
    people = PersonSelector(checker.spec)
    rate = FrameRateMonitor(checker.spec)
    reason: str | None = None
    failure: BaseException | None = None
    try:
        for sf in source:
            frame = sf.pose_frame
            if frame is None:
                if estimator is None:
                    raise ValueError(f"{source.name}: frames need a pose estimator")
                frame = estimator.estimate(sf.image, sf.t, sf.index)
            frame = people.select(frame)
            message = setup.update(frame) if setup is not None else None
            if message is not None:
                state = replace(checker.state(), t=frame.t, phase="setup", cue=message)
                result = FrameResult((), state)
            else:
                result = checker.update(frame)
            notice = rate.update(frame.t)
            if notice is not None or rate.note is not None:
                result = _with_rate(result, notice, rate.note)
            frames += 1
            for sink in sinks:
                sink.on_frame(sf.image, frame, result)
            if on_frame is not None:
                on_frame(frame, result)
            if any(sink.stop_requested for sink in sinks):
                reason = "stopped"
                break
    except KeyboardInterrupt:
        reason = "interrupted"
    except Exception as exc:  # keep what was measured, mark it partial, then re-raise
        reason, failure = "failed", exc
    finally:
        source.close()
    if reason is None and getattr(source, "lost", False):
        reason = "source lost"
    if reason is None and getattr(source, "truncated", False):
        reason = "source truncated"
    dropped, warnings = int(getattr(source, "dropped", 0)), list(getattr(source, "warnings", []))
    model_frames = getattr(source, "model_frames", None)  # the adaptive rate's count
    if model_frames is not None and getattr(source, "stride", 1) > 1:
        for sink in sinks:
            if isinstance(sink, ReportSink) and sink.builder is not None:
                sink.builder.model_frames = int(model_frames)
    slow = rate.summary()
    if slow is not None:
        warnings.append(f"{source.name}: {slow}")
    for sink in sinks:
        sink.on_source_end(dropped, warnings)
    tail = checker.finish()
    if frames:
        for sink in sinks:
            sink.on_events(tail)
    partial = reason in ("interrupted", "failed", "source lost", "source truncated")
    for sink in sinks:
        sink.close(partial)
    if failure is not None:
        raise failure
    return RunResult(frames, partial, reason)


def _with_rate(result: FrameResult, notice: Notice | None, note: str | None) -> FrameResult:
    """The frame's result with the frame-rate watch's notice and window note added."""
    events = result.events if notice is None else (*result.events, notice)
    return FrameResult(events, replace(result.state, frame_rate_note=note))


def session_info(source: Source, spec: ExerciseSpec, model: Any = None) -> SessionInfo:
    """What the sinks are told about a session before its first frame."""
    return SessionInfo(
        exercise=spec.name,
        title=spec.title,
        kind="alternating_reps" if spec.per_side else spec.kind,
        source=str(source.name),
        fps=float(source.fps or 0.0),
        frame_count=source.frame_count,
        size=source.size,
        is_live=source.is_live,
        model_variant=getattr(model, "variant", None),
        model_sha256=getattr(model, "sha256", None),
        targets=dict(spec.targets),
        side_label=spec.reps.side_label if spec.reps is not None else None,
        view=spec.view,
    )


def analyze(
    source: Source,
    spec: ExerciseSpec,
    sinks: Sequence[Sink] = (),
    estimator: Estimator | None = None,
    model: Any = None,
    json_path: str | None = None,
    csv_path: str | None = None,
    setup: SetUp | None = None,
) -> tuple[dict[str, Any], RunResult]:
    """Run a whole source and return its report (and how the run ended)."""
    report_sink = ReportSink(json_path, csv_path)
    all_sinks = [report_sink, *sinks]
    info = session_info(source, spec, model)
    for sink in all_sinks:
        sink.open(info)
    result = run(source, Checker(spec), all_sinks, estimator, setup=setup)
    assert report_sink.report is not None
    return report_sink.report, result
