"""The command line: one module per command (``app`` builds the parser and dispatches).

Owns argument parsing, the choice of sources and sinks for ``analyze``, ``live`` and
``record`` (``session``), and the other commands (``specs``, ``models``, ``eval``,
``history``, ``routine``), with their one-line errors and exit codes. The top layer: may
import every other part of posecheck, and nothing imports it. ``main`` is here, and
imports the parser only when called, so the console script ``posecheck.cli:main`` stays
cheap to resolve.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``posecheck`` command (``argv`` defaults to ``sys.argv[1:]``); the exit code."""
    from posecheck.cli.app import main as app_main

    return app_main(argv)
