"""The public Python API: what a notebook or another program calls, instead of the modules.

Everything in ``__all__`` is also reachable as ``posecheck.<name>`` (``import posecheck``
stays cheap: the names are loaded on first use). :func:`analyze` runs the very loop and report
builder of ``posecheck analyze`` (the CLI calls it), so its :meth:`Report.to_dict` is the
JSON dict the command line writes, key for key. The rest is for checking frames yourself:
:func:`load_spec`, :class:`Checker` (``Checker(spec).update(frame)``, one
:class:`PoseFrame` at a time), :func:`load_recording` (landmarks saved by
``posecheck record``) and :class:`PoseEstimator` (pictures to :class:`PoseFrame`, with
the model file from :func:`model_path`); :meth:`Checker.update` returns a
:class:`FrameResult`: the frame's events (:class:`Rep`, :class:`Issue`,
:class:`HoldSegment`, :class:`Notice`) and the :class:`CheckerState` shown on screen.

Settings are only what is passed: unlike the command line, :func:`analyze` reads no
config file unless given ``config=``, so a notebook gives the same result on every
machine.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from posecheck.check.checker import Checker
from posecheck.check.events import CheckerState, FrameResult, HoldSegment, Issue, Notice, Rep
from posecheck.check.spec_model import ExerciseSpec, SpecError
from posecheck.check.specs import available, spec_for
from posecheck.check.specs import load_spec as load_spec_file
from posecheck.check.strictness import StrictnessError, configured
from posecheck.pipeline import analyze as run_analysis
from posecheck.pose.landmarks import Landmark, Pose, PoseFrame
from posecheck.pose.lookout import pose_estimator
from posecheck.pose.models import ModelError, resolve_model
from posecheck.pose.recording import Recording, RecordingError, load_recording
from posecheck.report.files import ReportError, check_writable_dir, write_csv, write_json
from posecheck.report.sinks import Sink
from posecheck.report.text import format_summary
from posecheck.sources.base import RecordingSource, Source, SourceError
from posecheck.sources.open import open_source

__all__ = [
    "ERRORS",
    "Checker",
    "CheckerState",
    "ExerciseSpec",
    "FrameResult",
    "HoldSegment",
    "Issue",
    "Landmark",
    "ModelError",
    "Notice",
    "Pose",
    "PoseFrame",
    "Recording",
    "RecordingError",
    "Rep",
    "Report",
    "ReportError",
    "SourceError",
    "SpecError",
    "StrictnessError",
    "analyze",
    "configure",
    "exercises",
    "load_recording",
    "load_spec",
    "model_path",
]

#: Every error :func:`analyze` raises for input a person can fix; each is one line.
ERRORS: tuple[type[Exception], ...] = (
    SpecError,
    SourceError,
    ModelError,
    ReportError,
    RecordingError,
    StrictnessError,
)

PathLike = str | os.PathLike[str]


def exercises() -> list[str]:
    """The names of the built-in exercises (``posecheck specs list``)."""
    return available()


def model_path(
    variant: str = "full",
    pose_model: PathLike | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Path:
    """The pose model's ``.task`` file for :class:`PoseEstimator`, found or provisioned as
    the command line does (``pose_model``, ``$POSECHECK_POSE_MODEL``, the cache, Google's
    download, an offline build): :class:`ModelError` in one line when none can be had."""
    return Path(resolve_model(variant, pose_model, progress=on_progress).path)


def load_spec(name_or_path: PathLike | ExerciseSpec) -> ExerciseSpec:
    """A built-in exercise by name (``"plank"``), or a spec file by path (``my.toml``).

    A string is read as a path when it ends in ``.toml`` or names a directory; anything
    wrong raises :class:`SpecError` with one line (unknown names get the closest match).
    """
    if isinstance(name_or_path, ExerciseSpec):
        return name_or_path
    text = os.fspath(name_or_path)
    if isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or "/" in text:
        return load_spec_file(text)
    return spec_for(text)


def configure(
    exercise: PathLike | ExerciseSpec,
    strictness: str | None = None,
    rules: Iterable[str] | Mapping[str, Any] = (),
    config: PathLike | None = None,
) -> ExerciseSpec:
    """The exercise's spec with a strictness level and per-rule overrides applied.

    ``rules`` takes the command line's ``CODE.KEY=VALUE`` / ``CODE=off`` strings, or a
    mapping ``{"hips_sagging": {"below": -0.08}, "back_arched": "off"}``; ``config`` a
    settings file (``strictness`` and ``[rules.CODE]``), applied first.
    """
    # Always through the same code as the command line (level "normal" when none is given),
    # so the same settings give the same spec either way.
    return configured(load_spec(exercise), strictness, _rule_args(rules), config)


def _rule_args(rules: Iterable[str] | Mapping[str, Any]) -> list[str]:
    """A mapping of overrides as the ``CODE.KEY=VALUE`` strings the parser checks."""
    if not isinstance(rules, Mapping):
        if isinstance(rules, str):
            return [rules]
        return list(rules)
    out = []
    for code, value in rules.items():
        if value in ("off", False):
            out.append(f"{code}=off")
        elif isinstance(value, Mapping):
            out.extend(f"{code}.{key}={v!r}" for key, v in value.items())
        else:
            raise StrictnessError(
                f"rules[{code!r}]: give a dict like {{'below': -0.08}} or 'off', got {value!r}"
            )
    return out


class Report:
    """One analysed session: the JSON report as a dict, with a few handy attributes.

    :meth:`to_dict` is the report ``posecheck analyze --json`` writes (schema:
    docs/report-schema.md). :attr:`reps`, :attr:`issues` and friends are lists of plain
    dicts, ready for a table (``pandas.DataFrame(report.rep_table())``) with no pandas
    needed here.
    """

    __slots__ = ("_data", "reason")

    def __init__(self, data: Mapping[str, Any], reason: str | None = None) -> None:
        self._data = copy.deepcopy(dict(data))
        #: Why the run ended early ("interrupted", "source truncated", ...), else None.
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        """The whole report, as written to JSON (a copy: change it freely)."""
        return copy.deepcopy(self._data)

    @property
    def exercise(self) -> str:
        """The spec's name, e.g. ``"lunge"``."""
        return str(self._data["exercise"])

    @property
    def title(self) -> str:
        return str(self._data["title"])

    @property
    def kind(self) -> str:
        """``"reps"``, ``"alternating_reps"`` or ``"hold"``."""
        return str(self._data["kind"])

    @property
    def partial(self) -> bool:
        """True when the session was cut short (interrupted, the file ended early)."""
        return bool(self._data["partial"])

    @property
    def summary(self) -> dict[str, Any]:
        """Totals, targets and fractions of frames (docs/report-schema.md, summary)."""
        return copy.deepcopy(self._data["summary"])

    @property
    def rep_count(self) -> int:
        """Completed reps, both sides together."""
        return int(self._data["summary"]["reps"])

    @property
    def reps_by_side(self) -> dict[str, int]:
        """Reps per side (``{"left": 4, "right": 5}``); empty without sides."""
        return dict(self._data["summary"]["reps_by_side"])

    @property
    def hold_s(self) -> float:
        """Seconds held in position, counting a hold still running when the source ended
        (as the summary and the targets do)."""
        s = self._data["summary"]
        return float(max(s["hold_s"] or 0.0, s.get("live_hold_s") or 0.0))

    @property
    def good_hold_s(self) -> float:
        """Of :attr:`hold_s`, the seconds without an active form fault."""
        s = self._data["summary"]
        return float(max(s["good_hold_s"] or 0.0, s.get("live_good_hold_s") or 0.0))

    @property
    def reps(self) -> list[dict[str, Any]]:
        """One dict per rep, as in the JSON (``at_peak`` and ``ranges`` nested)."""
        return copy.deepcopy(self._data["reps"])

    @property
    def holds(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._data["holds"])

    @property
    def issues(self) -> list[dict[str, Any]]:
        """One dict per form fault: code, message, when, the value that broke the rule."""
        return copy.deepcopy(self._data["issues"])

    @property
    def notices(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._data["notices"])

    def rep_table(self) -> list[dict[str, Any]]:
        """The reps as flat rows (one value per cell) for a table: the rep's own fields,
        ``issues`` joined by ``;``, and each signal's ``<signal>_at_peak``,
        ``<signal>_min`` and ``<signal>_max``."""
        rows = []
        for rep in self._data["reps"]:
            row = {k: v for k, v in rep.items() if k not in ("at_peak", "ranges", "issues")}
            row["issues"] = ";".join(rep["issues"])
            for name, value in rep["at_peak"].items():
                row[f"{name}_at_peak"] = value
            for name, (low, high) in rep["ranges"].items():
                row[f"{name}_min"], row[f"{name}_max"] = low, high
            rows.append(row)
        return rows

    def text(self) -> str:
        """The summary ``posecheck analyze`` prints."""
        return format_summary(self._data)

    def write_json(self, path: PathLike) -> None:
        """Write the JSON report (atomically; :class:`ReportError` in one line)."""
        write_json(self._data, Path(path))

    def write_csv(self, path: PathLike) -> None:
        """Write the CSV event table (docs/report-schema.md)."""
        write_csv(self._data, Path(path))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        what = f"{self.hold_s:.1f} s held" if self.kind == "hold" else f"{self.rep_count} reps"
        n = len(self._data["issues"])
        return f"<Report {self.exercise}: {what}, {n} issue{'' if n == 1 else 's'}>"


def analyze(
    source: PathLike | Recording | Source,
    exercise: PathLike | ExerciseSpec,
    *,
    people: int = 1,
    model_variant: str = "full",
    pose_model: PathLike | None = None,
    strictness: str | None = None,
    rules: Iterable[str] | Mapping[str, Any] = (),
    config: PathLike | None = None,
    workers: int | None = None,
    json_path: PathLike | None = None,
    csv_path: PathLike | None = None,
    sinks: Sequence[Sink] = (),
    on_model_progress: Callable[[str], None] | None = None,
    full_rate: bool = False,
) -> Report:
    """Analyse a video file or a landmark recording; the same run as ``posecheck analyze``.

    ``source``: a video path, a ``.npz`` recording (path, or one loaded with
    :func:`load_recording`: no model is needed) or an open source. ``exercise``: a name,
    a spec file or a spec. ``people`` (1-4): coach the one doing the exercise among up to
    that many. ``model_variant`` (lite, full, heavy) or ``pose_model`` (a ``.task``
    file): the pose model, found or built as the CLI does (``on_model_progress`` hears
    about a download or build). ``strictness``, ``rules``, ``config``: see
    :func:`configure`. ``workers``: pose-model threads for a video (default: two on a
    multi-core machine; 1 keeps the pictures whole and in order for a sink that draws on
    them). ``full_rate``: run the pose model on every frame of a video instead of the
    adaptive rate (:mod:`posecheck.pose.sampling`: fewer frames where motion allows, the
    same answers). ``json_path`` / ``csv_path``: also write the report files. ``sinks``: more
    outputs (:mod:`posecheck.report.sinks`), each opened and closed here.

    Interrupting (Ctrl-C, a notebook's stop button) ends the run early and returns what
    was measured, marked :attr:`Report.partial`. Bad input raises one of :data:`ERRORS`
    with a one-line message, before any frame is read.
    """
    if not (isinstance(people, int) and 1 <= people <= 4):
        raise ValueError(f"people must be a whole number from 1 to 4, got {people!r}")
    if workers is not None and not (isinstance(workers, int) and 1 <= workers <= 4):
        raise ValueError(f"workers must be a whole number from 1 to 4, got {workers!r}")
    spec = configure(exercise, strictness, rules, config)
    for path in (json_path, csv_path):
        if path is not None:
            check_writable_dir(Path(path))
    src = _open(source)
    estimator: Any = None  # a PoseEstimator or a Lookout: both close()
    model = None
    try:
        if not isinstance(src, RecordingSource):
            model = resolve_model(model_variant, pose_model, progress=on_model_progress)
            src, estimator = pose_input(
                src, model.path, people, workers, None if full_rate else spec
            )
    except BaseException:
        src.close()
        raise
    try:
        data, result = run_analysis(
            src,
            spec,
            sinks,
            estimator,
            model,
            None if json_path is None else os.fspath(json_path),
            None if csv_path is None else os.fspath(csv_path),
        )
    finally:
        if estimator is not None:
            estimator.close()
    return Report(data, result.reason)


def adaptive_options(spec: ExerciseSpec | None, fps: float | None) -> dict[str, Any]:
    """The adaptive rate's settings for :class:`~posecheck.sources.parallel.ParallelPoseSource`
    (empty, every frame, without a spec): the base stride from the frame rate and what the
    exercise needs, and the exercise's watch over where to fill at full rate."""
    if spec is None:
        return {}
    from posecheck.check.frame_rate import needed_fps
    from posecheck.check.rate_watch import SpecWatch
    from posecheck.pose.sampling import stride_for

    return {"stride": stride_for(fps, needed_fps(spec)), "make_watch": lambda: SpecWatch(spec)}


def _open(source: PathLike | Recording | Source) -> Source:
    if isinstance(source, Recording):
        return RecordingSource(source)
    if isinstance(source, (str, os.PathLike)):
        return open_source(os.fspath(source))
    return source


def pose_input(
    source: Source,
    model_path: PathLike,
    people: int,
    workers: int | None,
    adaptive_for: ExerciseSpec | None = None,
) -> tuple[Source, Any]:
    """A video's frames with the pose model: on ``workers`` threads over parts of the file
        (the checker still in order), or one estimator (its ``close()`` is the caller's) for
    the loop to call frame by frame.

        ``workers`` None: :func:`posecheck.sources.parallel.worker_count` decides from the
        length. A live or non-file source always gets one estimator. ``adaptive_for``: the
        exercise, to run the model at the adaptive rate on a file (None: every frame).
    """
    from posecheck.sources.parallel import ParallelPoseSource, worker_count
    from posecheck.sources.video import VideoFile

    path = os.fspath(model_path)
    if isinstance(source, VideoFile) and not source.is_live:
        n = worker_count(workers, source.frame_count)
        if n > 1:
            source.close()
            parallel = ParallelPoseSource(
                source.name,
                lambda: pose_estimator(path, people),
                workers=n,
                **adaptive_options(adaptive_for, source.fps),
            )
            return parallel, None
    return source, pose_estimator(path, people)
