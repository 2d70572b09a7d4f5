"""A rep's peak time is the middle of its top (or bottom), not its noisiest sample.

Logic on hand-made rep traces (posecheck.check.rep_metrics.peak_time); that it makes the
adaptive frame rate and the full rate agree on the real clips is in
docs/frame-rate-agreement.md and tests/test_adaptive_rate.py.
"""

from __future__ import annotations

from posecheck.check.rep_metrics import PEAK_SHARE, RepTrack, peak_time


def track(samples: list[tuple[float, float]], direction: str = "down") -> RepTrack:
    """A finished rep over ``samples`` (the first opens it, the rest are its trace)."""
    (t0, v0), *rest = samples
    rep = RepTrack(t0, t0, v0, {}, None, trace=list(rest))
    for t, v in rest:
        if (v < rep.peak_v) if direction == "down" else (v > rep.peak_v):
            rep.peak_t, rep.peak_v = t, v
    return rep


def test_a_sharp_bottom_is_its_own_sample() -> None:
    # Knee angle 150 -> 90 -> 150 in steps of 20: only the bottom sample is near it.
    rep = track([(0.0, 150), (0.1, 130), (0.2, 110), (0.3, 90), (0.4, 110), (0.5, 130)])
    assert peak_time(rep, 150) == 0.3


def test_a_held_bottom_peaks_in_its_middle_whatever_sample_the_noise_made_deepest() -> None:
    # Down to ~90, held 0.4 s with +-2 deg of noise (well inside a quarter of the
    # 60 deg travel), up again: the deepest sample is at the start of the hold.
    hold = [(0.3, 89.0), (0.4, 91.5), (0.5, 90.5), (0.6, 91.0), (0.7, 91.0)]
    rep = track([(0.0, 150), (0.1, 130), (0.2, 110), *hold, (0.8, 110), (0.9, 130)])
    assert rep.peak_t == 0.3
    assert peak_time(rep, 150) == 0.5  # the hold is 0.3..0.7
    # The same hold with its deepest sample at its end: the same middle.
    hold[0], hold[-1] = (0.3, 91.0), (0.7, 89.0)
    rep = track([(0.0, 150), (0.1, 130), (0.2, 110), *hold, (0.8, 110), (0.9, 130)])
    assert rep.peak_t == 0.7 and peak_time(rep, 150) == 0.5


def test_a_dip_out_of_the_band_splits_the_top_and_the_extreme_keeps_its_part() -> None:
    # A bridge (up): two tops, 180 then 170, with a drop to 160 between them; the band
    # is a quarter of the 40 deg travel from exit 140: 10 deg. The run around 180 only.
    samples = [(0.0, 150), (0.1, 178), (0.2, 180), (0.3, 179), (0.4, 160), (0.5, 171), (0.6, 150)]
    rep = track(samples, direction="up")
    assert PEAK_SHARE * (180 - 140) == 10
    assert peak_time(rep, 140) == 0.2  # run 0.1..0.3


def test_a_rep_whose_first_sample_is_its_extreme_keeps_that_time() -> None:
    rep = track([(0.0, 80), (0.1, 100), (0.2, 130)])
    assert peak_time(rep, 150) == 0.0
