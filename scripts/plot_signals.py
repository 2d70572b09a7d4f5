"""Plot an exercise spec's signals on a real recording against what the labeller saw.

For each clip: every signal of the clip's spec over time (as the checker measured it, after
smoothing), the spec's position bounds and rep thresholds as lines, the labelled times
(active span, rep times, held or slouched spans) as shading and ticks, and what posecheck
decided (in position, reps counted, holds, time-line spans) in the bottom strip. This is
how the specs were rebuilt from real motion (issue 14): read the plot, see where the
labelled motion sits, set the thresholds from the movement with margins.

Usage: python scripts/plot_signals.py [CLIP ...] [--out docs/plots] [--labels LABELS.toml]
       [--exercise NAME]   (another spec on the same clip, e.g. for a cross-check)
Clips default to the new real-footage clips of issue 14. Needs matplotlib (the `docs`
extra; it comes with mediapipe too). The labels default to ../shared/sample_videos/
labels.toml for the rep times, else to sample_videos/expected.toml.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "sample_videos" / "recordings"
SHARED_LABELS = ROOT.parent / "shared" / "sample_videos" / "labels.toml"
CLIPS_14 = (
    "pull_up_side_a",
    "pull_up_front_a",
    "dead_hang_front_a",
    "high_knees_front_a",
    "cobra_side_then_front_a",
    "forward_bend_crossed_oblique_a",
    "jump_rope_front_b",
    "posture_side_a",
)


def load_labels(path: Path | None) -> dict[str, Any]:
    """The clips' labels: the shared labels (with rep times) when there, else expected.toml."""
    for p in (path, SHARED_LABELS, ROOT / "sample_videos" / "expected.toml"):
        if p is not None and p.is_file():
            return tomllib.loads(p.read_text(encoding="utf-8"))["clips"]
    raise SystemExit("plot_signals: error: no labels file found")


def run_checker(clip: str, exercise: str) -> dict[str, Any]:
    """Replay the clip's recording through the checker; keep every frame's signals."""
    from posecheck.check.checker import Checker
    from posecheck.check.events import HoldSegment, Issue, Rep, Span
    from posecheck.check.specs import spec_for
    from posecheck.pose.recording import load_recording

    spec = spec_for(exercise)
    checker = Checker(spec)
    t: list[float] = []
    values: dict[str, list[float]] = {name: [] for name in spec.signals}
    cycle: list[float] = []
    in_pos: list[bool] = []
    events: list[Any] = []
    for frame in load_recording(RECORDINGS / f"{clip}.npz").frames():
        result = checker.update(frame)
        events.extend(result.events)
        t.append(frame.t)
        seen = frame.pose is not None  # else the state repeats the last frame's signals
        for name in spec.signals:
            values[name].append(result.state.signals.get(name, math.nan) if seen else math.nan)
        cycle.append(checker.cycle_value if seen else math.nan)
        in_pos.append(result.state.in_position)
    events.extend(checker.finish())
    return {
        "spec": spec,
        "t": t,
        "values": values,
        "cycle": cycle,
        "in_position": in_pos,
        "reps": [e for e in events if isinstance(e, Rep)],
        "holds": [e for e in events if isinstance(e, HoldSegment)],
        "issues": [e for e in events if isinstance(e, Issue)],
        "spans": [e for e in events if isinstance(e, Span)],
    }


def _shade_labels(ax: Any, label: dict[str, Any], times: bool = True) -> None:
    """The labelled spans as shading; the labelled rep times as dashed lines if `times`."""
    span = label.get("active_span_s")
    if span:
        ax.axvspan(span[0], span[1], color="#eeeeee", zorder=0)
    for key, color in (("hold_spans_s", "#cdebcf"), ("slouch_spans_s", "#f6c9c0")):
        for a, b in label.get(key, []):
            ax.axvspan(a, b, color=color, zorder=0)
    if times:
        for x in label.get("rep_times_s", []) + label.get("rep_bottoms_s", []):
            ax.axvline(x, color="#3060c0", lw=0.6, ls="--", zorder=1)


def plot(clip: str, label: dict[str, Any], exercise: str, out: Path) -> Path:
    """One PNG per clip: a panel per signal, then what the checker decided."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = run_checker(clip, exercise)
    spec = run["spec"]
    names = list(spec.signals)
    has_cycle = spec.reps is not None and getattr(spec.reps, "cycle", None) is not None
    panels = len(names) + (1 if has_cycle else 0) + 1
    fig, axes = plt.subplots(panels, 1, figsize=(12, 1.5 * panels + 0.8), sharex=True)
    t = run["t"]
    bounds: dict[str, list[tuple[float, str]]] = {}
    for b in spec.position.require:
        for v in (b.min, b.max):
            if v is not None:
                bounds.setdefault(b.signal, []).append((v, "gate"))
    for b in spec.position.keep:
        for v in (b.min, b.max):
            if v is not None:
                bounds.setdefault(b.signal, []).append((v, "keep"))
    if spec.reps is not None:
        for b in spec.reps.require:
            for v in (b.min, b.max):
                if v is not None:
                    bounds.setdefault(b.signal, []).append((v, "rep gate"))
        if not has_cycle:
            bounds.setdefault(spec.reps.signal, []).extend(
                [(spec.reps.enter, "enter"), (spec.reps.exit, "exit")]
            )
    for rule in spec.rules:
        for v in (rule.above, rule.below):
            if rule.signal is not None and v is not None:
                bounds.setdefault(rule.signal, []).append((v, rule.code))
    styles = {"gate": ("#888888", ":"), "rep gate": ("#aa66cc", ":"), "enter": ("#2060d0", "-")}
    styles["exit"] = ("#60a0f0", "-")
    styles["keep"] = ("#1a9a8a", "-.")
    rep_signal = spec.reps.signal if spec.reps is not None else None
    for ax, name in zip(axes, names, strict=False):
        # Rep times only where they are read (a 67-jump clip drew 600 lines otherwise).
        _shade_labels(ax, label, times=name == rep_signal)
        ax.plot(t, run["values"][name], lw=0.9, color="black")
        for v, what in bounds.get(name, []):
            color, ls = styles.get(what, ("#d6401f", "--"))
            ax.axhline(v, color=color, ls=ls, lw=0.8)
        sig = spec.signals[name]
        ax.set_ylabel(f"{name}\n({sig.kind})", fontsize=7)
        ax.tick_params(labelsize=7)
        if name == rep_signal:
            for rep in run["reps"]:
                ax.axvline(rep.t_peak, color="#2a6f2a", lw=0.8, alpha=0.6)
    row = len(names)
    if has_cycle:
        ax = axes[row]
        _shade_labels(ax, label)
        ax.plot(t, run["cycle"], lw=0.9, color="black")
        ax.axhline(spec.reps.enter, color="#2060d0", lw=0.8)
        ax.axhline(spec.reps.exit, color="#60a0f0", lw=0.8)
        ax.set_ylabel(f"{spec.reps.signal}\nwithin its range", fontsize=7)
        ax.tick_params(labelsize=7)
        row += 1
    ax = axes[row]
    _shade_labels(ax, label)
    ax.fill_between(
        t,
        0,
        [1.0 if p else 0.0 for p in run["in_position"]],
        color="#9fc59f",
        step="post",
        label="in position",
    )
    for h in run["holds"]:
        ax.plot([h.t_start, h.t_end], [1.1, 1.1], color="#2a6f2a", lw=3)
    codes = sorted({s.code for s in run["spans"]})
    for s in run["spans"]:  # one row per time-line code, named
        y = 1.32 + 0.12 * codes.index(s.code)
        ax.plot([s.t_start, s.t_end], [y, y], color="#d6401f", lw=3)
        ax.text(s.t_end, y, f" {s.code}", fontsize=7, va="center")
    for i in run["issues"]:
        ax.plot([i.t_start, i.t_end], [1.2, 1.2], color="#8b0000", lw=3)
    for rep in run["reps"]:
        ax.plot([rep.t_peak], [0.5], marker="v", color="#2060d0")
    ax.set_ylim(-0.1, 1.35 + 0.12 * max(1, len(codes)))
    ax.set_yticks([])
    ax.set_ylabel("decided", fontsize=7)
    ax.set_xlabel("time (s)")
    measured = (
        f"{len(run['reps'])} reps"
        if spec.reps is not None
        else f"{sum(h.good_s for h in run['holds']):.1f} s held"
    )
    truth = (
        f"{label['reps']} reps"
        if "reps" in label
        else f"{label['hold_s']} s held"
        if "hold_s" in label
        else "spans: " + str(label.get("slouch_spans_s", label.get("hold_spans_s", "")))
    )
    fig.suptitle(
        f"{clip} - spec {exercise}: measured {measured}; labelled {truth}\n"
        "shading: grey labelled active span, green held, red slouched; rep signal: dashed blue "
        "labelled reps, green counted\nlines: dotted grey gate, dash-dot teal keep, dotted "
        "purple rep gate, blue enter/exit, dashed red rules",
        fontsize=8,
    )
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{clip}{'' if exercise == label['exercise'] else '.' + exercise}.png"
    fig.savefig(path, dpi=72)
    plt.close(fig)
    from PIL import Image  # matplotlib's own dependency

    with Image.open(path) as img:  # a few dozen colours: a third of the bytes in the repo
        small = img.convert("RGB").quantize(colors=48)
    small.save(path, optimize=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", default=list(CLIPS_14))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "plots")
    parser.add_argument("--labels", type=Path, default=None)
    parser.add_argument("--exercise", default=None, help="plot this spec instead of the clip's")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    for clip in args.clips:
        if clip not in labels:
            print(f"plot_signals: error: no clip {clip!r} in the labels", file=sys.stderr)
            return 2
        label = labels[clip]
        print(plot(clip, label, args.exercise or label["exercise"], args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
