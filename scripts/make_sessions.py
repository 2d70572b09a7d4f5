"""Write sample_videos/sessions.toml: the synthetic whole-workout sessions and their truth.

Each clip's exercise and active span come from ../shared/sample_videos/labels.toml (the
clips may not be committed; these numbers about them may). The sessions play every
recording once, in a seeded order, with rests between (posecheck.evaluate.sessions); the
posture clip (a person sitting at a desk) is left out: posture is watched over a working
day, it is no set of a workout (docs/workout.md). The control clip is in every session as a
"set" that must come out as no exercise.
Usage: python scripts/make_sessions.py [LABELS.toml] > sample_videos/sessions.toml
"""

from __future__ import annotations

import random
import sys
import tomllib
from pathlib import Path

SEEDS = (1, 2, 3)
LEFT_OUT = {"posture_side_a"}  # sitting: see docs/workout.md


def main(labels_path: str) -> None:
    clips = tomllib.loads(Path(labels_path).read_text(encoding="utf-8"))["clips"]
    names = [n for n in clips if n not in LEFT_OUT]
    print("# Derived from ../shared/sample_videos/labels.toml by scripts/make_sessions.py.")
    print("# Synthetic whole-workout sessions of the recordings in recordings/, joined by rests")
    print("# (posecheck.evaluate.sessions; `posecheck eval sample_videos/sessions.toml`).")
    print("# A clip without exercise is the control: it must come out as no set.\n")
    for name in names:
        c = clips[name]
        print(f"[clips.{name}]")
        if c.get("control"):
            print("# control: no exercise\n")
            continue
        a, b = c["active_span_s"]
        print(f'exercise = "{c["exercise"]}"\nactive_span_s = [{a}, {b}]\n')
    for seed in SEEDS:
        order = list(names)
        random.Random(seed).shuffle(order)
        print(f'[[sessions]]\nname = "order-{seed}"\nseed = {seed}\nclips = [')
        for n in order:
            print(f'  "{n}",')
        print("]\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/sample_videos/labels.toml")
