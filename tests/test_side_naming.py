""" "Side" named for what it is (issue 12, item 8): a per-side exercise's spec says what its
left/right counts are (``reps.side_label``: the front leg, the supporting leg, ...), and the
overlay, the reports and the docs use that name; the side facing the camera, which only
says which landmarks were read, is shown as "facing camera"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from posecheck.check.events import CheckerState, Rep
from posecheck.check.specs import SPECS_DIR, SpecError, available, load_spec, spec_for
from posecheck.pipeline import analyze, session_info
from posecheck.report.html_page import build_html
from posecheck.report.html_sink import HtmlReportSink
from posecheck.report.render import _hud_lines
from posecheck.report.screen import EventLogSink
from posecheck.report.text import format_summary
from posecheck.sources.open import open_source

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


# ---- what the overlay, the reports and the live log say ---------------------------------------
REC = Path(__file__).resolve().parents[1] / "sample_videos" / "recordings"


def _state(side: str | None, by_side: dict[str, int]) -> CheckerState:
    return CheckerState(3.0, True, True, "active", sum(by_side.values()), by_side, 0.0, 0.0, (),
                        None, side, {})  # fmt: skip


def _hud(exercise: str, side: str | None, by_side: dict[str, int]) -> list[str]:
    source = open_source(REC / "lunge_alternating_side_a.npz")  # only its size and rate matter
    info = session_info(source, spec_for(exercise))
    return [text for text, _, _ in _hud_lines(_state(side, by_side), info, None)]


def test_overlay_names_the_counts_and_the_side_facing_the_camera_apart() -> None:
    """A left-leg lunge filmed from the person's right: the counts are per front leg, the
    landmarks read are the right side's."""
    lines = _hud("lunge", "right", {"left": 1, "right": 0})
    assert "L 1 | R 0" in lines and "L | R = front leg" in lines
    assert "phase: active   facing camera: right" in lines
    assert not any("side:" in line for line in lines)
    lines = _hud("single_leg_glute_bridge", "left", {"left": 0, "right": 2})
    assert "L | R = supporting leg" in lines and "phase: active   facing camera: left" in lines


def test_overlay_shows_no_facing_side_for_a_front_view_exercise() -> None:
    lines = _hud("side_stretch", "left", {"left": 1, "right": 1})
    assert "L | R = side leaned to" in lines and "phase: active" in lines
    assert not any("facing camera" in line for line in lines)


def test_overlay_without_sides_has_no_side_legend() -> None:
    lines = _hud("push_up", "left", {})
    assert not any(line.startswith("L | R") for line in lines)
    assert "phase: active   facing camera: left" in lines


def test_reports_name_a_lunge_side_the_front_leg(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    spec = spec_for("lunge")
    report, _ = analyze(
        open_source(REC / "lunge_alternating_side_a.npz"), spec, [HtmlReportSink(out, spec)]
    )
    assert report["side_label"] == "front leg"
    assert [r["side"] for r in report["reps"]][:2] == ["right", "left"]  # field kept as is
    assert "Reps: 9  (front leg: L 4 | R 5)" in format_summary(report)
    page = out.read_text(encoding="utf-8")
    assert "<span>front leg: left</span>" in page and "<span>front leg: right</span>" in page
    assert "<th>front leg</th>" in page and "<th>side</th>" not in page
    log = io.StringIO()
    sink = EventLogSink(log)
    sink.open(session_info(open_source(REC / "lunge_alternating_side_a.npz"), spec))
    sink.on_events([Rep(1, "left", 1.0, 2.0, 1.5)])
    assert log.getvalue() == "0:02.0 rep 1 (front leg: left)\n"


def test_reports_of_an_exercise_without_sides_say_nothing_of_sides() -> None:
    report, _ = analyze(open_source(REC / "pushup_hip_sag_side_a.npz"), spec_for("push_up"))
    assert report["side_label"] is None and report["summary"]["reps_by_side"] == {}
    page = build_html(report)
    assert "<th>side</th>" in page and "leg" not in page.split('id="reps"')[1]


def test_single_leg_bridge_counts_are_per_supporting_leg() -> None:
    report, _ = analyze(
        open_source(REC / "single_leg_bridge_side_portrait_a.npz"),
        spec_for("single_leg_glute_bridge"),
    )
    assert report["side_label"] == "supporting leg"
    assert "(supporting leg: L " in format_summary(report)
