"""Draw the pose and the checker's state on a video frame. It draws; it never decides.

Everything shown comes from the ``CheckerState`` the checker produced (counts, timers,
phase, cue, in-position / visible flags). The only thing read from the landmarks
besides their positions is their visibility, to draw unreliable joints faintly and to
name which body parts are hidden once the checker has said the body is not visible.

Sizes scale with the frame height (capped by the width, so a portrait phone video
does not get text wider than the frame): the same overlay reads the same on a
640x480 webcam, a 1080x1920 phone clip and a 4K file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from posecheck.check.events import CheckerState
from posecheck.pose.landmarks import SKELETON, Landmark, Pose, PoseFrame
from posecheck.report.builder import SessionInfo
from posecheck.report.text import format_time

#: Landmarks below this visibility are drawn faint; MediaPipe's own drawing default.
VISIBILITY_THRESHOLD = 0.5

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_AA = cv2.LINE_AA

# Colours are BGR.
_WHITE = (255, 255, 255)
_GREY = (185, 185, 185)
_FAINT = (110, 110, 110)
_BONE = (90, 220, 90)
_JOINT = (255, 255, 255)
_JOINT_EDGE = (40, 120, 40)
_FAULT = (30, 70, 255)  # orange-red: a form fault the user should fix now
_NEUTRAL = (255, 235, 200)  # pale blue-white: guidance that is not a fault
_WARN = (0, 190, 255)  # amber: "not in position" / "can't see"

_BONES = np.array([(int(a), int(b)) for a, b in SKELETON], dtype=np.intp)
_JOINTS = np.unique(np.concatenate([_BONES.ravel(), [int(Landmark.NOSE)]]))

#: Parts named by the "can't see: ..." indicator, in head-to-toe order.
_CHECKED_PARTS: tuple[str, ...] = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")


@dataclass(frozen=True, slots=True)
class _Style:
    """Pixel sizes for one frame size; cached so per-frame work is only drawing."""

    unit: float
    pad: int
    title_scale: float
    body_scale: float
    small_scale: float
    cue_scale: float
    thick: int
    title_thick: int
    cue_thick: int
    bone_thick: int
    joint_r: int


@lru_cache(maxsize=16)
def _style(width: int, height: int) -> _Style:
    # 720 p is the design size; the width cap keeps portrait frames from overflowing.
    unit = max(0.3, min(height / 720.0, width / 960.0))
    return _Style(
        unit=unit,
        pad=max(4, round(12 * unit)),
        title_scale=0.9 * unit,
        body_scale=0.75 * unit,
        small_scale=0.6 * unit,
        cue_scale=1.15 * unit,
        thick=max(1, round(2 * unit)),
        title_thick=max(1, round(2.5 * unit)),
        cue_thick=max(1, round(3 * unit)),
        bone_thick=max(1, round(3 * unit)),
        joint_r=max(2, round(5 * unit)),
    )


@lru_cache(maxsize=64)
def _wrap(text: str, max_width: int, scale: float, thick: int) -> tuple[str, ...]:
    """Greedy word wrap to ``max_width`` pixels (cached: the cue rarely changes)."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and cv2.getTextSize(candidate, _FONT, scale, thick)[0][0] > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return tuple(lines[:3]) if len(lines) <= 3 else (*lines[:2], lines[2] + " ...")


def _darken(image: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """Dim a rectangle to 25 % in place (integer shift: no float temporaries)."""
    h, w = image.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        np.right_shift(roi, 2, out=roi)


def _hidden_parts(pose_frame: PoseFrame | None, side: str | None) -> str:
    """Which of the main joints are below the visibility threshold, for the indicator."""
    if pose_frame is None or pose_frame.pose is None:
        return "no person detected"
    vis = pose_frame.pose.visibility
    sides = (side,) if side in ("left", "right") else ("left", "right")
    hidden = [
        f"{s} {part}"
        for part in _CHECKED_PARTS
        for s in sides
        if vis[Landmark[f"{s}_{part}".upper()]] < VISIBILITY_THRESHOLD
    ]
    if not hidden:
        return "body not clear"
    return ", ".join(hidden[:3]) + (" ..." if len(hidden) > 3 else "")


def _mirrored(pose_frame: PoseFrame) -> PoseFrame:
    """The same landmarks seen in a mirror: x flipped, labels unchanged."""
    if pose_frame.pose is None:
        return pose_frame
    image = pose_frame.pose.image.copy()
    # Pixel column c goes to w-1-c when the picture is flipped; landmarks follow exactly.
    image[:, 0] = (pose_frame.width - 1) / pose_frame.width - image[:, 0]
    pose = Pose(image, pose_frame.pose.visibility, pose_frame.pose.world)
    return replace(pose_frame, pose=pose, others=())


def _draw_skeleton(image: np.ndarray, pose_frame: PoseFrame, st: _Style) -> None:
    pose = pose_frame.pose
    if pose is None:
        return
    h, w = image.shape[:2]
    # Normalised coordinates map onto *this* image, whatever size the pose was found at.
    # Clipping keeps far off-screen estimates inside int32 for OpenCV.
    xy = np.clip(pose.image[:, :2], -2.0, 3.0) * np.array([w, h], dtype=np.float32)
    pts = np.rint(xy).astype(np.int32)
    ok = pose.visibility >= VISIBILITY_THRESHOLD

    bone_ok = ok[_BONES[:, 0]] & ok[_BONES[:, 1]]
    segs = pts[_BONES]  # (n_bones, 2, 2)
    if (~bone_ok).any():
        cv2.polylines(image, segs[~bone_ok], False, _FAINT, 1, _AA)
    if bone_ok.any():
        cv2.polylines(image, segs[bone_ok], False, _BONE, st.bone_thick, _AA)
    for j in _JOINTS:
        x, y = int(pts[j, 0]), int(pts[j, 1])
        if ok[j]:
            cv2.circle(image, (x, y), st.joint_r, _JOINT, -1, _AA)
            cv2.circle(image, (x, y), st.joint_r, _JOINT_EDGE, 1, _AA)
        else:
            cv2.circle(image, (x, y), max(1, st.joint_r // 2), _FAINT, -1, _AA)


def _hud_lines(
    state: CheckerState | None, info: SessionInfo, pose_frame: PoseFrame | None
) -> list[tuple[str, str, tuple[int, int, int]]]:
    """(text, size key, colour) for each HUD line, top to bottom."""
    lines: list[tuple[str, str, tuple[int, int, int]]] = [(info.title, "title", _WHITE)]
    if state is None:
        return lines
    if info.kind == "hold":
        target = info.targets.get("hold_s")
        total = f"Hold {format_time(state.hold_s)}"
        if target:
            total += f" / {format_time(target)}"
        lines.append((total, "big", _WHITE))
        lines.append((f"Good form {format_time(state.good_hold_s)}", "body", _WHITE))
    else:
        target = info.targets.get("reps")
        reps = f"Reps {state.reps}" + (f" / {target:g}" if target else "")
        lines.append((reps, "big", _WHITE))
        if state.reps_by_side:
            sides = " | ".join(
                f"{side[:1].upper()} {n}" for side, n in sorted(state.reps_by_side.items())
            )
            lines.append((sides, "big", _WHITE))
            if info.side_label:  # what L and R count: the front leg, the supporting leg
                lines.append((f"L | R = {info.side_label}", "small", _GREY))
    if "duration_s" in info.targets or "rate_per_min" in info.targets:
        timed = f"Time {format_time(state.active_s)}"
        if info.targets.get("duration_s"):
            timed += f" / {format_time(info.targets['duration_s'])}"
        if state.active_s >= 10 and state.reps:  # a pace from a few seconds is noise
            timed += f"   {state.reps / state.active_s * 60:.0f}/min"
        lines.append((timed, "body", _WHITE))
    # The side facing the camera, whose landmarks are read: not the rep's side. From the
    # front it means nothing, so it is not shown.
    facing = state.side if state.side and info.view != "front" else None
    phase = f"phase: {state.phase}" + (f"   facing camera: {facing}" if facing else "")
    lines.append((phase, "small", _GREY))
    if not state.visible:
        lines.append((f"can't see: {_hidden_parts(pose_frame, state.side)}", "small", _WARN))
    if not state.in_position:
        lines.append(("not in position", "small", _WARN))
    if state.frame_rate_note:  # too few frames a second to judge this exercise well
        lines.append((state.frame_rate_note, "small", _WARN))
    return lines


def draw_overlay(
    image_bgr: np.ndarray,
    pose_frame: PoseFrame | None,
    state: CheckerState | None,
    info: SessionInfo,
    *,
    out: np.ndarray | None = None,
    mirror: bool = False,
) -> np.ndarray:
    """Draw skeleton, HUD and cue; returns the annotated frame.

    ``mirror`` shows the picture as a mirror would (what people expect from a webcam
    facing them); only the display flips: the landmarks were judged on the real picture,
    so "left" still means the person's left, and the text reads normally.

    ``image_bgr`` itself is never modified, because the same frame is handed to every
    sink (a video writer and a live window must not draw on each other's output). The
    drawing goes into ``out`` when given (an HxWx3 uint8 buffer the caller reuses across
    frames, so no frame-sized allocation per frame; pass ``out=image_bgr`` to draw in
    place on purpose), otherwise into a fresh copy.

    ``pose_frame`` or ``state`` may be None (before the first result, or no checker),
    in which case only what is known is drawn.
    """
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(
            f"draw_overlay needs an HxWx3 uint8 BGR image, got {image_bgr.shape} {image_bgr.dtype}"
        )
    if out is None:
        canvas = image_bgr.copy()
    else:
        if out.shape != image_bgr.shape or out.dtype != image_bgr.dtype:
            raise ValueError(f"out buffer {out.shape} does not match image {image_bgr.shape}")
        if out is not image_bgr:
            np.copyto(out, image_bgr)
        canvas = out
    h, w = canvas.shape[:2]
    st = _style(w, h)
    if mirror:
        cv2.flip(canvas, 1, dst=canvas)

    if pose_frame is not None:
        _draw_skeleton(canvas, _mirrored(pose_frame) if mirror else pose_frame, st)

    # HUD panel, top-left.
    sizes = {
        "title": (st.title_scale, st.title_thick),
        "big": (st.cue_scale * 1.3, st.cue_thick),  # the count: readable from the floor
        "body": (st.body_scale, st.thick),
        "small": (st.small_scale, st.thick),
    }
    lines = _hud_lines(state, info, pose_frame)
    measured = []
    panel_w = 0
    for text, key, colour in lines:
        scale, thick = sizes[key]
        (tw, th), base = cv2.getTextSize(text, _FONT, scale, thick)
        measured.append((text, scale, thick, colour, th, base))
        panel_w = max(panel_w, tw)
    gap = st.pad // 2
    panel_h = sum(th + base + gap for *_, th, base in measured) + 2 * st.pad - gap
    panel_w = min(w - 2 * st.pad, panel_w + 2 * st.pad)
    x0 = y0 = st.pad
    _darken(canvas, x0, y0, x0 + panel_w, y0 + panel_h)
    y = y0 + st.pad
    for text, scale, thick, colour, th, base in measured:
        y += th
        cv2.putText(canvas, text, (x0 + st.pad, y), _FONT, scale, colour, thick, _AA)
        y += base + gap

    # Cue, large and centred in a band at the bottom.
    if state is not None and state.cue:
        fault = bool(state.active_issues) and state.visible and state.in_position
        colour = _FAULT if fault else _NEUTRAL
        wrapped = _wrap(state.cue, w - 4 * st.pad, st.cue_scale, st.cue_thick)
        metrics = [cv2.getTextSize(t, _FONT, st.cue_scale, st.cue_thick) for t in wrapped]
        line_h = max(th + base for (_, th), base in metrics) + st.pad // 2
        band_h = line_h * len(wrapped) + 2 * st.pad
        top = h - st.pad - band_h
        _darken(canvas, 0, top, w, top + band_h)
        y = top + st.pad
        for text, ((tw, th), _base) in zip(wrapped, metrics, strict=True):
            x = max(st.pad, (w - tw) // 2)
            cv2.putText(canvas, text, (x, y + th), _FONT, st.cue_scale, colour, st.cue_thick, _AA)
            y += line_h
    return canvas
