"""Time the pose landmarker alone (no checker, no drawing) on a real clip.

Run: ``python benchmarks/bench_estimator.py [--clip PATH] [--frames N] [--variant full]``

Frames are decoded up front so video decoding is not counted; each timed call is
``PoseEstimator.estimate`` (BGR->RGB, MediaPipe VIDEO-mode inference, conversion to
numpy), at the clip's native size and resized to 640x480, because the live webcam
path runs at 640x480 and file input at whatever the file is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from posecheck.pose.estimator import PoseEstimator
from posecheck.pose.models import ModelError, resolve_model

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample_videos"
DEFAULT_CLIP = SAMPLES / "plank_forearm_side_d.mp4"
WARMUP = 10


def decode(clip: Path, limit: int) -> tuple[list[np.ndarray], float]:
    """Up to ``limit`` frames of ``clip`` and its frame rate."""
    cap = cv2.VideoCapture(str(clip))
    if not cap.isOpened():
        raise SystemExit(f"cannot open {clip}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames: list[np.ndarray] = []
    try:
        while len(frames) < limit:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        cap.release()
    if len(frames) <= WARMUP:
        raise SystemExit(f"{clip} gave only {len(frames)} frames")
    return frames, fps


def bench(model: Path, frames: list[np.ndarray], fps: float) -> dict[str, float]:
    """Per-frame timings (ms) after a warm-up, on a fresh estimator."""
    times: list[float] = []
    found = 0
    with PoseEstimator(model) as est:
        for i, frame in enumerate(frames):
            start = time.perf_counter()
            pf = est.estimate(frame, i / fps, i)
            elapsed = time.perf_counter() - start
            if i >= WARMUP:
                times.append(elapsed * 1000.0)
                found += pf.pose is not None
    times.sort()
    return {
        "median": statistics.median(times),
        "mean": statistics.fmean(times),
        "p90": times[int(0.9 * (len(times) - 1))],
        "frames": float(len(times)),
        "found": found / len(times),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--frames", type=int, default=150, help="frames to decode (default 150)")
    parser.add_argument("--variant", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--pose-model", type=Path, default=None, help="a .task file to time")
    args = parser.parse_args(argv)

    if not args.clip.is_file():
        print(f"clip {args.clip} not found (expected ../shared/sample_videos)", file=sys.stderr)
        return 1
    try:
        model = resolve_model(args.variant, args.pose_model, progress=lambda m: print(m))
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    frames, fps = decode(args.clip, args.frames)
    h, w = frames[0].shape[:2]
    small = [cv2.resize(f, (640, 480), interpolation=cv2.INTER_AREA) for f in frames]
    print(f"model: {model.path} ({model.variant}, {model.origin})")
    print(f"clip:  {args.clip.name}, {len(frames)} frames, {fps:.1f} fps, warm-up {WARMUP}")
    for label, batch in ((f"native {w}x{h}", frames), ("640x480", small)):
        r = bench(model.path, batch, fps)
        print(
            f"{label:>17}: median {r['median']:.1f} ms/frame, mean {r['mean']:.1f}, "
            f"p90 {r['p90']:.1f} ({1000.0 / r['median']:.0f} fps), "
            f"pose in {r['found']:.0%} of {r['frames']:.0f} frames"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
