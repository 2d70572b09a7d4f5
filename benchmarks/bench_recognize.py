"""Recognition speed: milliseconds per frame of recognize() (every spec's checker over the
span, then the decision) on the committed recordings.

Recognition runs once per file (``analyze --exercise auto``), per set (segmentation) or
every 2 s on a 10 s window (``live --exercise auto``), after the pose model; this prints
what it costs per frame and per recording.
Usage: python benchmarks/bench_recognize.py
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

from posecheck.pose.recording import load_recording
from posecheck.workout.recognize import default_specs, recognize

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    expected = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]
    default_specs()  # loading the specs is once per process, not per recognition
    frames_total, s_total = 0, 0.0
    print(f"{'recording':36s} {'frames':>7s} {'s':>6s} {'ms/frame':>9s}  named")
    for name in expected:
        frames = list(
            load_recording(ROOT / "sample_videos" / "recordings" / f"{name}.npz").frames()
        )
        t0 = time.perf_counter()
        rec = recognize(frames)
        dt = time.perf_counter() - t0
        frames_total, s_total = frames_total + len(frames), s_total + dt
        print(
            f"{name:36s} {len(frames):7d} {dt:6.2f} {1000 * dt / len(frames):9.2f}  {rec.label()}"
        )
    print(f"{'all':36s} {frames_total:7d} {s_total:6.2f} {1000 * s_total / frames_total:9.2f}")


if __name__ == "__main__":
    main()
