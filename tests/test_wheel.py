"""A normal (non-editable) install works: the wheel carries the exercise specs and the
routines, and an installed posecheck analyses a recording from a folder outside the checkout.

The wheel is built offline with the venv's own setuptools (the test extra asks for it),
from a copy of the checkout so the checkout gets no build/ or egg-info of the test's.
It goes into a fresh venv with ``--no-deps``; the heavy dependencies (mediapipe, OpenCV,
numpy) come from this venv's site-packages through a ``.pth`` line. A ``.pth`` line adds a
folder to sys.path without running that folder's own ``.pth`` files, so this venv's editable
install of posecheck stays out: the test checks that posecheck is imported from the new venv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from labelcheck import check_counts

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "sample_videos" / "recordings"
EXPECTED = tomllib.loads((ROOT / "sample_videos" / "expected.toml").read_text())["clips"]
#: A hold and a per-side rep exercise, each with its ground truth in expected.toml.
CLIPS = {"plank_forearm_side_a": "plank", "lunge_alternating_side_a": "lunge"}

pytestmark = pytest.mark.slow  # about 10 s: a wheel build, a venv and a few runs


def run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel installed: its bin folder and the environment to run it."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("posecheck", "exercise_specs", "routines"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist",
         src], tmp, env)  # fmt: skip
    (wheel,) = (tmp / "dist").glob("posecheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "posecheck/exercise_specs/plank.toml" in names, names
    assert "posecheck/routines/thigh.toml" in names, names
    # Every subpackage of the layout, and the marker that the package is typed (PEP 561).
    for name in ("pose/estimator.py", "check/checker.py", "cli/__main__.py", "py.typed"):
        assert f"posecheck/{name}" in names, names

    target = tmp / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], tmp, env)
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return target / "bin", env


def test_wheel_install_imports_posecheck_and_its_data_from_the_new_venv(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    code = (
        "import posecheck, posecheck.check.specs as s, posecheck.coach.routine as r; "
        "print(posecheck.__file__); print(s.SPECS_DIR); print(r.ROUTINES_DIR)"
    )
    lines = run([bin_dir / "python", "-c", code], tmp_path, env).split()
    venv_dir = bin_dir.parent.resolve()
    for line in lines:
        assert Path(line).resolve().is_relative_to(venv_dir), (line, venv_dir)
    assert "plank" in run([bin_dir / "posecheck", "specs", "list"], tmp_path, env)
    checked = run([bin_dir / "posecheck", "specs", "validate"], tmp_path, env)
    assert "exercise_specs/plank.toml: Plank" in checked, checked
    steps = run([bin_dir / "posecheck", "routine", "thigh", "--list"], tmp_path, env)
    assert "lunge" in steps.lower(), steps


@pytest.mark.parametrize(("clip", "exercise"), CLIPS.items())
def test_wheel_install_analyses_a_recording(
    installed: tuple[Path, dict[str, str]], tmp_path: Path, clip: str, exercise: str
) -> None:
    bin_dir, env = installed
    out = tmp_path / "report.json"
    run(
        [bin_dir / "posecheck", "analyze", RECORDINGS / f"{clip}.npz", "-e", exercise,
         "--json", out],
        tmp_path, env,
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert report["exercise"] == exercise
    check_counts(clip, EXPECTED[clip], report)


def test_wheel_install_serves_the_python_api(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """``import posecheck`` from the wheel: the public API analyses a recording, and
    ``python -m posecheck`` is the command."""
    bin_dir, env = installed
    clip = RECORDINGS / "lunge_alternating_side_a.npz"
    code = (
        "import posecheck, sys; r = posecheck.analyze(sys.argv[1], 'lunge'); "
        "print(posecheck.__file__); print(r.rep_count, r.reps_by_side)"
    )
    where, counts = run([bin_dir / "python", "-c", code, clip], tmp_path, env).splitlines()
    assert Path(where).resolve().is_relative_to(bin_dir.parent.resolve()), where
    assert counts == "9 {'left': 4, 'right': 5}"
    assert "plank" in run([bin_dir / "python", "-m", "posecheck", "specs", "list"], tmp_path, env)
