"""``python -m posecheck.cli.session_runner -e NAME --source FILE --dir DIR``: a minimal
live session (paced at real time, events printed) with a session log and nothing else.

The kill test of the session log uses it: no window, no voice, no set-up phase, no
model, only the loop and the log. It was once ``main()`` of the session-log module, but
it drives the pipeline, which sits above the coaching layer, so it lives with the
commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from posecheck.check.checker import Checker
from posecheck.check.specs import SpecError, spec_for
from posecheck.coach.session_log import SessionLogSink
from posecheck.pipeline import run, session_info
from posecheck.report.files import ReportError
from posecheck.report.screen import EventLogSink
from posecheck.sources.base import SourceError
from posecheck.sources.open import open_source


def main(argv: Sequence[str] | None = None) -> int:
    """Run one recording as a live session into a session log; 2 on an expected error."""
    p = argparse.ArgumentParser(prog="python -m posecheck.cli.session_runner")
    p.add_argument("--exercise", "-e", required=True)
    p.add_argument("--source", required=True, help="a .npz recording (no model here)")
    p.add_argument("--dir", default=None, help="sessions directory")
    args = p.parse_args(argv)
    try:
        spec = spec_for(args.exercise)
        source = open_source(args.source, realtime=True)
        sinks = [SessionLogSink(args.dir), EventLogSink(sys.stdout)]
        info = session_info(source, spec)
        for sink in sinks:
            sink.open(info)
        print(f"session log: {sinks[0].path}", flush=True)
        result = run(source, Checker(spec), sinks)
    except (SpecError, SourceError, ReportError) as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return 2
    return 130 if result.reason == "interrupted" else 0


if __name__ == "__main__":
    sys.exit(main())
