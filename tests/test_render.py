"""draw_overlay on synthetic frames: shapes, that it draws where it should, and robustness."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.check.events import CheckerState
from posecheck.pose.landmarks import NUM_LANDMARKS, Landmark, Pose, PoseFrame
from posecheck.report.builder import SessionInfo
from posecheck.report.render import draw_overlay

BG = (90, 90, 90)

_STANDING = {
    Landmark.NOSE: (0.5, 0.15),
    Landmark.LEFT_SHOULDER: (0.4, 0.3),
    Landmark.RIGHT_SHOULDER: (0.6, 0.3),
    Landmark.LEFT_ELBOW: (0.38, 0.42),
    Landmark.RIGHT_ELBOW: (0.62, 0.42),
    Landmark.LEFT_WRIST: (0.37, 0.52),
    Landmark.RIGHT_WRIST: (0.63, 0.52),
    Landmark.LEFT_HIP: (0.45, 0.55),
    Landmark.RIGHT_HIP: (0.55, 0.55),
    Landmark.LEFT_KNEE: (0.45, 0.68),
    Landmark.RIGHT_KNEE: (0.55, 0.68),
    Landmark.LEFT_ANKLE: (0.45, 0.8),
    Landmark.RIGHT_ANKLE: (0.55, 0.8),
    Landmark.LEFT_HEEL: (0.44, 0.82),
    Landmark.RIGHT_HEEL: (0.56, 0.82),
    Landmark.LEFT_FOOT_INDEX: (0.47, 0.83),
    Landmark.RIGHT_FOOT_INDEX: (0.53, 0.83),
}


def pose_frame(w: int, h: int, hidden: tuple[Landmark, ...] = ()) -> PoseFrame:
    img = np.zeros((NUM_LANDMARKS, 3), np.float32)
    img[:, :2] = 0.5
    for lm, xy in _STANDING.items():
        img[lm, :2] = xy
    vis = np.ones(NUM_LANDMARKS, np.float32)
    vis[list(hidden)] = 0.1
    return PoseFrame(3, 0.3, w, h, Pose(img, vis))


def state(**kw: object) -> CheckerState:
    base: dict[str, object] = dict(
        t=0.3,
        in_position=True,
        visible=True,
        phase="down",
        reps=9,
        reps_by_side={"left": 4, "right": 5},
        hold_s=12.34,
        good_hold_s=10.0,
        active_issues=(),
        cue=None,
        side="left",
        signals={"knee_angle": 95.0},
    )
    base.update(kw)
    return CheckerState(**base)  # type: ignore[arg-type]


def info(w: int, h: int, kind: str = "alternating_reps") -> SessionInfo:
    targets = {"hold_s": 60.0} if kind == "hold" else {"reps": 20}
    return SessionInfo(
        "lunge", "Alternating lunge", kind, "clip.mp4", 30.0, 100, (w, h), targets=targets
    )


def blank(w: int, h: int) -> np.ndarray:
    return np.full((h, w, 3), BG, np.uint8)


def hud_changed(before: np.ndarray, after: np.ndarray) -> bool:
    h = before.shape[0]
    region = (slice(0, h // 10), slice(0, before.shape[1] // 4))
    return bool(np.any(before[region] != after[region]))


def bottom_band(img: np.ndarray) -> np.ndarray:
    return img[int(img.shape[0] * 0.85) :]


def fault_pixels(img: np.ndarray) -> int:
    """Pixels in the orange-red fault colour range (BGR: low blue, high red)."""
    b, r = img[..., 0].astype(int), img[..., 2].astype(int)
    return int(np.count_nonzero((r > 180) & (b < 110)))


@pytest.mark.parametrize(("w", "h"), [(1080, 1920), (640, 480), (1280, 720), (3840, 2160)])
def test_shape_and_hud_drawn(w: int, h: int) -> None:
    image = blank(w, h)
    original = image.copy()
    out = draw_overlay(
        image,
        pose_frame(w, h),
        state(cue="Keep your chest up", active_issues=("chest",)),
        info(w, h),
    )
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    assert np.array_equal(image, original), "the input frame must not be modified"
    assert hud_changed(original, out)
    assert fault_pixels(bottom_band(out)) > 0, "a fault cue is drawn in the fault colour"
    # The skeleton: the middle of the shoulder line is drawn.
    assert np.any(out[int(0.3 * h), int(0.5 * w)] != BG)


def test_neutral_cue_is_not_fault_coloured() -> None:
    w, h = 640, 480
    msg = "Move back so your whole body is visible"
    out = draw_overlay(blank(w, h), None, state(cue=msg, visible=False), info(w, h))
    band = bottom_band(out)
    assert np.any(band != BG)
    assert fault_pixels(band) == 0


def test_long_cue_wraps_inside_a_portrait_frame() -> None:
    w, h = 1080, 1920
    cue = "Lift your hips so your body forms a straight line from shoulders to heels " * 2
    out = draw_overlay(blank(w, h), None, state(cue=cue, active_issues=("hips",)), info(w, h))
    band = bottom_band(out)
    cols = np.flatnonzero(np.any(fault_pixels_mask(band), axis=0))
    assert cols.size and cols.min() > 0 and cols.max() < w - 1  # text does not run off


def fault_pixels_mask(img: np.ndarray) -> np.ndarray:
    b, r = img[..., 0].astype(int), img[..., 2].astype(int)
    return (r > 180) & (b < 110)


def test_pose_none_and_state_none() -> None:
    w, h = 640, 480
    image = blank(w, h)
    out = draw_overlay(image, None, None, info(w, h))
    assert out.shape == image.shape
    assert hud_changed(image, out)  # the title is still shown
    out = draw_overlay(image, PoseFrame(0, 0.0, w, h, None), state(), info(w, h))
    assert hud_changed(image, out)


def test_hold_hud_and_indicators() -> None:
    w, h = 640, 480
    image = blank(w, h)
    quiet = draw_overlay(image, pose_frame(w, h), state(), info(w, h, "hold"))
    flagged = draw_overlay(
        image,
        pose_frame(w, h, hidden=(Landmark.LEFT_ANKLE,)),
        state(visible=False, in_position=False),
        info(w, h, "hold"),
    )
    # The extra indicator lines make the HUD panel taller.
    rows_quiet = np.flatnonzero(np.any(quiet[:, :200] != BG, axis=(1, 2)))
    rows_flagged = np.flatnonzero(np.any(flagged[:, :200] != BG, axis=(1, 2)))
    top_quiet = rows_quiet[rows_quiet < h // 3].max()
    top_flagged = rows_flagged[rows_flagged < h // 3].max()
    assert top_flagged > top_quiet


def test_low_visibility_bones_are_faint() -> None:
    w, h = 640, 480
    hidden = (Landmark.LEFT_ANKLE,)
    out = draw_overlay(blank(w, h), pose_frame(w, h, hidden), state(), info(w, h))
    green = out[int(0.3 * h), int(0.5 * w)]  # shoulder-shoulder, both visible
    faint = out[int(0.74 * h), int(0.45 * w)]  # knee-ankle, ankle hidden
    assert green[1] > green[0] + 60 and green[1] > green[2] + 60
    assert abs(int(faint[1]) - int(faint[0])) < 30  # grey, not the bone green


def test_out_buffer_reuse_and_in_place() -> None:
    w, h = 320, 240
    image = blank(w, h)
    buf = np.empty_like(image)
    out = draw_overlay(image, pose_frame(w, h), state(), info(w, h), out=buf)
    assert out is buf
    assert np.array_equal(image, blank(w, h))
    same = draw_overlay(image, pose_frame(w, h), state(), info(w, h), out=image)
    assert same is image and hud_changed(blank(w, h), image)
    with pytest.raises(ValueError):
        draw_overlay(image, None, None, info(w, h), out=np.empty((10, 10, 3), np.uint8))


def test_rejects_non_bgr() -> None:
    with pytest.raises(ValueError, match="BGR"):
        draw_overlay(np.zeros((48, 64), np.uint8), None, None, info(64, 48))


@pytest.mark.parametrize(("w", "h"), [(64, 48), (33, 17)])
def test_tiny_frames(w: int, h: int) -> None:
    out = draw_overlay(blank(w, h), pose_frame(w, h), state(cue="x " * 40), info(w, h))
    assert out.shape == (h, w, 3)


def test_landmarks_far_off_screen() -> None:
    w, h = 320, 240
    img = np.full((NUM_LANDMARKS, 3), 1e6, np.float32)
    frame = PoseFrame(0, 0.0, w, h, Pose(img, np.ones(NUM_LANDMARKS, np.float32)))
    assert draw_overlay(blank(w, h), frame, state(), info(w, h)).shape == (h, w, 3)


def test_pose_found_at_other_resolution_maps_to_image() -> None:
    """Normalised landmarks land on the drawn image even if the pose frame size differs."""
    out = draw_overlay(blank(640, 480), pose_frame(320, 240), state(), info(640, 480))
    assert np.any(out[int(0.3 * 480), int(0.5 * 640)] != BG)


def test_mirrored_display_flips_picture_and_skeleton_not_text() -> None:
    w, h = 640, 480
    image = blank(w, h)
    image[200:260, 560:620] = (0, 0, 255)  # a red patch on the right of the picture
    pf = pose_frame(w, h)
    plain = draw_overlay(image, pf, state(), info(w, h))
    mirrored = draw_overlay(image, pf, state(), info(w, h), mirror=True)
    # The patch now shows on the left, as in a mirror.
    assert tuple(mirrored[230, 40 - 1 + 0]) == (0, 0, 255) or tuple(mirrored[230, 50]) == (
        0,
        0,
        255,
    )
    assert tuple(plain[230, 50]) != (0, 0, 255)
    # The skeleton is drawn where the mirrored person is: the picture of the body and
    # the drawn bones coincide, so the mirrored drawing equals the plain one flipped,
    # away from the HUD (top-left panel) and the cue band (bottom).
    body = (slice(int(0.3 * h), int(0.8 * h)), slice(int(0.3 * w), int(0.7 * w)))
    drawn_m = np.argwhere(np.any(mirrored[body] != BG, axis=2))
    drawn_p = np.argwhere(np.any(plain[:, ::-1][body] != BG, axis=2))
    assert abs(len(drawn_m) - len(drawn_p)) < 0.05 * len(drawn_p)  # anti-aliasing differs
    assert np.allclose(drawn_m.mean(axis=0), drawn_p.mean(axis=0), atol=1.0)
    # The HUD text is not mirrored: the panel stays top-left in both.
    assert np.array_equal(mirrored[:40, :120], plain[:40, :120])


def test_a_frame_rate_too_low_is_shown_in_the_hud() -> None:
    """The pipeline's note (posecheck.check.frame_rate) is a line of its own, in warning amber."""
    from posecheck.report.render import _WARN, _hud_lines

    note = "low frame rate: 6.0 fps, needs 10"
    lines = _hud_lines(state(frame_rate_note=note), info(640, 480), None)
    assert (note, "small", _WARN) in lines
    assert all(text != note for text, _, _ in _hud_lines(state(), info(640, 480), None))
    w, h = 640, 480
    plain = draw_overlay(blank(w, h), pose_frame(w, h), state(), info(w, h))
    noted = draw_overlay(blank(w, h), pose_frame(w, h), state(frame_rate_note=note), info(w, h))
    rows = [np.flatnonzero(np.any(im[:, :200] != BG, axis=(1, 2))) for im in (plain, noted)]
    assert rows[1][rows[1] < h // 2].max() > rows[0][rows[0] < h // 2].max()  # a taller HUD
