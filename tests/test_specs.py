"""Spec loading: every built-in spec validates, and every kind of mistake gets one line
naming the file, the key path and what is allowed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import ARTICLES

from posecheck.check.specs import SPECS_DIR, SpecError, available, load_spec, parse_spec, spec_for

PLANK = (SPECS_DIR / "plank.toml").read_text()
LUNGE = (SPECS_DIR / "lunge.toml").read_text()


def test_every_builtin_spec_validates() -> None:
    names = available()
    assert {"plank", "lunge", "glute_bridge", "single_leg_glute_bridge"} <= set(names)
    for name in names:
        spec = spec_for(name)
        assert spec.name == name
        assert spec.source, f"{name} must cite its article"
        assert all(r.source for r in spec.rules), f"{name}: every rule cites its sentence"


#: Every exercise of both seed routines (issue 3), plus squat and push-up.
ROUTINES = {
    "back_of_thigh": [
        "jump_rope", "lunge", "glute_bridge", "single_leg_glute_bridge",
        "straight_leg_glute_bridge", "donkey_kick",
        "step_over_jump", "plank", "plank_knee_drive", "straddle_stretch",
    ],
    "back": [
        "bent_over_row", "pull_up", "shrug", "loaded_forward_bend", "march", "dead_hang",
        "side_stretch", "forward_bend", "full_body_stretch", "cobra", "child_pose",
        "wall_stretch", "cross_toe_touch", "posture",
    ],
    "expected_beside_them": ["squat", "push_up"],
}  # fmt: skip


@pytest.mark.parametrize("name", [n for names in ROUTINES.values() for n in names])
def test_every_routine_exercise_has_a_spec_citing_its_article(name: str) -> None:
    assert name in available(), f"no exercise_specs/{name}.toml"
    spec = spec_for(name)
    if name not in ROUTINES["expected_beside_them"]:
        assert spec.source.startswith(tuple(ARTICLES)), spec.source
    assert spec.notes, f"{name}: notes say what is and is not checked"


@pytest.mark.parametrize("name", [n for n in available() if n not in ("squat", "push_up")])
def test_spec_source_names_the_article_by_title_and_the_file_in_a_comment(name: str) -> None:
    """A user reads the title; a developer finds the file from the comment; and the quote is
    the article's own words (which also proves the title names the right article)."""
    spec = spec_for(name)
    title = next(t for t in ARTICLES if spec.source.startswith(t))
    article = ARTICLES[title]
    text = (SPECS_DIR / spec.file).read_text(encoding="utf-8")
    assert f"# The article: ../shared/seeds/{article.name}" in text
    assert not any(a.name in spec.source for a in ARTICLES.values())
    if not article.is_file():
        pytest.skip(f"seed article {article} not present")
    words = " ".join(article.read_text(encoding="utf-8").split())
    quote = spec.source.partition(": '")[2].removesuffix("'")
    for piece in re.split(r"' / '| \.\.\. ", quote):
        assert " ".join(piece.split()) in words, (name, piece)


def test_spec_is_frozen() -> None:
    spec = spec_for("plank")
    with pytest.raises(AttributeError):
        spec.title = "x"  # type: ignore[misc]


def bad(text: str, tmp_path: Path, name: str = "plank") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'kind = "hold"',
            'kind = "holds"',
            "plank.toml: kind: must be one of hold, reps; got 'holds'",
        ),
        (
            "min_visibility = 0.5",
            "min_visibility = 1.5",
            "visibility.min_visibility: must be in 0..1",
        ),
        (
            "min_visibility = 0.5",
            'min_visibility = "high"',
            "visibility.min_visibility: must be int",
        ),
        (
            "for_s = 1.0\n",
            "for_s = 1.0\nfor_sec = 2\n",
            "rules[0].for_sec: unknown key (did you mean 'for_s'?)",
        ),
        (
            'points = ["hip", "shoulder", "ankle"]',
            'points = ["hip", "sholder", "ankle"]',
            "signals.body_line.points: unknown body part 'sholder' (did you mean 'shoulder'?)",
        ),
        (
            'points = ["hip", "shoulder", "ankle"]',
            'points = ["hip", "shoulder"]',
            "signals.body_line.points: a offset signal takes 3 body-part names",
        ),
        (
            'signal = "body_line"\nbelow = -0.05',
            'signal = "body_lines"\nbelow = -0.05',
            "rules[0].signal: names no signal; signals: body_line, body_tilt",
        ),
        (
            "body_tilt = { max = 35 }",
            "body_tilt = { min = 40, max = 35 }",
            "position.require.body_tilt: min 40 is above max 35",
        ),
        (
            "body_tilt = { max = 35 }",
            "body_tlt = { max = 35 }",
            "position.require.body_tlt: is not a signal of this spec",
        ),
        (
            'when = "continuous"\nsignal = "body_line"\nbelow = -0.05',
            'when = "peak"\nsignal = "body_line"\nbelow = -0.05',
            "rules[0].when: a hold exercise only has 'continuous' rules",
        ),
        ("below = -0.05\n", "\n", "rules[0]: needs a threshold: above, below, or both"),
        ('name = "plank"', 'name = "planks"', "name: must match the file name 'plank'"),
        (
            'code = "hips_sagging"',
            'code = "Hips Sagging"',
            "rules[0].code: must be lower_snake_case",
        ),
    ],
)
def test_plank_spec_mistakes(old: str, new: str, expected: str, tmp_path: Path) -> None:
    assert old in PLANK
    assert expected in bad(PLANK.replace(old, new, 1), tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "enter = 130\nexit = 150",
            "enter = 150\nexit = 130",
            "reps.enter: with direction = 'down' enter (150) must be below exit (130)",
        ),
        ('direction = "down"', 'direction = "sideways"', "reps.direction: must be one of down, up"),
        (
            "min_rep_s = 0.5\nmax_rep_s = 6.0",
            "min_rep_s = 7\nmax_rep_s = 6.0",
            "reps.min_rep_s: (7) must be below max_rep_s (6)",
        ),
        (
            'side_by = "min:hip_flex"',
            'side_by = "min:hipflex"',
            "reps.side_by: must be one of facing",
        ),
        ('side_by = "min:hip_flex"\n', "", "reps.side_by: is required when per_side = true"),
        (
            'when = "peak"\nsignal = "trunk_lean"\nabove = 20',
            'when = "rep"\nsignal = "trunk_lean"\nabove = 20',
            "rules[2].stat: a 'rep' rule on a signal needs stat = min or max",
        ),
        ('per = ["knee", "ankle"]\n', "", "signals.back_knee_gap.per: a height signal needs per"),
    ],
)
def test_lunge_spec_mistakes(old: str, new: str, expected: str, tmp_path: Path) -> None:
    assert old in LUNGE
    assert expected in bad(LUNGE.replace(old, new, 1), tmp_path, "lunge")


def test_malformed_toml_and_missing_file(tmp_path: Path) -> None:
    assert bad("name = \n", tmp_path).startswith("plank.toml: not valid TOML:")
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.toml")


def test_missing_required_sections(tmp_path: Path) -> None:
    data = tomllib.loads(PLANK)
    del data["position"]
    with pytest.raises(SpecError, match=r"^plank.toml: position: is required$"):
        parse_spec(data, "plank.toml", "plank")
    data = tomllib.loads(LUNGE)
    del data["reps"]
    with pytest.raises(SpecError, match=r"reps: is required when kind = 'reps'"):
        parse_spec(data, "lunge.toml", "lunge")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ('""', "signals.body_line.label: must be 1 to 40 characters of what a person sees"),
        ('"' + "x" * 41 + '"', "signals.body_line.label: must be 1 to 40 characters"),
        ("3", "signals.body_line.label: must be str, got 3"),
    ],
)
def test_signal_label_is_checked(label: str, expected: str, tmp_path: Path) -> None:
    old = 'label = "hips above (+) or below (-) the line"'
    assert old in PLANK
    assert expected in bad(PLANK.replace(old, f"label = {label}", 1), tmp_path)


def test_every_plotted_signal_has_a_label_a_person_reads() -> None:
    """The HTML plot's axes say what a person sees ("free knee height"), not spec names
    (``free_knee_up (x hip-knee)``)."""
    from posecheck.report.html_plot import guide_from_spec

    for name in available():
        spec = spec_for(name)
        for signal in guide_from_spec(spec).signals:
            assert spec.signals[signal].label, f"{name}: signals.{signal} has no label"
    guide = guide_from_spec(spec_for("single_leg_glute_bridge"))
    assert guide.labels["free_knee_up"] == "free knee height"
    assert guide.units["free_knee_up"] == "thigh lengths"
    assert guide_from_spec(spec_for("march")).units["knee_lift"] == "thigh lengths"
    assert guide_from_spec(spec_for("step_over_jump")).units["feet_wide"] == "shoulder widths"


def test_unknown_exercise_suggests_the_closest() -> None:
    with pytest.raises(
        SpecError, match=r"unknown exercise 'lunges'\. Did you mean 'lunge'\? Known: "
    ):
        spec_for("lunges")


def test_readme_exercise_table_is_current() -> None:
    """The README's table is generated from the specs: regenerate it when a spec changes
    (python scripts/exercise_table.py --write)."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    loader = importlib.util.spec_from_file_location(
        "exercise_table", root / "scripts" / "exercise_table.py"
    )
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert module.table() in readme, (
        "README exercise table is stale: run scripts/exercise_table.py --write"
    )


def test_readme_layout_names_every_subpackage() -> None:
    """The README's "How the code is laid out" has a line for each subpackage and each
    top-level module (it replaced a module table that had fallen six behind)."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.partition("### How the code is laid out")[2].partition("\n#")[0]
    named = set(re.findall(r"^- `(posecheck/\w+(?:/|\.py))`", section, re.M))
    named |= set(re.findall(r"; `(posecheck/\w+\.py)`", section))
    pkg = root / "posecheck"
    data = {"posecheck/exercise_specs/", "posecheck/routines/"}  # data, not code
    parts = {f"posecheck/{p.parent.name}/" for p in pkg.glob("*/__init__.py")} - data
    parts |= {f"posecheck/{p.name}" for p in pkg.glob("*.py") if not p.name.startswith("_")}
    assert parts <= named, f"README layout misses {sorted(parts - named)}"
