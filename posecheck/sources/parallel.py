"""Use every core for file analysis: the pose model on parts of the video in parallel.

The pose model is nearly all the cost, and MediaPipe releases the GIL while it runs, so
threads are enough. The video is cut into equal parts of at most ``chunk_s`` seconds, their
number a multiple of the worker count, so that every worker gets the same number of frames
and none idles at the end (with fixed-length chunks a 35 s clip split 10/10/10/5 left one
of two workers idle for a quarter of the run). Worker ``w`` of ``n`` takes parts
``w, w+n, w+2n, ...`` with its own landmarker, started afresh at each of its parts and run
over the ``warmup_s`` before it (results thrown away) so that tracking has settled by the
part's first frame. Landmarks after a seam are not bit-identical to a sequential pass:
MediaPipe's tracking carries its own state, and a restarted landmarker settles ~3 px
(median, key joints, 1280 px wide clip) away from the sequential one and stays about that
close; a longer warm-up did not bring it closer (0.25, 0.5 and 1 s measured alike), so
0.5 s is used. What must be identical, reps and issues, is tested.

Each worker reads the file from its start to the end of its last part, single-threaded,
and converts to pictures only the frames it looks at (others cost ~0.9 ms to decode against
~18 ms for the model), so indices and timestamps are exactly those of the sequential run:
seeking would be cheaper but is not exact on every file (variable frame rate clips).

With ``stride`` > 1 each worker runs its landmarker through the adaptive sampler
(posecheck.pose.sampling, with the exercise's watch from ``make_watch``): the model on
every ``stride``-th frame and densely where the answers could depend on it, the frames
between interpolated; ``model_frames`` counts the frames of the video it ran on. The
worker keeps the pictures since its last model frame (under a stride of them).

The checker is not split: it is cheap and stateful, so :class:`ParallelPoseSource` hands
the pose frames back *in order* as a normal source (frames carrying ``pose_frame``, like a
landmark recording) and the usual pipeline runs on them. Memory stays flat: no pictures are
kept, and workers run at most ``ahead`` rounds of parts ahead of the consumer.
"""

from __future__ import annotations

import bisect
import math
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.sampling import AdaptiveSampler, Motion, Watch
from posecheck.sources.base import SourceFrame, _SourceBase
from posecheck.sources.video import VideoFile

EstimatorFactory = Callable[[], object]  # returns a fresh PoseEstimator-like object

#: Decoding a frame a worker does not look at, against running the model on one it does
#: (~0.9 ms against ~20 ms for 720p here): what the frames before a part cost its worker.
SKIP_COST = 0.05


#: Frames below which a file is not split between workers (4 s at 30 fps: two parts of
#: 60 frames, each worker spending 15 of its frames on warm-up, still ~1.7x faster).
MIN_SPLIT = 120


def worker_count(requested: int | None, frame_count: int | None) -> int:
    """Pose-model threads for a video file: as asked, else every core up to two (more
    threads than cores only contend), except for a file too short to be worth splitting."""
    if requested is not None:
        return requested
    if frame_count is not None and frame_count < MIN_SPLIT:
        return 1
    return min(2, os.cpu_count() or 1)


def part_starts(count: int, workers: int, longest: int, warmup: int) -> list[int]:
    """First frame of each part: ``workers`` parts a round, as few rounds as keep parts
    within ``longest`` frames, all parts of equal work.

    Equal work is not quite equal length: worker ``w`` decodes (without looking at) the
    ``w`` parts before its first, and every worker but the first warms up before each of
    its parts, so in the last round the later workers get a few frames fewer and all of
    them finish together.
    """
    rounds = math.ceil(count / (workers * longest))
    size = count / (workers * rounds)
    warm = min(warmup, size)
    extra = [w * size * SKIP_COST + (warm if w else 0.0) for w in range(workers)]
    mean = sum(extra) / workers
    sizes = [size] * (workers * (rounds - 1)) + [max(1.0, size + mean - e) for e in extra]
    starts, edge = [], 0.0
    for n in sizes:
        starts.append(min(count - 1, round(edge)))
        edge += n
    return starts


class ParallelPoseSource(_SourceBase):
    """A video file's pose frames, estimated on ``workers`` threads, yielded in order."""

    def __init__(
        self,
        path: str | Path,
        make_estimator: EstimatorFactory,
        *,
        workers: int = 2,
        chunk_s: float = 30.0,
        warmup_s: float = 0.5,
        ahead: int = 2,
        stride: int = 1,
        make_watch: Callable[[], Watch] | None = None,
        motion: Motion | None = None,
    ) -> None:
        super().__init__()
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.path = Path(path)
        probe = VideoFile(self.path)  # validates the file: one-line SourceError if not
        self.name, self.fps, self.frame_count = probe.name, probe.fps, probe.frame_count
        self.size, self.is_live = probe.size, False
        probe.close()
        self._make = make_estimator
        # The adaptive rate (posecheck.pose.sampling): the model on every ``stride``-th
        # frame and on the gaps the sampler (and the exercise's watch) ask for; 1: all.
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.stride, self._make_watch, self._motion = stride, make_watch, motion
        self.model_frames = 0  # frames of the video the model ran on (warm-up not counted)
        self.workers, self.chunk_s, self.warmup_s, self.ahead = workers, chunk_s, warmup_s, ahead
        rate = self.fps or 30.0
        longest = max(1, round(chunk_s * rate))  # frames in a part, at most
        self._warmup = max(0, round(warmup_s * rate))  # frames
        # Part k starts at frame self._starts[k]; the last part runs to the end of the file
        # whatever the container's count says. Without a count, parts are ``longest`` long.
        self._starts: list[int] | None = None
        self._longest = longest
        if self.frame_count:
            self._starts = part_starts(self.frame_count, workers, longest, self._warmup)
        self._cond = threading.Condition()
        self._done: dict[int, list[PoseFrame]] = {}  # chunk -> its pose frames
        self._finished = 0  # workers that have stopped (end of file, or after their last part)
        self._failure: BaseException | None = None
        self._consumed = 0  # chunks handed to the consumer so far
        self._stop = False

    def _chunk_of(self, index: int) -> int:
        if self._starts is None:
            return index // self._longest
        return bisect.bisect_right(self._starts, index) - 1

    def _start_of(self, chunk: int) -> float:
        if self._starts is None:
            return chunk * self._longest
        return self._starts[chunk] if chunk < len(self._starts) else math.inf

    def _looks_at(self, w: int, index: int) -> bool:
        """Whether worker ``w`` runs the model on frame ``index``: its own parts, and the
        warm-up before each of them."""
        chunk = self._chunk_of(index)
        if chunk % self.workers == w:
            return True
        nxt = chunk + 1
        return nxt % self.workers == w and self._start_of(nxt) - index <= self._warmup

    def _work(self, w: int) -> None:
        try:
            self._work_inner(w)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            with self._cond:
                self._failure = exc
                self._cond.notify_all()

    def _work_inner(self, w: int) -> None:
        source = VideoFile(self.path, decode_threads=1)
        est: object | None = None  # the run's landmarker, afresh for each part
        sampler: AdaptiveSampler | None = None
        current: int | None = None  # the part being collected
        frames: list[PoseFrame] = []
        modeled = 0

        def take(done: list[PoseFrame], flags: list[bool]) -> None:
            """The sampler's finished frames: this worker's own kept, warm-up dropped."""
            nonlocal current, frames, modeled
            for pf, flag in zip(done, flags, strict=True):
                chunk = self._chunk_of(pf.index)
                if chunk % self.workers != w:
                    continue  # warm-up
                if current is not None and chunk != current:
                    self._deliver(current, frames)
                    frames = []
                current = chunk
                frames.append(pf)
                modeled += flag

        def end_run() -> None:
            """The end of a stretch this worker looks at: the sampler's last frames out."""
            nonlocal sampler, current, frames, est
            if sampler is not None:
                take(sampler.flush(), sampler.modeled)
                sampler = None
            if est is not None:
                est.close()  # type: ignore[attr-defined]
                est = None
            if current is not None:
                self._deliver(current, frames)
                current, frames = None, []

        # With a known frame count, a worker stops reading after its last part; the last
        # part's worker reads to the end, so it alone reports how the file ended.
        last = len(self._starts) - self.workers + w if self._starts is not None else None
        try:
            for sf in source.select(lambda index: self._looks_at(w, index)):
                if self._stop:
                    return
                chunk = self._chunk_of(sf.index)
                if last is not None and chunk > last:
                    break
                if sf.image is None:  # neither this worker's part nor its warm-up
                    end_run()
                    continue
                if sampler is None:
                    mine = chunk % self.workers == w
                    if not self._wait_turn(chunk if mine else chunk + 1):
                        return
                    est = run_est = self._make()
                    sampler = AdaptiveSampler(
                        self.stride,
                        lambda i, t, pic, e=run_est: e.estimate(pic, t, i),  # type: ignore[attr-defined,misc]
                        self._motion,
                        self._make_watch() if self._make_watch is not None else None,
                    )
                take(sampler.push(sf.index, sf.t, sf.image), sampler.modeled)
            end_run()
            with self._cond:
                self.model_frames += modeled
                if source.truncated:
                    self.truncated = True
                self.warnings.extend(x for x in source.warnings if x not in self.warnings)
                self._cond.notify_all()
        finally:
            if est is not None:
                est.close()  # type: ignore[attr-defined]
            source.close()
            with self._cond:
                self._finished += 1
                self._cond.notify_all()

    def _wait_turn(self, chunk: int) -> bool:
        """Do not run more than ``ahead`` chunks ahead of the consumer (flat memory)."""
        with self._cond:
            while not self._stop and chunk - self._consumed >= self.workers * self.ahead:
                self._cond.wait(0.5)
            return not self._stop

    def _deliver(self, chunk: int, frames: list[PoseFrame]) -> None:
        with self._cond:
            self._done[chunk] = frames
            self._cond.notify_all()

    def __iter__(self) -> Iterator[SourceFrame]:
        threads = [
            threading.Thread(target=self._work, args=(w,), name=f"posecheck-pose-{w}", daemon=True)
            for w in range(self.workers)
        ]
        for th in threads:
            th.start()
        try:
            chunk = 0
            while True:
                with self._cond:
                    while (
                        chunk not in self._done
                        and self._failure is None
                        and self._finished < self.workers
                    ):
                        self._cond.wait(0.5)
                    if self._failure is not None:
                        raise self._failure
                    if chunk not in self._done:  # every worker is done
                        if not any(c > chunk for c in self._done):
                            return  # past the last chunk
                        chunk += 1  # a stretch of the file with no frames at all
                        continue
                    frames = self._done.pop(chunk)
                    self._consumed = chunk + 1
                    self._cond.notify_all()
                for pf in frames:
                    yield SourceFrame(index=pf.index, t=pf.t, image=None, pose_frame=pf)
                if self._starts is not None and chunk == len(self._starts) - 1:
                    self._join(threads)  # the last part ends at the end of the file
                    return
                chunk += 1
        finally:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            self._join(threads)

    @staticmethod
    def _join(threads: list[threading.Thread]) -> None:
        for th in threads:
            th.join(timeout=5.0)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
