"""Writing the session report to disk: atomic JSON and CSV files.

Writers are atomic (temp file in the target directory, then ``os.replace``) because a
report is often the only record of a session: a crash, a full disk or a Ctrl-C while
writing must leave either the previous file or the complete new one, never half a file.
The same helpers (``check_writable_dir``, ``temp_path_beside``) serve the other session
output files, and every failure is a one-line :class:`ReportError`.

The report itself is built by :mod:`posecheck.report.builder`; these writers only take its dict.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

#: CSV columns, in order (see docs/report-schema.md for their meaning per event type).
CSV_COLUMNS: tuple[str, ...] = (
    "type",
    "index",
    "side",
    "t_start",
    "t_end",
    "code",
    "message",
    "value",
    "rep_index",
)


class ReportError(Exception):
    """A report (or other session output file) could not be written.

    The message is one line naming the path and what the user can do about it, so the
    CLI can print it as-is instead of a traceback.
    """


def _explain_os_error(path: Path, exc: OSError) -> str:
    """One line saying what went wrong with ``path`` and what to do about it."""
    directory = path.parent
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot write {path}: directory {directory} is read-only or not writable "
            f"({exc.strerror}); choose a writable location"
        )
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write {path}: no space left on the device; free some space and retry"
    if code == errno.ENOENT:
        return (
            f"cannot write {path}: directory {directory} does not exist; "
            f"create it or choose another path"
        )
    if code in (errno.EISDIR, errno.ENOTDIR):
        return f"cannot write {path}: the path is a directory, or a parent is not one"
    return f"cannot write {path}: {exc.strerror or exc}"


def check_writable_dir(path: str | os.PathLike[str]) -> Path:
    """Fail early (before a long session) if ``path`` cannot be written to.

    Returns the path as a ``Path``. Raises ReportError naming the problem.
    """
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise ReportError(
            f"cannot write {target}: directory {directory} does not exist; "
            f"create it or choose another path"
        )
    if target.is_dir():
        raise ReportError(f"cannot write {target}: it is a directory; give a file name")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ReportError(
            f"cannot write {target}: directory {directory} is read-only or not writable; "
            f"choose a writable location"
        )
    return target


def temp_path_beside(target: Path) -> Path:
    """A fresh hidden temp name in ``target``'s directory, keeping its suffix.

    Same directory so ``os.replace`` is an atomic rename on one filesystem; same suffix
    because some writers (OpenCV's video backends) pick the container from it.
    """
    token = f"{os.getpid()}.{secrets.token_hex(4)}"
    return target.with_name(f".{target.stem}.{token}.tmp{target.suffix}")


def atomic_write_text(
    path: str | os.PathLike[str], write: Callable[[TextIO], None], *, newline: str | None = None
) -> Path:
    """Write a text file atomically: ``write(f)`` fills a temp file, then it is renamed.

    On any failure the temp file is removed and the target (new or previous) is left
    untouched; OS errors become ``ReportError`` with an actionable message.
    """
    target = check_writable_dir(path)
    tmp = temp_path_beside(target)
    try:
        # O_EXCL: never clobber someone else's file; mode 0o666 lets the umask decide the
        # final permissions, as for any normally created file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ReportError(_explain_os_error(target, exc)) from exc
    try:
        with open(fd, "w", encoding="utf-8", newline=newline) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:  # includes KeyboardInterrupt: clean up, then re-raise
        # Nothing more to do if even the cleanup fails; the original error matters more.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ReportError(_explain_os_error(target, exc)) from exc
        raise
    return target


def write_json(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the report as pretty-printed UTF-8 JSON, atomically. Returns the path written.

    ``allow_nan=False`` so a stray NaN fails here, loudly, rather than producing a file
    that strict JSON parsers reject.
    """
    try:
        # Serialise first: a report bug (unserialisable value) must not touch the disk.
        text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise ReportError(f"cannot write {path}: report is not valid JSON ({exc})") from exc

    def _write(f: TextIO) -> None:
        f.write(text)

    return atomic_write_text(path, _write)


def _csv_value(x: Any) -> Any:
    return "" if x is None else x


def csv_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per event, ordered by start time (then by type), with ``CSV_COLUMNS`` keys."""
    rows: list[tuple[float, int, dict[str, Any]]] = []

    def add(order: int, t: float | None, **row: Any) -> None:
        full = {col: _csv_value(row.get(col)) for col in CSV_COLUMNS}
        rows.append((t if t is not None else 0.0, order, full))

    for r in report.get("reps", []):
        add(
            0,
            r["t_start"],
            type="rep",
            index=r["index"],
            side=r["side"],
            t_start=r["t_start"],
            t_end=r["t_end"],
            code=";".join(r["issues"]),
            value=r["duration_s"],
        )
    for h in report.get("holds", []):
        add(
            1,
            h["t_start"],
            type="hold",
            index=h["index"],
            t_start=h["t_start"],
            t_end=h["t_end"],
            value=h["good_s"],
        )
    for i in report.get("issues", []):
        add(
            2,
            i["t_start"],
            type="issue",
            index=i["index"],
            t_start=i["t_start"],
            t_end=i["t_end"],
            code=i["code"],
            message=i["message"],
            value=i["value"],
            rep_index=i["rep_index"],
        )
    for n in report.get("notices", []):
        add(
            3,
            n["t"],
            type="notice",
            index=n["index"],
            t_start=n["t"],
            t_end=n["t"],
            code=n["kind"],
            message=n["message"],
        )
    rows.sort(key=lambda x: (x[0], x[1]))
    return [row for _, _, row in rows]


def write_csv(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write one row per event (columns ``CSV_COLUMNS``) as UTF-8 CSV, atomically.

    Columns are documented in docs/report-schema.md. Returns the path written.
    """
    rows = csv_rows(report)

    def _write(f: TextIO) -> None:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    return atomic_write_text(path, _write, newline="")
