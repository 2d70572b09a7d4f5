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

Issue clips: the first ``max_clips`` issues also get a clip of the sampled frames within
``clip_half_s`` of their moment (so about 10 frames a second; after the issue was reported
no more frames are waited for), shown in the page as a looping H.264 video with the
moment as its poster (:mod:`posecheck.report.issue_media`). For that the ring also keeps each
sample's whole frame as a JPEG, its longer side at most ``clip_longest`` px.

When the frames carry no image (the CLI's parallel pose source, which keeps no images),
the chosen frames' poses are kept and, on close, the video file is read once up to the
last of them to cut their pictures and clips. A landmark recording has no video: the page
says so.
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

import numpy as np

from posecheck.check.events import Event, FrameResult, Issue, Rep
from posecheck.check.spec_model import ExerciseSpec, SpecError
from posecheck.check.specs import spec_for
from posecheck.pose.landmarks import PoseFrame
from posecheck.report.builder import ReportBuilder, SessionInfo
from posecheck.report.files import atomic_write_text, check_writable_dir
from posecheck.report.html_page import (
    Clip,
    PlotGuide,
    Series,
    Thumbnail,
    build_html,
    guide_from_spec,
)
from posecheck.report.issue_media import (
    ClipBuilder,
    Cut,
    cut,
    decode_jpeg,
    picture,
    sample_jpeg,
    thumbnail,
)
from posecheck.report.sinks import BaseSink
from posecheck.report.video_encode import VideoEncodeError, pick_encoder
from posecheck.sources.base import SourceError


@dataclass(frozen=True, slots=True)
class _Shot:
    """One sampled moment: its pose and, when the frame had an image, a cut-out of the
    person (for the still) and the whole frame, shrunk (for a clip)."""

    t: float
    index: int
    pose_frame: PoseFrame
    cut: Cut | None
    frame: bytes | None = None


class HtmlReportSink(BaseSink):
    """Writes one self-contained HTML report page, atomically, on close (partial too).

    ``spec`` should be the spec the checker runs (with strictness and rule overrides), so
    the plot shows the thresholds actually used; without it the built-in spec of the
    session's exercise is used. ``.html`` and ``.report`` hold the page and the report
    dict after ``close``. ``max_clips=0`` gives stills only.
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
        max_clips: int = 8,
        clip_width: int = 480,
        clip_half_s: float = 1.25,
        clip_longest: int = 960,
    ) -> None:
        self.path = Path(path)
        self.spec = spec
        self.thumb_width = thumb_width
        self.max_thumbnails = max_thumbnails
        self.sample_s = sample_s
        self.max_clips = max_clips
        self.clip_width = clip_width
        self.clip_half_s = clip_half_s
        self.clip_longest = clip_longest
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
        self._windows: dict[int, list[_Shot]] = {}  # issue index -> its clip's samples
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
            still = frame = None
            if image_bgr is not None:
                still = cut(image_bgr, pose_frame, self.thumb_width)
                if self.max_clips > 0:
                    frame = sample_jpeg(image_bgr, self.clip_longest)
            self._ring.append(_Shot(pose_frame.t, pose_frame.index, pose_frame, still, frame))
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
        """Pick the moment (and the clip's samples) for each new issue, numbered as in the
        report."""
        for event in events:
            if isinstance(event, Rep):
                self._peaks[event.index] = event.t_peak
            elif isinstance(event, Issue):
                self._issues += 1
                mid = (event.t_start + event.t_end) / 2
                at = self._peaks.get(event.rep_index or 0, mid)
                shots = [*self._ring, *self._pins.pop(event.code, [])]
                if not shots or len(self._chosen) >= self.max_thumbnails:
                    continue
                moment = min(shots, key=lambda s: abs(s.t - at))
                self._chosen[self._issues] = moment
                if len(self._windows) < self.max_clips:
                    near = {s.index: s for s in shots if abs(s.t - moment.t) <= self.clip_half_s}
                    if len(near) >= 3:
                        self._windows[self._issues] = sorted(near.values(), key=lambda s: s.t)

    def _builders(self) -> dict[int, ClipBuilder]:
        builders = {}
        for i, window in self._windows.items():
            span = window[-1].t - window[0].t
            fps = (len(window) - 1) / span if span > 0 else 1 / self.sample_s  # real time
            poses = [s.pose_frame for s in window]
            builders[i] = ClipBuilder(poses, self._chosen[i].index, self.clip_width, fps)
        return builders

    def _media(self) -> tuple[dict[int, Thumbnail], dict[int, Clip], str | None]:
        """The pictures and clips per issue, cut from the video file when frames had none."""
        if not self._issues:
            return {}, {}, None
        notes: list[str] = []
        missing = {i: s for i, s in self._chosen.items() if s.cut is None}
        builders: dict[int, ClipBuilder] = {}
        try:
            if self._windows:
                pick_encoder("mp4")
                builders = self._builders()
        except VideoEncodeError as exc:  # no H.264/VP9 encoder here: stills only
            notes.append(f"No clips of the issues: {exc}.")
        clips: dict[int, Clip] = {}
        in_file: dict[int, ClipBuilder] = {}
        for i, builder in builders.items():
            if all(s.frame is not None for s in self._windows[i]):
                for s in self._windows[i]:
                    assert s.frame is not None
                    builder.add(decode_jpeg(s.frame), s.index)
                _keep(clips, i, builder)
            else:
                in_file[i] = builder
        cut_stills: dict[int, bytes] = {}
        if missing or in_file:
            cut_stills, note = self._from_video(missing, in_file)
            for i, builder in in_file.items():
                _keep(clips, i, builder)
            if note:
                notes.append(note)
        thumbs = {
            i: Thumbnail(s.t, picture(s.cut, s.pose_frame) if s.cut is not None else cut_stills[i])
            for i, s in self._chosen.items()
            if s.cut is not None or i in cut_stills
        }
        if not thumbs and not notes:
            notes.append("No pictures of the issues: no frame with a person was seen near them.")
        elif len(thumbs) < self._issues and not notes:
            shown, cap = len(thumbs), self.max_thumbnails
            notes.append(f"Pictures for {shown} of {self._issues} issues (at most {cap} are kept).")
        if 0 < self.max_clips == len(clips) < len(thumbs):
            n = self.max_clips
            notes.append(f"Clips of the first {n} issue{'s' * (n > 1)}; the others have a still.")
        return thumbs, clips, " ".join(notes) or None

    def _from_video(
        self, missing: dict[int, _Shot], builders: dict[int, ClipBuilder]
    ) -> tuple[dict[int, bytes], str | None]:
        """Read the video file once, up to the last frame needed, for stills and clips."""
        name = self._info.source
        if name.endswith(".npz"):
            return {}, "No pictures of the issues: this was a landmark recording, with no video."
        if self._info.is_live or not Path(name).is_file():
            return {}, f"No pictures of the issues: the video {name} cannot be read again."
        from posecheck.sources.video import VideoFile

        wanted: dict[int, list[int]] = {}
        for i, shot in missing.items():
            wanted.setdefault(shot.index, []).append(i)
        last = max([*wanted, *(b.last_index for b in builders.values())])
        out: dict[int, bytes] = {}
        try:
            with VideoFile(name) as video:
                for sf in video:
                    if sf.image is not None:
                        for i in wanted.get(sf.index, ()):
                            out[i] = thumbnail(sf.image, missing[i].pose_frame, self.thumb_width)
                        for builder in builders.values():
                            builder.add(sf.image, sf.index)
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
        thumbs, clips, note = self._media()
        series = Series(self._t, self._values)
        self.html = build_html(self.report, series, self._guide, thumbs, note, clips)
        page = self.html

        def _write(f: Any) -> None:
            f.write(page)

        atomic_write_text(self.path, _write)  # ReportError: one line naming the path


def _keep(clips: dict[int, Clip], i: int, builder: ClipBuilder) -> None:
    """The builder's clip under issue ``i``, if it has enough frames to be one."""
    media = builder.finish()
    if media is not None:
        clips[i] = Clip(media.t_start, media.t_end, media.t_poster, media.mp4, media.poster)
