"""How many frames a second each exercise needs to be judged, and a watch on the rate.

The checker works from timestamps, so it copes with dropped frames, but only up to a
point: a rep whose active phase (the counting signal past its threshold) is seen in one
or two frames may be missed or mistimed. The rule used here: at least
:data:`SAMPLES_PER_PHASE` frames in the shortest active phase of the movement, and never
less than :data:`REP_FLOOR_FPS`, the lowest rate at which every recorded rep exercise is
replayed in tests/test_frame_rate.py and counts as at full rate. Holds change slowly:
:data:`HOLD_FPS` keeps frames closer together than the 0.3 s a continuous fault must be
absent before it ends (posecheck.check.checker), and hold times measured at 5 fps on the
recordings stay within two frame intervals (0.4 s) of full rate.

:class:`FrameRateMonitor` measures the rate the pipeline actually judges at (frames per
second of source time, over the last few seconds) and says when it falls below the need:
a notice event (the report, the terminal log), a note in the checker state (the live
window) and a summary warning at the end.
"""

from __future__ import annotations

import math
from collections import deque

from posecheck.check.events import Notice, format_time
from posecheck.check.spec_model import ExerciseSpec

SAMPLES_PER_PHASE = 4
REP_FLOOR_FPS = 10
HOLD_FPS = 5

#: exercise -> (shortest active phase in seconds, where that figure comes from). Measured
#: with the full model on the shared clips where there is one (``posecheck analyze
#: --json``: the shortest rep ``t_end - t_start``), else from the movement as described.
SHORTEST_PHASE_S: dict[str, tuple[float, str]] = {
    "jump_rope": (0.2, "2.2 jumps/s on jump_rope_front_b; the feet are off the floor ~0.2 s"),
    "march": (0.2, "high knees on high_knees_front_a: a lift every 0.28 s, a knee up 0.20 s"),
    "step_over_jump": (0.2, "a jump over a line, as quick as a rope jump: ~0.2 s in the air"),
    "plank_knee_drive": (0.33, "mountain climbers on plank_knee_drive_side_a: 0.33 s"),
    "squat": (0.4, "squat_trunk_lean_side_a (a sped-up clip): 0.40 s; others 1.3 s and more"),
    "shrug": (0.5, "shoulders up and down: about half a second"),
    "lunge": (0.58, "lunge_alternating_side_a: 0.58 s; walking lunges 2 s"),
    "push_up": (0.77, "pushup_side_a: 0.77 s"),
    "cross_toe_touch": (0.8, "a bend to the opposite toe and back: about a second"),
    "side_stretch": (0.8, "a slow lean to one side: a second or more"),
    "pull_up": (0.9, "pull_up_side_a: 0.9 s from hang to the top"),
    "bent_over_row": (1.25, "dumbbell_row_cgi_side: 1.25 s"),
    "single_leg_glute_bridge": (1.27, "single_leg_bridge_side_portrait_a: 1.27 s"),
    "straight_leg_glute_bridge": (1.27, "as the single-leg bridge"),
    "forward_bend": (1.5, "forward_bend_crossed_oblique_a: folds over 1.5 s and holds"),
    "loaded_forward_bend": (1.5, "as the forward bend"),
    "donkey_kick": (1.9, "donkey_kick_side_a: 1.9 s"),
    "glute_bridge": (2.1, "glute_bridge_side_portrait_a: 2.1 s"),
    "straddle_stretch": (2.0, "a slow reach held for seconds"),
}


def needed_fps(spec: ExerciseSpec) -> int:
    """Frames a second this exercise needs to be judged (see the module docstring)."""
    if spec.reps is None:
        return HOLD_FPS
    known = SHORTEST_PHASE_S.get(spec.name)
    # A spec of one's own: its own shortest countable phase stands in for the movement.
    phase = known[0] if known is not None else max(spec.reps.min_active_s, 0.1)
    return max(REP_FLOOR_FPS, math.ceil(SAMPLES_PER_PHASE / phase - 1e-9))


class FrameRateMonitor:
    """Feed it every judged frame's time; it says when the rate is too low to judge.

    The rate is frames per second of source time over the last ``window_s`` (so a webcam
    measures real time and a paced file its own clock). It becomes low below the need and
    good again at ``recover`` times the need, so a rate hovering at the limit does not
    flood the log with notices.
    """

    def __init__(self, spec: ExerciseSpec, window_s: float = 3.0, recover: float = 1.1) -> None:
        self.needed = needed_fps(spec)
        self.title = spec.title
        self.window_s = window_s
        self.recover = recover
        self._times: deque[float] = deque()
        self._first: float | None = None
        self.low = False
        self.note: str | None = None  # shown in the live window while the rate is low
        self.low_s = 0.0  # time spent below the need
        self.lowest = math.inf
        self._low_t = 0.0

    def update(self, t: float) -> Notice | None:
        """Record a frame judged at source time ``t``; a notice when the state changes."""
        times = self._times
        times.append(t)
        if self._first is None:
            self._first = t
        while t - times[0] > self.window_s:
            times.popleft()
        if self.low:
            self.low_s += t - self._low_t
            self._low_t = t
        if t - self._first < self.window_s:
            return None  # not a whole window yet
        span = t - times[0]
        rate = (len(times) - 1) / span if span > 0 else 0.0
        if self.low:
            self.lowest = min(self.lowest, rate)
            if rate >= self.needed * self.recover:
                self.low, self.note = False, None
                return Notice("frame_rate_ok", f"Frame rate back to {rate:.1f} fps", t)
            self.note = self._note(rate)
            return None
        if rate >= self.needed:
            return None
        self.low, self._low_t, self.lowest = True, t, min(self.lowest, rate)
        self.note = self._note(rate)
        return Notice(
            "low_frame_rate",
            f"Frame rate {rate:.1f} fps, below the {self.needed} fps {self.title} needs: "
            "reps and faults may be missed (close other programs, or try --model-variant "
            "lite)",
            t,
        )

    def _note(self, rate: float) -> str:
        return f"low frame rate: {rate:.1f} fps, needs {self.needed}"

    def summary(self) -> str | None:
        """One line for the end of the session when the rate was ever too low."""
        if self.lowest == math.inf:
            return None
        return (
            f"frame rate below the {self.needed} fps {self.title} needs for "
            f"{format_time(self.low_s)} (lowest {self.lowest:.1f} fps): reps and faults "
            "there may have been missed"
        )
