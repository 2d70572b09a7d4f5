"""Speed against agreement: which of the watch's reasons buy which agreement, on the real clips.

The adaptive frame rate runs the model densely wherever the exercise's watch asks
(posecheck.check.rate_watch.REASONS). Each reason costs model frames; this runs every
shared clip through the real model at full rate and with the watch limited to each set of
reasons below, and prints a markdown table: the share of frames the model ran on and the
clips whose answers (reps with sides, issues, rep peaks within one full-rate frame, hold
times within 0.1 s) differ from the full rate; it writes docs/frame-rate-frontier.md.
The last rows are the yardstick: the full rate on one and on three workers against two
(MediaPipe's tracking then differs only where a worker's part begins), so a row is
judged against the model's own disagreement with itself.

Usage: python scripts/rate_frontier.py [--only CLIP ...] [--out FILE]
       (needs ../shared/sample_videos; takes ~15 minutes on two cores)
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rate_agreement import CLIPS, EXPECTED, _report_answers, _report_differences

from posecheck.check.rate_watch import REASONS, SpecWatch
from posecheck.check.specs import spec_for

OUT = Path(__file__).resolve().parents[1] / "docs" / "frame-rate-frontier.md"
HEAD = """# Speed against agreement: what each of the adaptive rate's reasons buys

The adaptive frame rate (docs/frame-rate-agreement.md) runs the pose model on every frame
wherever the exercise's watch asks (posecheck.check.rate_watch.REASONS). Here every
shared clip goes through the real model at the full rate on two workers and at the
adaptive rate with the watch limited to some of its reasons; a clip *differs* when its
reps with sides, issues, rep peaks (within one full-rate frame) or hold times (within
0.1 s) are not those of the full rate. The last rows are the yardstick: the model
against itself, the full rate on one and on three workers against two (MediaPipe's VIDEO
mode tracks and smooths from frame to frame, so its landmarks depend on which frames it
saw before, and a worker's part starts its tracking afresh).
Seconds are wall clock on this machine (2 cores). Made by `python scripts/rate_frontier.py`.

"""

CONFIGS: tuple[tuple[str, frozenset[str]], ...] = (
    ("every reason (the default)", REASONS),
    ("no threshold", REASONS - {"threshold"}),
    ("no peak", REASONS - {"peak"}),
    ("state only (changed, pending)", frozenset({"changed", "pending", "signal"})),
    ("no watch (landmark motion only)", frozenset()),
)


@functools.cache
def _model() -> str:
    from posecheck.pose.models import resolve_model

    return str(resolve_model("full", None).path)


def run(path: Path, exercise: str, reasons: frozenset[str] | None, workers: int = 2) -> Any:
    """One analysis: every frame (``reasons`` None) or the adaptive rate with the watch
    limited to ``reasons``; the same pieces as ``posecheck analyze`` on a file (its
    adaptive settings, with only the watch swapped)."""
    from posecheck.api import adaptive_options, pose_estimator
    from posecheck.pipeline import analyze
    from posecheck.sources.parallel import ParallelPoseSource, worker_count
    from posecheck.sources.video import VideoFile

    spec = spec_for(exercise)
    model = _model()
    video = VideoFile(str(path))
    fps, n = video.fps, worker_count(workers, video.frame_count)
    video.close()
    options: dict[str, Any] = {}
    if reasons is not None and n > 1:
        options = {**adaptive_options(spec, fps), "make_watch": lambda: SpecWatch(spec, reasons)}
    source = ParallelPoseSource(str(path), lambda: pose_estimator(model, 1), workers=n, **options)
    report, _ = analyze(source, spec, ())
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="only this clip (repeatable)")
    parser.add_argument("--out", default=str(OUT), help="the markdown file to write")
    args = parser.parse_args()
    clips = [
        (name, clip)
        for name, clip in EXPECTED.items()
        if (not args.only or name in args.only) and (CLIPS / f"{name}.mp4").is_file()
    ]
    if not clips:
        print(f"no shared clips at {CLIPS}", file=sys.stderr)
        return 1
    full: dict[str, Any] = {}
    t0 = time.perf_counter()
    for name, clip in clips:
        print(f"full rate: {name}", file=sys.stderr)
        full[name] = run(CLIPS / f"{name}.mp4", clip["exercise"], None)
    full_s = time.perf_counter() - t0
    rows = []
    yardsticks = (
        ("full rate, one worker against two", None, 1),
        ("full rate, three workers against two", None, 3),
    )
    for label, reasons, workers in (*((c, r, 2) for c, r in CONFIGS), *yardsticks):
        frames = modeled = 0
        seconds = 0.0
        differ = []
        for name, clip in clips:
            print(f"{label}: {name}", file=sys.stderr)
            t0 = time.perf_counter()
            report = run(CLIPS / f"{name}.mp4", clip["exercise"], reasons, workers)
            seconds += time.perf_counter() - t0
            frames += report["source"]["frames"]
            modeled += report["source"]["model_frames"] or report["source"]["frames"]
            fr = full[name]
            frame_s = 1.0 / (fr["source"]["fps"] or 30.0)
            diffs = _report_differences(_report_answers(fr), _report_answers(report), frame_s)
            if diffs:
                differ.append(f"{name} ({'; '.join(diffs)})")
        rows.append(
            f"| {label} | {modeled / frames:.0%} | {seconds:.0f} | {len(differ)} | "
            f"{'<br>'.join(differ) or '-'} |"
        )
    text = (
        HEAD
        + "| watch reasons | model ran on | s, all clips | clips that differ | which, and how |\n"
        + "|---|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\nThe full rate on two workers, the reference: {full_s:.0f} s for all clips.\n"
    )
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
