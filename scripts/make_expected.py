"""Derive sample_videos/expected.toml from ../shared/sample_videos/labels.toml.

The clips themselves may not be committed; the ground-truth numbers about them may. The
recorded-landmark tests read this file, so they run without ../shared and without the model.
Usage: python scripts/make_expected.py [LABELS.toml] > sample_videos/expected.toml
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

KEYS = (
    "exercise",
    "view",
    "facing",
    "reps",
    "partial_reps",
    "reps_tolerance",
    "reps_per_side",
    "hold_s",
    "hold_tolerance_s",
    "clean",
    "confidence",
    "control",
    "hold_spans_s",
    "slouch_spans_s",
)


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(v)


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "sample_videos" / "labels.toml"
    labels = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else default).read_text())
    print("# Derived from ../shared/sample_videos/labels.toml by scripts/make_expected.py.")
    print("# Ground truth for the landmark recordings in sample_videos/recordings/.\n")
    for name, clip in labels["clips"].items():
        print(f"[clips.{name}]")
        for key in KEYS:
            if key in clip:
                print(f"{key} = {toml_value(clip[key])}")
        required = sorted({i["issue"] for i in clip.get("form_issues", []) if i.get("required")})
        optional = sorted({i["issue"] for i in clip.get("form_issues", [])} - set(required))
        print(f"required_issues = {toml_value(required)}")
        print(f"optional_issues = {toml_value(optional)}\n")


if __name__ == "__main__":
    main()
