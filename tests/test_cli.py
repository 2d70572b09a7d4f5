"""The command line, run as a user would (in-process through main()), on committed
landmark recordings so no model is needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecheck.cli import main

REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_recording_writes_json_and_csv(tmp_path: Path, capsys) -> None:
    js, cs = tmp_path / "r.json", tmp_path / "r.csv"
    code, out, _ = run(
        [
            "analyze",
            str(REC / "lunge_alternating_side_a.npz"),
            "-e",
            "lunge",
            "--json",
            str(js),
            "--csv",
            str(cs),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    report = json.loads(js.read_text())
    assert report["summary"]["reps"] == 9
    assert report["summary"]["reps_by_side"] == {"left": 4, "right": 5}
    assert report["partial"] is False
    assert [r["side"] for r in report["reps"]][:3] == ["right", "left", "right"]
    first = report["reps"][0]
    low, high = first["ranges"]["knee_bend"]
    assert low <= first["at_peak"]["knee_bend"] <= high and low < 100 < high
    rows = cs.read_text().splitlines()
    assert rows[0].startswith("type,index,side,t_start,t_end")
    assert sum(r.startswith("rep,") for r in rows) == 9
    assert "Lunge" in out and "9" in out


def test_analyze_plank_summary_shows_hold(tmp_path: Path, capsys) -> None:
    code, out, _ = run(
        ["analyze", str(REC / "plank_forearm_side_d.npz"), "-e", "plank", "--no-progress"], capsys
    )
    assert code == 0
    assert "Hold: 0:06." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "x.mp4", "-e", "lunges"], "unknown exercise 'lunges'. Did you mean 'lunge'?"),
        (["analyze", "/nonexistent/clip.mp4", "-e", "lunge"], "/nonexistent/clip.mp4"),
        (
            [
                "analyze",
                str(REC / "plank_forearm_side_d.npz"),
                "-e",
                "plank",
                "--json",
                "/nonexistent-dir/r.json",
            ],
            "directory /nonexistent-dir does not exist",
        ),
        (
            [
                "analyze",
                str(REC / "plank_forearm_side_d.npz"),
                "-e",
                "plank",
                "--video-out",
                "/tmp/x.avi",
            ],
            "--video-out /tmp/x.avi: must end in .mp4",
        ),
        (
            [
                "analyze",
                str(REC / "plank_forearm_side_d.npz"),
                "-e",
                "plank",
                "--video-out",
                "/tmp/x.mp4",
            ],
            "plank_forearm_side_d.npz is a landmark recording, with no pictures to draw on",
        ),
        (["live", "-e", "plank", "--source", "99", "--no-window"], "webcam 99"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, capsys) -> None:
    code, _, err = run(args, capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("posecheck: error:")]
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err


def test_specs_list_show_validate(tmp_path: Path, capsys) -> None:
    code, out, _ = run(["specs", "list"], capsys)
    assert code == 0 and "lunge" in out and "plank" in out and "glute_bridge" in out
    code, out, _ = run(["specs", "show", "plank"], capsys)
    assert code == 0 and 'name = "plank"' in out
    broken = tmp_path / "plank.toml"
    broken.write_text('name = "plank"\n')
    code, _, err = run(["specs", "validate", str(broken)], capsys)
    assert code == 1 and "INVALID plank.toml: title: is required" in err
    code, out, _ = run(["specs", "validate"], capsys)
    assert code == 0 and out.count("ok ") >= 4
    assert "Dead hang, 3 signals, 1 rule\n" in out and " 1 rules" not in out


@pytest.mark.e2e  # a live session paced at real time: seconds of waiting
def test_live_loop_from_a_recording_prints_events(capsys) -> None:
    """The live loop paced in real time from a file (the webcam stand-in)."""
    code, out, _ = run(
        [
            "live", "-e", "plank", "--source", str(REC / "plank_forearm_side_c.npz"),
            "--no-window", "--countdown", "0", "--no-voice",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "hold 0:03.0 (good form 0:03.0)" in out


@pytest.mark.e2e  # a live session paced at real time: seconds of waiting
def test_live_sets_up_and_counts_down_before_judging(capsys) -> None:
    """With a countdown, the first seconds are set-up: the hints are printed as cues and
    nothing is timed until the countdown ends."""
    code, out, _ = run(
        [
            "live", "-e", "plank", "--source", str(REC / "plank_forearm_side_d.npz"),
            "--no-window", "--countdown", "1", "--no-voice",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0
    cues = [line.split(">> ", 1)[1] for line in out.splitlines() if ">> " in line]
    assert cues[:2] == ["Good: hold still", "Starting in 1"]
    hold = next(line for line in out.splitlines() if line.startswith("Hold:"))
    # 6.5 s clip less ~2 s of set-up (1 s steady, 1 s countdown).
    assert hold.startswith(("Hold: 0:04.", "Hold: 0:05.0")), hold


@pytest.mark.e2e  # a live session paced at real time: seconds of waiting
def test_live_from_a_file_speaks_cues_into_a_wav(tmp_path: Path, capsys) -> None:
    """The full live loop at real-time pace, voice recorded to a WAV: the sag cue and the
    rep number are heard when they happen (2.2 s and 3.4 s into the push-up clip)."""
    from test_voice import onsets

    wav = tmp_path / "voice.wav"
    args = ["live", "-e", "push_up", "--source", str(REC / "pushup_hip_sag_side_a.npz")]
    args += ["--no-window", "--countdown", "0", "--no-voice", "--voice-to", str(wav)]
    code, out, _ = run(args, capsys)
    assert code == 0 and ">> Lift your hips" in out
    starts, length = onsets(wav, min_gap_s=0.2)
    assert starts == pytest.approx([2.2, 3.4], abs=0.15) and length >= 3.4
