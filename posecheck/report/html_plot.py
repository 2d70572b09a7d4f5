"""The signal plot of the HTML report: key signals over time, reps, issues, thresholds.

Kept apart from the page so each file reads at once; matplotlib (a mediapipe dependency)
is imported inside :func:`plot_png` only, so importing posecheck stays fast.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecheck.check.spec_model import ExerciseSpec

#: Most signal panels in the plot: more makes each too flat to read.
MAX_PANELS = 4
#: Points per plotted line: longer series are reduced to per-bucket min and max, which
#: keeps every excursion visible at screen resolution and the plot fast for an hour's video.
MAX_POINTS = 4000

_UNITS = {"angle": "deg", "inclination": "deg", "lean": "deg", "tilt": "deg"}
_REP, _REP_BAD, _FAULT, _HOLD, _OK = "#cfe0f5", "#fbe3c2", "#d6401f", "#cdebcf", "#2a6f2a"


@dataclass(frozen=True, slots=True)
class Series:
    """Per-frame times and signal values (NaN where not measured) for the plot."""

    t: Sequence[float]
    values: Mapping[str, Sequence[float]]


@dataclass(frozen=True, slots=True)
class PlotGuide:
    """What the spec says about the plotted signals: the rep thresholds and rule limits."""

    signals: tuple[str, ...] = ()
    rep_signal: str | None = None
    enter: float | None = None
    exit: float | None = None
    limits: Mapping[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)  # what a person sees, per signal


def guide_from_spec(spec: ExerciseSpec) -> PlotGuide:
    """The key signals of an exercise: the counting signal first, then those rules judge."""
    names: list[str] = []
    limits: dict[str, list[tuple[str, float]]] = {}
    if spec.reps is not None:
        names.append(spec.reps.signal)
    for rule in spec.rules:
        if rule.signal is None or rule.signal not in spec.signals:
            continue
        if rule.signal not in names:
            names.append(rule.signal)
        for bound in (rule.above, rule.below):
            if bound is not None:
                limits.setdefault(rule.signal, []).append((rule.code, bound))
    if not names:  # no rules (a timed set): show what decides the position instead
        names = [b.signal for b in spec.position.require][:1] or list(spec.signals)[:1]
    names = names[:MAX_PANELS]
    units = {n: _unit(spec, n) for n in names if n in spec.signals}
    labels = {n: spec.signals[n].label or readable(n) for n in names if n in spec.signals}
    reps = spec.reps
    return PlotGuide(
        signals=tuple(names),
        rep_signal=reps.signal if reps is not None else None,
        enter=reps.enter if reps is not None else None,
        exit=reps.exit if reps is not None else None,
        limits={k: tuple(v) for k, v in limits.items()},
        units=units,
        labels=labels,
    )


def readable(name: str) -> str:
    """A signal name as words, for a signal without a label: ``knee_bend`` -> ``knee bend``."""
    return name.replace("_", " ")


#: Body segments as people name them: the unit of a distance read in that segment's length.
_SEGMENTS = {
    frozenset(("hip", "knee")): "thigh lengths",
    frozenset(("knee", "ankle")): "shin lengths",
    frozenset(("shoulder", "hip")): "torso lengths",
    frozenset(("shoulder", "elbow")): "upper-arm lengths",
    frozenset(("elbow", "wrist")): "forearm lengths",
    frozenset(("shoulder", "other.shoulder")): "shoulder widths",
    frozenset(("hip", "other.hip")): "hip widths",
    frozenset(("ankle", "other.ankle")): "foot-to-foot distances",
}


def _unit(spec: ExerciseSpec, name: str) -> str:
    """The unit a signal is read in: degrees, or lengths of the body segment it is divided
    by, named as people name it ("thigh lengths", not "x hip-knee")."""
    sig = spec.signals[name]
    if sig.kind == "offset":  # the middle point's distance off the line through the others
        return f"share of the {sig.points[1]}-{sig.points[2]} length"
    if sig.kind in _UNITS:
        return _UNITS[sig.kind]
    if not sig.per:
        return "ratio"
    a, b = (p.removeprefix("mid.") for p in sig.per)
    if a.startswith("other.") and b.startswith("other."):  # the other leg's thigh is a thigh
        a, b = a.removeprefix("other."), b.removeprefix("other.")
    return _SEGMENTS.get(frozenset((a, b)), f"{a}-{b} lengths")


def _reduce(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most MAX_POINTS points: each bucket's min and max (NaN where all are NaN)."""
    n = len(t)
    if n <= MAX_POINTS:
        return t, v
    k = math.ceil(n / (MAX_POINTS // 2))
    m = n // k * k
    tb, vb = t[:m].reshape(-1, k), v[:m].reshape(-1, k)
    with warnings.catch_warnings():  # an all-NaN bucket (nobody in view) stays a gap
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(vb, axis=1), np.nanmax(vb, axis=1)
    ts = np.repeat(tb[:, 0], 2)
    ts[1::2] = tb[:, -1]
    vs = np.empty(2 * len(lo))
    vs[0::2], vs[1::2] = lo, hi
    return ts, vs


def _spans(ax: Any, report: Mapping[str, Any]) -> None:
    """Holds, reps and issues as vertical spans: the same time marks on every panel."""
    for h in report.get("holds", []):
        ax.axvspan(h["t_start"], h["t_end"], color=_HOLD, lw=0, zorder=0)
    for r in report.get("reps", []):
        ax.axvspan(r["t_start"], r["t_end"], color=_REP_BAD if r["issues"] else _REP, lw=0)
    for x in report.get("issues", []):
        # A faint wash over the span plus a solid strip along the bottom, so an issue stays
        # readable where it overlaps a rep's shading.
        ax.axvspan(x["t_start"], x["t_end"], color=_FAULT, alpha=0.08, lw=0)
        ax.axvspan(x["t_start"], x["t_end"], ymin=0, ymax=0.05, color=_FAULT, lw=0)
        ax.axvline(x["t_start"], color=_FAULT, lw=0.9)


def _signal(ax: Any, name: str, t: np.ndarray, series: Series, guide: PlotGuide) -> None:
    """One signal with the rep thresholds (green) or the rules' limits (red) it is held to."""
    tv, vv = _reduce(t, np.asarray(series.values[name], dtype=float))
    ax.plot(tv, vv, color="#1f3b73", lw=1.1)
    label, unit = guide.labels.get(name) or readable(name), guide.units.get(name)
    # Wrapped to fit beside a panel 1.8 inches tall (about 26 characters a line at 8 pt).
    text = textwrap.fill(label, 26) + (f"\n{textwrap.fill(f'({unit})', 26)}" if unit else "")
    ax.set_ylabel(text, fontsize=8)
    marks: list[tuple[str, float, str, str]] = []
    if name == guide.rep_signal:
        marks += [(f"rep enter {guide.enter:g}", guide.enter, "--", _OK)] if guide.enter else []
        marks += [(f"rep exit {guide.exit:g}", guide.exit, ":", _OK)] if guide.exit else []
    marks += [(f"{code} {y:g}", y, "-.", _FAULT) for code, y in guide.limits.get(name, ())]
    for label, y, style, colour in marks:
        ax.axhline(y, color=colour, ls=style, lw=1)
        ax.annotate(
            label, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
            textcoords="offset points", va="center", fontsize=7.5, color=colour,
            annotation_clip=False,
        )  # fmt: skip


def plot_png(report: Mapping[str, Any], series: Series, guide: PlotGuide) -> bytes:
    """The key signals over time with reps, holds and issue spans marked, as PNG bytes.

    Raises ImportError when matplotlib is missing (the caller explains it on the page).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    names = [n for n in guide.signals if n in series.values] or list(series.values)[:MAX_PANELS]
    t = np.asarray(series.t, dtype=float)
    panels = max(1, len(names))
    fig = Figure(figsize=(11.5, 1.0 + 1.8 * panels), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        _spans(ax, report)
        if i < len(names):
            _signal(ax, names[i], t, series, guide)
        ax.grid(True, color="#e6e6e6", lw=0.6)
        ax.tick_params(labelsize=8)
    top = axes[0]
    reps, issues = report.get("reps", []), report.get("issues", [])
    every = max(1, math.ceil(len(reps) / 60))  # numbers stay legible on a long set
    for r in reps[::every]:
        top.annotate(
            str(r["index"]), ((r["t_start"] + r["t_end"]) / 2, 1.0),
            xycoords=("data", "axes fraction"), xytext=(0, 2), textcoords="offset points",
            ha="center", va="bottom", fontsize=8, color="#1f3b73", weight="bold",
        )  # fmt: skip
    for x in issues[:: max(1, math.ceil(len(issues) / 60))]:
        top.annotate(
            f"!{x['index']}", (x["t_start"], 0.05), xycoords=("data", "axes fraction"),
            xytext=(2, 2), textcoords="offset points", fontsize=8, color=_FAULT, weight="bold",
        )  # fmt: skip
    if len(t):
        axes[-1].set_xlim(float(t[0]), float(t[-1]))
    axes[-1].set_xlabel("time (s)", fontsize=9)
    legend: list[Any] = []
    if reps:
        legend += [Patch(color=_REP, label="rep (number above)")]
        legend += (
            [Patch(color=_REP_BAD, label="rep with an issue")]
            if report["summary"]["reps_with_issues"]
            else []
        )
    if report.get("holds"):
        legend.append(Patch(color=_HOLD, label="hold"))
    if issues:
        legend.append(Patch(color=_FAULT, label="form issue (!n, as in the table)"))
    if guide.rep_signal in names:
        legend.append(Line2D([], [], color=_OK, ls="--", label="rep thresholds"))
    if any(guide.limits.get(n) for n in names):
        legend.append(Line2D([], [], color=_FAULT, ls="-.", label="rule limits"))
    if legend:
        fig.legend(handles=legend, loc="outside upper left", ncol=6, fontsize=8, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# --------------------------------------------------------------------------- page
