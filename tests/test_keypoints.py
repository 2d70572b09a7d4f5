"""Frame-level judgement of the plank's sag and pike rules on the labelled MIT keypoint
tables (issue 4's goal: F1 >= 0.95 for both), and the table reader's errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import SHARED_VIDEOS

from posecheck.check.specs import spec_for
from posecheck.evaluate.keypoints_csv import KeypointsError, read_rows, score_rules
from posecheck.pose.landmarks import Landmark

KEYPOINTS = SHARED_VIDEOS / "keypoints"
FILES = ("plank_correct.csv", "plank_high_hip.csv", "plank_low_back.csv", "plank_mixed.csv")


@pytest.mark.parametrize("size", [(1280, 720), (640, 480)], ids=["16:9", "4:3"])
def test_plank_rules_reach_f1_095_on_labelled_frames(size: tuple[int, int]) -> None:
    if not all((KEYPOINTS / f).is_file() for f in FILES):
        pytest.skip(f"plank keypoint tables not found in {KEYPOINTS}")
    rows = itertools.chain.from_iterable(read_rows(KEYPOINTS / f, size) for f in FILES)
    scores = score_rules(spec_for("plank"), rows, {"hips_sagging": "L", "hips_piked": "H"})
    for code, s in scores.items():
        print(f"{size} {code}: P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}")
        assert s.tp + s.fp + s.fn + s.tn == 5202
        assert s.f1 >= 0.95, f"{code}: F1 {s.f1:.3f}"
        assert s.precision >= 0.98, f"{code}: a warning shown must be a real fault"


HEADER = "label,left_shoulder_x,left_shoulder_y,left_shoulder_z,left_shoulder_v\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", "no 'label' column"),
        ("label,foo\nC,1\n", "no '<landmark>_x/_y/_z/_v' columns"),
        (HEADER + "C,0.5,zz,0,1\n", "line 2: not a number"),
    ],
)
def test_bad_tables_are_one_line_errors(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(text)
    with pytest.raises(KeypointsError, match=message):
        list(read_rows(path))
    with pytest.raises(KeypointsError, match="cannot read"):
        list(read_rows(tmp_path / "missing.csv"))


def test_rows_are_scaled_to_pixels_and_absent_landmarks_unseen(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(HEADER + "L,0.5,0.25,-0.1,0.9\n")
    (row,) = read_rows(path, (1000, 400))
    assert row.label == "L"
    ls = Landmark.LEFT_SHOULDER
    assert row.px[ls] == [500.0, 100.0] and row.vis[ls] == 0.9 and row.z[ls] == -0.1
    assert row.vis[Landmark.NOSE] == 0.0  # the nose is not in this table
