"""``--html PATH``: record what the page needs during a run, write the page on close.

The report dict keeps no per-frame values, so this sink records, per frame, the time and
the key signals (floats in ``array('d')``: about 8 bytes a value, so an hour at 30 fps is
a few MB) and builds its own report with the same ``ReportBuilder`` the JSON comes from.

Issue pictures: an issue is reported when it *ends*, with its ``t_start`` in the past,
so the sink keeps a ring of the last ``ring_s`` seconds of small JPEG cut-outs of the body,
sampled every ``sample_s`` (memory stays flat whatever the video length; the skeleton is
drawn only on the few that are chosen). When
a fault becomes active on screen the ring is pinned for that code, so a long fault (a
sagging plank held for a minute) still has pictures from when it was happening. An issue
judged on a rep is pictured at the rep's peak (the bottom of the push-up), a held fault at
the kept frame nearest the middle of its span: at its start the fault has only just begun
and barely shows.

When the frames carry no image (the CLI's parallel pose source, which keeps no images),
the chosen frames' poses are kept and, on close, the video file is read once up to the
last of them to cut their pictures. A landmark recording has no video: the page says so.
"""

from __future__ import annotations

import contextlib
import os
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posecheck.events import Event, FrameResult, Issue, Rep
from posecheck.html_report import PlotGuide, Series, Thumbnail, build_html, guide_from_spec
from posecheck.landmarks import SKELETON, PoseFrame
from posecheck.render import VISIBILITY_THRESHOLD
from posecheck.report import ReportBuilder, SessionInfo
from posecheck.report_files import atomic_write_text, check_writable_dir
from posecheck.sinks import BaseSink
from posecheck.sources import SourceError
from posecheck.spec_model import ExerciseSpec, SpecError
from posecheck.specs import spec_for

_FAULT_BONE, _JOINT = (30, 70, 255), (255, 255, 255)  # BGR: render.py's fault colour


@dataclass(frozen=True, slots=True)
class _Shot:
    """One sampled moment: its pose and, when the frame had an image, a cut-out of it."""

    t: float
    index: int
    pose_frame: PoseFrame
    cut: _Cut | None


@dataclass(frozen=True, slots=True)
class _Cut:
    """A small JPEG of the region ``box`` (x0, y0, x1, y1 in frame pixels) of a frame."""

    jpeg: bytes
    box: tuple[int, int, int, int]
    frame_size: tuple[int, int]


def _body_box(pose_frame: PoseFrame | None, w: int, h: int) -> tuple[int, int, int, int]:
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


def _cut(image_bgr: np.ndarray, pose_frame: PoseFrame | None, width: int) -> _Cut:
    """The body's region of a frame, shrunk to ``width`` (taller pictures: 4/3 of it)."""
    h, w = image_bgr.shape[:2]
    box = _body_box(pose_frame, w, h)
    region = image_bgr[box[1] : box[3], box[0] : box[2]]
    rh, rw = region.shape[:2]
    scale = min(width / rw, width * 4 / 3 / rh, 1.0)
    size = (max(1, round(rw * scale)), max(1, round(rh * scale)))
    small = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
    good, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not good:
        raise ValueError("JPEG encoding of a thumbnail failed")
    return _Cut(buf.tobytes(), box, (w, h))


def _picture(cut: _Cut, pose_frame: PoseFrame | None) -> bytes:
    """The cut-out with the skeleton drawn in the fault colour: the pose that was wrong.

    Drawn at thumbnail size rather than shrinking the full overlay: the HUD text would be
    unreadable at 240 px and hide the body the picture is meant to show.
    """
    small = cv2.imdecode(np.frombuffer(cut.jpeg, np.uint8), cv2.IMREAD_COLOR)
    pose = pose_frame.pose if pose_frame is not None else None
    if pose is not None:
        x0, y0, x1, _ = cut.box
        scale = small.shape[1] / max(1, x1 - x0)
        full = np.array(cut.frame_size, dtype=np.float64)
        xy = (np.clip(pose.image[:, :2], -2.0, 3.0) * full - [x0, y0]) * scale
        pts = np.rint(xy).astype(np.int32)
        ok = pose.visibility >= VISIBILITY_THRESHOLD
        for a, b in SKELETON:
            if ok[int(a)] and ok[int(b)]:
                p, q = pts[int(a)], pts[int(b)]
                cv2.line(small, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), _FAULT_BONE, 2, 16)
        for j in np.flatnonzero(ok):
            cv2.circle(small, (int(pts[j, 0]), int(pts[j, 1])), 2, _JOINT, -1, 16)
    good, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 82])
    if not good:
        raise ValueError("JPEG encoding of a thumbnail failed")
    return buf.tobytes()


def thumbnail(image_bgr: np.ndarray, pose_frame: PoseFrame | None, width: int = 240) -> bytes:
    """A small JPEG of the person in a frame, skeleton drawn in the fault colour."""
    return _picture(_cut(image_bgr, pose_frame, width), pose_frame)


class HtmlReportSink(BaseSink):
    """Writes one self-contained HTML report page, atomically, on close (partial too).

    ``spec`` should be the spec the checker runs (with strictness and rule overrides), so
    the plot shows the thresholds actually used; without it the built-in spec of the
    session's exercise is used. ``.html`` and ``.report`` hold the page and the report
    dict after ``close``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        spec: ExerciseSpec | None = None,
        *,
        thumb_width: int = 240,
        max_thumbnails: int = 48,
        ring_s: float = 12.0,
        sample_s: float = 0.1,
    ) -> None:
        self.path = Path(path)
        self.spec = spec
        self.thumb_width = thumb_width
        self.max_thumbnails = max_thumbnails
        self.sample_s = sample_s
        self._ring_len = max(2, round(ring_s / sample_s))
        self.html: str | None = None
        self.report: dict[str, Any] | None = None
        self._builder: ReportBuilder | None = None

    def open(self, info: SessionInfo) -> None:
        check_writable_dir(self.path)
        self._info = info
        self._builder = ReportBuilder(info)
        spec = self.spec
        if spec is None:
            with contextlib.suppress(SpecError):
                spec = spec_for(info.exercise)
        self._guide = guide_from_spec(spec) if spec is not None else PlotGuide()
        self._t = array("d")
        self._values: dict[str, array] = {n: array("d") for n in self._guide.signals}
        self._ring: deque[_Shot] = deque(maxlen=self._ring_len)
        self._pins: dict[str, list[_Shot]] = {}
        self._active: tuple[str, ...] = ()
        self._peaks: dict[int, float] = {}  # rep index -> t_peak, to picture rep issues
        self._chosen: dict[int, _Shot] = {}  # issue index -> its moment
        self._issues = 0
        self._last_sample = -np.inf

    def on_frame(
        self, image_bgr: np.ndarray | None, pose_frame: PoseFrame, result: FrameResult
    ) -> None:
        if self._builder is None:
            raise RuntimeError("HtmlReportSink.on_frame called before open()")
        self._builder.add(pose_frame, result)
        state = result.state
        if not self._values and state.signals:  # no spec: plot what the checker shows
            self._guide = PlotGuide(signals=tuple(state.signals)[:4])
            self._values = {n: array("d", [np.nan] * len(self._t)) for n in self._guide.signals}
        self._t.append(pose_frame.t)
        seen = pose_frame.pose is not None  # else the checker repeats its last values
        for name, values in self._values.items():
            values.append(state.signals.get(name, np.nan) if seen else np.nan)
        if pose_frame.t - self._last_sample >= self.sample_s and pose_frame.pose is not None:
            self._last_sample = pose_frame.t
            cut = None
            if image_bgr is not None:
                cut = _cut(image_bgr, pose_frame, self.thumb_width)
            self._ring.append(_Shot(pose_frame.t, pose_frame.index, pose_frame, cut))
        for code in state.active_issues:
            if code not in self._active:  # a fault just became sure: keep its pictures
                self._pins[code] = list(self._ring)
        self._active = state.active_issues
        self._take(result.events)

    def on_events(self, events: Sequence[Event]) -> None:
        if self._builder is not None:
            self._builder.add_events(events)
            self._take(events)

    def on_source_end(self, dropped: int, warnings: Sequence[str]) -> None:
        if self._builder is not None:
            self._builder.dropped_frames = dropped
            self._builder.source_warnings = list(warnings)

    def _take(self, events: Sequence[Event]) -> None:
        """Pick the moment to picture for each new issue (numbered as in the report)."""
        for event in events:
            if isinstance(event, Rep):
                self._peaks[event.index] = event.t_peak
            elif isinstance(event, Issue):
                self._issues += 1
                mid = (event.t_start + event.t_end) / 2
                at = self._peaks.get(event.rep_index or 0, mid)
                shots = [*self._ring, *self._pins.pop(event.code, [])]
                if shots and len(self._chosen) < self.max_thumbnails:
                    self._chosen[self._issues] = min(shots, key=lambda s: abs(s.t - at))

    def _thumbnails(self) -> tuple[dict[int, Thumbnail], str | None]:
        """The pictures per issue, cutting them from the video file when frames had none."""
        if not self._issues:
            return {}, None
        missing = {i: s for i, s in self._chosen.items() if s.cut is None}
        cut: dict[int, bytes] = {}
        note = None
        if missing:
            cut, note = self._cut_from_video(missing)
        thumbs = {
            i: Thumbnail(s.t, _picture(s.cut, s.pose_frame) if s.cut is not None else cut[i])
            for i, s in self._chosen.items()
            if s.cut is not None or i in cut
        }
        if not thumbs and note is None:
            note = "No pictures of the issues: no frame with a person was seen near them."
        elif len(thumbs) < self._issues and note is None:
            shown, cap = len(thumbs), self.max_thumbnails
            note = f"Pictures for {shown} of {self._issues} issues (at most {cap} are kept)."
        return thumbs, note

    def _cut_from_video(self, missing: dict[int, _Shot]) -> tuple[dict[int, bytes], str | None]:
        name = self._info.source
        if name.endswith(".npz"):
            return {}, "No pictures of the issues: this was a landmark recording, with no video."
        if self._info.is_live or not Path(name).is_file():
            return {}, f"No pictures of the issues: the video {name} cannot be read again."
        from posecheck.video_source import VideoFile

        wanted: dict[int, list[int]] = {}
        for i, shot in missing.items():
            wanted.setdefault(shot.index, []).append(i)
        last = max(wanted)
        out: dict[int, bytes] = {}
        try:
            with VideoFile(name) as video:
                for sf in video:
                    if sf.index in wanted and sf.image is not None:
                        for i in wanted[sf.index]:
                            s = missing[i]
                            out[i] = thumbnail(sf.image, s.pose_frame, self.thumb_width)
                    if sf.index >= last:
                        break
        except SourceError as exc:
            return out, f"Some pictures are missing: the video could not be read again ({exc})."
        except KeyboardInterrupt:  # the page matters more than its pictures: write it anyway
            return out, "Some pictures are missing: cutting them was interrupted."
        return out, None

    def close(self, partial: bool) -> None:
        if self._builder is None:
            return  # never opened: nothing to write
        self.report = self._builder.build(partial)
        thumbs, note = self._thumbnails()
        series = Series(self._t, self._values)
        self.html = build_html(self.report, series, self._guide, thumbs, note)
        page = self.html

        def _write(f: Any) -> None:
            f.write(page)

        atomic_write_text(self.path, _write)  # ReportError: one line naming the path
