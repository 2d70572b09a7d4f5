"""``posecheck specs list | show NAME | validate [FILE...]``: the exercise specs.

Kept out of :mod:`posecheck.cli.app` like the other subcommands; loading and validating
live in :mod:`posecheck.check.specs`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posecheck.check.specs import SPECS_DIR, SpecError, available, load_spec, spec_for


def register(subparsers: Any) -> None:
    """Add the ``specs`` subcommand to an ``argparse`` subparsers object."""
    sp = subparsers.add_parser("specs", help="list, show or validate exercise specs")
    sp_sub = sp.add_subparsers(dest="specs_command", required=True, metavar="ACTION")
    sp_sub.add_parser("list", help="list known exercises").set_defaults(func=cmd_specs_list)
    show = sp_sub.add_parser("show", help="print one exercise's spec")
    show.add_argument("name")
    show.set_defaults(func=cmd_specs_show)
    val = sp_sub.add_parser("validate", help="validate spec files (default: all built-in)")
    val.add_argument("files", nargs="*")
    val.set_defaults(func=cmd_specs_validate)


def cmd_specs_list(args: argparse.Namespace) -> int:
    """One line per built-in exercise: name, title, what is counted, how many rules."""
    for name in available():
        spec = spec_for(name)
        what = "reps per side" if spec.per_side else ("reps" if spec.kind == "reps" else "hold")
        n = len(spec.rules)
        print(f"{name:28s} {spec.title} ({what}; {n} form rule{'' if n == 1 else 's'})")
    return 0


def cmd_specs_show(args: argparse.Namespace) -> int:
    """The spec file as written, comments and all: the reasons are in the comments."""
    spec = spec_for(args.name)
    print((SPECS_DIR / spec.file).read_text(encoding="utf-8"), end="")
    return 0


def cmd_specs_validate(args: argparse.Namespace) -> int:
    """Load each file (default: every built-in spec); 1 when any is invalid."""
    files = [Path(f) for f in args.files] or sorted(SPECS_DIR.glob("*.toml"))
    bad = 0
    for f in files:
        try:
            spec = load_spec(f)
        except SpecError as exc:
            bad += 1
            print(f"INVALID {exc}", file=sys.stderr)
        else:
            signals, rules = len(spec.signals), len(spec.rules)
            print(
                f"ok      {f}: {spec.title}, {signals} signal{'' if signals == 1 else 's'}, "
                f"{rules} rule{'' if rules == 1 else 's'}"
            )
    return 1 if bad else 0
