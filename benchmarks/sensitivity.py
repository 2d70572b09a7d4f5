"""Print sensitivity curves: faults of known size injected into the committed good-form
landmark recordings, and how often each rule fires at each size.

Usage: python benchmarks/sensitivity.py [--level lenient|normal|strict]
Method: posecheck/evaluate/sensitivity.py. The table goes into docs/sensitivity.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posecheck.check.specs import available, spec_for
from posecheck.check.strictness import apply
from posecheck.evaluate.sensitivity import PROBES, run_with_fault
from posecheck.pose.recording import load_recording

RECORDINGS = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"


def curves(level: str = "normal") -> list[tuple[str, list[str]]]:
    """(probe title, rows) for every probe whose exercise and recordings exist."""
    out = []
    for probe in PROBES:
        if probe.exercise not in available():
            continue
        spec = apply(spec_for(probe.exercise), level)
        frames = {c: list(load_recording(RECORDINGS / f"{c}.npz").frames()) for c in probe.clips}
        rows = []
        for size in probe.sizes:
            results = [
                run_with_fault(spec, fr, probe.fault, size, probe.rule) for fr in frames.values()
            ]
            fired = sum(r.fired for r in results)
            reps = sum(r.reps for r in results)
            flagged = sum(r.flagged_reps for r in results)
            rep_part = f"{flagged}/{reps} reps" if reps else "-"
            rows.append(f"| {size:g} | {fired}/{len(results)} clips | {rep_part} |")
        title = f"{probe.exercise} `{probe.rule}`: {probe.name} ({probe.unit})"
        out.append((title, rows))
    return out


def main() -> int:
    level = sys.argv[sys.argv.index("--level") + 1] if "--level" in sys.argv else "normal"
    for title, rows in curves(level):
        print(f"\n### {title}, {level}\n\n| size | fired on | reps flagged |\n|---|---|---|")
        print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
