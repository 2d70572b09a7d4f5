"""Ray engine sizing figures (docs/distributed.md): videos per minute with 1 and 2 workers
on a folder of clips, beside the default engine, and Ray's own per-task overhead.

    python benchmarks/bench_ray.py FOLDER [--exercise push_up]

Needs the ``ray`` extra and the pose model. Each run starts its own local cluster (as
``posecheck analyze FOLDER --engine ray`` does), so the wall time includes that.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

_first_clip = Path()


def overhead() -> dict[str, float]:
    """Cluster start, actor start-up (a VideoWorker: imports, spec, model lookup) and the
    round trip of a trivial call to a live actor (median of 200)."""
    import ray

    from posecheck.distributed import VideoWorker

    options = {
        "exercise": "push_up",
        "strictness": None,
        "rules": [],
        "config": None,
        "people": 1,
        "model_variant": "full",
        "pose_model": None,
        "workers": None,
    }
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="warning")
    t1 = time.perf_counter()
    actor = ray.remote(num_cpus=1)(VideoWorker).remote(options)
    ray.get(actor.ping.remote())
    t2 = time.perf_counter()
    # the first video on a fresh actor pays the MediaPipe import and model load; the next
    # one reuses the process (the same short clip twice)
    clip = str(_first_clip)
    firsts = []
    with tempfile.TemporaryDirectory() as out:
        for i in range(2):
            s = time.perf_counter()
            ray.get(actor.run.remote(clip, f"{out}/{i}.json", f"{out}/{i}.html"))
            firsts.append(time.perf_counter() - s)
    trips = []
    for _ in range(200):
        s = time.perf_counter()
        ray.get(actor.ping.remote())
        trips.append(time.perf_counter() - s)

    @ray.remote
    def nothing() -> None:
        return None

    ray.get(nothing.remote())
    tasks = []
    for _ in range(50):
        s = time.perf_counter()
        ray.get(nothing.remote())
        tasks.append(time.perf_counter() - s)
    ray.shutdown()
    return {
        "cluster_start_s": t1 - t0,
        "actor_start_s": t2 - t1,
        "first_video_s": firsts[0],
        "same_video_again_s": firsts[1],
        "actor_call_ms": statistics.median(trips) * 1000,
        "task_call_ms": statistics.median(tasks) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--exercise", default="push_up")
    args = ap.parse_args()
    from posecheck.cli import main as cli
    from posecheck.report.batch import videos_in
    from posecheck.sources.open import open_source

    files = videos_in(args.folder)
    seconds = 0.0
    for f in files:
        src = open_source(str(f))
        seconds += (src.frame_count or 0) / float(src.fps or 30.0)
        src.close()
    global _first_clip
    _first_clip = files[0]
    print(f"{len(files)} videos, {seconds:.1f} s of video, {os.cpu_count()} cores")
    for k, v in overhead().items():
        print(f"{k}: {v:.3f}")
    runs = [("threads (default)", []), ("ray, 1 worker", ["--engine", "ray", "--workers", "1"])]
    runs.append(("ray, 2 workers", ["--engine", "ray", "--workers", "2"]))
    for label, extra in runs:
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            cli(["analyze", str(args.folder), "-e", args.exercise, "--out-dir", out,
                 "--no-progress", *extra])  # fmt: skip
            wall = time.perf_counter() - t
        print(
            f"| {label} | {wall:.1f} s | {len(files) / wall * 60:.1f} videos/min "
            f"| {seconds / wall:.2f}x real time |"
        )


if __name__ == "__main__":
    main()
