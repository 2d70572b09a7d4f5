"""Speed and memory of file analysis, all from one run on the same clip.

Prints: the bare landmarker (decode + MediaPipe, nothing else) in frames/s; posecheck
analyze sequential and parallel (both cores) in frames/s and as multiples of real time;
their ratio to the bare landmarker; checker replay frames/s on the committed landmark
recordings; and each phase's peak memory (each phase runs in its own process, so the
figure is that phase's own), also for the clip analysed ``--long`` times over
(re-encoded into a temporary file) to show that memory does not grow with length.
Targets (issue 6): pipeline >= 0.9x the bare landmarker, >= 3x real time for a 30 fps
720p clip, checker replay >= 50,000 frames/s. Issue 16: the adaptive rate (the default
of ``posecheck analyze``, posecheck.pose.sampling) >= 6x real time at 30 fps and >= 1.9x
the full-rate parallel pipeline, memory flat in video length; the lite model's parallel
pipeline at full rate is measured beside them, for the README's choice of model.

Each model phase runs ``--repeat`` times (default 2), interleaved, and the fastest run of
each is shown, so a moment of load on a shared machine does not decide the ratios.

Usage: python benchmarks/bench_pipeline.py [--clip CLIP.mp4 --exercise NAME] [--max-side N]
       [--repeat N] [--long N] [--pose-model P]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = ROOT.parent / "shared" / "sample_videos" / "lunge_walking_side_b.mp4"


def _model(path: str | None, variant: str = "full") -> str:
    from posecheck.pose.models import resolve_model

    return str(resolve_model(variant, path, progress=lambda m: print(m, file=sys.stderr)).path)


def phase(name: str, clip: str, model: str, max_side: int | None, exercise: str) -> dict:
    """One measurement, in this process; returns frames, seconds, peak RSS."""
    from posecheck.check.specs import spec_for
    from posecheck.pipeline import analyze
    from posecheck.pose.estimator import PoseEstimator
    from posecheck.sources.open import open_source
    from posecheck.sources.parallel import ParallelPoseSource
    from posecheck.sources.video import VideoFile

    def make() -> PoseEstimator:
        return PoseEstimator(model, max_side=max_side)

    t0 = time.perf_counter()
    if name == "bare":
        frames = 0
        with make() as est:
            for sf in open_source(clip):
                est.estimate(sf.image, sf.t, sf.index)
                frames += 1
    elif name == "sequential":
        with make() as est:
            report, _ = analyze(open_source(clip), spec_for(exercise), (), est)
        frames = report["source"]["frames"]
    elif name in ("parallel", "lite"):  # lite: the same, with the lite model (--lite-model)
        report, _ = analyze(ParallelPoseSource(clip, make, workers=2), spec_for(exercise), ())
        frames = report["source"]["frames"]
    elif name == "adaptive":
        from posecheck.api import adaptive_options

        spec = spec_for(exercise)
        fps = VideoFile(clip).fps
        src = ParallelPoseSource(clip, make, workers=2, **adaptive_options(spec, fps))
        report, _ = analyze(src, spec, ())
        frames = report["source"]["frames"]
        t = time.perf_counter() - t0
        return {"frames": frames, "seconds": t, "rss_mb": _rss_mb(), "model": src.model_frames}
    else:  # replay: the checker alone on every committed recording, best of 3
        frames, seconds = _replay()
        return {"frames": frames, "seconds": seconds, "rss_mb": _rss_mb()}
    return {"frames": frames, "seconds": time.perf_counter() - t0, "rss_mb": _rss_mb()}


def _looped(clip: str, times: int, out: Path) -> None:
    """The clip ``times`` times back to back, re-encoded into ``out`` (a temporary file):
    the same content at several lengths shows whether memory grows with length."""
    import cv2

    cap = cv2.VideoCapture(clip)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    ok, frame = cap.read()
    if not ok:
        raise SystemExit(f"cannot read {clip}")
    size = (frame.shape[1], frame.shape[0])
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for _ in range(times):
        cap = cv2.VideoCapture(clip)
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            writer.write(frame)
    writer.release()


def _replay() -> tuple[int, float]:
    import tomllib

    from posecheck.check.checker import Checker
    from posecheck.check.specs import spec_for
    from posecheck.pose.recording import load_recording

    expected = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]
    total_frames, total_s = 0, 0.0
    for name, clip in expected.items():
        frames = list(
            load_recording(ROOT / "sample_videos" / "recordings" / f"{name}.npz").frames()
        )
        best = float("inf")
        for _ in range(3):
            checker = Checker(spec_for(clip["exercise"]))
            t0 = time.perf_counter()
            for f in frames:
                checker.update(f)
            best = min(best, time.perf_counter() - t0)
        total_frames += len(frames)
        total_s += best
    return total_frames, total_s


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default=str(DEFAULT_CLIP))
    parser.add_argument("--max-side", type=int, default=None, help="shrink frames to this")
    parser.add_argument("--pose-model")
    parser.add_argument(
        "--exercise", default="lunge", help="the clip's exercise (its spec drives the rate)"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs of each model phase")
    parser.add_argument(
        "--long", type=int, default=3, help="also analyse the clip N times over (0: skip)"
    )
    parser.add_argument("--lite-model", help="the lite model's .task (default: provisioned)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run = phase(args.phase, args.clip, args.pose_model, args.max_side, args.exercise)
        print(json.dumps(run))
        return 0
    if not Path(args.clip).is_file():
        print(f"clip not found: {args.clip}", file=sys.stderr)
        return 1
    model = _model(args.pose_model)
    lite = _model(args.lite_model, "lite")
    from posecheck.sources.open import open_source

    src = open_source(args.clip)
    fps, size = src.fps or 30.0, src.size
    src.close()
    results: dict[str, dict] = {}
    # Each model phase runs --repeat times, interleaved, and keeps its fastest run: on a
    # shared machine a slow minute would otherwise decide the ratio between two phases.
    phases = [*("bare", "sequential", "parallel", "adaptive", "lite") * args.repeat, "replay"]
    for name in phases:
        cmd = [
            sys.executable,
            __file__,
            "--phase",
            name,
            "--clip",
            args.clip,
            "--exercise",
            args.exercise,
            "--pose-model",
            lite if name == "lite" else model,
        ]
        if args.max_side:
            cmd += ["--max-side", str(args.max_side)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        run = json.loads(out.strip().splitlines()[-1])
        if name not in results or run["seconds"] < results[name]["seconds"]:
            results[name] = run
    print(
        f"clip {Path(args.clip).name}: {size[0]}x{size[1]} at {fps:.2f} fps; "
        f"model input {'full size' if not args.max_side else f'long side {args.max_side}'}"
    )
    bare_fps = results["bare"]["frames"] / results["bare"]["seconds"]
    print(f"{'phase':12s} {'frames/s':>10s} {'x real time':>12s} {'x bare':>7s} {'peak MB':>8s}")
    for name in ("bare", "sequential", "parallel", "adaptive", "lite", "replay"):
        r = results[name]
        f = r["frames"] / r["seconds"]
        rt = f"{f / fps:.2f}" if name != "replay" else "-"
        ratio = f"{f / bare_fps:.2f}" if name != "replay" else "-"
        note = ""
        if "model" in r:
            note = f"   (model on {r['model']} of {r['frames']} frames)"
        print(f"{name:12s} {f:10.1f} {rt:>12s} {ratio:>7s} {r['rss_mb']:8.0f}{note}")
    if args.long > 1:  # memory against length: the same clip, N times over
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            looped = Path(tmp) / "looped.mp4"
            _looped(args.clip, args.long, looped)
            for name in ("parallel", "adaptive"):
                cmd = [sys.executable, __file__, "--phase", name, "--clip", str(looped)]
                cmd += ["--exercise", args.exercise]
                cmd += ["--pose-model", model]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                f = r["frames"] / r["seconds"]
                print(
                    f"{name + ' x' + str(args.long):12s} {f:10.1f} {f / fps:12.2f} "
                    f"{f / bare_fps:7.2f} {r['rss_mb']:8.0f}   (the clip {args.long} times "
                    f"over: {r['frames']} frames; 1x: {results[name]['rss_mb']:.0f} MB)"
                )
    seq = results["sequential"]["frames"] / results["sequential"]["seconds"]
    par = results["parallel"]["frames"] / results["parallel"]["seconds"]
    ada = results["adaptive"]["frames"] / results["adaptive"]["seconds"]
    rep = results["replay"]["frames"] / results["replay"]["seconds"]
    print(
        f"targets: pipeline/bare {seq / bare_fps:.2f} (>= 0.9); parallel {par / 30:.2f}x "
        f"real time at 30 fps (>= 3); checker replay {rep:,.0f} frames/s (>= 50,000)"
    )
    print(
        f"adaptive rate (issue 16): {ada / 30:.2f}x real time at 30 fps (goal >= 6), "
        f"{ada / par:.2f}x the full-rate parallel pipeline (goal >= 1.9), "
        f"{ada / bare_fps:.2f}x the bare landmarker at full rate"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
