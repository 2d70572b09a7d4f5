"""``posecheck analyze FOLDER|LIST.txt --engine ray``: many videos on a Ray cluster.

One Ray actor per worker process (``VideoWorker``) resolves the pose model once and analyses
video after video with :func:`posecheck.api.analyze`, the very call ``analyze FILE`` makes,
with the same settings (``workers`` as given, else as
:func:`posecheck.sources.parallel.worker_count` decides on the node): the JSON and HTML
reports are the bytes the default engine writes for the same file. The driver hands each
free actor the next video, writes the index as videos finish, lists a failure with its
reason (a dead actor included: it is replaced) and skips, on a rerun, every video whose
report is complete (:func:`complete_report`). Ray is an extra (``posecheck[ray]``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecheck.report.batch import VIDEO_SUFFIXES, Entry, write_index

INSTALL_HINT = "--engine ray needs Ray: pip install 'posecheck[ray]'"


class EngineError(Exception):
    """Ray missing or the cluster unreachable: one line for the user."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(INSTALL_HINT) from None
    return ray


def videos_in_list(list_file: Path) -> list[Path]:
    """The videos a LIST.txt names, one path a line (relative to the list's folder);
    blank lines and ``#`` comments are ignored."""
    out = []
    for line in list_file.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line)
        out.append(p if p.is_absolute() else list_file.parent / p)
    return out


def complete_report(json_path: Path) -> dict[str, Any] | None:
    """The report when ``json_path`` holds a finished one (it parses, has a summary and is
    not marked partial), else None: what a rerun skips."""
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("partial") is not False or "summary" not in data:
        return None
    return data


def entry_for(file: Path, json_path: Path, report: dict[str, Any]) -> Entry:
    html = json_path.with_suffix(".html")
    return Entry(
        file.name,
        json_path.name,
        html.name if html.exists() else None,
        report["summary"],
        exercise=report.get("exercise"),
        title=report.get("title"),
        kind=report.get("kind"),
    )


class VideoWorker:
    """What one Ray worker process holds: the configured spec and the resolved pose model,
    reused for every video it is given (made a Ray actor by :func:`run_ray_batch`)."""

    def __init__(self, options: dict[str, Any]) -> None:
        from posecheck.api import configure
        from posecheck.pose.models import resolve_model

        self.options = options
        self.spec = configure(
            options["exercise"], options["strictness"], options["rules"], options["config"]
        )
        # the model file found (or built) once per process, before the first video; each
        # video then resolves it from the cache exactly as ``analyze FILE`` does, so the
        # report's model fields are the same bytes
        self.model_path = str(resolve_model(options["model_variant"], options["pose_model"]).path)

    def ping(self) -> int:
        return os.getpid()

    def run(self, video: str, json_path: str, html_path: str) -> tuple[str, str | None]:
        """(video, None) when the reports are written, else (video, the reason)."""
        from posecheck.api import analyze
        from posecheck.report.html_sink import HtmlReportSink
        from posecheck.sources.open import open_source
        from posecheck.sources.parallel import worker_count

        try:
            source = open_source(video)
            done = analyze(
                source,
                self.spec,
                people=self.options["people"],
                model_variant=self.options["model_variant"],
                pose_model=self.options["pose_model"],
                workers=worker_count(self.options["workers"], source.frame_count),
                full_rate=bool(self.options.get("full_rate", False)),
                json_path=json_path,
                sinks=[HtmlReportSink(html_path, self.spec)],
            )
        except Exception as exc:  # any failure is the video's, not the batch's
            return video, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if done.partial:
            return video, f"analysis ended early ({done.reason})"
        return video, None


def run_ray_batch(
    files: list[Path],
    out_dir: Path,
    options: dict[str, Any],
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    say: Callable[[str], None] = print,
) -> list[Entry]:
    """Analyse ``files`` on Ray (a local cluster of ``num_cpus`` when no ``address``), one
    actor per CPU; returns the index entries, in the order of ``files``."""
    ray = import_ray()
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: dict[Path, Entry] = {}
    todo = []
    skipped = 0
    for f in files:
        json_path = out_dir / f"{f.stem}.json"
        report = complete_report(json_path)
        if report is not None:
            entries[f] = entry_for(f, json_path, report)
            skipped += 1
        elif f.suffix.lower() not in VIDEO_SUFFIXES or not f.is_file():
            entries[f] = Entry(f.name, None, None, None, f"{f}: not a video file")
        else:
            todo.append(f)
    if skipped:
        say(f"{skipped} of {len(files)} files already have a complete report: skipped")

    def index() -> None:
        write_index([entries[f] for f in files if f in entries], out_dir)

    if not todo:
        index()
        return [entries[f] for f in files]
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(
                address=address,
                num_cpus=None if address else (num_cpus or os.cpu_count() or 1),
                include_dashboard=False,
                log_to_driver=False,
                logging_level="warning",
            )
        except Exception as exc:  # Ray's own errors, shown in one line
            raise EngineError(f"--engine ray: cannot start or reach the cluster: {exc}") from None
    try:
        actor_cls = ray.remote(num_cpus=1)(VideoWorker)
        size = max(1, min(len(todo), int(ray.cluster_resources().get("CPU", 1))))
        actors = [actor_cls.remote(options) for _ in range(size)]
        pending: dict[Any, tuple[Any, Path]] = {}
        queue = list(todo)
        done_count = 0

        def submit(actor: Any) -> None:
            if queue:
                f = queue.pop(0)
                json_path = out_dir / f"{f.stem}.json"
                ref = actor.run.remote(str(f), str(json_path), str(json_path.with_suffix(".html")))
                pending[ref] = (actor, f)

        for actor in actors:
            submit(actor)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            actor, f = pending.pop(ready[0])
            json_path = out_dir / f"{f.stem}.json"
            try:
                _, error = ray.get(ready[0])
            except Exception as exc:  # the actor died (node lost, crash)
                error = f"worker lost: {type(exc).__name__}"
                actor = actor_cls.remote(options)
            report = None if error else complete_report(json_path)
            if error is None and report is None:
                error = "no complete report was written"
            if report is not None:
                entries[f] = entry_for(f, json_path, report)
            else:
                entries[f] = Entry(f.name, None, None, None, error)
            done_count += 1
            if progress is not None:
                progress(done_count, len(todo), f.name)
            index()
            submit(actor)
    finally:
        if started_here:
            ray.shutdown()
    index()
    return [entries[f] for f in files]


class VideoProgress:
    """A bar over videos on stderr, redrawn in place; silent unless stderr is a terminal."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.start = time.monotonic()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled:
            return
        width = 24
        filled = round(width * done / total) if total else width
        rate = done / max(1e-9, time.monotonic() - self.start) * 60
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} videos, {rate:.1f}/min {name}"
        )
        self.stream.write("\r" + line[:100].ljust(100))
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
