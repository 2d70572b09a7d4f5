"""Measure exercise recognition on the committed recordings, as filmed and turned 15-90
degrees about the body's vertical axis (tests/yaw_sweep.py), and print the per-recording
answers, the outcome counts and the confusion matrices in Markdown.

Usage: python scripts/recognition_table.py [--angles 0,45,90] > /tmp/recognition.md
(no model needed; ~1 s per recording and angle on one core). docs/recognition.md quotes it.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from yaw_sweep import turned_frames  # noqa: E402

from posecheck.evaluate.recognition_score import (  # noqa: E402
    answer,
    confusion,
    format_confusion,
    outcome,
    outcome_counts,
    truth_of,
)
from posecheck.pose.recording import load_recording  # noqa: E402
from posecheck.workout.recognition import Recognition  # noqa: E402
from posecheck.workout.recognize import recognize  # noqa: E402

ANGLES = (0, 15, 30, 45, 60, 75, 90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--angles", default=",".join(map(str, ANGLES)))
    args = parser.parse_args(argv)
    angles = [int(a) for a in args.angles.split(",")]
    expected = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]
    results: dict[int, list[tuple[str, str, Recognition]]] = {a: [] for a in angles}
    for name, clip in expected.items():
        rec = load_recording(ROOT / "sample_videos" / "recordings" / f"{name}.npz")
        for a in angles:
            results[a].append((name, truth_of(clip), recognize(list(turned_frames(rec, a)))))
        print(name, file=sys.stderr)
    marks = {"right": "", "unsure": " (?)", "missed": " (miss)", "wrong": " **WRONG**"}
    print("| recording | labelled | " + " | ".join(f"{a} deg" for a in angles) + " |")
    print("|---|---|" + "---|" * len(angles))
    for i, (name, truth, _) in enumerate(results[angles[0]]):
        cells = []
        for a in angles:
            r = results[a][i][2]
            cells.append(answer(r) + marks[outcome(truth, r)])
        print(f"| `{name}` | {truth} | " + " | ".join(cells) + " |")
    print()
    print("| angle | right | not sure, right one a candidate | missed | wrong |")
    print("|---|---|---|---|---|")
    for a in angles:
        c = outcome_counts(outcome(t, r) for _, t, r in results[a])
        print(f"| {a} deg | {c['right']} | {c['unsure']} | {c['missed']} | {c['wrong']} |")
    print("\nConfusion as filmed (0 deg):\n")
    print(format_confusion(confusion((t, r) for _, t, r in results[angles[0]])))
    turned = [a for a in angles if a]
    if turned:
        print(f"\nConfusion over the turned recordings ({', '.join(map(str, turned))} deg):\n")
        print(format_confusion(confusion((t, r) for a in turned for _, t, r in results[a])))
    print("\nNot sure and missed, with the reasons:\n")
    for a in angles:
        for name, truth, r in results[a]:
            if outcome(truth, r) != "right":
                print(f"- {a} deg `{name}` ({truth}): {r.label()}: {r.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
