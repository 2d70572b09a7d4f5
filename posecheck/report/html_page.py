"""One self-contained HTML page per analysis: summary, signal plot, issue pictures, rep table.

A coach opens the page from an e-mail or a shared folder, often offline, so everything is
inside it: CSS inline, the plot as a PNG data URI, issue pictures as JPEG data URIs and
issue clips as H.264 MP4 data URIs in ``<video>`` (muted, looping, with controls, the
moment as the poster), no JavaScript and no network. :func:`build_html` is a pure function
of the report dict (``posecheck.report.builder``), the per-frame signal series and the media;
recording those during a run is :mod:`posecheck.report.html_sink`'s job. Every text from outside
(names, messages, file paths) is escaped.

matplotlib (a mediapipe dependency) is imported inside :func:`plot_png` only, so importing
posecheck stays fast; without it the page says why there is no plot.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecheck.report.html_plot import (
    MAX_POINTS,
    PlotGuide,
    Series,
    _reduce,
    guide_from_spec,
    plot_png,
)
from posecheck.report.text import format_time

__all__ = [
    "MAX_POINTS",
    "Clip",
    "PlotGuide",
    "Series",
    "Thumbnail",
    "_reduce",
    "build_html",
    "guide_from_spec",
    "plot_png",
]


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small JPEG of the video at an issue: ``t`` is the frame's own time."""

    t: float
    jpeg: bytes


@dataclass(frozen=True, slots=True)
class Clip:
    """A few seconds around an issue: an MP4 (H.264, or VP9 where there is no H.264
    encoder) from ``t_start`` to ``t_end``, and its poster, a JPEG of the frame at
    ``t_poster``."""

    t_start: float
    t_end: float
    t_poster: float
    mp4: bytes
    poster: bytes


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
video.clip{display:block;border-radius:6px;max-width:360px;background:#000}
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
        label = report.get("side_label")  # what a side is: "front leg", "supporting leg"
        stats += [
            (f"reps-{side}", str(n), f"{label}: {side}" if label else f"{side} side")
            for side, n in s["reps_by_side"].items()
        ]
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


def _progress(progress: Mapping[str, Mapping[str, Any]], side_label: str | None) -> str:
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
        name = _TARGET_NAMES.get(key, key)
        if key == "reps_per_side" and side_label:  # "reps per front leg (weaker side)"
            name = name.replace("per side", f"per {side_label}")
        name = _e(name)
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
        out.append(_progress(s["progress"], report.get("side_label")))
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


def _media_cell(index: int, thumb: Thumbnail | None, clip: Clip | None) -> str:
    """The issue's clip (its moment as the poster), else its still, else why there is none."""
    if clip is not None:
        when = format_time(clip.t_poster)
        span = f"{format_time(clip.t_start)}–{format_time(clip.t_end)}"
        return (
            f'<video class="clip" id="clip-{index}" muted loop controls playsinline '
            f'preload="auto" aria-label="clip {span}, frame shown at {when}" '
            f'poster="{_data_uri("image/jpeg", clip.poster)}" '
            f'src="{_data_uri("video/mp4", clip.mp4)}"></video>'
            f'<span class="muted">clip {span}, frame at {when}</span>'
        )
    if thumb is not None:
        when = format_time(thumb.t)
        src = _data_uri("image/jpeg", thumb.jpeg)
        pic = f'<img class="thumb" id="thumb-{index}" alt="frame at {when}" src="{src}">'
        return pic + f'<span class="muted">frame at {when}</span>'
    return '<span class="muted">no picture</span>'


def _issue_reps(issue: Mapping[str, Any]) -> list[int]:
    """The reps an issue marked (``reps``; a report from before that key: ``rep_index``)."""
    if "reps" in issue:
        return list(issue["reps"])
    return [issue["rep_index"]] if issue["rep_index"] else []


def _issues(
    report: Mapping[str, Any],
    thumbs: Mapping[int, Thumbnail],
    note: str | None,
    clips: Mapping[int, Clip],
) -> str:
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
        i = x["index"]
        cells = [
            f"!{i}",
            format_time(x["t_start"]),
            format_time(x["t_end"]),
            f"{_code(x['code'])}<br>{_e(x['message'])}",
            _num(x["value"], "{:.3g}"),
            ", ".join(str(r) for r in _issue_reps(x)),
            _media_cell(i, thumbs.get(i), clips.get(i)),
        ]
        rows.append(_tr(cells, "issue", num=(0, 1, 2, 4, 5)))
    heads = ("#", "from", "to", "issue", "value", "reps", "picture")
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
        report.get("side_label") or "side",
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
    clips: Mapping[int, Clip] | None = None,
) -> str:
    """The whole page as one string. ``thumbnails`` and ``clips`` map an issue's ``index``
    to its picture and its clip (shown instead of the picture)."""
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
    parts.append(_issues(report, thumbnails or {}, thumbnail_note, clips or {}))
    parts.append(_reps(report, guide.rep_signal))
    parts.append(_holds(report))
    model = report.get("model") or {}
    foot = f"{_e(report['generator'])} · {src['frames']} frames at {_num(src['fps'])} fps"
    if model.get("variant"):
        foot += f" · model {_e(model['variant'])}"
    parts.append(f"<footer>{foot}</footer></main></body></html>\n")
    return "\n".join(p for p in parts if p)
