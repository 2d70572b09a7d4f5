"""Run a spec's checker over frames and pick events by type: what every exercise test does."""

from __future__ import annotations

from posecheck.check.checker import Checker
from posecheck.check.specs import spec_for
from posecheck.pose.landmarks import PoseFrame


def run(name: str, frames: list[PoseFrame]) -> tuple[Checker, list]:
    """The checker after the frames, and every event it gave (including finish())."""
    checker = Checker(spec_for(name))
    events = []
    for f in frames:
        events.extend(checker.update(f).events)
    events.extend(checker.finish())
    return checker, events


def of(events: list, kind: type) -> list:
    """The events of one type, in order."""
    return [e for e in events if isinstance(e, kind)]
