"""Pictures and short clips of form issues for the HTML report, cut to the person.

Both show the skeleton in the fault colour: the pose that was wrong. They are drawn at
their own small size rather than shrunk from the full overlay, whose HUD text would be
unreadable at 240 px and hide the body the picture is meant to show.

A clip is a few seconds of the frames the HTML sink sampled around the issue's moment
(about 10 a second), H.264 through :mod:`posecheck.report.video_encode`, at most ``width`` px
wide. Its crop is one box for the whole clip (the union of the person's boxes), so the
picture does not jump from frame to frame. :class:`ClipBuilder` takes the frames one by
one, from the sink's samples or from a second read of the video file, so a clip is
never held as raw frames.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.pose.landmarks import SKELETON, PoseFrame
from posecheck.report.render import VISIBILITY_THRESHOLD
from posecheck.report.video_encode import VideoEncodeError, VideoWriter

_FAULT_BONE, _JOINT = (30, 70, 255), (255, 255, 255)  # BGR: render.py's fault colour

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Cut:
    """A small JPEG of the region ``box`` (x0, y0, x1, y1 in frame pixels) of a frame."""

    jpeg: bytes
    box: Box
    frame_size: tuple[int, int]


def body_box(pose_frame: PoseFrame | None, w: int, h: int) -> Box:
    """The region around the person, with a margin; the whole frame when nobody is seen.

    People often fill a fifth of a side-on clip: a 240 px picture of the whole frame
    would show a stick figure, so the picture is cut to the body (never below a third of
    the frame, so a close-up still shows some surroundings).
    """
    pose = pose_frame.pose if pose_frame is not None else None
    if pose is None:
        return 0, 0, w, h
    ok = pose.visibility >= VISIBILITY_THRESHOLD
    xy = pose.image[ok if ok.sum() >= 4 else slice(None), :2] * np.array([w, h])
    (x0, y0), (x1, y1) = np.clip(xy.min(axis=0), 0, [w, h]), np.clip(xy.max(axis=0), 0, [w, h])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bw = max((x1 - x0) * 1.4, w / 3, 16.0)
    bh = max((y1 - y0) * 1.4, h / 3, 16.0)
    left, top = (
        int(np.clip(cx - bw / 2, 0, max(0, w - bw))),
        int(np.clip(cy - bh / 2, 0, max(0, h - bh))),
    )
    return left, top, min(w, left + round(bw)), min(h, top + round(bh))


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    good, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not good:
        raise ValueError("JPEG encoding of an issue picture failed")
    return buf.tobytes()


def _fit(rw: int, rh: int, width: int) -> float:
    """The scale that fits a region in ``width`` x 4/3 ``width`` (taller pictures), never up."""
    return min(width / rw, width * 4 / 3 / rh, 1.0)


def cut(image_bgr: np.ndarray, pose_frame: PoseFrame | None, width: int) -> Cut:
    """The body's region of a frame, shrunk to ``width`` (taller pictures: 4/3 of it)."""
    h, w = image_bgr.shape[:2]
    box = body_box(pose_frame, w, h)
    region = image_bgr[box[1] : box[3], box[0] : box[2]]
    rh, rw = region.shape[:2]
    scale = _fit(rw, rh, width)
    size = (max(1, round(rw * scale)), max(1, round(rh * scale)))
    small = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
    return Cut(_jpeg(small, 90), box, (w, h))


def draw_skeleton(
    small: np.ndarray, pose_frame: PoseFrame | None, box: Box, frame_size: tuple[int, int]
) -> None:
    """Draw the pose, in the fault colour, on ``small``: region ``box`` of a frame, scaled."""
    pose = pose_frame.pose if pose_frame is not None else None
    if pose is None:
        return
    x0, y0, x1, _ = box
    scale = small.shape[1] / max(1, x1 - x0)
    full = np.array(frame_size, dtype=np.float64)
    xy = (np.clip(pose.image[:, :2], -2.0, 3.0) * full - [x0, y0]) * scale
    pts = np.rint(xy).astype(np.int32)
    ok = pose.visibility >= VISIBILITY_THRESHOLD
    for a, b in SKELETON:
        if ok[int(a)] and ok[int(b)]:
            p, q = pts[int(a)], pts[int(b)]
            cv2.line(small, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), _FAULT_BONE, 2, 16)
    for j in np.flatnonzero(ok):
        cv2.circle(small, (int(pts[j, 0]), int(pts[j, 1])), 2, _JOINT, -1, 16)


def picture(c: Cut, pose_frame: PoseFrame | None) -> bytes:
    """The cut-out with the skeleton drawn on it, as a JPEG."""
    small = cv2.imdecode(np.frombuffer(c.jpeg, np.uint8), cv2.IMREAD_COLOR)
    draw_skeleton(small, pose_frame, c.box, c.frame_size)
    return _jpeg(small, 82)


def thumbnail(image_bgr: np.ndarray, pose_frame: PoseFrame | None, width: int = 240) -> bytes:
    """A small JPEG of the person in a frame, skeleton drawn in the fault colour."""
    return picture(cut(image_bgr, pose_frame, width), pose_frame)


def sample_jpeg(image_bgr: np.ndarray, longest: int) -> bytes:
    """A whole frame, its longer side shrunk to ``longest``: what a clip is later cut from."""
    h, w = image_bgr.shape[:2]
    scale = min(1.0, longest / max(w, h))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image_bgr = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
    return _jpeg(image_bgr, 85)


def decode_jpeg(data: bytes) -> np.ndarray:
    """A JPEG's pixels (BGR)."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("a stored frame is not a readable JPEG")
    return image


@dataclass(frozen=True, slots=True)
class ClipMedia:
    """An encoded clip (MP4 bytes), its poster (the issue's moment, JPEG) and its span."""

    mp4: bytes
    poster: bytes
    t_start: float
    t_end: float
    t_poster: float


class ClipBuilder:
    """One issue's clip, from the frames of ``poses`` (in time order) given one by one.

    ``poses`` decides everything before the first frame arrives: the crop (the union of
    the person's boxes in all of them, in fractions of the frame, so the frames may come
    at any size), the output size, and which frame is the poster (``moment``, a frame
    index). Frames whose index is not among ``poses`` are ignored.
    """

    def __init__(
        self, poses: Sequence[PoseFrame], moment: int, width: int = 480, fps: float = 10.0
    ) -> None:
        if not poses:
            raise ValueError("a clip needs at least one pose")
        self._poses = {p.index: p for p in poses}
        self.t_start, self.t_end = poses[0].t, poses[-1].t
        self.moment, self.fps = moment, fps
        w0, h0 = poses[0].width, poses[0].height
        boxes = np.array([body_box(p, w0, h0) for p in poses], dtype=np.float64)
        union = np.array([*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0)])
        self._rel = union / [w0, h0, w0, h0]
        rw, rh = union[2] - union[0], union[3] - union[1]
        scale = _fit(int(rw), int(rh), width)
        # yuv420p needs even sizes
        self.size = (max(2, round(rw * scale) & ~1), max(2, round(rh * scale) & ~1))
        self._writer: VideoWriter | None = None
        self._buf: io.BytesIO | None = None
        self._poster: bytes | None = None
        self._t_poster = poses[0].t
        self.frames = 0
        self.failed = False  # the encoder failed: no clip, the still stays

    @property
    def last_index(self) -> int:
        return max(self._poses)

    def wants(self, index: int) -> bool:
        return index in self._poses

    def add(self, image_bgr: np.ndarray, index: int) -> None:
        """Crop, shrink and draw one frame (any size: it is cut by fractions) and encode it."""
        pose_frame = self._poses.get(index)
        if pose_frame is None or self.failed:
            return
        h, w = image_bgr.shape[:2]
        x0, y0, x1, y1 = (int(v) for v in np.rint(self._rel * [w, h, w, h]))
        region = image_bgr[y0:y1, x0:x1]
        small = cv2.resize(region, self.size, interpolation=cv2.INTER_AREA)
        draw_skeleton(small, pose_frame, (x0, y0, x1, y1), (w, h))
        try:
            if self._writer is None:
                self._buf = io.BytesIO()
                self._writer = VideoWriter(self._buf, self.size, self.fps, muxer="mp4")
            self._writer.write(small)
        except VideoEncodeError:  # the page goes on with the still
            self.failed = True
            return
        self.frames += 1
        if self._poster is None or index == self.moment:
            self._poster = _jpeg(small, 82)
            self._t_poster = pose_frame.t

    def finish(self) -> ClipMedia | None:
        """The clip, or None when fewer than three frames came (a still says as much)."""
        writer, self._writer = self._writer, None
        if writer is None or self._buf is None or self._poster is None:
            return None
        try:
            writer.close()
        except VideoEncodeError:
            return None
        if self.frames < 3 or self.failed:
            return None
        return ClipMedia(
            self._buf.getvalue(), self._poster, self.t_start, self.t_end, self._t_poster
        )
