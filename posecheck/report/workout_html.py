"""The HTML page of a whole workout: a timeline of the session, then a section per set.

Like the single-exercise page (:mod:`posecheck.report.html_page`) it is one file with
everything inside, no JavaScript, every outside text escaped. The timeline is an inline
SVG: one bar per set on the session's time axis, coloured by exercise (grey hatched when
the recogniser was not sure), the rests as the gaps between; each bar links to its set's
section, which shows the set's reps or hold and its issues as the exercise's own page
would.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from posecheck.check.events import format_time
from posecheck.report.html_page import _CSS
from posecheck.report.workout import set_issues_text, set_result_text

#: Bar colours by exercise, in order of first appearance: the colour-blind safe eight
#: first, then darker and lighter tones, so a long workout's exercises stay apart.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
    "#7f3c8d",
    "#11a579",
    "#3969ac",
    "#f2b701",
    "#e73f74",
    "#80ba5a",
    "#e68310",
    "#008695",
)
_W, _H, _PAD = 1100, 90, 10  # timeline size in px: bars between y 20 and 60

_MORE_CSS = """
svg.timeline{width:100%;height:auto;background:#fff;border-radius:10px;
box-shadow:0 1px 3px #0002}
.legend span{display:inline-block;margin:6px 14px 0 0}.legend i{display:inline-block;
width:12px;height:12px;border-radius:3px;margin-right:5px;vertical-align:-1px}
section.set{background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002;
padding:10px 16px;margin:14px 0}
section.set h3{margin:4px 0}
"""


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def colours(report: Mapping[str, Any]) -> dict[str, str]:
    """A colour per recognised exercise, in order of first appearance."""
    out: dict[str, str] = {}
    for s in report["sets"]:
        ex = s["exercise"]
        if ex is not None and ex not in out:
            out[ex] = PALETTE[len(out) % len(PALETTE)]
    return out


def timeline_svg(report: Mapping[str, Any]) -> str:
    """The session on one axis: a bar per set, the rests between, minute ticks."""
    src = report["source"]
    t0 = src["t_first"] or 0.0
    span = max((src["t_last"] or 0.0) - t0, 1e-6)
    colour = colours(report)

    def x(t: float) -> float:
        return _PAD + (t - t0) / span * (_W - 2 * _PAD)

    parts = [
        f'<svg class="timeline" id="timeline" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="session timeline" xmlns="http://www.w3.org/2000/svg">',
        '<defs><pattern id="unsure" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#c9ced6"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8b939e" stroke-width="3"/></pattern></defs>',
        f'<rect x="{_PAD}" y="36" width="{_W - 2 * _PAD}" height="8" fill="#e4e8ee" rx="4"/>',
    ]
    step = 60.0 if span > 120 else 10.0
    k = 0
    while k * step <= span:
        tx = x(t0 + k * step)
        anchor = "start" if k == 0 else "middle"
        parts.append(
            f'<line x1="{tx:.1f}" y1="64" x2="{tx:.1f}" y2="70" stroke="#8b939e"/>'
            f'<text x="{tx:.1f}" y="84" font-size="11" text-anchor="{anchor}" '
            f'fill="#5b6573">{format_time(k * step)[:-2]}</text>'
        )
        k += 1
    for s in report["sets"]:
        a, b = x(s["start"]), x(s["end"])
        fill = colour.get(s["exercise"], "url(#unsure)")
        tip = f"#{s['index']} {s['label']}: {set_result_text(s)}"
        parts.append(
            f'<a href="#set-{s["index"]}"><rect class="setbar" id="bar-{s["index"]}" '
            f'x="{a:.1f}" y="20" width="{max(b - a, 2.0):.1f}" height="40" rx="3" '
            f'fill="{fill}"><title>{_e(tip)}</title></rect></a>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{c}"></i>{_e(ex)}</span>' for ex, c in colour.items()
    )
    if any(s["exercise"] is None for s in report["sets"]):
        legend += '<span><i style="background:#c9ced6"></i>not sure</span>'
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _set_section(s: Mapping[str, Any]) -> str:
    rec = s["recognition"]
    head = (
        f'<section class="set" id="set-{s["index"]}"><h3>Set {s["index"]}: {_e(s["label"])}'
        f'</h3><p class="sub">{format_time(s["start"])} – {format_time(s["end"])} '
        f"({s['duration_s']:.1f} s) · recognition: {_e(rec['reason'])}</p>"
    )
    rows = [
        f"<tr><th>result</th><td>{_e(set_result_text(s))}</td></tr>",
        f"<tr><th>issues</th><td>{_e(set_issues_text(s))}</td></tr>",
    ]
    rep = s["report"]
    if rep is not None:
        for i in rep["issues"]:
            rows.append(
                f'<tr class="issue bad"><td class="n">{format_time(i["t_start"])}</td>'
                f'<td><span class="code">{_e(i["code"])}</span> {_e(i["message"])}</td></tr>'
            )
        for r in rep["reps"]:
            side = f" ({_e(r['side'])})" if r.get("side") else ""
            flags = ", ".join(r.get("issues") or []) or "ok"
            rows.append(
                f'<tr class="rep"><td class="n">rep {r["index"]}{side}</td>'
                f"<td>{format_time(r['t_start'])} – {format_time(r['t_end'])} · "
                f"{_e(flags)}</td></tr>"
            )
    return head + "<table>" + "".join(rows) + "</table></section>"


def _totals(report: Mapping[str, Any]) -> str:
    rows = []
    for name, t in report["totals"].items():
        sides = " | ".join(f"{k[:1].upper()} {v}" for k, v in t["reps_by_side"].items())
        issues = ", ".join(f"{c} ×{n}" for c, n in t["issue_counts"].items()) or "none"
        rows.append(
            f'<tr class="total"><td>{_e(name)}</td><td class="n">{t["sets"]}</td>'
            f'<td class="n">{t["reps"]}{" (" + sides + ")" if sides else ""}</td>'
            f'<td class="n">{format_time(t["hold_s"]) if t["hold_s"] else "–"}</td>'
            f"<td>{_e(issues)}</td></tr>"
        )
    head = "<tr><th>exercise</th><th>sets</th><th>reps</th><th>held</th><th>issues</th></tr>"
    return f'<table id="totals">{head}{"".join(rows)}</table>'


def _amount(key: str, value: float) -> str:
    return format_time(value) if key.endswith("_s") else f"{value:g}"


def _routine(section: Mapping[str, Any] | None) -> str:
    if not section:
        return ""
    rows = []
    for s in section["steps"]:
        got = "; ".join(
            f"{k} {_amount(k, p['actual'])} of {_amount(k, p['target'])}"
            for k, p in s["progress"].items()
        )
        state = "met" if s["met"] else ("done" if s["done"] else "not done")
        sets = ", ".join(f"#{i}" for i in s["sets"]) or "–"
        rows.append(
            f'<tr class="step"><td class="n">{s["number"]}</td><td>{_e(s["exercise"])}</td>'
            f"<td>{_e(s['target_text'])}</td><td>{sets}</td><td>{_e(got) or '–'}</td>"
            f"<td>{state}</td></tr>"
        )
    head = (
        "<tr><th>step</th><th>exercise</th><th>target</th><th>sets</th><th>got</th><th></th></tr>"
    )
    return (
        f'<h2>Routine: {_e(section["title"])}</h2><table id="routine">{head}{"".join(rows)}</table>'
    )


def build_workout_html(report: Mapping[str, Any]) -> str:
    """The whole page as one string, from a workout report dict."""
    src, s = report["source"], report["summary"]
    unsure = f" ({s['sets_not_sure']} not sure)" if s["sets_not_sure"] else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Workout – posecheck report</title><style>{_CSS}{_MORE_CSS}</style></head>",
        "<body><main>",
        '<h1 id="title">Workout</h1>',
        f'<p class="sub" id="source">{_e(src["name"])} · {format_time(src["duration_s"])} · '
        f"{s['sets']} sets{unsure} · active {format_time(s['active_s'])} · rest "
        f"{format_time(s['rest_s'])}</p>",
        "<h2>Session timeline</h2>",
        timeline_svg(report),
        "<h2>Totals per exercise</h2>",
        _totals(report),
        _routine(report.get("routine")),
        "<h2>Sets</h2>",
        *(_set_section(x) for x in report["sets"]),
        f"<footer>{_e(report['generator'])} · {src['frames']} frames</footer>",
        "</main></body></html>\n",
    ]
    return "\n".join(p for p in parts if p)
