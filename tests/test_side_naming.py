""""Side" named for what it is (issue 12, item 8): a per-side exercise's spec says what its
left/right counts are (``reps.side_label``: the front leg, the supporting leg, ...), and the
overlay, the reports and the docs use that name; the side facing the camera, which only
says which landmarks were read, is shown as "facing camera"."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.specs import SPECS_DIR, SpecError, available, load_spec, spec_for

LUNGE = (SPECS_DIR / "lunge.toml").read_text(encoding="utf-8")

#: What each per-side exercise counts its sides by, as its spec and notes say.
LABELS = {
    "lunge": "front leg",
    "single_leg_glute_bridge": "supporting leg",
    "straight_leg_glute_bridge": "supporting leg",
    "donkey_kick": "kicking leg",
    "march": "raised leg",
    "side_stretch": "side leaned to",
    "cross_toe_touch": "leg reached",
    "plank_knee_drive": "driving leg",
    "straddle_stretch": "leg reached over",
}


def test_every_per_side_spec_names_its_side() -> None:
    per_side = {n for n in available() if spec_for(n).per_side}
    assert per_side == set(LABELS)
    for name, label in LABELS.items():
        reps = spec_for(name).reps
        assert reps is not None and reps.side_label == label, name
    for name in set(available()) - per_side:
        reps = spec_for(name).reps
        assert reps is None or reps.side_label is None, name


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('side_label = "front leg"', 'side_label = ""', "reps.side_label: must be a short name"),
        ('side_label = "front leg"', "side_label = 3", "reps.side_label"),
        ("per_side = true", "per_side = false", "reps.side_label: is only for per_side = true"),
    ],
)
def test_side_label_mistakes_are_one_line(
    old: str, new: str, expected: str, tmp_path: Path
) -> None:
    assert old in LUNGE
    path = tmp_path / "lunge.toml"
    path.write_text(LUNGE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_a_user_spec_without_a_side_label_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "lunge.toml"
    path.write_text(LUNGE.replace('side_label = "front leg"', "", 1), encoding="utf-8")
    reps = load_spec(path).reps
    assert reps is not None and reps.side_label is None
