"""``posecheck live --exercise auto``: watch until the exercise is recognised, then coach
it from the first frame watched; and the poses of a file, computed once, for
``analyze --exercise auto`` (a whole workout: :mod:`posecheck.cli.workout`).

When recognition is not sure, nothing is coached: the command says so in one line with
the candidates and how to name the exercise (exit code 2, as for any input posecheck
cannot judge). A session under a guessed name would be read as a real one; the user
knows in a second which of two candidates it is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from posecheck.cli.common import UsageError
from posecheck.sources.base import RecordingSource, Source, SourceFrame
from posecheck.sources.open import open_source
from posecheck.workout.recognition import Recognition
from posecheck.workout_api import pose_of

AUTO = "auto"


def describe(rec: Recognition) -> str:
    """One line for the terminal: what was recognised and why."""
    if rec.exercise is not None:
        return f"Recognised: {rec.exercise} (confidence {rec.confidence:.2f}; {rec.reason})"
    return f"Not recognised: {rec.label()}"


def not_sure_error(path: str, rec: Recognition) -> UsageError:
    """The one-line error when recognition does not name an exercise."""
    if rec.candidates:
        return UsageError(
            f"{path}: not sure which exercise this is: {rec.reason}; name it with --exercise NAME"
        )
    return UsageError(
        f"{path}: no exercise recognised: {rec.reason}; name it with --exercise NAME "
        "(posecheck specs list)"
    )


# ---- live ------------------------------------------------------------------------------------
#: Live: recognition is tried every this many seconds of the camera's time once someone is
#: in view (a try costs ~1-3 ms a buffered frame: well under a second for the window) ...
LIVE_RETRY_S = 2.0
#: ... on the last this many seconds (the set's first reps; what came before is set-up) ...
LIVE_WINDOW_S = 10.0
#: ... and given up after this long without a name: the user is asked to name it.
LIVE_GIVE_UP_S = 60.0
#: Live names an exercise on 2 reps or 2 s held, not on one: walking into view dips like a
#: lunge once, and a set shows its second rep within seconds.
LIVE_MIN_REPS, LIVE_MIN_HOLD_S = 2, 2.0


def _enough(rec: Recognition) -> bool:
    best = rec.candidates[0] if rec.candidates else None
    return (
        rec.exercise is not None
        and best is not None
        and (best.reps >= LIVE_MIN_REPS or best.hold_s >= LIVE_MIN_HOLD_S)
    )


class _Replay:
    """A live source whose first frames were already read (and their poses found) while
    the exercise was recognised: those again, then the rest of the source, whose poses the
    same estimator keeps finding (``gives_poses``: the run needs no model of its own, so
    no frame is lost to starting one, and tracking carries on unbroken)."""

    gives_poses = True

    def __init__(
        self,
        inner: Source,
        done: list[SourceFrame],
        rest: Iterator[SourceFrame],
        estimator: Any = None,
    ):
        self.inner, self._done, self._rest, self._estimator = inner, done, rest, estimator

    def __getattr__(self, name: str) -> Any:  # name, fps, size, lost, warnings, dropped...
        return getattr(self.inner, name)

    def __iter__(self) -> Iterator[SourceFrame]:
        yield from self._done
        for sf in self._rest:
            yield SourceFrame(sf.index, sf.t, sf.image, pose_of(sf, self._estimator))

    def close(self) -> None:
        self.inner.close()
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


class _RecordingReplay(_Replay, RecordingSource):
    """The same over a landmark recording: still a recording (no pose model needed)."""


def live_auto(args: argparse.Namespace, run: Callable[[argparse.Namespace, Source], int]) -> int:
    """Watch until the exercise is recognised, then coach it from the first frame watched:
    the frames seen so far are replayed into the named exercise's checker."""
    from posecheck.api import pose_input
    from posecheck.pose.models import resolve_model
    from posecheck.workout.recognize import recognize

    source = open_source(args.source, realtime=True)
    estimator = None
    if not isinstance(source, RecordingSource):
        model = resolve_model(
            args.model_variant, args.pose_model, progress=lambda m: print(m, file=sys.stderr)
        )
        source, estimator = pose_input(source, model.path, args.people, 1)
    print("Watching to recognise the exercise: start your set", file=sys.stderr)
    done: list[SourceFrame] = []
    rest = iter(source)
    rec: Recognition | None = None
    next_try: float | None = None
    # A try runs on its own thread: the camera's frames keep being read and their poses
    # found meanwhile (the model releases the GIL), so none is lost to a try and the
    # replay into the named checker has every frame (a try in the loop dropped ~0.5 s of
    # frames each time, steps of high knees among them).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posecheck-recognise")
    trying: Future[Recognition] | None = None
    try:
        for sf in rest:
            pf = pose_of(sf, estimator)
            done.append(SourceFrame(sf.index, sf.t, None, pf))
            if trying is not None and trying.done():
                rec, trying = trying.result(), None
                if _enough(rec):
                    break
                next_try = sf.t + LIVE_RETRY_S
            if next_try is None and pf.pose is not None:
                next_try = sf.t + LIVE_RETRY_S
            if trying is None and next_try is not None and sf.t >= next_try:
                window = [f.pose_frame for f in done if f.t >= sf.t - LIVE_WINDOW_S]
                trying, next_try = pool.submit(recognize, window), float("inf")
            if sf.t - done[0].t > LIVE_GIVE_UP_S:
                break
        else:  # the source ended: the try under way still counts
            if trying is not None:
                rec = trying.result()
    except BaseException:
        if estimator is not None:
            estimator.close()
        raise
    finally:
        pool.shutdown(wait=True)
    if rec is None or not _enough(rec):
        source.close()
        if estimator is not None:
            estimator.close()
        if rec is None:
            raise UsageError(f"{args.source}: ended before anything could be recognised")
        raise not_sure_error(args.source, rec)
    print(describe(rec), file=sys.stderr)
    named = argparse.Namespace(**{**vars(args), "exercise": rec.exercise, "countdown": 0})
    kind = _RecordingReplay if isinstance(source, RecordingSource) else _Replay
    return run(named, kind(source, done, rest, estimator))  # type: ignore[arg-type]
