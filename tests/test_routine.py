"""Routines: the two article routines as data, validation messages, and a routine run end
to end on committed recordings standing in for the steps."""

from __future__ import annotations

import argparse
import io
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLES

from posecheck.check.events import CheckerState
from posecheck.check.specs import available
from posecheck.cli import routine as cli_routine
from posecheck.cli.routine import RunOptions, run_routine, step_sources
from posecheck.coach.routine import (
    ROUTINES_DIR,
    RoutineError,
    RoutineWindowSink,
    load_routine,
    routine_for,
    target_met,
)
from posecheck.coach.session_log import SessionLogError, read_session
from posecheck.sources import base as sources
from posecheck.sources import open as sources_open

ROOT = Path(__file__).resolve().parents[1]
REC = ROOT / "sample_videos" / "recordings"


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ------------------------------------------------------------------- the real routines


def test_thigh_routine_is_the_articles_seven_steps_in_order() -> None:
    r = routine_for("thigh")
    assert r.file == "thigh.toml" and r.source == "Exercises for the back of the thigh"
    assert [(s.exercise, dict(s.target)) for s in r.steps] == [
        ("jump_rope", {"duration_s": 300.0}),
        ("lunge", {"reps_per_side": 20.0}),
        ("straight_leg_glute_bridge", {"reps_per_side": 20.0}),
        ("donkey_kick", {"reps_per_side": 15.0}),
        ("step_over_jump", {"duration_s": 120.0}),
        ("plank_knee_drive", {"reps_per_side": 20.0}),
        ("straddle_stretch", {}),
    ]
    assert [s.quote.split(":")[0] for s in r.steps] == [f"Step {i}" for i in range(1, 8)]
    assert "Be sure to stretch your back muscles after training." in r.notes
    assert r.steps[-1].rest_s == 0 and all(s.rest_s == 60 for s in r.steps[:-1])


def test_back_routine_warms_up_first_and_stretches_last() -> None:
    r = routine_for("back")
    assert [s.exercise for s in r.steps] == [
        "march",
        "cobra",
        "child_pose",
        "wall_stretch",
        "cross_toe_touch",
        "bent_over_row",
        "pull_up",
        "shrug",
        "loaded_forward_bend",
        "dead_hang",
        "side_stretch",
        "forward_bend",
        "full_body_stretch",
    ]
    targets = {s.exercise: dict(s.target) for s in r.steps if s.target}
    assert targets == {
        "march": {"duration_s": 180.0},
        "dead_hang": {"hold_s": 180.0},
        "forward_bend": {"reps": 20.0},
    }
    notes = " ".join(r.notes)
    for quote in (
        "consult with an experienced trainer and in no case overload the spine",
        "start training with a light load",
        "In cases where there are any back problems, it is necessary to consult a doctor",
    ):
        assert quote in notes


@pytest.mark.parametrize("name", ["thigh", "back"])
def test_a_step_target_is_the_exercise_spec_target(name: str) -> None:
    """One reading of the article's numbers everywhere: where a step and its exercise's spec
    both give a target, they agree (the lunge step said 20 per side, the spec 30 reps)."""
    from posecheck.check.specs import spec_for

    for step in routine_for(name).steps:
        spec = spec_for(step.exercise)
        shared = set(step.target) & set(spec.targets)
        assert {k: step.target[k] for k in shared} == {k: spec.targets[k] for k in shared}, (
            step.exercise
        )
        assert not step.target or shared, (step.exercise, dict(step.target), spec.targets)


@pytest.mark.parametrize("name", ["thigh", "back"])
def test_routine_files_name_existing_exercises_and_quote_the_article(name: str) -> None:
    r = load_routine(ROUTINES_DIR / f"{name}.toml")
    assert {s.exercise for s in r.steps} <= set(available())
    assert all(s.quote.strip() for s in r.steps)
    article = ARTICLES[r.source]
    if not article.is_file():
        pytest.skip(f"seed article {article} not present")
    text = words(article.read_text(encoding="utf-8"))
    for note in r.notes:
        if not note.startswith("It is necessary:"):  # the thigh kit list is reflowed
            assert words(note) in text
    for step in r.steps:  # every single-quoted fragment of a step's quote is verbatim
        for fragment in re.findall(r"'([^']{12,}?)'(?=[\s;:,(]|$)", step.quote):
            for piece in fragment.split(" ... "):
                assert words(piece) in text, (step.exercise, piece)


# ------------------------------------------------------------------------ bad files

GOOD_STEP = '[[steps]]\nexercise = "plank"\ntarget = { hold_s = 3 }\nquote = "q"\n'
HEAD = 'name = "r"\ntitle = "R"\nsource = "s"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEAD + '[[steps]]\nexercise = "lunges"\nquote = "q"\n',
            "r.toml: steps[0].exercise: unknown exercise 'lunges' (did you mean 'lunge'?); "
            "known: " + ", ".join(available()),
        ),
        (
            HEAD + GOOD_STEP + '[[steps]]\nexercise = "lunge"\nquote = "q"\nrest = 5\n',
            "r.toml: steps[1].rest: unknown key (did you mean 'rest_s'?); allowed here: "
            "exercise, quote, rest_s, target",
        ),
        (
            HEAD + '[[steps]]\nexercise = "lunge"\ntarget = { hold_s = 30 }\nquote = "q"\n',
            "r.toml: steps[0].target.hold_s: lunge counts reps per side; hold_s cannot be met",
        ),
        (
            HEAD + '[[steps]]\nexercise = "plank"\ntarget = { reps = 10 }\nquote = "q"\n',
            "r.toml: steps[0].target.reps: plank counts a hold; reps cannot be met",
        ),
        (
            HEAD + '[[steps]]\nexercise = "plank"\ntarget = { hold = 10 }\nquote = "q"\n',
            "r.toml: steps[0].target.hold: unknown key (did you mean 'hold_s'?); allowed "
            "here: duration_s, good_hold_s, hold_s, reps, reps_per_side",
        ),
        (
            HEAD + '[[steps]]\nexercise = "plank"\ntarget = { hold_s = -1 }\nquote = "q"\n',
            "r.toml: steps[0].target.hold_s: must be in 0.001..inf, got -1",
        ),
        (
            HEAD + '[[steps]]\nexercise = "plank"\ntarget = {}\nquote = "q"\n',
            "r.toml: steps[0].target: is empty; give one of reps, reps_per_side, hold_s, "
            "good_hold_s, duration_s (or no target)",
        ),
        (
            HEAD + '[[steps]]\nexercise = "plank"\n',
            "r.toml: steps[0].quote: is required",
        ),
        (HEAD + "steps = []\n", "r.toml: steps: needs at least one [[steps]] table"),
        (
            HEAD.replace('"r"', '"other"') + GOOD_STEP,
            "r.toml: name: must match the file name 'r', got 'other'",
        ),
        (HEAD + "rest_s = '60'\n" + GOOD_STEP, "r.toml: rest_s: must be int or float, got '60'"),
        (
            HEAD + "notes = ['']\n" + GOOD_STEP,
            "r.toml: notes[0]: must be a non-empty quote, got ''",
        ),
        (HEAD + "[steps\n", None),
    ],
)
def test_bad_routine_is_one_line(tmp_path: Path, text: str, message: str | None) -> None:
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RoutineError) as err:
        load_routine(path)
    assert "\n" not in str(err.value)
    if message is None:
        assert str(err.value).startswith("r.toml: not valid TOML: ")
    else:
        assert str(err.value) == message


def test_unknown_routine_and_missing_file() -> None:
    with pytest.raises(RoutineError, match=r"^unknown routine 'thight'\. Did you mean 'thigh'"):
        routine_for("thight")
    with pytest.raises(RoutineError, match=r"^nowhere/x\.toml: routine file not found$"):
        routine_for("nowhere/x.toml")


def test_sources_once_per_step_or_one_webcam() -> None:
    r = routine_for("thigh")
    assert step_sources(r, []) == ["0"] * 7
    assert step_sources(r, ["1"]) == ["1"] * 7
    with pytest.raises(RoutineError, match="has 7 steps but --source was given 2 times"):
        step_sources(r, ["a.npz", "b.npz"])
    with pytest.raises(RoutineError, match=r"has 7 steps but one --source file .a\.npz."):
        step_sources(r, ["a.npz"])


# ------------------------------------------------------------------------- running it

ROUTINE = """name = "short"
title = "Short"
source = "test"
rest_s = 2
notes = ["Start light."]

[[steps]]
exercise = "plank"
target = { hold_s = 3 }
quote = "hold"

[[steps]]
exercise = "lunge"
target = { reps_per_side = 2 }
quote = "two each"
rest_s = 0

[[steps]]
exercise = "lunge"
target = { reps = 20 }
quote = "more than the clip has"
"""
CLIPS = ["plank_forearm_side_d", "lunge_walking_side_b", "lunge_alternating_side_a"]


@pytest.fixture()
def short(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


def test_routine_runs_end_to_end_on_recordings(short: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    slept: list[float] = []
    opts = RunOptions(
        sources=tuple(str(REC / f"{c}.npz") for c in CLIPS),
        realtime=False,
        sessions_dir=tmp_path / "logs",
    )
    results, ended = run_routine(load_routine(short), opts, out, sleep=slept.append)
    assert ended is None
    assert slept == [1.0, 1.0]  # the plank's 2 s rest; the lunge's rest_s = 0
    assert [(r.ended, r.reached) for r in results] == [
        ("target reached", True),
        ("target reached", True),
        ("source ended", False),
    ]
    # The plank stops the moment 3 s are held (not at the clip's 6.5 s) ...
    plank = results[0].report
    assert plank is not None and plank["summary"]["hold_s"] == 3.0
    assert plank["summary"]["progress"]["hold_s"]["met"] is True
    # ... the lunge at its second rep on each side (the clip has 8) ...
    lunge = results[1].report
    assert lunge is not None and lunge["summary"]["reps_by_side"] == {"left": 2, "right": 2}
    # ... and a step whose clip ends first is recorded as not reached.
    assert results[2].report is not None and results[2].report["summary"]["reps"] == 9
    said = [x for x in out.getvalue().splitlines() if not x.startswith("0:")]
    assert said == [
        "Short: before you start",
        "  - Start light.",
        "Step 1 of 3: plank, hold 3 s",
        "Step 1 ended: target reached; hold 0:03.0 (good form 0:03.0); issues: none",
        "Rest 2 s (Ctrl-C skips). Next: Step 2 of 3: lunge, 2 reps per side",
        "Step 2 of 3: lunge, 2 reps per side",
        "Step 2 ended: target reached; reps 4 (L 2 | R 2); issues: none",
        "Step 3 of 3: lunge, 20 reps",
        "Step 3 ended: source ended; reps 9 (L 4 | R 5); issues: none",
    ]
    assert "0:15.7 rep 4 (front leg: right)" in out.getvalue()  # the live event lines, per step
    # Each step is a session in the log, with its step's target and the routine's name.
    logs = [read_session(r.session_log) for r in results if r.session_log is not None]
    assert [(x.header["step"], x.header["exercise"], x.header["targets"]) for x in logs] == [
        (1, "plank", {"hold_s": 3.0}),
        (2, "lunge", {"reps_per_side": 2.0}),
        (3, "lunge", {"reps": 20.0}),
    ]
    assert all(x.complete and x.header["routine"] == "short" for x in logs)
    assert [x.summary["reps"] for x in logs] == [0, 4, 9]
    summary = cli_routine.format_summary(load_routine(short), results, ended, tmp_path / "logs")
    assert summary.splitlines() == [
        "Routine Short: 3 of 3 steps done, 2 of 3 targets reached",
        "  1. plank                    reached     (target reached) target: hold 3 s; "
        "hold 0:03.0 (good form 0:03.0); issues: none",
        "  2. lunge                    reached     (target reached) target: 2 reps per side; "
        "reps 4 (L 2 | R 2); issues: none",
        "  3. lunge                    not reached (source ended) target: 20 reps; "
        "reps 9 (L 4 | R 5); issues: none",
        f"Session logs: {tmp_path / 'logs'}",
    ]


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_routine.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_routine_command(short: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["routine", str(short), "--no-window", "--no-rest", "--fast", "--no-voice"]
    argv += ["--countdown", "0"]
    argv += [f"--source={REC / c}.npz" for c in CLIPS]
    assert run_cli([*argv, "--sessions-dir", str(tmp_path / "logs")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-5] == "Routine Short: 3 of 3 steps done, 2 of 3 targets reached"
    assert not any(x.startswith("Rest") for x in out)
    assert len(list((tmp_path / "logs").glob("*.jsonl"))) == 3
    # A step's file is checked before the routine starts; so is the sessions directory.
    with pytest.raises(sources.SourceError, match=r"^file not found: nope\.npz"):
        run_cli([*argv[:-1], "--source=nope.npz", "--no-session-log"])
    (tmp_path / "f").write_text("", encoding="utf-8")
    with pytest.raises(SessionLogError) as err:
        run_cli([*argv, "--sessions-dir", str(tmp_path / "f" / "logs")])
    assert str(err.value).startswith(f"cannot write session logs to directory {tmp_path}/f/logs")
    assert run_cli(["routine", "--list"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("thigh        Back of the thigh: ")
    assert run_cli(["routine", "thigh", "--list"]) == 0  # that routine's steps, no other's
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Back of the thigh (thigh):" and len(lines) == 8
    assert lines[2].split() == ["2.", "lunge", "20", "reps", "per", "side"]
    assert not any("march" in line for line in lines)


class CtrlCAfter:
    """A source that behaves as if Ctrl-C were pressed after ``n`` frames."""

    def __init__(self, inner: Any, n: int) -> None:
        self.inner, self.n = inner, n

    def __iter__(self) -> Iterator[Any]:
        for i, sf in enumerate(self.inner):
            if i == self.n:
                raise KeyboardInterrupt
            yield sf

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize(
    ("second_tap_at", "expected"),
    [(0.5, ["interrupted"]), (5.0, ["interrupted", "interrupted", "interrupted"])],
)
def test_ctrl_c_ends_a_step_and_twice_quickly_ends_the_routine(
    short: Path, monkeypatch: pytest.MonkeyPatch, second_tap_at: float, expected: list[str]
) -> None:
    real = sources_open.open_source
    monkeypatch.setattr(
        sources_open, "open_source", lambda s, realtime=False: CtrlCAfter(real(s), 30)
    )
    now = iter([0.0, second_tap_at, 2 * second_tap_at, 3 * second_tap_at])

    def sleep(_: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C during the rest

    opts = RunOptions(sources=tuple(str(REC / f"{c}.npz") for c in CLIPS), realtime=False)
    results, ended = run_routine(
        load_routine(short), opts, io.StringIO(), sleep=sleep, clock=lambda: next(now)
    )
    assert [r.ended for r in results] == expected
    assert ended == ("interrupted" if len(expected) == 1 else None)
    # Even a step cut by Ctrl-C keeps what it measured (30 frames of plank: 1 s held).
    assert results[0].report is not None and results[0].report["partial"] is True
    assert results[0].report["summary"]["live_hold_s"] == pytest.approx(0.967)


def test_window_keys() -> None:
    sink = RoutineWindowSink("t")
    sink.handle_key(ord("x"))
    assert not sink.stop_requested
    sink.handle_key(ord("n"))
    assert sink.next_step and sink.stop_requested and not sink._stop
    quit_sink = RoutineWindowSink("t")
    quit_sink.handle_key(27)
    assert quit_sink.stop_requested and not quit_sink.next_step


def state(**kw: Any) -> CheckerState:
    base: dict[str, Any] = dict(
        t=1.0, in_position=True, visible=True, phase="up", reps=0, reps_by_side={},
        hold_s=0.0, good_hold_s=0.0, active_issues=(), cue=None, side=None, signals={},
    )  # fmt: skip
    return CheckerState(**(base | kw))


def test_target_met() -> None:
    assert not target_met({}, state(reps=100))
    assert target_met({"reps": 3}, state(reps=3)) and not target_met({"reps": 3}, state(reps=2))
    per_side = {"reps_per_side": 2}
    assert not target_met(per_side, state(reps=5, reps_by_side={"left": 4, "right": 1}))
    assert target_met(per_side, state(reps=4, reps_by_side={"left": 2, "right": 2}))
    assert target_met({"hold_s": 3}, state(hold_s=3.0))
    assert not target_met({"good_hold_s": 3}, state(hold_s=3.0, good_hold_s=2.9))
    assert target_met({"duration_s": 120}, state(active_s=120.0))


WINDOW_RUN = """
import sys
import numpy as np
from posecheck.sources import base as sources
from posecheck.sources import open as sources_open
from posecheck.cli.routine import RunOptions, run_routine
from posecheck.coach.routine import load_routine

class WithImages(sources.RecordingSource):
    def __iter__(self):
        for sf in super().__iter__():
            img = np.full((sf.pose_frame.height, sf.pose_frame.width, 3), 90, np.uint8)
            yield sources.SourceFrame(sf.index, sf.t, img, sf.pose_frame)

sources_open.open_source = lambda s, realtime=False: WithImages(s, realtime=realtime)
opts = RunOptions(sources=tuple(sys.argv[2:]), realtime=True, window=True, rest=False)
results, ended = run_routine(load_routine(sys.argv[1]), opts, sys.stdout)
print("routine ended:", ended, flush=True)
"""

WINDOW_ROUTINE = """name = "keys"
title = "Keys"
source = "test"
[[steps]]
exercise = "lunge"
target = { reps = 30 }
quote = "skipped with n"
[[steps]]
exercise = "plank"
target = { hold_s = 2 }
quote = "ends by itself"
[[steps]]
exercise = "lunge"
quote = "ended with q"
"""


@pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
    reason="needs Xvfb and xdotool (apt-get install xvfb xdotool) to press keys in a window",
)
def test_window_n_skips_a_step_and_q_ends_the_routine(tmp_path: Path) -> None:
    """The real OpenCV window on a virtual display, keys pressed by xdotool."""
    display = f":{60 + os.getpid() % 9}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "DISPLAY": display}
    routine = tmp_path / "keys.toml"
    routine.write_text(WINDOW_ROUTINE, encoding="utf-8")
    clips = [REC / "lunge_walking_side_b.npz", REC / "plank_forearm_side_d.npz"]
    clips.append(clips[0])
    got: queue.Queue[str] = queue.Queue()
    printed: list[str] = []

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 20
        while not any(text in x for x in printed):
            printed.append(got.get(timeout=max(0.1, deadline - time.monotonic())).rstrip())

    def press(key: str) -> None:
        for _ in range(100):  # the window appears a moment after the step is announced
            found = subprocess.run(
                ["xdotool", "search", "--name", "^posecheck$"],
                env=env,
                capture_output=True,
                text=True,
            ).stdout.split()
            if found:
                subprocess.run(["xdotool", "key", "--window", found[0], key], env=env)
                return
            time.sleep(0.1)
        raise AssertionError("no posecheck window")

    time.sleep(1.0)
    proc = subprocess.Popen(
        [sys.executable, "-c", WINDOW_RUN, str(routine), *map(str, clips)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=env,
    )
    threading.Thread(target=lambda: [got.put(x) for x in proc.stdout], daemon=True).start()
    try:
        wait_for("Step 1 of 3")
        time.sleep(0.5)
        press("n")
        wait_for("Step 3 of 3")
        time.sleep(0.5)
        press("q")
        wait_for("routine ended:")
    finally:
        proc.kill()
        proc.wait(timeout=10)
        xvfb.terminate()
        xvfb.wait(timeout=10)
    ended = [x for x in printed if " ended" in x]
    assert [x.split(";")[0] for x in ended] == [
        "Step 1 ended: next",
        "Step 2 ended: target reached",
        "Step 3 ended: quit",
        "routine ended: quit",
    ]


def test_a_step_that_cannot_start_ends_the_routine_keeping_the_steps_before(
    short: Path, tmp_path: Path
) -> None:
    """A camera unplugged (here: a missing file) at step 2: step 1's result is kept."""
    opts = RunOptions(
        sources=(str(REC / f"{CLIPS[0]}.npz"), str(tmp_path / "gone.npz"), "x.npz"),
        realtime=False,
        rest=False,
    )
    results, ended = run_routine(load_routine(short), opts, io.StringIO())
    assert [(r.ended, r.reached) for r in results] == [
        ("target reached", True),
        ("failed", False),
    ]
    assert ended is not None and ended.startswith("failed: ") and "gone.npz" in ended
    assert "\n" not in ended


def test_rule_override_must_belong_to_some_step(capsys: pytest.CaptureFixture[str]) -> None:
    from posecheck.cli import main

    assert main(["routine", "thigh", "--rule", "hips_sag=off", "--source", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--rule hips_sag: no step of thigh has that rule" in err
