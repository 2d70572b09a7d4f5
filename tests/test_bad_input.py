"""Bad input never crashes posecheck and never produces a wrong word: broken videos made
here from real clips (4K, nobody in the picture, only the upper body, very dark), and a
hypothesis fuzz of the spec loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import SHARED_VIDEOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecheck.check.spec_model import ExerciseSpec
from posecheck.check.specs import SPECS_DIR, SpecError, parse_spec
from posecheck.cli import main


def derived_clip(
    tmp_path: Path, source: str, name: str, edit, seconds: float, start_s: float = 0.0
) -> Path:
    """A short mp4 made from a real clip with `edit(frame) -> frame` applied."""
    src = SHARED_VIDEOS / source
    if not src.is_file():
        pytest.skip(f"shared clip not found at {src}")
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    cap.set(cv2.CAP_PROP_POS_MSEC, start_s * 1000)
    out_path = tmp_path / name
    writer = None
    for _ in range(int(seconds * fps)):
        ok, frame = cap.read()
        if not ok:
            break
        frame = edit(frame)
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        writer.write(frame)
    cap.release()
    assert writer is not None
    writer.release()
    return out_path


def analyze(path: Path, exercise: str, model_path: Path, tmp_path: Path, capsys) -> dict:
    out = tmp_path / "r.json"
    args = ["analyze", str(path), "-e", exercise, "--json", str(out), "--no-progress"]
    code = main([*args, "--pose-model", str(model_path), "--workers", "1"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out.read_text())


@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_4k_video(tmp_path: Path, model_path: Path, capsys) -> None:
    clip = derived_clip(
        tmp_path, "pushup_side_a.mp4", "uhd.mp4", lambda f: cv2.resize(f, (3840, 2160)), 1.0
    )
    report = analyze(clip, "push_up", model_path, tmp_path, capsys)
    assert (report["source"]["width"], report["source"]["height"]) == (3840, 2160)
    assert report["summary"]["frames_with_pose"] > 0.9


@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_nobody_in_the_picture(tmp_path: Path, model_path: Path, capsys) -> None:
    clip = derived_clip(
        tmp_path, "pushup_side_a.mp4", "empty.mp4", lambda f: np.full_like(f, 90), 2.0
    )
    report = analyze(clip, "push_up", model_path, tmp_path, capsys)
    assert report["summary"]["reps"] == 0 and report["issues"] == []
    messages = [n["message"] for n in report["notices"] if n["kind"] == "not_visible"]
    assert messages and "I can't see you" in messages[0]


@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_only_the_upper_body_visible(tmp_path: Path, model_path: Path, capsys) -> None:
    """The lunge filmed with the legs out of the picture: no reps, no faults, and it says
    which parts it cannot see."""

    def top_half(f: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(f[: int(f.shape[0] * 0.42)])

    clip = derived_clip(
        tmp_path, "lunge_walking_side_b.mp4", "upper.mp4", top_half, 6.0, start_s=1.0
    )
    report = analyze(clip, "lunge", model_path, tmp_path, capsys)
    assert report["summary"]["reps"] == 0 and report["issues"] == []
    messages = " ".join(n["message"] for n in report["notices"] if n["kind"] == "not_visible")
    assert "knees" in messages or "ankles" in messages or "can't see you" in messages


@pytest.mark.e2e  # the real pose model: out of the fast lane
def test_very_dark_video_gives_no_wrong_judgement(tmp_path: Path, model_path: Path, capsys) -> None:
    clip = derived_clip(
        tmp_path,
        "lunge_walking_side_b.mp4",
        "dark.mp4",
        lambda f: (f.astype(np.float32) * 0.04).astype(np.uint8),
        6.0,
        start_s=1.0,
    )
    report = analyze(clip, "lunge", model_path, tmp_path, capsys)
    assert report["issues"] == []
    assert report["summary"]["reps"] <= 2  # what it counts, if anything, it saw happen


# ---- the spec loader under fuzzing ------------------------------------------------------------
BASE: dict[str, Any] = __import__("tomllib").loads((SPECS_DIR / "lunge.toml").read_text())
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["hip", "knee", "angle", "down", "min", "peak"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(d: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(d, dict):
        for k, v in d.items():
            out.append((*prefix, k))
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.append((*prefix, i))
            out.extend(paths(v, (*prefix, i)))
    return out


ALL_PATHS = paths(BASE)


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    """The lunge spec with a few keys replaced, deleted or added at random."""
    spec = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = spec
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    return spec


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_specs())
def test_spec_loader_fuzz_never_crashes(data: dict[str, Any]) -> None:
    """Whatever the file holds, loading gives a spec or one line naming the file."""
    try:
        spec = parse_spec(data, "lunge.toml", "lunge")
    except SpecError as exc:
        message = str(exc)
        assert message.startswith("lunge.toml") and "\n" not in message
    else:
        assert isinstance(spec, ExerciseSpec)
