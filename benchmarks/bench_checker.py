"""Checker replay speed: frames per second of the checker alone on recorded landmarks.

The checker must cost nothing next to the pose model (~10-30 ms a frame here), so this
replays the committed recordings through Checker.update() only and prints frames/s and
microseconds per frame for each exercise.
Usage: python benchmarks/bench_checker.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path

from posecheck.check.checker import Checker
from posecheck.check.specs import available, spec_for
from posecheck.pose.recording import load_recording

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    expected = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]
    total_frames = 0
    total_s = 0.0
    print(f"{'clip':40s} {'exercise':24s} {'frames':>7s} {'frames/s':>10s} {'us/frame':>9s}")
    for name, clip in expected.items():
        exercise = clip["exercise"] if clip["exercise"] in available() else None
        if exercise is None:
            continue
        frames = list(
            load_recording(ROOT / "sample_videos" / "recordings" / f"{name}.npz").frames()
        )
        best = float("inf")
        for _ in range(args.repeat):
            checker = Checker(spec_for(exercise))
            t0 = time.perf_counter()
            for f in frames:
                checker.update(f)
            checker.finish()
            best = min(best, time.perf_counter() - t0)
        total_frames += len(frames)
        total_s += best
        print(
            f"{name:40s} {exercise:24s} {len(frames):7d} {len(frames) / best:10.0f} "
            f"{best / len(frames) * 1e6:9.1f}"
        )
    print(
        f"{'all':40s} {'':24s} {total_frames:7d} {total_frames / total_s:10.0f} "
        f"{total_s / total_frames * 1e6:9.1f}"
    )


if __name__ == "__main__":
    main()
