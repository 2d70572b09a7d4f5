"""The workout report through the command line: ``analyze FILE --exercise auto`` and
``--routine`` on a synthetic session saved as one landmark recording (four recordings in
the thigh routine's order, rests between), its JSON, text and HTML with the session
timeline (rendered by headless Chromium when installed). No model."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.coach.routine import routine_for
from posecheck.coach.routine_match import match_sets
from posecheck.evaluate.sessions import SessionPlan, build_session, load_manifest
from posecheck.pose.recording import save_recording

ROOT = Path(__file__).resolve().parents[1]
CLIPS = (
    "jump_rope_front_b",
    "lunge_alternating_side_a",
    "donkey_kick_side_a",
    "plank_knee_drive_side_a",
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def session_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = load_manifest(ROOT / "sample_videos" / "sessions.toml")
    session = build_session(manifest, SessionPlan("thigh-order", CLIPS, 7))
    path = tmp_path_factory.mktemp("workout") / "session.npz"
    save_recording(path, session.frames, fps=30.0, meta={"source": "synthetic session"})
    return path


@pytest.fixture(scope="module")
def outputs(session_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("out")
    js, page = out / "w.json", out / "w.html"
    args = ["analyze", str(session_file), "--routine", "thigh", "--json", str(js)]
    code = main([*args, "--html", str(page), "--no-progress"])
    assert code == 0
    return {"report": json.loads(js.read_text()), "html": page}


def test_one_section_per_set_with_the_counts_of_each_recording_alone(outputs) -> None:
    report = outputs["report"]
    assert report["kind"] == "workout"
    sets = report["sets"]
    assert [s["exercise"] for s in sets] == [
        "jump_rope",
        "lunge",
        "donkey_kick",
        "plank_knee_drive",
    ]
    reps = [s["report"]["summary"]["reps"] for s in sets]
    assert reps == [67, 9, 2, 6]
    assert sets[1]["report"]["summary"]["reps_by_side"] == {"left": 4, "right": 5}
    assert all(s["start"] < s["end"] <= n["start"] for s, n in itertools.pairwise(sets))
    assert report["totals"]["lunge"] == {
        "sets": 1,
        "reps": 9,
        "reps_by_side": {"left": 4, "right": 5},
        "hold_s": 0.0,
        "issue_counts": {},
    }
    assert len(report["rests"]) == len(sets) + 1


def test_routine_steps_get_their_sets_and_progress(outputs) -> None:
    routine = outputs["report"]["routine"]
    steps = {s["exercise"]: s for s in routine["steps"]}
    assert steps["jump_rope"]["sets"] == [1]
    assert steps["lunge"]["sets"] == [2]
    lunge = steps["lunge"]["progress"]["reps_per_side"]
    assert lunge["actual"] == 4 and lunge["target"] == 20 and not lunge["met"]
    assert steps["straight_leg_glute_bridge"]["done"] is False
    assert steps["donkey_kick"]["sets"] == [3] and steps["plank_knee_drive"]["sets"] == [4]
    assert routine["sets_outside"] == [] and routine["steps_done"] == 4


def test_text_lists_sets_totals_and_routine(session_file: Path, capsys) -> None:
    assert main(["analyze", str(session_file), "-e", "auto", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Workout (")
    assert re.search(r"2\. .* lunge +9 reps \(L 4 \| R 5\); issues: none", out)
    assert "Totals:" in out and "Routine" not in out


def test_html_has_the_session_timeline_and_a_section_per_set(outputs) -> None:
    page = outputs["html"].read_text()
    assert page.count('class="setbar"') == 4
    assert page.count('<section class="set"') == 4
    assert 'id="routine"' in page and 'id="totals"' in page
    assert not re.search(r'(src|href)="https?:', page)  # self-contained


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_draws_the_timeline(outputs, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    base.append(f"--user-data-dir={tmp_path / 'profile'}")
    uri = outputs["html"].as_uri()
    dom = subprocess.run([*base, "--dump-dom", uri], capture_output=True, text=True, timeout=90)
    assert dom.stdout.count('class="setbar"') == 4
    png = tmp_path / "shot.png"
    subprocess.run([*base, f"--screenshot={png}", "--window-size=1200,800", uri], timeout=90)
    import cv2

    shot = cv2.imread(str(png))
    assert shot is not None and shot.std() > 10
    # the four bars are drawn in their exercise's colours (the palette's first four)
    for hexcol in ("#0072b2", "#e69f00", "#009e73", "#cc79a7"):
        b, g, r = (int(hexcol[k : k + 2], 16) for k in (5, 3, 1))
        near = (abs(shot.astype(int) - (b, g, r)).sum(axis=2) < 40).sum()
        assert near > 200, f"no bar of colour {hexcol} on screen"


def test_routine_matching_goes_forward_only() -> None:
    thigh = routine_for("thigh")
    names = [s.exercise for s in thigh.steps]
    got = match_sets(thigh, ["jump_rope", "lunge", "lunge", None, "donkey_kick", "lunge", "squat"])
    assert got == [0, 1, 1, None, names.index("donkey_kick"), None, None]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-e", "auto", "--csv", "x.csv"], "--csv and --video-out are for one exercise"),
        (["--routine", "thigh", "-e", "squat"], "--routine finds the exercises itself"),
        (["--routine", "nosuch"], "nosuch"),
        ([], "give --exercise NAME, --exercise auto"),
        (["-e", "auto", "--rule", "nosuch=off"], "no exercise has this rule"),
    ],
)
def test_bad_workout_usage_is_one_line(session_file: Path, args, says, capsys) -> None:
    assert main(["analyze", str(session_file), *args, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("posecheck: error: ") and says in err[0]


def test_rules_and_strictness_apply_to_the_sets(tmp_path: Path) -> None:
    rec = str(ROOT / "sample_videos" / "recordings" / "pushup_hip_sag_side_a.npz")
    counts = []
    for extra in ([], ["--rule", "hips_sagging=off"], ["--strictness", "lenient"]):
        js = tmp_path / "w.json"
        assert main(["analyze", rec, "-e", "auto", "--json", str(js), *extra]) == 0
        (one,) = json.loads(js.read_text())["sets"]
        counts.append(one["report"]["summary"]["issue_counts"])
    assert counts[0] == {"hips_sagging": 1} and counts[1] == {}
    assert counts[2] in ({}, {"hips_sagging": 1})  # lenient: never more than normal


def test_eval_scores_sets_and_recognition_on_a_manifest(tmp_path: Path, capsys) -> None:
    rec = ROOT / "sample_videos" / "recordings"
    manifest = tmp_path / "sessions.toml"
    manifest.write_text(
        f'recordings = "{rec}"\n'
        '[clips.pushup_side_a]\nexercise = "push_up"\nactive_span_s = [0.0, 5.0]\n'
        '[clips.squat_trunk_lean_side_a]\nexercise = "squat"\nactive_span_s = [0.3, 0.95]\n'
        "[clips.no_exercise_walk_two_people]\n"
        '[[sessions]]\nname = "small"\nseed = 5\n'
        'clips = ["pushup_side_a", "no_exercise_walk_two_people", "squat_trunk_lean_side_a"]\n'
    )
    js = tmp_path / "e.json"
    assert main(["eval", str(manifest), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "small: 2/2 sets found, 2 named right" in out and "0 false sets" in out
    assert "push_up: push_up x1" in out
    data = json.loads(js.read_text())
    assert [r["ok"] for r in data["sessions"][0]["sets"]] == [True, True, True]


@pytest.mark.e2e  # the real pose model over a real two-set video
def test_a_real_video_of_two_sets_through_the_model(
    model_path: Path, tmp_path: Path, capsys
) -> None:
    """Two shared clips joined by 4 s with nobody in the picture, written as one video:
    the pose model runs once, two sets come out, each counted as its clip alone."""
    import cv2
    import numpy as np
    from conftest import SHARED_VIDEOS

    clips = [SHARED_VIDEOS / "pushup_side_a.mp4", SHARED_VIDEOS / "high_knees_front_a.mp4"]
    if not all(c.is_file() for c in clips):
        pytest.skip(f"shared clips not at {SHARED_VIDEOS}")
    size, fps = (854, 480), 30.0
    video = tmp_path / "two_sets.mp4"
    out = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)

    def put(img: np.ndarray) -> None:
        h, w = img.shape[:2]
        s = min(size[0] / w, size[1] / h)
        canvas = np.zeros((size[1], size[0], 3), np.uint8)
        small = cv2.resize(img, (round(w * s), round(h * s)))
        y, x = (size[1] - small.shape[0]) // 2, (size[0] - small.shape[1]) // 2
        canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
        out.write(canvas)

    for k, clip in enumerate(clips):
        if k:
            for _ in range(int(4 * fps)):
                put(np.zeros((size[1], size[0], 3), np.uint8))
        cap = cv2.VideoCapture(str(clip))
        ok, img = cap.read()
        while ok:
            put(img)
            ok, img = cap.read()
        cap.release()
    out.release()
    js = tmp_path / "w.json"
    args = ["analyze", str(video), "-e", "auto", "--json", str(js), "--no-progress"]
    assert main([*args, "--pose-model", str(model_path)]) == 0, capsys.readouterr().err
    sets = json.loads(js.read_text())["sets"]
    assert [s["exercise"] for s in sets] == ["push_up", "march"]
    assert [s["report"]["summary"]["reps"] for s in sets] == [2, 9]


def test_python_api_gives_the_cli_report(tmp_path: Path) -> None:
    """posecheck.analyze_workout on a recording is the report the command line writes, and
    a routine adds each step's progress."""
    import posecheck
    from posecheck.cli.app import main

    rec = ROOT / "sample_videos" / "recordings" / "pushup_side_a.npz"
    report = posecheck.analyze_workout(rec, routine="thigh")
    out = tmp_path / "w.json"
    assert main(["analyze", str(rec), "--routine", "thigh", "--json", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert [s["exercise"] for s in report["sets"]] == ["push_up"]
    assert report["sets"][0]["report"]["summary"]["reps"] == 2
    assert len(report["routine"]["steps"]) == 7  # the thigh routine, no step done by push-ups
    assert report["routine"]["steps_done"] == 0
