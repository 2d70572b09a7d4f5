"""Counting periodic motion (posecheck.check.cycles): the range-relative phase, the bout that must
show a rhythm before it counts, and jump rope counted through camera drift and a person
coming nearer the camera."""

from __future__ import annotations

import math

import numpy as np
import pytest
import synth
import synth_bar as sb
from checkrun import of, run

from posecheck.check.cycles import Bout, CycleRange
from posecheck.check.events import Rep
from posecheck.check.spec_model import Cycle, SpecError
from posecheck.check.specs import parse_spec, spec_for


def test_range_is_nan_without_motion_and_0_to_1_with_it() -> None:
    rng = np.random.default_rng(0)
    cr = CycleRange(Cycle(window_s=1.5, min_range=0.04))
    still = [cr(i / 30, 0.006 * rng.standard_normal()) for i in range(90)]
    assert all(math.isnan(u) for u in still[30:])  # jitter (sd 0.006, range ~0.03): no motion
    moving = [cr(3 + i / 30, 0.2 * math.sin(2 * math.pi * 2 * i / 30)) for i in range(90)]
    seen = [u for u in moving[30:] if not math.isnan(u)]
    assert len(seen) == 60 and min(seen) == pytest.approx(0, abs=0.05) and max(seen) == 1.0


def test_a_big_lead_in_does_not_hide_the_smaller_jumps_after_it() -> None:
    """Two jumps twice as high as the rest (as on jump_rope_front_b): the next peak still
    rises past 60 % of the recent range, because an old peak's weight fades with its age."""
    cr = CycleRange(Cycle(window_s=1.5, min_range=0.04))
    peaks = []
    for i in range(round(3.0 * 30)):
        t = i / 30
        height = 0.8 if t < 0.9 else 0.35
        u = cr(t, height * max(0.0, math.sin(2 * math.pi * t / 0.45)))
        if i % 3 == 0 and t > 0.9 and abs((t % 0.45) - 0.11) < 0.02:
            peaks.append(u)
    assert peaks and min(peaks) > 0.6


def test_bout_counts_only_a_rhythm_and_then_every_cycle() -> None:
    bout: Bout[int] = Bout(Cycle(confirm=3, max_gap_s=1.0))
    assert bout.take(1, 0.0, 0.2) == [] and bout.take(2, 0.45, 0.65) == []
    assert bout.take(3, 0.9, 1.1) == [1, 2, 3]  # the third in a row counts all three
    assert bout.take(4, 1.35, 1.55) == [4]
    assert bout.take(5, 3.0, 3.2) == []  # a pause of 1.45 s: a new bout must show its rhythm
    assert bout.take(6, 3.45, 3.65) == [] and bout.take(7, 3.9, 4.1) == [5, 6, 7]


def test_bout_ends_when_the_rhythm_breaks() -> None:
    """Stopping and walking off: a cycle 1.9 times the usual interval after the last starts
    a bout of its own, which must show three cycles again."""
    bout: Bout[int] = Bout(Cycle(confirm=3, max_gap_s=1.0))
    for k in range(5):
        bout.take(k, 0.45 * k, 0.45 * k + 0.2)
    assert bout.take(9, 0.45 * 4 + 0.85, 0.45 * 4 + 1.0) == []


def jumping_nearer(rate_hz: float = 2.3, height: float = 14.0) -> list:
    """Hops while the camera tilts (the picture drifts 120 px down over the set) and the
    person walks nearer (40 % bigger at the end): the feet's level wanders by far more than
    a hop."""

    def pose(t: float) -> sb.Key:
        key = sb.hopping(t, rate_hz, height, 1.0, 11.0)
        grow, drift = 1.0 + 0.04 * t, 12.0 * t
        return {
            k: (sb.CX + (x - sb.CX) * grow, 150 + (y - 150) * grow + drift)
            for k, (x, y) in key.items()
        }

    return synth.frames(sb.sampled(pose, 12.0), far_dx=0, noise_px=2.0, drop_every=6, h=1080)


def test_jump_rope_counts_through_drift_and_a_person_coming_nearer() -> None:
    checker, events = run("jump_rope", jumping_nearer())
    assert checker.reps in (22, 23)  # 2.3 a second for 10 s
    pace = checker.reps / checker.active_s * 60
    assert pace == pytest.approx(2.3 * 60, rel=0.1)
    peaks = [r.t_peak for r in of(events, Rep)]
    assert all(1.0 <= p <= 11.0 for p in peaks)


def test_march_counts_fast_high_knees_whose_knees_never_fully_come_down() -> None:
    """Running high knees at ~3.7 steps a second: one knee starts up before the other is
    down, so the higher knee never returns to standing between steps (as on
    high_knees_front_a, where it bottoms out 40-45 deg up). Each lift still counts, by side."""

    def pose(t: float) -> sb.Key:
        ph = 2 * math.pi * 1.85 * max(0.0, t - 1.0)
        right = 45 + 45 * math.sin(ph) if t >= 1.0 else 0.0
        left = 45 - 45 * math.sin(ph) if t >= 1.0 else 0.0
        return sb.march(max(0.0, right), max(0.0, left))

    frames = synth.frames(sb.sampled(pose, 7.0), far_dx=0, noise_px=2.0, drop_every=6)
    checker, _ = run("march", frames)
    steps = 2 * 1.85 * 6.0  # two lifts per cycle for 6 s
    assert abs(checker.reps - steps) <= 2
    assert abs(checker.reps_by_side["left"] - checker.reps_by_side["right"]) <= 1


def _cycle_spec(**cycle: object) -> dict:
    spec = {
        "name": "x",
        "title": "x",
        "source": "x",
        "view": "any",
        "kind": "reps",
        "visibility": {"parts": ["hip"]},
        "signals": {"hop": {"kind": "height", "points": ["hip", "knee"], "per": ["hip", "knee"]}},
        "position": {"require": {"hop": {"min": -5}}},
        "reps": {"signal": "hop", "direction": "up", "enter": 0.6, "exit": 0.35, "cycle": cycle},
    }
    return spec


def test_cycle_spec_reads_fractions_and_defaults() -> None:
    reps = parse_spec(_cycle_spec(min_range=0.1), "x.toml").reps
    assert reps is not None and reps.cycle == Cycle(window_s=1.5, min_range=0.1)
    assert spec_for("jump_rope").reps.cycle is not None  # type: ignore[union-attr]


def test_cycle_thresholds_must_be_fractions_of_the_range() -> None:
    data = _cycle_spec()
    data["reps"] |= {"enter": 1.5, "exit": 0.3}
    with pytest.raises(SpecError, match=r"x.toml: reps.enter: .*between 0 and 1"):
        parse_spec(data, "x.toml")
    data = _cycle_spec(windows_s=2)
    with pytest.raises(SpecError, match=r"reps\.cycle\.windows_s"):
        parse_spec(data, "x.toml")
