"""Frame-level precision / recall / F1 of the plank's sag and pike rules on the labelled
MIT keypoint tables (../shared/sample_videos/keypoints/plank_*.csv).

Usage: python benchmarks/plank_keypoints_f1.py [KEYPOINTS_DIR]
The tables do not state their frame size, so figures are printed for 16:9 and 4:3.
Column mapping and method: posecheck/evaluate/keypoints_csv.py.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from posecheck.check.specs import spec_for
from posecheck.check.strictness import LEVELS, apply
from posecheck.evaluate.keypoints_csv import Score, read_rows, score_rules

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "sample_videos" / "keypoints"
FILES = ("plank_correct.csv", "plank_high_hip.csv", "plank_low_back.csv", "plank_mixed.csv")
RULES = {"hips_sagging": "L", "hips_piked": "H"}
SIZES = {"16:9 (1280x720)": (1280, 720), "4:3 (640x480)": (640, 480)}


def measure(folder: Path, size: tuple[int, int], level: str = "normal") -> dict[str, Score]:
    rows = itertools.chain.from_iterable(read_rows(folder / f, size) for f in FILES)
    return score_rules(apply(spec_for("plank"), level), rows, RULES)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    if not all((folder / f).is_file() for f in FILES):
        print(f"plank keypoint tables not found in {folder}", file=sys.stderr)
        return 1
    head = ("level", "aspect", "rule", "frames", "precision", "recall", "F1")
    print("{:8s} {:18s} {:14s} {:>7s} {:>9s} {:>7s} {:>6s}".format(*head))
    for level in LEVELS:
        for name, size in SIZES.items():
            for code, s in measure(folder, size, level).items():
                n = s.tp + s.fp + s.fn + s.tn
                print(
                    f"{level:8s} {name:18s} {code:14s} {n:7d} {s.precision:9.3f} "
                    f"{s.recall:7.3f} {s.f1:6.3f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
