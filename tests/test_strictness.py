"""Strictness levels and per-rule overrides: what they change, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.check.specs import SpecError, parse_spec, spec_for
from posecheck.check.strictness import (
    StrictnessError,
    apply,
    configured,
    load_config,
    parse_rule_args,
)
from posecheck.cli import main

REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"


def rule(spec, code: str):
    return next(r for r in spec.rules if r.code == code)


def test_levels_use_measured_thresholds_else_only_timing() -> None:
    plank = spec_for("plank")
    strict, lenient = apply(plank, "strict"), apply(plank, "lenient")
    assert rule(plank, "hips_sagging").below == -0.05
    assert rule(strict, "hips_sagging").below == -0.03
    assert rule(lenient, "hips_sagging").below == -0.08
    assert rule(strict, "hips_sagging").for_s == rule(plank, "hips_sagging").for_s
    # No measured strict value for the elbows: only how long the fault must last changes.
    arms = rule(plank, "arms_not_under_shoulders")
    assert rule(strict, arms.code).below == arms.below
    assert rule(strict, arms.code).for_s == arms.for_s / 2
    assert rule(lenient, arms.code).for_s == arms.for_s * 2
    assert apply(plank, "normal") == plank


def test_overrides_beat_the_level_and_can_switch_a_rule_off() -> None:
    plank = spec_for("plank")
    out = apply(plank, "strict", {"hips_sagging": {"below": -0.1}, "hips_piked": {"off": True}})
    assert rule(out, "hips_sagging").below == -0.1
    assert "hips_piked" not in {r.code for r in out.rules}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"hips_sag": {"below": -0.1}},
            "plank has no rule 'hips_sag' (did you mean 'hips_sagging'?); its rules:",
        ),
        ({"hips_sagging": {"under": -0.1}}, "unknown key(s) ['under']; allowed: above, below"),
        ({"hips_sagging": {"above": 0.1}}, "fires below its threshold: set below"),
        ({"hips_sagging": {"below": "low"}}, "hips_sagging.below: must be a number"),
        ({"hips_sagging": {"for_s": -1}}, "for_s: must be >= 0"),
    ],
)
def test_bad_overrides(overrides: dict, message: str) -> None:
    with pytest.raises(StrictnessError) as err:
        apply(spec_for("plank"), "normal", overrides)
    assert message in str(err.value)
    with pytest.raises(StrictnessError, match="strictness must be one of lenient, normal, strict"):
        apply(spec_for("plank"), "harsh")


@pytest.mark.parametrize(
    ("arg", "message"),
    [("hips_sagging", "write CODE.KEY=VALUE"), ("hips_sagging=on", "CODE=off is the only"),
     ("hips_sagging.below=x", "'x' is not a number")],
)  # fmt: skip
def test_bad_rule_args(arg: str, message: str) -> None:
    with pytest.raises(StrictnessError, match=message):
        parse_rule_args([arg])


@pytest.mark.parametrize("arg", ["nonsense=3", "nonsense=off", "nonsense", "nonsense.below=1"])
def test_a_rule_the_exercise_lacks_is_named_whatever_the_form(arg: str) -> None:
    """The unknown code is the likelier mistake, so it is said before the form is judged."""
    with pytest.raises(StrictnessError) as err:
        configured(spec_for("push_up"), None, [arg], None)
    assert str(err.value) == (
        "push_up has no rule 'nonsense'; its rules: hips_piked, hips_sagging, shallow_depth"
    )


def test_a_near_miss_rule_code_gets_the_closest_one() -> None:
    with pytest.raises(StrictnessError, match=r"\(did you mean 'hips_sagging'\?\)"):
        configured(spec_for("push_up"), None, ["hip_sagging.below=-0.1"], None)


def test_a_known_rule_without_a_key_shows_the_keyed_form() -> None:
    with pytest.raises(StrictnessError, match=r"write hips_sagging\.KEY=3 \(KEY: above"):
        configured(spec_for("push_up"), None, ["hips_sagging=3"], None)


def test_config_file_then_command_line(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'strictness = "lenient"\n[rules.hips_sagging]\nbelow = -0.09\n'
        "[rules.trunk_leaning]\nabove = 30\n"  # a lunge rule: skipped for the plank
    )
    assert load_config(cfg)[0] == "lenient"
    plank = configured(spec_for("plank"), None, [], cfg)
    assert rule(plank, "hips_sagging").below == -0.09
    assert rule(plank, "hips_piked").above == 0.20  # the config's level
    plank = configured(spec_for("plank"), "strict", ["hips_sagging.below=-0.04"], cfg)
    assert rule(plank, "hips_sagging").below == -0.04 and rule(plank, "hips_piked").above == 0.12
    for text, message in (
        ('level = "x"\n', "unknown key(s) ['level']"),
        ('strictness = "harsh"\n', "strictness must be one of"),
        ("rules = 3\n", "[rules.CODE] tables expected"),
        ("strictness = \n", "cannot read config"),
    ):
        cfg.write_text(text)
        with pytest.raises(StrictnessError) as err:
            load_config(cfg)
        assert message in str(err.value)
    with pytest.raises(StrictnessError, match="config file not found"):
        load_config(tmp_path / "none.toml")


def test_spec_strict_and_lenient_must_sit_on_the_right_side() -> None:
    base = {
        "name": "x", "title": "X", "source": "s", "view": "side", "kind": "hold",
        "visibility": {"parts": ["hip"]},
        "signals": {"a": {"kind": "angle", "points": ["hip", "knee", "ankle"]}},
        "position": {"require": {}},
    }  # fmt: skip
    good = {"code": "c", "message": "m", "when": "continuous", "signal": "a", "above": 10}
    parse_spec({**base, "rules": [{**good, "strict": 5, "lenient": 20}]}, "x.toml")
    for extra, message in (
        ({"strict": 15}, "rules[0].strict: must be below the threshold 10"),
        ({"lenient": 5}, "rules[0].lenient: must be above the threshold 10"),
        ({"below": 0, "strict": 5}, "need a one-sided rule"),
    ):
        with pytest.raises(SpecError, match=message.replace("[", r"\[")):
            parse_spec({**base, "rules": [{**good, **extra}]}, "x.toml")


def test_cli_rule_off_and_levels_on_a_real_recording(capsys) -> None:
    rec = str(REC / "pushup_hip_sag_side_a.npz")
    assert main(["analyze", rec, "-e", "push_up", "--no-progress"]) == 0
    assert "hips_sagging" in capsys.readouterr().out
    assert (
        main(["analyze", rec, "-e", "push_up", "--no-progress", "--rule", "hips_sagging=off"]) == 0
    )
    assert "Issues: none" in capsys.readouterr().out
    assert main(["analyze", rec, "-e", "push_up", "--rule", "hips_sag.below=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "push_up has no rule 'hips_sag'" in err
