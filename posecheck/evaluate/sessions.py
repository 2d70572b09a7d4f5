"""Synthetic whole-workout sessions: recordings of single sets joined by rests.

Nobody has filmed a whole session for the project yet, but every shared clip has a
landmark recording. A session is built by playing recordings one after another with a
rest between them, so the truth is known exactly: each set's exercise and its active span
(the clip's labelled ``active_span_s``, shifted to where the clip starts). The rests are
real poses too, never made-up ones:

- ``stand``: a real standing stretch (before the forward bend, or after the last squat),
  played forward and back so there is no jump, with its own small sway;
- ``walk``: a stretch of the control recording (people walking across, no exercise);
- ``away``: nobody in the picture (the camera left running while the person fetches a mat).

The manifest (``sample_videos/sessions.toml``) names the clips' active spans and each
session's order and seed; the seed picks each rest's kind and length, so a session is the
same on every machine (``random.Random`` is stable across Python versions).
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from posecheck.evaluate.accuracy import EvalError
from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.recording import Recording, RecordingError, load_recording
from posecheck.workout.recognition import Recognition, Recognizer

#: Rest lengths drawn per rest, seconds. A real rest between sets lasts a minute or more;
#: 4-9 s is the hard case for segmentation (a short pause must still split two sets) and
#: keeps the sessions quick to judge.
REST_S = (4.0, 9.0)
#: Frame rate of the rests (the recordings are 24-30 fps).
REST_FPS = 30.0
#: The standing stretches rests are cut from: (clip, start s, end s). The only stretches of
#: the recordings where a person stands with straight legs, arms down (the posture clip is
#: a person sitting at a desk).
STANDS = (
    ("forward_bend_crossed_oblique_a", 0.0, 1.87),
    ("squat_front_side_a", 38.41, 39.41),
)
#: The walking rests: the control clip (two people walking past, no exercise).
WALK_CLIP = "no_exercise_walk_two_people"
REST_KINDS = ("stand", "walk", "away")
#: Every join is a cut: this long with nobody detected, as at the cross-fades of the
#: edited clips (3-5 frames there). Longer than the checker's reset gap (0.5 s), so a
#: checker sees two clips as two scenes, not one person teleported across the picture.
CUT_S = 0.6
#: The session's picture size: every clip is letterboxed into it (scaled to fit, aspect
#: kept, so angles in pixels are the clip's own), as one camera's file has one size.
CANVAS = (1280, 720)


@dataclass(frozen=True, slots=True)
class TruthSet:
    """One set of a synthetic session as it really was."""

    clip: str
    exercise: str | None  #: the spec name; None for the control clip (no exercise)
    start: float  #: session time the clip's active span starts
    end: float
    clip_start: float  #: session time the clip itself starts (its t = 0)
    clip_end: float


@dataclass(frozen=True, slots=True)
class Session:
    """A synthetic session: its frames in time order and the truth about them."""

    name: str
    frames: tuple[PoseFrame, ...]
    truth: tuple[TruthSet, ...]
    rests: tuple[tuple[str, float, float], ...]  #: (kind, start, end) of each inserted rest

    @property
    def duration(self) -> float:
        return self.frames[-1].t - self.frames[0].t if self.frames else 0.0

    def sets(self) -> list[TruthSet]:
        """The sets that are exercises (not the control clip)."""
        return [s for s in self.truth if s.exercise is not None]


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """One session of the manifest: a name, the clips in order, the seed of its rests."""

    name: str
    clips: tuple[str, ...]
    seed: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """The sessions manifest: what each clip is and which sessions to build."""

    path: Path
    recordings: Path  #: folder of the ``NAME.npz`` recordings
    clips: Mapping[str, tuple[str | None, tuple[float, float] | None]]  #: exercise, span
    sessions: tuple[SessionPlan, ...]


def load_manifest(path: str | Path, recordings: str | Path | None = None) -> Manifest:
    """Read a sessions manifest; any problem is an :class:`EvalError` in one line."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EvalError(f"{p}: cannot read the sessions manifest: {exc}") from None
    clips: dict[str, tuple[str | None, tuple[float, float] | None]] = {}
    for name, entry in (data.get("clips") or {}).items():
        ex = entry.get("exercise") if isinstance(entry, dict) else None
        span = entry.get("active_span_s") if isinstance(entry, dict) else None
        if not (ex is None or isinstance(ex, str)):
            raise EvalError(f"{p}: clips.{name}.exercise: a spec name or absent (no exercise)")
        if ex is not None and not (isinstance(span, list) and len(span) == 2):
            raise EvalError(f"{p}: clips.{name}.active_span_s: needs [start, end] in seconds")
        clips[name] = (ex, (float(span[0]), float(span[1])) if ex is not None else None)
    plans = []
    for i, s in enumerate(data.get("sessions") or []):
        order = s.get("clips") if isinstance(s, dict) else None
        if not isinstance(order, list) or not order:
            raise EvalError(f"{p}: sessions[{i}].clips: a list of clip names")
        for c in order:
            if c not in clips:
                raise EvalError(f"{p}: sessions[{i}].clips: {c!r} is not in [clips]")
        plans.append(SessionPlan(str(s.get("name", f"s{i + 1}")), tuple(order), int(s["seed"])))
    if not plans:
        raise EvalError(f"{p}: needs [[sessions]] entries, found none")
    # the recordings: beside the manifest, or where its ``recordings`` key says
    rec_dir = Path(recordings or p.parent / str(data.get("recordings", "recordings")))
    return Manifest(p, rec_dir, clips, tuple(plans))


def recordings(manifest: Manifest, names: Sequence[str]) -> dict[str, Recording]:
    out = {}
    for name in {*names, WALK_CLIP, *(c for c, _, _ in STANDS)}:
        try:
            out[name] = load_recording(manifest.recordings / f"{name}.npz")
        except RecordingError as exc:
            raise EvalError(str(exc)) from None
    return out


def frames_of(rec: Recording) -> list[PoseFrame]:
    return list(rec.frames())


def letterbox(frame: PoseFrame, canvas: tuple[int, int] = CANVAS) -> PoseFrame:
    """The frame as seen in a ``canvas``-sized picture, scaled to fit and centred."""
    w, h = frame.width, frame.height
    cw, ch = canvas
    scale = min(cw / w, ch / h)
    if frame.pose is None:
        return replace(frame, width=cw, height=ch)
    img = frame.pose.image.copy()
    img[:, 0] = (img[:, 0] * w * scale + (cw - w * scale) / 2) / cw
    img[:, 1] = (img[:, 1] * h * scale + (ch - h * scale) / 2) / ch
    img[:, 2] = img[:, 2] * w * scale / cw  # depth is on the x scale
    pose = replace(frame.pose, image=img)
    return replace(frame, width=cw, height=ch, pose=pose)


def _rest_frames(
    kind: str, length: float, recs: Mapping[str, Recording], rng: random.Random
) -> list[PoseFrame]:
    """``length`` seconds of a rest, starting at t = 0."""
    n = max(1, round(length * REST_FPS))
    clip, a, b = rng.choice(STANDS)
    if kind == "away":
        src = frames_of(recs[clip])[0]
        return [replace(src, t=i / REST_FPS, pose=None) for i in range(n)]
    if kind == "stand":
        pool = [f for f in frames_of(recs[clip]) if a <= f.t <= b]
    else:
        pool = frames_of(recs[WALK_CLIP])
    loop = pool + pool[-2:0:-1]  # forward then back: the sway goes on with no jump
    return [replace(loop[i % len(loop)], t=i / REST_FPS) for i in range(n)]


def build_session(manifest: Manifest, plan: SessionPlan) -> Session:
    """The frames of one planned session, and the truth of its sets."""
    recs = recordings(manifest, plan.clips)
    rng = random.Random(plan.seed)
    frames: list[PoseFrame] = []
    truth: list[TruthSet] = []
    rests: list[tuple[str, float, float]] = []
    t0 = 0.0

    def add(piece: list[PoseFrame]) -> tuple[float, float]:
        nonlocal t0
        if frames:  # the cut from the last piece
            blank = replace(frames[-1], pose=None)
            for k in range(round(CUT_S * REST_FPS)):
                frames.append(replace(blank, index=len(frames), t=t0 + k / REST_FPS))
            t0 += CUT_S
        start = t0
        base = piece[0].t
        for f in piece:
            frames.append(replace(letterbox(f), index=len(frames), t=start + (f.t - base)))
        step = (piece[-1].t - piece[-2].t) if len(piece) > 1 else 1 / REST_FPS
        t0 = frames[-1].t + step
        return start, t0

    for i, clip in enumerate(plan.clips):
        if i > 0 or rng.random() < 0.5:  # a lead-in rest before the first set, sometimes
            kind = rng.choice(REST_KINDS)
            a, b = add(_rest_frames(kind, rng.uniform(*REST_S), recs, rng))
            rests.append((kind, a, b))
        clip_frames = frames_of(recs[clip])
        a, b = add(clip_frames)
        offset = a - clip_frames[0].t
        exercise, span = manifest.clips[clip]
        if span is None:
            truth.append(TruthSet(clip, None, a, b, a, b))
        else:
            truth.append(TruthSet(clip, exercise, offset + span[0], offset + span[1], a, b))
    kind = rng.choice(REST_KINDS)
    a, b = add(_rest_frames(kind, rng.uniform(*REST_S), recs, rng))
    rests.append((kind, a, b))
    return Session(plan.name, tuple(frames), tuple(truth), tuple(rests))


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Seconds two spans share."""
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def oracle(session: Session) -> Recognizer:
    """A recogniser that knows the truth: the exercise of the set the span overlaps most
    (the control clip and rests: no exercise). It proves segmentation and the reports
    apart from recognition, which is scored on its own."""

    def recognize(frames: Sequence[PoseFrame]) -> Recognition:
        if not frames:
            return Recognition(None, 0.0, (), "no poses")
        span = (frames[0].t, frames[-1].t)
        best = max(session.truth, key=lambda s: overlap(span, (s.start, s.end)))
        if best.exercise is None or overlap(span, (best.start, best.end)) <= 0:
            return Recognition(None, 0.0, (), "oracle: no set here")
        return Recognition(best.exercise, 1.0, (), f"oracle: {best.clip}")

    return recognize


def is_manifest(path: str | Path) -> bool:
    """Whether ``path`` is a sessions manifest (a .toml with ``[[sessions]]``), not labels."""
    p = Path(path)
    if not (p.is_file() and p.suffix == ".toml"):
        return False
    try:
        return "sessions" in tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
