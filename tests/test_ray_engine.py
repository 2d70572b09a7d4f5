"""``analyze FOLDER --engine ray``: a real local Ray cluster (2 CPUs) started here, the real
pose model on two shared clips and a broken file: the reports are the default engine's
bytes, the failure is listed, a rerun resumes. Skipped when Ray is not installed."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import SHARED_VIDEOS

from posecheck.cli import main

CLIPS = ("pushup_hip_sag_side_a.mp4", "plank_forearm_side_b.mp4")
needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="Ray is not installed (pip install -e '.[ray]')",
)


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="warning")
    yield ray
    ray.shutdown()


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in CLIPS:
        if not (SHARED_VIDEOS / name).exists():
            pytest.skip(f"shared clip {name} missing")
        (folder / name).symlink_to(SHARED_VIDEOS / name)
    (folder / "broken.mp4").write_text("not a video\n", encoding="utf-8")
    return folder


def _no_clips(page: str) -> str:
    """The HTML without its embedded issue clips: their MP4 bytes differ between any two
    runs of the default engine too (the encoder), the rest of the page must not."""
    return re.sub(r"data:video/mp4;base64,[A-Za-z0-9+/=]+", "data:video/mp4;base64,", page)


@needs_ray
@pytest.mark.e2e
def test_ray_engine_matches_the_default_lists_failures_and_resumes(
    tmp_path: Path, model_path: Path, ray_cluster, capsys
) -> None:
    folder = _folder(tmp_path)
    common = ["-e", "push_up", "--pose-model", str(model_path), "--no-progress"]
    out = tmp_path / "ray"
    ref = tmp_path / "threads"
    assert main(["analyze", str(folder), *common, "--engine", "ray", "--out-dir", str(out)]) == 1
    err = capsys.readouterr().err
    assert "posecheck: broken.mp4: cannot open" in err
    assert main(["analyze", str(folder), *common, "--out-dir", str(ref)]) == 1
    capsys.readouterr()

    # the same bytes as the default engine, report by report, and the same index
    for name in CLIPS:
        stem = Path(name).stem
        assert (out / f"{stem}.json").read_bytes() == (ref / f"{stem}.json").read_bytes()
        ours = (out / f"{stem}.html").read_text(encoding="utf-8")
        theirs = (ref / f"{stem}.html").read_text(encoding="utf-8")
        assert _no_clips(ours) == _no_clips(theirs)
    assert (out / "index.json").read_bytes() == (ref / "index.json").read_bytes()
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))["files"]
    assert [e["file"] for e in index] == sorted([*CLIPS, "broken.mp4"])
    broken = next(e for e in index if e["file"] == "broken.mp4")
    assert broken["report"] is None and "cannot open" in broken["error"]
    assert all(e["report"] and e["summary"] for e in index if e["file"] != "broken.mp4")
    assert "cannot open" in (out / "index.html").read_text(encoding="utf-8")

    # resume: the complete reports are skipped (untouched), the broken file is retried
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json") if p.name != "index.json"}
    ray_args = ["analyze", str(folder), *common, "--engine", "ray", "--out-dir", str(out)]
    assert main(ray_args) == 1
    assert "2 of 3 files already have a complete report: skipped" in capsys.readouterr().out
    assert {n: (out / n).stat().st_mtime_ns for n in stamps} == stamps

    # delete one report: only that one is redone, to the same bytes
    redo, keep = (f"{Path(n).stem}.json" for n in CLIPS)
    (out / redo).unlink()
    assert main(ray_args) == 1
    assert "1 of 3 files already have a complete report" in capsys.readouterr().out
    assert (out / keep).stat().st_mtime_ns == stamps[keep]
    assert (out / redo).read_bytes() == (ref / redo).read_bytes()
    assert (out / "index.json").read_bytes() == (ref / "index.json").read_bytes()

    # a partial report is not complete: redone too
    data = json.loads((out / redo).read_text(encoding="utf-8"))
    (out / redo).write_text(json.dumps({**data, "partial": True}), encoding="utf-8")
    assert main(ray_args) == 1
    assert "2 of 3 files analysed" in capsys.readouterr().out
    assert (out / redo).read_bytes() == (ref / redo).read_bytes()

    # a LIST.txt of videos (relative to the list), a missing one listed as failed
    listing = tmp_path / "videos.txt"
    listing.write_text(f"# clips\nclips/{CLIPS[0]}\n\nclips/missing.mp4\n", encoding="utf-8")
    assert main(["analyze", str(listing), *common, "--engine", "ray", "--out-dir", str(out)]) == 1
    captured = capsys.readouterr()
    assert "1 of 2 files already have a complete report" in captured.out
    assert "missing.mp4: " in captured.err
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))["files"]
    assert [e["file"] for e in index] == [CLIPS[0], "missing.mp4"]


def test_without_ray_the_engine_says_to_install_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    code = main(["analyze", str(tmp_path), "-e", "push_up", "--engine", "ray"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "pip install 'posecheck[ray]'" in err


def test_address_without_the_ray_engine_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path), "-e", "push_up", "--address", "auto"]) == 2
    assert "--address goes with --engine ray" in capsys.readouterr().err


def test_a_complete_report_parses_has_a_summary_and_is_not_partial(tmp_path: Path) -> None:
    from posecheck.distributed import complete_report

    path = tmp_path / "a.json"
    assert complete_report(path) is None  # missing
    path.write_text('{"partial": false, "summary"', encoding="utf-8")
    assert complete_report(path) is None  # cut short while written
    path.write_text('{"partial": true, "summary": {}}', encoding="utf-8")
    assert complete_report(path) is None
    path.write_text('{"partial": false}', encoding="utf-8")
    assert complete_report(path) is None
    path.write_text('{"partial": false, "summary": {"reps": 3}}', encoding="utf-8")
    assert complete_report(path) == {"partial": False, "summary": {"reps": 3}}


def test_a_list_names_videos_relative_to_itself(tmp_path: Path) -> None:
    from posecheck.distributed import videos_in_list

    listing = tmp_path / "sub" / "v.txt"
    listing.parent.mkdir()
    listing.write_text("# a comment\n a.mp4 \n\n/abs/b.mov\n../c.mp4\n", encoding="utf-8")
    assert videos_in_list(listing) == [
        tmp_path / "sub" / "a.mp4",
        Path("/abs/b.mov"),
        tmp_path / "sub" / ".." / "c.mp4",
    ]
