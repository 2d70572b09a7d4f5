"""Find the sets of a long recording: where some exercise goes on, and where it rests.

1. Every spec's checker runs over the whole recording (:mod:`posecheck.workout.activity`);
   the reps and holds they find (posture's aside) are the moments some exercise happens.
2. Those moments are joined into *candidate sets* where they lie less than
   :data:`MERGE_GAP_S` apart: a pause inside a set (standing between two squats, the
   camera cutting away) is shorter than that, a rest longer.
3. The recogniser names each candidate from its own poses. A candidate it calls "no
   exercise" is movement between sets, not a set.
4. Each named set is judged by its own checker (:mod:`posecheck.workout.sets`), and its
   edges become that checker's first rep or hold to its last, so another checker's stray
   rep at the edge (a dead hang timed as the pull-up bar is let go) does not stretch it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.pose.landmarks import PoseFrame
from posecheck.workout.activity import Activity, merge
from posecheck.workout.recognition import Recognition, Recognizer

#: Evidence this close together is one set. Measured: the longest pause between reps
#: inside one clip is 2.7 s (squat_front_side_a, standing between squats; 2.0 s between
#: walking lunges, 1.5 s between forward bends); a rest between sets is longer (people
#: rest half a minute or more; the synthetic sessions' shortest rest is 4 s).
MERGE_GAP_S = 3.0
#: Poses given to the recogniser beyond a candidate's edges, each side: the lead-in of
#: the first rep and the last rep's return, as a clip analysed alone has them.
RECOGNISE_PAD_S = 1.0


@dataclass(frozen=True, slots=True)
class SetSpan:
    """A stretch where some exercise happens, named (or not) by the recogniser."""

    start: float
    end: float
    recognition: Recognition
    #: how far the set may reach (half-way to its neighbours), seconds
    bounds: tuple[float, float] = (-np.inf, np.inf)


def candidates(activity: Activity) -> list[tuple[float, float]]:
    """The candidate sets: every exercise's evidence, joined across short pauses."""
    return merge(activity.union(), MERGE_GAP_S)


def frames_between(frames: Sequence[PoseFrame], a: float, b: float) -> list[PoseFrame]:
    """The frames with ``a <= t <= b``."""
    return [f for f in frames if a <= f.t <= b]


def find_sets(
    frames: Sequence[PoseFrame], activity: Activity, recognizer: Recognizer
) -> tuple[list[SetSpan], list[SetSpan]]:
    """The sets (named, or not sure) and the movements that are no exercise, in order."""
    spans = candidates(activity)
    sets: list[SetSpan] = []
    other: list[SetSpan] = []
    for k, (a, b) in enumerate(spans):
        lo = (spans[k - 1][1] + a) / 2 if k > 0 else -np.inf
        hi = (b + spans[k + 1][0]) / 2 if k + 1 < len(spans) else np.inf
        pad_a, pad_b = max(lo, a - RECOGNISE_PAD_S), min(hi, b + RECOGNISE_PAD_S)
        rec = recognizer(frames_between(frames, pad_a, pad_b))
        if rec.exercise is None and not rec.candidates:
            other.append(SetSpan(a, b, rec, (lo, hi)))
        else:
            sets.append(SetSpan(a, b, rec, (lo, hi)))
    return sets, other
