"""Landmark recordings: the pose model's output for a clip, saved so it can be replayed.

A recording lets the checker be tested, tuned and regression-checked without the video
(which may not be redistributable) and without running the model (which is slow and can
change between versions). Recordings are committed to the repository, so the format is
compact: one ``np.savez_compressed`` file with plain arrays, readable by NumPy alone.

Keys (N frames, 33 landmarks):

=============  ===============  ==============================================================
``t``          float64 (N,)     seconds from the start of the source, non-decreasing. float64
                                rather than float32 so replayed timestamps equal the live ones
``present``    bool (N,)        a pose was found in the frame
``image``      float32 (N,33,3) normalised image coordinates (zeros where absent)
``visibility`` float32 (N,33)   per-landmark visibility (zeros where absent)
``world``      float32 (N,33,3) metric world coordinates (all zeros where absent or not given)
``index``      int32 (N,)       source frame numbers (optional on load; 0..N-1 if missing)
``width``      int scalar       frame width in pixels (upright)
``height``     int scalar       frame height in pixels (upright)
``fps``        float scalar     the source's nominal frame rate (NaN if unknown)
``meta``       str scalar       JSON object: source, model, posecheck_version, created, ...
=============  ===============  ==============================================================
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from posecheck._version import __version__
from posecheck.pose.landmarks import NUM_LANDMARKS, Pose, PoseFrame

__all__ = ["FORMAT_VERSION", "Recording", "RecordingError", "load_recording", "save_recording"]

#: Bumped when the meaning of a key changes; files from a newer format are refused.
FORMAT_VERSION = 1

_REQUIRED = ("t", "present", "image", "visibility", "world", "width", "height", "fps", "meta")


class RecordingError(Exception):
    """A recording file cannot be used; one line naming the file, the key and what to do."""


@dataclass(frozen=True, eq=False)
class Recording:
    """A loaded landmark recording; arrays are read-only so frames can share them safely."""

    t: np.ndarray
    present: np.ndarray
    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    index: np.ndarray
    width: int
    height: int
    fps: float | None
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the recorded frames, upright."""
        return (self.width, self.height)

    @property
    def duration(self) -> float:
        """Seconds from the first to the last recorded frame (0 for fewer than 2 frames)."""
        return float(self.t[-1] - self.t[0]) if len(self) > 1 else 0.0

    def frames(self) -> Iterator[PoseFrame]:
        """Rebuild the PoseFrames in order; an all-zero world array means 'no world data'."""
        for i in range(len(self)):
            pose = None
            if self.present[i]:
                world = self.world[i]
                pose = Pose(
                    image=self.image[i],
                    visibility=self.visibility[i],
                    world=world if world.any() else None,
                )
            yield PoseFrame(
                index=int(self.index[i]),
                t=float(self.t[i]),
                width=self.width,
                height=self.height,
                pose=pose,
            )


def save_recording(
    path: str | Path,
    frames: Iterable[PoseFrame],
    *,
    fps: float | None,
    meta: dict[str, Any],
) -> None:
    """Write ``frames`` to ``path`` as a compressed ``.npz`` recording.

    The write is atomic (temporary file in the same directory, then ``os.replace``) so an
    interrupted save never leaves a half-written file where a good one was. ``meta`` should
    name at least the source file and the model variant; ``posecheck_version``, ``created``
    and ``format_version`` are filled in. All frames must share one size.
    """
    path = Path(path)
    frames = list(frames)
    if not frames:
        raise ValueError(f"cannot save recording {path}: no frames")
    width, height = frames[0].width, frames[0].height
    n = len(frames)
    t = np.empty(n, dtype=np.float64)
    index = np.empty(n, dtype=np.int32)
    present = np.zeros(n, dtype=bool)
    image = np.zeros((n, NUM_LANDMARKS, 3), dtype=np.float32)
    visibility = np.zeros((n, NUM_LANDMARKS), dtype=np.float32)
    world = np.zeros((n, NUM_LANDMARKS, 3), dtype=np.float32)
    for i, pf in enumerate(frames):
        if (pf.width, pf.height) != (width, height):
            raise ValueError(
                f"cannot save recording {path}: frame {pf.index} is {pf.width}x{pf.height}, "
                f"the first frame is {width}x{height}"
            )
        if i and pf.t < t[i - 1]:
            raise ValueError(f"cannot save recording {path}: t goes backwards at frame {pf.index}")
        t[i] = pf.t
        index[i] = pf.index
        if pf.pose is not None:
            present[i] = True
            image[i] = pf.pose.image
            visibility[i] = pf.pose.visibility
            if pf.pose.world is not None:
                world[i] = pf.pose.world

    full_meta = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "posecheck_version": __version__,
        **meta,
        "format_version": FORMAT_VERSION,
    }
    try:
        meta_json = json.dumps(full_meta, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"cannot save recording {path}: meta is not JSON-serialisable: {exc}"
        ) from exc
    fps_value = math.nan if fps is None else float(fps)

    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(
                fh,
                t=t,
                present=present,
                image=image,
                visibility=visibility,
                world=world,
                index=index,
                width=np.int32(width),
                height=np.int32(height),
                fps=np.float64(fps_value),
                meta=np.str_(meta_json),
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; a recording is a shared file
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_recording(path: str | Path) -> Recording:
    """Read and validate a recording; any problem raises :class:`RecordingError`.

    Validation happens here, once, so a damaged or hand-edited file fails with a message
    naming the key instead of as a confusing error deep inside the checker.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "not found"
        raise RecordingError(f"recording {what}: {path} — check the path")

    def fail(key: str, problem: str) -> RecordingError:
        return RecordingError(
            f"bad recording {path}: {key!r} {problem} — re-create it with posecheck"
        )

    try:
        # Open the file ourselves: np.load leaks its handle when the zip is damaged.
        with path.open("rb") as fh:
            loaded = np.load(fh, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise RecordingError(
                    f"{path} is a single .npy array, not a posecheck recording (.npz) — "
                    "re-create it with posecheck"
                )
            with loaded as npz:
                missing = [k for k in _REQUIRED if k not in npz.files]
                if missing:
                    raise RecordingError(
                        f"bad recording {path}: missing key(s) {', '.join(missing)} — "
                        "re-create it with posecheck"
                    )
                data: dict[str, np.ndarray] = {}
                for key in (*_REQUIRED, "index"):
                    if key not in npz.files:
                        continue
                    try:
                        data[key] = npz[key]
                    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
                        raise fail(key, f"cannot be read ({exc})") from exc
    except RecordingError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise RecordingError(
            f"{path} is not a readable posecheck recording (.npz): {exc} — "
            "re-create it with posecheck"
        ) from exc

    t = data["t"]
    if t.ndim != 1 or t.dtype.kind != "f":
        raise fail("t", f"must be a 1-D float array, got {t.dtype} {t.shape}")
    n = t.shape[0]
    expected = {
        "present": (n,),
        "image": (n, NUM_LANDMARKS, 3),
        "visibility": (n, NUM_LANDMARKS),
        "world": (n, NUM_LANDMARKS, 3),
        "index": (n,),
    }
    for key, shape in expected.items():
        if key in data and data[key].shape != shape:
            raise fail(key, f"has shape {data[key].shape}, expected {shape}")
    t = t.astype(np.float64)
    if not np.all(np.isfinite(t)) or (n and t[0] < 0):
        raise fail("t", "must be finite times >= 0 s")
    if n > 1 and np.any(np.diff(t) < 0):
        at = int(np.argmax(np.diff(t) < 0)) + 1
        raise fail("t", f"is not monotonic (goes backwards at frame {at})")

    present = data["present"]
    if present.dtype.kind not in "biu":
        raise fail("present", f"must be boolean, got {present.dtype}")
    present = present.astype(bool)
    arrays: dict[str, np.ndarray] = {}
    for key in ("image", "visibility", "world"):
        arr = data[key]
        if arr.dtype.kind != "f":
            raise fail(key, f"must be a float array, got {arr.dtype}")
        arr = arr.astype(np.float32, copy=False)
        if not np.all(np.isfinite(arr[present])):
            raise fail(key, "has NaN or infinite values in frames with a pose")
        arrays[key] = arr

    if "index" in data:
        index = data["index"]
        if index.dtype.kind not in "iu":
            raise fail("index", f"must be integers, got {index.dtype}")
        if n and (index.min() < 0 or np.any(np.diff(index) <= 0)):
            raise fail("index", "must be increasing frame numbers >= 0")
        index = index.astype(np.int64)
    else:
        index = np.arange(n, dtype=np.int64)

    width = _scalar(data["width"], "iu", lambda: fail("width", "must be a positive integer"))
    height = _scalar(data["height"], "iu", lambda: fail("height", "must be a positive integer"))
    if width <= 0 or height <= 0:
        raise fail("width/height", f"must be positive, got {width}x{height}")
    fps_raw = _scalar(data["fps"], "fiu", lambda: fail("fps", "must be a number"))
    if math.isnan(fps_raw):
        fps = None
    elif math.isfinite(fps_raw) and fps_raw > 0:
        fps = float(fps_raw)
    else:
        raise fail("fps", f"must be positive or NaN, got {fps_raw}")

    meta_arr = data["meta"]
    if meta_arr.shape != () or meta_arr.dtype.kind != "U":
        raise fail("meta", "must be a JSON string")
    try:
        meta = json.loads(str(meta_arr))
    except json.JSONDecodeError as exc:
        raise fail("meta", f"is not valid JSON ({exc.msg})") from exc
    if not isinstance(meta, dict):
        raise fail("meta", "must be a JSON object")
    version = meta.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RecordingError(
            f"recording {path} has format version {version!r}, newer than this posecheck "
            f"reads ({FORMAT_VERSION}) — upgrade posecheck"
        )

    for arr in (t, present, index, *arrays.values()):
        arr.setflags(write=False)
    return Recording(
        t=t,
        present=present,
        image=arrays["image"],
        visibility=arrays["visibility"],
        world=arrays["world"],
        index=index,
        width=int(width),
        height=int(height),
        fps=fps,
        meta=meta,
        path=path,
    )


def _scalar(arr: np.ndarray, kinds: str, error: Any) -> Any:
    """A 0-d array of one of ``kinds`` as a Python number, else raise ``error()``."""
    if arr.shape != () or arr.dtype.kind not in kinds:
        raise error()
    return arr.item()
