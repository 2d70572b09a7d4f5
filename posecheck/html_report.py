"""One self-contained HTML page per analysis: summary, signal plot, issue pictures, rep table.

A coach opens the page from an e-mail or a shared folder, often offline, so everything is
inside it: CSS inline, the plot as a PNG data URI, issue pictures as JPEG data URIs, no
JavaScript and no network. :func:`build_html` is a pure function of the report dict
(``posecheck.report``), the per-frame signal series and the thumbnails; recording those
during a run is :mod:`posecheck.html_sink`'s job. Every text from outside (names, messages,
file paths) is escaped.

matplotlib (a mediapipe dependency) is imported inside :func:`plot_png` only, so importing
posecheck stays fast; without it the page says why there is no plot.
"""

from __future__ import annotations

import base64
import html
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecheck.report_text import format_time
from posecheck.spec_model import ExerciseSpec

#: Most signal panels in the plot: more makes each too flat to read.
MAX_PANELS = 4
#: Points per plotted line: longer series are reduced to per-bucket min and max, which
#: keeps every excursion visible at screen resolution and the plot fast for an hour's video.
MAX_POINTS = 4000

_UNITS = {"angle": "deg", "inclination": "deg", "lean": "deg", "tilt": "deg"}
_UNITS["offset"] = "of line length"
_REP, _REP_BAD, _FAULT, _HOLD, _OK = "#cfe0f5", "#fbe3c2", "#d6401f", "#cdebcf", "#2a6f2a"


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small JPEG of the video at an issue: ``t`` is the frame's own time."""

    t: float
    jpeg: bytes


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
    reps = spec.reps
    return PlotGuide(
        signals=tuple(names),
        rep_signal=reps.signal if reps is not None else None,
        enter=reps.enter if reps is not None else None,
        exit=reps.exit if reps is not None else None,
        limits={k: tuple(v) for k, v in limits.items()},
        units=units,
    )


def _unit(spec: ExerciseSpec, name: str) -> str:
    """The unit a signal is read in: degrees, or lengths of the segment it is divided by."""
    sig = spec.signals[name]
    if sig.kind in _UNITS:
        return _UNITS[sig.kind]
    return f"x {sig.per[0]}-{sig.per[1]}" if sig.per else "ratio"


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
    unit = guide.units.get(name)
    ax.set_ylabel(f"{name}\n({unit})" if unit else name, fontsize=9)
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


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "–" if x is None or not math.isfinite(x) else fmt.format(x)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f}%"


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _table(table_id: str, heads: Sequence[str], rows: Sequence[str]) -> str:
    """A table; ``heads`` are escaped here, ``rows`` are already-built ``<tr>`` markup."""
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return "\n".join([f'<table id="{table_id}"><tr>{head}</tr>', *rows, "</table>"])


def _tr(cells: Sequence[str], cls: str = "", num: Sequence[int] = ()) -> str:
    """A row of already-escaped cells; columns in ``num`` are right-aligned numbers."""
    tds = "".join(
        f'<td class="n">{c}</td>' if i in num else f"<td>{c}</td>" for i, c in enumerate(cells)
    )
    return f'<tr class="{cls}">{tds}</tr>' if cls else f"<tr>{tds}</tr>"


def _code(text: str) -> str:
    return f'<span class="code">{_e(text)}</span>' if text else ""


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;
background:#f3f5f8;margin:0}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:26px;margin:4px 0 2px}h2{font-size:19px;margin:28px 0 10px}
.sub{color:#5b6573;margin:0 0 14px;word-break:break-all}
.stats{display:flex;flex-wrap:wrap;gap:12px}
.stat{background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002;padding:10px 16px;
min-width:130px}
.stat b{display:block;font-size:28px;line-height:1.2}.stat span{color:#5b6573;font-size:13px}
.partial{background:#fff1c2;border:1px solid #e0b400;border-radius:8px;padding:10px 14px;
margin:10px 0}
.warn{color:#8a5a00}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:10px;overflow:hidden;
box-shadow:0 1px 3px #0002}
th,td{padding:6px 10px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}
th{background:#e9edf3;font-size:13px}td.n{font-variant-numeric:tabular-nums;white-space:nowrap}
tr.bad td{background:#fdf0ea}.code{font-family:ui-monospace,monospace;color:#b3321a}
.bar{background:#e4e8ee;border-radius:5px;height:10px;width:160px;display:inline-block}
.bar i{display:block;height:10px;border-radius:5px;background:#3a78c2}.bar i.met{background:#2e9a48}
img.plot{width:100%;display:block;background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002}
img.thumb{display:block;border-radius:6px;max-width:240px}
.muted{color:#6b7480}footer{margin-top:30px;color:#6b7480;font-size:13px}
"""


def _stats(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(id, value, label) of the big numbers at the top: what people look for first."""
    s, src = report["summary"], report["source"]
    stats: list[tuple[str, str, str]] = []
    if report["kind"] == "hold" or s["holds"]:
        hold = max(s["hold_s"] or 0.0, s.get("live_hold_s") or 0.0)
        good = max(s["good_hold_s"] or 0.0, s.get("live_good_hold_s") or 0.0)
        stats += [("hold", format_time(hold), "held"), ("good", format_time(good), "good form")]
    if report["kind"] != "hold" or s["reps"]:
        stats.append(("reps", str(s["reps"]), "reps"))
        stats += [(f"reps-{side}", str(n), f"{side} side") for side, n in s["reps_by_side"].items()]
    stats.append(("issues", str(len(report.get("issues", []))), "form issues"))
    stats.append(("duration", format_time(src["duration_s"]), "duration"))
    stats.append(("in-position", format_time(s["in_position_s"]), "in position"))
    return stats


#: How each target reads on the page.
_TARGET_NAMES = {
    "reps": "reps",
    "reps_per_side": "reps per side (weaker side)",
    "hold_s": "hold time",
    "good_hold_s": "good-form hold time",
    "duration_s": "time in position",
    "rate_per_min": "pace (reps/min)",
}


def _progress(progress: Mapping[str, Mapping[str, Any]]) -> str:
    rows = []
    for key, p in progress.items():
        frac = p["fraction"] or 0.0
        timed = key in ("hold_s", "good_hold_s", "duration_s")
        target, actual = (
            (format_time(p["target"]), format_time(p["actual"]))
            if timed
            else (_num(p["target"], "{:g}"), _num(p["actual"], "{:g}"))
        )
        met = ' class="met"' if p["met"] else ""
        bar = f'<span class="bar"><i{met} style="width:{frac * 100:.0f}%"></i></span>'
        done = f"{bar} {frac * 100:.0f}%" + (" ✓ met" if p["met"] else "")
        name = _e(_TARGET_NAMES.get(key, key))
        rows.append(_tr([name, target, actual, done], f"progress-{_e(key)}", num=(1, 2)))
    heads = ("target", "goal", "done", "progress")
    return "<h2>Progress against the targets</h2>" + _table("progress", heads, rows)


def _summary(report: Mapping[str, Any]) -> str:
    s, src = report["summary"], report["source"]
    out = ['<div class="stats">']
    for key, value, label in _stats(report):
        out.append(
            f'<div class="stat" id="stat-{_e(key)}"><b>{_e(value)}</b><span>{label}</span></div>'
        )
    out.append("</div>")
    if s.get("progress"):
        out.append(_progress(s["progress"]))
    vis = [
        f"pose found in {_pct(s['frames_with_pose'])} of frames",
        f"needed body parts seen in {_pct(s['frames_visible'])}",
        f"in position {format_time(s['in_position_s'])} of {format_time(src['duration_s'])}",
    ]
    lost = s.get("notice_counts", {}).get("not_visible", 0)
    if lost:
        vis.append(f"body not fully visible {lost} time{'s' if lost != 1 else ''}")
    if src.get("dropped_frames"):
        vis.append(f"{src['dropped_frames']} frames dropped to keep up")
    out.append(f'<p id="visibility"><b>Visibility:</b> {_e("; ".join(vis))}</p>')
    for w in src.get("warnings", []):
        out.append(f'<p class="warn source-warning">Source warning: {_e(w)}</p>')
    return "\n".join(out)


def _issues(report: Mapping[str, Any], thumbs: Mapping[int, Thumbnail], note: str | None) -> str:
    issues = report.get("issues", [])
    if not issues:
        return '<h2>Form issues</h2><p id="no-issues">No form issues.</p>'
    first: dict[str, str] = {}
    for x in issues:
        first.setdefault(x["code"], x["message"])
    kinds = [
        _tr([_code(code), str(n), _e(first.get(code, ""))], "issue-type", num=(1,))
        for code, n in report["summary"]["issue_counts"].items()
    ]
    out = ["<h2>Form issues</h2>", _table("issue-types", ("issue", "times", "what to do"), kinds)]
    if note:
        out.append(f'<p class="muted" id="thumb-note">{_e(note)}</p>')
    rows = []
    for x in issues:
        th = thumbs.get(x["index"])
        pic = '<span class="muted">no picture</span>'
        if th is not None:
            when = format_time(th.t)
            src = _data_uri("image/jpeg", th.jpeg)
            pic = f'<img class="thumb" id="thumb-{x["index"]}" alt="frame at {when}" src="{src}">'
            pic += f'<span class="muted">frame at {when}</span>'
        cells = [
            f"!{x['index']}",
            format_time(x["t_start"]),
            format_time(x["t_end"]),
            f"{_code(x['code'])}<br>{_e(x['message'])}",
            _num(x["value"], "{:.3g}"),
            str(x["rep_index"] or ""),
            pic,
        ]
        rows.append(_tr(cells, "issue", num=(0, 1, 2, 4, 5)))
    heads = ("#", "from", "to", "issue", "value", "rep", "picture")
    out += ["<h2>Each issue</h2>", _table("issues", heads, rows)]
    return "\n".join(out)


def _reps(report: Mapping[str, Any], rep_signal: str | None) -> str:
    reps = report.get("reps", [])
    if not reps:
        return "" if report["kind"] == "hold" else '<h2>Reps</h2><p id="no-reps">No reps.</p>'
    sig = rep_signal or next(iter(reps[0]["at_peak"]), None)
    rows = []
    for r in reps:
        cells = [
            str(r["index"]),
            _e(r["side"] or ""),
            format_time(r["t_start"]),
            format_time(r["t_peak"]),
            format_time(r["t_end"]),
            f"{_num(r['duration_s'])} s",
            _num(r["at_peak"].get(sig) if sig else None),
            ", ".join(_code(c) for c in r["issues"]),
        ]
        rows.append(_tr(cells, "rep bad" if r["issues"] else "rep", num=(0, 2, 3, 4, 5, 6)))
    heads = (
        "#",
        "side",
        "start",
        "peak",
        "end",
        "duration",
        f"{sig or 'signal'} at peak",
        "issues",
    )
    return "<h2>Reps</h2>" + _table("reps", heads, rows)


def _holds(report: Mapping[str, Any]) -> str:
    holds = report.get("holds", [])
    if not holds:
        return ""
    rows = [
        _tr(
            [str(h["index"])]
            + [format_time(h[k]) for k in ("t_start", "t_end", "duration_s", "good_s")],
            "hold",
            num=(0, 1, 2, 3, 4),
        )
        for h in holds
    ]
    heads = ("#", "start", "end", "held", "good form")
    return "<h2>Holds</h2>" + _table("holds", heads, rows)


def _plot(report: Mapping[str, Any], series: Series | None, guide: PlotGuide) -> str:
    if series is None or not len(series.t):
        return '<p class="muted" id="no-plot">No frames were recorded, so there is no plot.</p>'
    try:
        png = plot_png(report, series, guide)
    except ImportError as exc:
        return f'<p class="muted" id="no-plot">No plot: matplotlib is missing ({_e(exc)}).</p>'
    uri = _data_uri("image/png", png)
    return f'<img class="plot" id="plot" alt="signals over time" src="{uri}">'


def build_html(
    report: Mapping[str, Any],
    series: Series | None = None,
    guide: PlotGuide | None = None,
    thumbnails: Mapping[int, Thumbnail] | None = None,
    thumbnail_note: str | None = None,
) -> str:
    """The whole page as one string. ``thumbnails`` maps an issue's ``index`` to its picture."""
    guide = guide if guide is not None else PlotGuide()
    src = report["source"]
    title = _e(report["title"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{title} – posecheck report</title><style>{_CSS}</style></head>",
        "<body><main>",
        f'<h1 id="title">{title}</h1>',
        f'<p class="sub" id="source">{_e(src["name"])} · {format_time(src["duration_s"])} · '
        f"{src['width']}×{src['height']} · {_e(report['exercise'])}</p>",
    ]
    if report.get("partial"):
        parts.append(
            '<div class="partial" id="partial"><b>Partial session:</b> the analysis ended '
            "early; the totals cover only what was processed.</div>"
        )
    parts += [_summary(report), "<h2>Signals over time</h2>", _plot(report, series, guide)]
    parts += [_issues(report, thumbnails or {}, thumbnail_note), _reps(report, guide.rep_signal)]
    parts.append(_holds(report))
    model = report.get("model") or {}
    foot = f"{_e(report['generator'])} · {src['frames']} frames at {_num(src['fps'])} fps"
    if model.get("variant"):
        foot += f" · model {_e(model['variant'])}"
    parts.append(f"<footer>{foot}</footer></main></body></html>\n")
    return "\n".join(p for p in parts if p)
