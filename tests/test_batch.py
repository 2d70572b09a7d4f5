"""`posecheck analyze FOLDER/`: one report per file, an index, and a bad file listed
with its reason while the others still run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from posecheck.cli import main

REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"


def test_folder_analysis_writes_reports_and_an_index(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("pushup_side_a", "pushup_hip_sag_side_a"):
        shutil.copy(REC / f"{name}.npz", folder)
    (folder / "broken.mp4").write_text("not a video")
    (folder / "notes.txt").write_text("ignored")
    out = tmp_path / "reports"
    code = main(["analyze", str(folder), "-e", "push_up", "--out-dir", str(out), "--no-progress"])
    stdout, stderr = capsys.readouterr()
    assert code == 1  # one file could not be analysed
    index = json.loads((out / "index.json").read_text())
    by_file = {e["file"]: e for e in index["files"]}
    assert set(by_file) == {"broken.mp4", "pushup_side_a.npz", "pushup_hip_sag_side_a.npz"}
    assert "cannot open" in by_file["broken.mp4"]["error"]
    assert by_file["pushup_side_a.npz"]["summary"]["reps"] == 2
    sag = json.loads((out / "pushup_hip_sag_side_a.json").read_text())
    assert [i["code"] for i in sag["issues"]] == ["hips_sagging"]
    assert by_file["pushup_side_a.npz"]["exercise"] == "push_up"
    page = (out / "index.html").read_text()
    assert page.count("<tr>") == 4 and "hips_sagging x1" in page
    assert "<th>exercise</th>" in page and "<td>Push-up</td><td>2 reps</td>" in page
    assert "hold" not in page  # a rep exercise shows its reps only
    assert "2 of 3 files analysed" in stdout and "broken.mp4: cannot open" in stderr


def test_index_shows_a_hold_for_a_hold_exercise(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(REC / "plank_forearm_side_a.npz", folder)
    out = tmp_path / "reports"
    code = main(["analyze", str(folder), "-e", "plank", "--out-dir", str(out), "--no-progress"])
    capsys.readouterr()
    assert code == 0
    page = (out / "index.html").read_text()
    assert "<td>Plank</td><td>hold 0:11.0 (good form 0:10.7)</td>" in page
    assert "reps" not in page


def test_empty_folder_and_conflicting_options(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path), "-e", "plank"]) == 2
    assert "no video files in this folder" in capsys.readouterr().err
    shutil.copy(REC / "pushup_side_a.npz", tmp_path)
    assert main(["analyze", str(tmp_path), "-e", "plank", "--json", "x.json"]) == 2
    assert "reports go to --out-dir" in capsys.readouterr().err
