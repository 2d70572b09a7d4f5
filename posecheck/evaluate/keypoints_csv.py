"""Frame-labelled keypoint tables (the MIT-licensed plank/lunge CSVs) and frame-level
scoring of a spec's rules on them.

Column mapping: one row per frame; ``label`` is the frame's class (plank: ``C`` correct,
``L`` low back = hips sagging, ``H`` high hips = piked); then for each landmark present,
``<name>_x``, ``<name>_y`` (normalised to the frame, 0..1, as MediaPipe gives them),
``<name>_z`` (MediaPipe's relative depth) and ``<name>_v`` (visibility), with ``<name>``
our landmark name in lower case (``left_shoulder``, ``right_foot_index``, ``nose``...).
Landmarks a table leaves out (eyes, ears, mouth, hands) get visibility 0, so posecheck
treats them as unseen. The tables do not say the frame size: coordinates are scaled by an
assumed ``size`` (the scores are given for 16:9 and 4:3), since posecheck measures in pixels.

Rows are single frames, not a time series: a rule's ``for_s`` cannot apply, so each
continuous rule is judged on its threshold alone, frame by frame, after the position gate
(a frame outside the exercise's position gets no judgement, which counts as "not flagged").
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from posecheck.check.features import FeatureExtractor
from posecheck.check.spec_model import ExerciseSpec
from posecheck.pose.landmarks import NUM_LANDMARKS, Landmark


class KeypointsError(ValueError):
    """A keypoint table that cannot be read, phrased as one line."""


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled frame in pixels."""

    label: str
    px: list[list[float]]
    vis: list[float]
    z: list[float]


def read_rows(path: str | Path, size: tuple[int, int] = (1280, 720)) -> Iterator[Row]:
    """The frames of a keypoint CSV, scaled to ``size`` = (width, height) pixels."""
    w, h = size
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = set(reader.fieldnames or ())
            if "label" not in fields:
                raise KeypointsError(f"{path}: no 'label' column; see the column mapping")
            present = [lm for lm in Landmark if f"{lm.name.lower()}_x" in fields]
            if not present:
                raise KeypointsError(f"{path}: no '<landmark>_x/_y/_z/_v' columns")
            for n, row in enumerate(reader, 2):
                px = [[0.0, 0.0] for _ in range(NUM_LANDMARKS)]
                vis, z = [0.0] * NUM_LANDMARKS, [0.0] * NUM_LANDMARKS
                try:
                    for lm in present:
                        key = lm.name.lower()
                        px[lm] = [float(row[f"{key}_x"]) * w, float(row[f"{key}_y"]) * h]
                        z[lm] = float(row[f"{key}_z"])
                        vis[lm] = float(row[f"{key}_v"])
                except (TypeError, ValueError, KeyError) as exc:
                    raise KeypointsError(f"{path}: line {n}: not a number: {exc}") from None
                yield Row(row["label"], px, vis, z)
    except OSError as exc:
        raise KeypointsError(f"{path}: cannot read: {exc}") from None


@dataclass(frozen=True, slots=True)
class Score:
    """Frame-level confusion counts of one rule against one label."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else math.nan


def score_rules(
    spec: ExerciseSpec, rows: Iterator[Row], label_of_rule: dict[str, str]
) -> dict[str, Score]:
    """Frame-level scores of the spec's continuous rules named in ``label_of_rule``
    (rule code -> the label meaning that fault), e.g. {"hips_sagging": "L"}."""
    rules = {r.code: r for r in spec.rules if r.when == "continuous" and r.code in label_of_rule}
    missing = set(label_of_rule) - set(rules)
    if missing:
        raise KeypointsError(f"{spec.name}: no continuous rule(s) {sorted(missing)}")
    counts = {code: [0, 0, 0, 0] for code in rules}  # tp, fp, fn, tn
    for row in rows:
        values = FeatureExtractor(spec).compute(row.px, row.vis, row.z).values
        in_position = all(b.ok(values) for b in spec.position.require)
        for code, rule in rules.items():
            v = values.get(rule.signal or "", math.nan)
            flagged = in_position and not math.isnan(v) and rule.breaks(v)
            truth = row.label == label_of_rule[code]
            c = counts[code]
            c[0 if flagged and truth else 1 if flagged else 2 if truth else 3] += 1
    return {code: Score(*c) for code, c in counts.items()}
