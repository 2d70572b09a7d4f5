"""The public Python API (``import posecheck``), tested through its public names only.

What a notebook relies on: the README's example runs and prints what the README says;
``analyze`` gives the very report the command line writes (same settings, same dict);
the Report's attributes agree with that dict; the checker, specs and recordings work
frame by frame; bad input is one line of one of ``posecheck.ERRORS``; and ``import
posecheck`` costs nothing until a name is used.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import posecheck

ROOT = Path(__file__).resolve().parents[1]
REC = ROOT / "sample_videos" / "recordings"
LUNGE = REC / "lunge_alternating_side_a.npz"
PLANK = REC / "plank_forearm_side_d.npz"
SHARED = ROOT.parent / "shared" / "sample_videos"


def _python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run this interpreter as a user would, with this checkout importable and no user
    config file (the API reads none unless asked; the command line reads the user's)."""
    env = {k: v for k, v in os.environ.items() if k != "POSECHECK_CONFIG"}
    env |= {"PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(cwd / "no-such-config-home")}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def readme_example() -> tuple[str, str]:
    """The README's Python API example and the output it says it prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("\n## Python API\n")[2].partition("\n## ")[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    code = next(body for lang, body in blocks if lang == "python")
    printed = next(body for lang, body in blocks if lang == "")
    return code, printed


def test_readme_example_runs_and_prints_what_the_readme_says(tmp_path: Path) -> None:
    code, printed = readme_example()
    assert "posecheck.analyze(" in code and "posecheck.Checker(" in code
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    out = _python(str(script))
    assert out.returncode == 0, out.stderr
    assert out.stdout == printed


def cli_json(tmp_path: Path, *args: str) -> dict[str, Any]:
    """What ``python -m posecheck analyze ... --json`` writes."""
    path = tmp_path / "cli.json"
    done = _python("-m", "posecheck", "analyze", *args, "--json", str(path), "--no-progress")
    assert done.returncode == 0, done.stderr
    return json.loads(path.read_text(encoding="utf-8"))


def test_analyze_is_the_report_the_command_line_writes(tmp_path: Path) -> None:
    report = posecheck.analyze(str(LUNGE), "lunge")
    assert report.to_dict() == cli_json(tmp_path, str(LUNGE), "-e", "lunge")
    # Files written by the API are the command's too.
    report.write_json(tmp_path / "api.json")
    assert json.loads((tmp_path / "api.json").read_text()) == report.to_dict()


def test_rules_and_strictness_match_the_command_line(tmp_path: Path) -> None:
    """A mapping of overrides is the ``--rule`` strings; a fault forced on fires alike."""
    api = posecheck.analyze(
        PLANK,
        "plank",
        strictness="strict",
        rules={"hips_sagging": {"below": 1.0, "for_s": 0.5}, "hips_piked": "off"},
    )
    cli = cli_json(
        tmp_path,
        str(PLANK),
        "-e",
        "plank",
        "--strictness",
        "strict",
        "--rule",
        "hips_sagging.below=1.0",
        "--rule",
        "hips_sagging.for_s=0.5",
        "--rule",
        "hips_piked=off",
    )
    assert api.to_dict() == cli
    assert [i["code"] for i in api.issues] and {i["code"] for i in api.issues} == {"hips_sagging"}
    # The same as strings, as the command line takes them.
    again = posecheck.analyze(
        PLANK,
        "plank",
        strictness="strict",
        rules=["hips_sagging.below=1.0", "hips_sagging.for_s=0.5", "hips_piked=off"],
    )
    assert again.to_dict() == cli


def test_report_attributes_agree_with_its_dict() -> None:
    lunge = posecheck.analyze(posecheck.load_recording(LUNGE), posecheck.load_spec("lunge"))
    data = lunge.to_dict()
    assert (lunge.exercise, lunge.kind) == ("lunge", "alternating_reps")
    assert lunge.rep_count == data["summary"]["reps"] == len(lunge.reps) == 9
    assert lunge.reps_by_side == {"left": 4, "right": 5}
    assert lunge.reps == data["reps"] and lunge.issues == data["issues"] == []
    assert not lunge.partial and lunge.reason is None
    rows = lunge.rep_table()
    assert [r["index"] for r in rows] == [r["index"] for r in data["reps"]]
    for row in rows:  # one value per cell: a table, no nesting
        assert all(v is None or isinstance(v, (str, int, float)) for v in row.values()), row
    assert rows[0]["knee_bend_at_peak"] == data["reps"][0]["at_peak"]["knee_bend"]
    # A copy each time: a notebook may change it without changing the report.
    data["summary"]["reps"] = 0
    lunge.reps[0]["index"] = 99
    assert lunge.rep_count == 9 and lunge.reps[0]["index"] == 1
    assert str(lunge).startswith("Lunge (") and "Reps: 9" in lunge.text()
    assert repr(lunge) == "<Report lunge: 9 reps, 0 issues>"

    plank = posecheck.analyze(PLANK, "plank")
    assert plank.kind == "hold" and plank.rep_count == 0 and plank.reps == []
    assert plank.hold_s == pytest.approx(6.5, abs=0.1)
    assert 0 < plank.good_hold_s <= plank.hold_s


def test_checker_frame_by_frame_counts_what_analyze_counts() -> None:
    spec = posecheck.load_spec("lunge")
    assert isinstance(spec, posecheck.ExerciseSpec)
    recording = posecheck.load_recording(LUNGE)
    assert isinstance(recording, posecheck.Recording) and recording.fps
    checker = posecheck.Checker(spec)
    events: list[Any] = []
    for frame in recording.frames():
        assert isinstance(frame, posecheck.PoseFrame)
        result = checker.update(frame)
        assert isinstance(result, posecheck.FrameResult)
        assert isinstance(result.state, posecheck.CheckerState)
        events += result.events
    events += checker.finish()
    reps = [e for e in events if isinstance(e, posecheck.Rep)]
    report = posecheck.analyze(LUNGE, "lunge")
    assert [(r.side, round(r.t_peak, 3)) for r in reps] == [
        (r["side"], r["t_peak"]) for r in report.reps
    ]


def test_load_spec_by_name_or_file_and_the_exercises() -> None:
    by_name = posecheck.load_spec("plank")
    by_path = posecheck.load_spec(ROOT / "exercise_specs" / "plank.toml")
    by_text = posecheck.load_spec("exercise_specs/plank.toml")
    assert by_name.name == by_path.name == by_text.name == "plank"
    assert by_name.rules == by_path.rules
    assert posecheck.load_spec(by_name) is by_name
    assert "plank" in posecheck.exercises() and "lunge" in posecheck.exercises()
    strict = posecheck.configure("plank", "strict")
    assert strict.rules != by_name.rules  # plank's sag has a measured strict threshold


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: posecheck.load_spec("plonk"), posecheck.SpecError),
        (lambda: posecheck.load_spec("no/such.toml"), posecheck.SpecError),
        (lambda: posecheck.analyze("no_such_clip.mp4", "plank"), posecheck.SourceError),
        (lambda: posecheck.analyze(PLANK, "plank", strictness="harsh"), posecheck.StrictnessError),
        (
            lambda: posecheck.analyze(PLANK, "plank", rules=["hips_sag=off"]),
            posecheck.StrictnessError,
        ),
        (lambda: posecheck.analyze(LUNGE, "plank", rules={"x": 3}), posecheck.StrictnessError),
        (lambda: posecheck.load_recording(ROOT / "README.md"), posecheck.RecordingError),
        (
            lambda: posecheck.analyze(PLANK, "plank", json_path="/no/such/dir/r.json"),
            posecheck.ReportError,
        ),
        (lambda: posecheck.model_path("huge"), posecheck.ModelError),
    ],
)
def test_bad_input_is_one_line_of_a_public_error(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, posecheck.ERRORS)
    message = str(caught.value)
    assert message and "\n" not in message


def test_bad_options_say_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="people must be a whole number from 1 to 4, got 9"):
        posecheck.analyze(PLANK, "plank", people=9)
    with pytest.raises(ValueError, match="workers must be"):
        posecheck.analyze(PLANK, "plank", workers=0)


def test_import_posecheck_is_cheap_and_every_public_name_resolves() -> None:
    code = (
        "import sys, posecheck\n"
        "heavy = [m for m in ('numpy', 'cv2', 'mediapipe', 'av') if m in sys.modules]\n"
        "print(sorted(m for m in sys.modules if m.startswith('posecheck')), heavy)\n"
        "print(posecheck.__version__)\n"
    )
    out = _python("-c", code)
    assert out.returncode == 0, out.stderr
    loaded, version = out.stdout.splitlines()
    assert loaded == "['posecheck', 'posecheck._version'] []"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{version}"' in pyproject
    for name in posecheck.__all__:
        assert getattr(posecheck, name) is not None, name
    assert set(dir(posecheck)) >= set(posecheck.__all__)
    with pytest.raises(AttributeError, match="no attribute 'analyse'"):
        posecheck.analyse  # noqa: B018
    assert (Path(posecheck.__file__).parent / "py.typed").is_file()


def test_interrupting_returns_what_was_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (a notebook's stop button) ends the run early: a partial report, no traceback."""
    recording = posecheck.load_recording(LUNGE)
    frames = list(recording.frames())
    stop_at = frames[len(frames) // 2].t

    class StopHalfWay:
        """A sink that presses Ctrl-C half-way through the clip."""

        stop_requested = False

        def open(self, info: Any) -> None: ...

        def on_frame(self, image: Any, frame: Any, result: Any) -> None:
            if frame.t >= stop_at:
                raise KeyboardInterrupt

        def on_events(self, events: Any) -> None: ...

        def on_source_end(self, dropped: int, warnings: Any) -> None: ...

        def close(self, partial: bool) -> None: ...

    report = posecheck.analyze(recording, "lunge", sinks=[StopHalfWay()])
    assert report.partial and report.reason == "interrupted"
    assert 0 < report.rep_count < 9


@pytest.mark.e2e
def test_pose_estimator_and_a_video_through_the_api(tmp_path: Path) -> None:
    """The model through public names: a picture with nobody in it has no pose, and a
    real clip analysed by the API is the command line's report."""
    clip = SHARED / "pushup_hip_sag_side_a.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} not found (the shared clips live beside the checkout)")
    from conftest import session_model  # the test cache's model, built once per run

    model = posecheck.model_path(pose_model=session_model())
    with posecheck.PoseEstimator(model) as estimator:
        frame = estimator.estimate(np.zeros((240, 320, 3), np.uint8), 0.0, 0)
    assert isinstance(frame, posecheck.PoseFrame) and frame.pose is None
    report = posecheck.analyze(clip, "push_up", pose_model=model, workers=1)
    cli = cli_json(tmp_path, str(clip), "-e", "push_up", "--pose-model", str(model),
                   "--workers", "1")  # fmt: skip
    assert report.to_dict() == cli
    assert report.rep_count == 1 and [i["code"] for i in report.issues] == ["hips_sagging"]
