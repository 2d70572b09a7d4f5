"""Scoring exercise recognition against labels: per clip an outcome, over clips a confusion
matrix.

What people must be able to trust is that a name given is right; "not sure" costs a
question to the user, a wrong name costs a wrong report. So the outcomes are ordered:
``right`` (the labelled exercise named, or nothing named on a no-exercise control),
``unsure`` (nothing named, the labelled exercise among the candidates), ``missed``
(nothing named, and the candidates do not include it) and ``wrong`` (another exercise
named: the one outcome that must never happen).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from posecheck.workout.recognition import Recognition

NONE = "none"  #: the truth of a control clip (no exercise), and the answer "no exercise"
UNSURE = "not sure"
OUTCOMES = ("right", "unsure", "missed", "wrong")


def truth_of(label: Mapping[str, Any]) -> str:
    """The exercise a labels entry shows: its ``exercise``, or ``none`` for a control clip
    (``control = "no exercise: ..."``; its ``exercise`` only says which checker to run)."""
    if label.get("control"):
        return NONE
    return str(label["exercise"])


def answer(rec: Recognition) -> str:
    """The recognition in one word for a matrix column: the name, not sure, or none."""
    if rec.exercise is not None:
        return rec.exercise
    return UNSURE if rec.candidates else NONE


def outcome(truth: str, rec: Recognition) -> str:
    """right / unsure / missed / wrong (see the module's docstring)."""
    if rec.exercise is not None:
        return "right" if rec.exercise == truth else "wrong"
    if truth == NONE:
        return "right"
    if any(c.exercise == truth for c in rec.candidates):
        return "unsure"
    return "missed"


def confusion(pairs: Iterable[tuple[str, Recognition]]) -> dict[str, Counter[str]]:
    """truth -> counts of answers (names, ``not sure``, ``none``)."""
    table: dict[str, Counter[str]] = {}
    for truth, rec in pairs:
        table.setdefault(truth, Counter())[answer(rec)] += 1
    return table


def format_confusion(table: Mapping[str, Counter[str]]) -> str:
    """The confusion matrix as a Markdown table: a row per labelled exercise, a column per
    answer given (names first, then ``not sure`` and ``none``)."""
    names = sorted({a for row in table.values() for a in row} - {UNSURE, NONE})
    cols = names + [c for c in (UNSURE, NONE) if any(c in row for row in table.values())]
    lines = [
        "| labelled \\ named | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for truth in sorted(table):
        row = table[truth]
        cells = [str(row[c]) if row[c] else "." for c in cols]
        lines.append(f"| {truth} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def outcome_counts(outcomes: Iterable[str]) -> dict[str, int]:
    counts = Counter(outcomes)
    return {o: counts[o] for o in OUTCOMES}


def summarize_recognition(rows: Iterable[tuple[str, str, str]]) -> dict[str, Any] | None:
    """Over (truth, answer, outcome) rows, one per clip: the outcome counts and the
    confusion matrix (truth -> answer -> clips); None when no clip was recognised."""
    rows = list(rows)
    if not rows:
        return None
    table: dict[str, Counter[str]] = {}
    for truth, given, _ in rows:
        table.setdefault(truth, Counter())[given] += 1
    return {
        "clips": len(rows),
        **outcome_counts(o for _, _, o in rows),
        "confusion": {t: dict(c) for t, c in sorted(table.items())},
    }


def format_recognition(summary: Mapping[str, Any]) -> str:
    """The recognition lines of eval's table: outcome counts, then the confusion matrix."""
    head = (
        f"recognition: right {summary['right']} of {summary['clips']}, not sure with the "
        f"right one a candidate {summary['unsure']}, missed {summary['missed']}, "
        f"WRONG {summary['wrong']}"
    )
    table = {t: Counter(c) for t, c in summary["confusion"].items()}
    return head + "\n" + format_confusion(table)
