"""A recording seen from another camera angle: the body turned about the vertical axis.

MediaPipe's world landmarks are metric 3-D points, so a recording can be turned by any
yaw and projected back into a picture. The picture is not made from the world landmarks
alone (their limbs are less precise than the picture's): each landmark keeps its real 2-D
position and moves by what the turn moves it in the world model, projected with the
frame's own scale (a least-squares fit of the world points onto the picture). At 0
degrees the recording is unchanged. A point that turns behind its left/right partner
loses up to half its visibility where the partner covers it in the picture, as a camera
would see less of it; one that turns out from behind keeps the visibility the model gave
it (no sharper than it was).

Used by tests/test_yaw_sweep.py and scripts/yaw_sweep_table.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from posecheck.pose.landmarks import Landmark, Pose, PoseFrame
from posecheck.pose.recording import Recording

_LS, _LH = int(Landmark.LEFT_SHOULDER), int(Landmark.LEFT_HIP)
CAMERA_M = 3.0  # distance of the virtual camera from the hips: a phone on the floor
# Pairs of landmarks that exist on both sides (left index, right index).
_PAIRS = [
    (int(Landmark[n]), int(Landmark[n.replace("LEFT_", "RIGHT_")]))
    for n in Landmark.__members__
    if n.startswith("LEFT_")
]


def _turn(world: np.ndarray, degrees: float) -> np.ndarray:
    """World points turned by ``degrees`` about the vertical (y) axis through the hips."""
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    x, y, z = world[:, 0], world[:, 1], world[:, 2]
    return np.stack([c * x + s * z, y, -s * x + c * z], axis=1)


def _project(world: np.ndarray) -> np.ndarray:
    """Perspective projection (x, y) of hip-centred world points, in metres at the hips."""
    f = CAMERA_M / (CAMERA_M + world[:, 2])
    return world[:, :2] * f[:, None]


def turn_direction(rec: Recording) -> float:
    """+1 or -1: the sign of turn that brings the person's face towards the camera (the
    nose's depth decreases), so that a side-on recording turns towards a frontal one."""
    frames = [i for i in range(len(rec)) if rec.present[i] and rec.world[i].any()]
    if not frames:
        return 1.0
    w = rec.world[frames[len(frames) // 2]]
    nose = int(Landmark.NOSE)
    return 1.0 if _turn(w, 30.0)[nose, 2] <= w[nose, 2] else -1.0


def turned_frames(rec: Recording, degrees: float) -> Iterator[PoseFrame]:
    """The recording's frames as a camera turned by ``degrees`` would have seen them."""
    sign = turn_direction(rec)
    size = np.array([rec.width, rec.height], dtype=np.float64)
    for frame in rec.frames():
        pose = frame.pose
        if pose is None or pose.world is None or degrees == 0:
            yield frame
            continue
        world = pose.world.astype(np.float64)
        turned = _turn(world, sign * degrees)
        px = pose.image[:, :2].astype(np.float64) * size
        before, after = _project(world), _project(turned)
        # Scale from metres to pixels: least squares of (px - mean) on (before - mean).
        b0, p0 = before - before.mean(axis=0), px - px.mean(axis=0)
        denom = float((b0 * b0).sum())
        scale = float((b0 * p0).sum()) / denom if denom > 1e-9 else 0.0
        new_px = px + (after - before) * scale
        image = pose.image.astype(np.float64).copy()
        image[:, :2] = new_px / size
        image[:, 2] += (turned[:, 2] - world[:, 2]) * scale / size[0]
        vis = pose.visibility.astype(np.float64).copy()
        torso = float(np.linalg.norm(new_px[_LS] - new_px[_LH])) + 1e-6
        for left, right in _PAIRS:
            for a, b in ((left, right), (right, left)):
                # How far the point has gone behind its partner beyond where it was (m),
                # and how much the partner covers it in the picture: a side turning
                # towards the camera is never made more visible than the model saw it;
                # one turning behind its partner, where they overlap, is seen less.
                now, was = turned[a, 2] - turned[b, 2], world[a, 2] - world[b, 2]
                behind = now - max(was, 0.0)
                apart = float(np.linalg.norm(new_px[a] - new_px[b])) / (0.5 * torso)
                if now > 0 and behind > 0 and apart < 1.0:
                    vis[a] *= 1.0 - 0.5 * min(behind / 0.25, 1.0) * (1.0 - apart)
        yield PoseFrame(
            frame.index,
            frame.t,
            frame.width,
            frame.height,
            Pose(image.astype(np.float32), vis.astype(np.float32), turned.astype(np.float32)),
        )
