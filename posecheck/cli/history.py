"""``posecheck history``: past sessions from the session logs, newest first.

Kept out of cli/app.py like the other subcommands; the reading and the table live in
:mod:`posecheck.coach.history`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return n


def register(subparsers: Any) -> None:
    """Add the ``history`` subcommand to an ``argparse`` subparsers object."""
    hi = subparsers.add_parser(
        "history",
        help="list past sessions (from the session logs), newest first",
        description=(
            "List recorded sessions newest first: when, exercise, duration, reps (per "
            "side), hold time, issues, and 'interrupted' for a session whose process was "
            "killed (its counts are what the log holds up to then)."
        ),
    )
    hi.add_argument(
        "--dir",
        metavar="DIR",
        help="sessions directory (default: $POSECHECK_SESSIONS_DIR or "
        "~/.local/share/posecheck/sessions)",
    )
    hi.add_argument("--last", type=_count, metavar="N", help="only the newest N sessions")
    hi.add_argument("--json", action="store_true", help="print JSON instead of a table")
    hi.set_defaults(func=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    from posecheck.coach.history import format_history, history_json, load_history
    from posecheck.coach.session_log import default_sessions_dir

    history = load_history(args.dir or default_sessions_dir(), args.last)
    if args.json:
        print(json.dumps(history_json(history), indent=2, ensure_ascii=False))
    else:
        print(format_history(history))
    return 0
