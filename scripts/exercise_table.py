"""Print the README's exercise table from the specs, so the README cannot drift from them.

Usage: python scripts/exercise_table.py            (print the table)
       python scripts/exercise_table.py --write    (replace it in README.md)
tests/test_specs.py checks that README.md holds exactly what this prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posecheck.check.spec_model import ExerciseSpec
from posecheck.check.specs import available, spec_for
from posecheck.pose.view import VIEWS

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- exercises:start -->", "<!-- exercises:end -->"
_UNITS = {
    "reps": "{:g} reps",
    "reps_per_side": "{:g} reps per side",
    "hold_s": "{:g} s held",
    "good_hold_s": "{:g} s in good form",
    "duration_s": "{:g} s",
    "rate_per_min": "{:g}/min",
}


def counts(spec: ExerciseSpec) -> str:
    """What is counted or timed, and the article's target."""
    if spec.kind == "hold":
        what = "hold: time in position and good-form time"
    else:
        what = "reps" if not spec.per_side else f"reps per {_side(spec)}"
        if "duration_s" in spec.targets or "rate_per_min" in spec.targets:
            what += ", time in position and pace"
    if spec.targets:
        units = {**_UNITS, "reps_per_side": "{:g} reps per " + _side(spec)}
        what += "; target " + ", ".join(units[k].format(v) for k, v in spec.targets.items())
    return what


def _side(spec: ExerciseSpec) -> str:
    """What the spec counts per side (reps.side_label), e.g. "front leg"."""
    return (spec.reps.side_label if spec.reps is not None else None) or "side"


def checks(spec: ExerciseSpec) -> str:
    """Each form rule: its code, the message the person hears, and the views it is judged
    from when not all (elsewhere it stays silent and says so once)."""
    seen: dict[str, list[str]] = {}
    views: dict[str, set[str]] = {}
    for rule in spec.rules:
        seen.setdefault(rule.code, []).append(rule.message)
        views.setdefault(rule.code, set()).update(rule.views)
    if not seen:
        return "none (position and count only)"
    parts = []
    for code, msgs in seen.items():
        only = [v for v in VIEWS if v in views[code]]
        where = "" if len(only) == len(VIEWS) else f" ({' or '.join(only)} view only)"
        parts.append(f"`{code}` {' / '.join(msgs)}{where}")
    return "; ".join(parts)


def counted_from(spec: ExerciseSpec) -> str:
    """The views counting or timing works from: a side-view exercise is counted from any
    side ("Turn side-on" is guidance), a front-view one only from the front."""
    return "front only" if spec.view == "front" else "any"


def table() -> str:
    lines = [
        START,
        "| name | best view | counted from | counts / times | form checks: `code` message |",
        "|---|---|---|---|---|",
    ]
    for name in available():
        spec = spec_for(name)
        lines.append(
            f"| `{name}` | {spec.view} | {counted_from(spec)} | {counts(spec)} | {checks(spec)} |"
        )
    lines.append(END)
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    """README text with the table between the markers replaced by the current one."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"README.md has no {START} ... {END} markers")
    return head + table() + tail


def main() -> int:
    if "--write" in sys.argv[1:]:
        readme = ROOT / "README.md"
        readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), "utf-8")
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
