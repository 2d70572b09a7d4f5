"""Find, build, cache and verify the MediaPipe pose landmarker ``.task`` model.

mediapipe 1.2.x ships no model and only has the Tasks API, which wants a
``pose_landmarker_*.task`` bundle. Google's model storage is not always reachable
(offline machines, locked-down CI), so besides the official download this module can
*build* an equivalent bundle from package registries alone:

* the PyPI wheel of ``mediapipe==0.10.21`` carries ``pose_detection.tflite`` and
  ``pose_landmark_full.tflite``;
* the npm package ``@mediapipe/pose`` carries ``pose_landmark_{lite,full,heavy}.tflite``
  (its full model is byte-identical to the wheel's).

Those raw files lack the TFLite model metadata (RGB image input + NormalizationOptions)
that the Tasks API insists on, so we write that metadata with the flatbuffer schema
modules that mediapipe itself ships, then zip both models (uncompressed) into a
``.task``. Every raw input is pinned by SHA-256, so what we build is always the
same network weights Google publishes, whichever mirror served them.

Resolution order (:func:`resolve_model`): explicit path, ``$POSECHECK_POSE_MODEL``,
the user cache, Google's download, the registry build; otherwise one
:class:`ModelError` that lists every way out.

Cache policy: a cached file that fails verification is treated as a miss and replaced
(with a progress note), because the cache is ours to repair. A cache directory that
cannot be written raises :class:`ModelError` naming it (we do not silently fall back to
a temporary build: that would rebuild on every run and hide the real problem).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from posecheck import __version__

# ----------------------------------------------------------------------------- constants

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"

ENV_MODEL = "POSECHECK_POSE_MODEL"
ENV_CACHE_DIR = "POSECHECK_CACHE_DIR"
ENV_OFFLINE = "POSECHECK_OFFLINE"

#: Entry names inside a pose landmarker ``.task`` bundle (Google's and ours).
DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
TASK_ENTRIES: tuple[str, str] = (DETECTOR_ENTRY, LANDMARKS_ENTRY)

OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)
#: Short, because on machines without a route to Google a long wait buys nothing.
OFFICIAL_TIMEOUT_S = 3.0

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
#: Any platform's wheel holds the same model files; pin one so the download is fixed.
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"
WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_LANDMARKS_FULL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_DEFAULT_REGISTRY = "https://registry.npmjs.org"
#: The registry's published ``dist.integrity`` for that tarball.
NPM_INTEGRITY = (
    "sha512-"
    "DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
)

#: SHA-256 of the raw TFLite files we accept as build inputs (same weights as Google's).
RAW_SHA256: dict[str, str] = {
    "detector": "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}

#: Input normalisation the two networks were trained with: (x - mean) / std.
DETECTOR_NORM = (127.5, 127.5)  # -> [-1, 1]
LANDMARKS_NORM = (0.0, 255.0)  # -> [0, 1]

TFLITE_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
METADATA_FIELD_NAME = "TFLITE_METADATA"
#: Data of stored zip entries starts on this boundary so the runtime can map it in place.
ZIP_ALIGNMENT = 16
#: A fixed zip timestamp makes the build byte-for-byte reproducible.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

Progress = Callable[[str], None]


class ModelError(Exception):
    """The pose model is missing, unusable or cannot be provisioned (message is one line)."""


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
    _check_variant(variant)
    return (cache_dir or default_cache_dir()) / f"pose_landmarker_{variant}.task"


def manifest_path(model_path: Path) -> Path:
    """The JSON sidecar recording a model file's SHA-256 and origin."""
    return model_path.with_name(model_path.name + ".json")


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ModelError(f"unknown pose model variant {variant!r}; choose one of {VARIANTS}")


def _offline_env() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


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
    _check_variant(variant)
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
            _say(progress, f"cached model is unusable, replacing it: {e}")
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
    _check_variant(variant)
    cache_path = cached_model_path(variant, cache_dir)
    problems: list[str] = []
    if allow_network and not _offline_env():
        url = OFFICIAL_URL.format(variant=variant)
        try:
            _say(progress, f"downloading {url}")
            data = _download_official(url)
            return _store(cache_path, data, variant, "download", url)
        except ModelError as e:
            problems.append(f"Google download failed: {e}")
            _say(progress, problems[-1])
    else:
        problems.append("Google download skipped (offline)")
    if not allow_build:
        problems.append("registry build not allowed")
        raise ModelError("; ".join(problems))
    owned = sources is None
    src = sources if sources is not None else BuildSources(progress=progress)
    try:
        _say(progress, f"building pose_landmarker_{variant}.task from package registries")
        started = time.monotonic()
        data = build_task_bytes(variant, src)
        result = _store(cache_path, data, variant, "build", src.describe(variant))
        _say(progress, f"built {cache_path} in {time.monotonic() - started:.1f} s")
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
    _check_task_bytes(data, url)
    return data


def _check_task_bytes(data: bytes, what: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            for entry in TASK_ENTRIES:
                if entry not in names or zf.read(entry)[4:8] != TFLITE_IDENTIFIER:
                    raise ModelError(f"{what} is not a pose landmarker bundle")
    except zipfile.BadZipFile as e:
        raise ModelError(f"{what} is not a zip: {e}") from e


# ----------------------------------------------------------------------------- registry build


class BuildSources:
    """Downloads the raw build inputs once, lazily, into a private temp directory.

    The wheel (PyPI, through the user's pip configuration) gives the detector and the full
    landmark model; the npm tarball gives lite and heavy. Each raw file is checked
    against :data:`RAW_SHA256` so a tampered or wrong mirror cannot slip in other weights.
    """

    def __init__(self, progress: Progress | None = None) -> None:
        self._progress = progress
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._wheel: Path | None = None
        self._npm: Path | None = None
        self._npm_how = ""

    def close(self) -> None:
        """Delete the downloaded files."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> BuildSources:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="posecheck-build-")
        return Path(self._tmp.name)

    def describe(self, variant: str) -> str:
        """Provenance for the manifest."""
        parts = [f"PyPI {WHEEL_REQUIREMENT} wheel"]
        if variant != "full":
            parts.append(f"npm {NPM_PACKAGE}@{NPM_VERSION}")
        return " + ".join(parts)

    def wheel(self) -> Path:
        """The mediapipe 0.10.21 wheel, fetched with ``pip download``."""
        if self._wheel is None:
            dest = self._dir() / "wheel"
            dest.mkdir(exist_ok=True)
            _say(self._progress, f"fetching {WHEEL_REQUIREMENT} wheel with pip (~36 MB)")
            cmd = [
                sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                "--platform", WHEEL_PLATFORM, "--python-version", WHEEL_PYTHON,
                "--disable-pip-version-check", WHEEL_REQUIREMENT, "-d", str(dest),
            ]  # fmt: skip
            _run_tool(cmd, "pip download", timeout=900)
            wheels = sorted(dest.glob("mediapipe-*.whl"))
            if not wheels:
                raise ModelError("pip download finished but left no mediapipe wheel")
            self._wheel = wheels[0]
        return self._wheel

    def npm_tarball(self) -> Path:
        """The ``@mediapipe/pose`` tarball: ``npm pack`` if npm exists, else HTTPS."""
        if self._npm is None:
            dest = self._dir() / "npm"
            dest.mkdir(exist_ok=True)
            spec = f"{NPM_PACKAGE}@{NPM_VERSION}"
            npm = shutil.which("npm")
            tarball: Path | None = None
            errors = []
            if npm:
                _say(self._progress, f"fetching {spec} with npm pack (~41 MB)")
                try:
                    _run_tool([npm, "pack", spec, "--silent"], "npm pack", cwd=dest, timeout=900)
                    found = sorted(dest.glob("*.tgz"))
                    if found:
                        tarball = found[0]
                    else:
                        errors.append("npm pack left no tarball")
                except ModelError as e:
                    errors.append(str(e))
            if tarball is None:
                tarball = dest / f"pose-{NPM_VERSION}.tgz"
                _say(self._progress, f"fetching {spec} from the npm registry over HTTPS (~41 MB)")
                try:
                    _fetch_npm_tarball(tarball)
                except ModelError as e:
                    errors.append(str(e))
                    raise ModelError("; ".join(errors)) from e
            _check_integrity(tarball)
            self._npm = tarball
        return self._npm

    def raw(self, which: str) -> bytes:
        """One raw TFLite file (``detector``, ``lite``, ``full`` or ``heavy``), hash-checked."""
        if which in ("detector", "full"):
            member = WHEEL_DETECTOR if which == "detector" else WHEEL_LANDMARKS_FULL
            wheel = self.wheel()
            try:
                with zipfile.ZipFile(wheel) as zf:
                    data = zf.read(member)
            except (KeyError, zipfile.BadZipFile, OSError) as e:
                raise ModelError(f"{wheel.name} does not hold {member}: {e}") from e
        else:
            tarball = self.npm_tarball()
            member = f"package/pose_landmark_{which}.tflite"
            try:
                with tarfile.open(tarball, "r:gz") as tf:
                    f = tf.extractfile(member)
                    if f is None:
                        raise KeyError(member)
                    data = f.read()
            except (KeyError, tarfile.TarError, OSError, EOFError) as e:
                raise ModelError(f"{tarball.name} does not hold {member}: {e}") from e
        digest = hashlib.sha256(data).hexdigest()
        if digest != RAW_SHA256[which]:
            raise ModelError(
                f"{member} has SHA-256 {digest[:12]}…, expected {RAW_SHA256[which][:12]}…; "
                "the registry served a different file than the pinned release"
            )
        return data


def _run_tool(cmd: list[str], what: str, *, cwd: Path | None = None, timeout: float) -> None:
    """Run pip/npm quietly; on failure surface their last meaningful line, not a traceback."""
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise ModelError(f"{what} could not run: {e}") from e
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "error" in ln.lower()] or lines
        last = errors[-1] if errors else f"exit code {proc.returncode}"
        raise ModelError(f"{what} failed: {last}")


def _npm_registry() -> str:
    for key in ("NPM_CONFIG_REGISTRY", "npm_config_registry"):
        value = os.environ.get(key)
        if value:
            return value.rstrip("/")
    return NPM_DEFAULT_REGISTRY


def _fetch_npm_tarball(dest: Path) -> None:
    name = NPM_PACKAGE.split("/")[-1]
    url = f"{_npm_registry()}/{NPM_PACKAGE}/-/{name}-{NPM_VERSION}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=30) as resp, open(dest, "wb") as f:
            shutil.copyfileobj(resp, f, 1 << 20)
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise ModelError(f"cannot fetch {url}: {reason}") from e


def _check_integrity(tarball: Path) -> None:
    algo, _, expected = NPM_INTEGRITY.partition("-")
    digest = hashlib.new(algo)
    with open(tarball, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if base64.b64encode(digest.digest()).decode() != expected:
        raise ModelError(f"{tarball.name} does not match the npm registry's integrity hash")


# ----------------------------------------------------------------------------- flatbuffers


def _load_schema(name: str) -> ModuleType:
    """Load one of mediapipe's generated flatbuffer schema modules *without* importing mediapipe.

    The schema files are plain flatbuffers codegen; importing them through the package
    would start mediapipe's native runtime, which only ``posecheck.estimator`` may do.
    """
    cached = sys.modules.get(f"posecheck._mp_{name}")
    if cached is not None:
        return cached
    spec = importlib.util.find_spec("mediapipe")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for base in locations:
        file = Path(base) / "tasks" / "metadata" / f"{name}.py"
        if file.is_file():
            mod_spec = importlib.util.spec_from_file_location(f"posecheck._mp_{name}", file)
            if mod_spec is None or mod_spec.loader is None:
                continue
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[mod_spec.name] = module
            mod_spec.loader.exec_module(module)
            return module
    raise ModelError(
        f"cannot build the model: mediapipe's {name}.py was not found "
        "(is mediapipe>=1.2 installed in this environment?)"
    )


def _tensor_metadata(ms: ModuleType, name: str, norm: tuple[float, float] | None) -> object:
    meta = ms.TensorMetadataT()
    meta.name = name
    if norm is not None:
        image = ms.ImagePropertiesT()
        image.colorSpace = ms.ColorSpaceType.RGB
        content = ms.ContentT()
        content.contentPropertiesType = ms.ContentProperties.ImageProperties
        content.contentProperties = image
        options = ms.NormalizationOptionsT()
        options.mean = [norm[0]]
        options.std = [norm[1]]
        unit = ms.ProcessUnitT()
        unit.optionsType = ms.ProcessUnitOptions.NormalizationOptions
        unit.options = options
        meta.content = content
        meta.processUnits = [unit]
    return meta


def add_image_metadata(model: bytes, name: str, norm: tuple[float, float]) -> bytes:
    """Return ``model`` with TFLite metadata declaring an RGB image input and its normalisation.

    This is the minimal equivalent of tflite-support's ``MetadataPopulator``: build a
    ``ModelMetadata`` flatbuffer, store it in a model buffer, and point a model metadata
    entry named ``TFLITE_METADATA`` at it (replacing any existing one), then repack.
    """
    import flatbuffers  # a declared dependency; imported here so listing models stays light
    import numpy as np

    fb = _load_schema("schema_py_generated")
    ms = _load_schema("metadata_schema_py_generated")
    if model[4:8] != TFLITE_IDENTIFIER:
        raise ModelError(f"{name} is not a TFLite model")
    root = fb.Model.GetRootAsModel(model, 0)
    if root.SubgraphsLength() < 1:
        raise ModelError(f"{name} has no subgraph")
    graph = root.Subgraphs(0)
    if graph.InputsLength() != 1:
        raise ModelError(f"{name} has {graph.InputsLength()} inputs, expected one image")
    outputs = [
        graph.Tensors(graph.Outputs(i)).Name().decode("utf-8") for i in range(graph.OutputsLength())
    ]

    subgraph = ms.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [_tensor_metadata(ms, "image", norm)]
    subgraph.outputTensorMetadata = [_tensor_metadata(ms, o, None) for o in outputs]
    metadata = ms.ModelMetadataT()
    metadata.name = name
    metadata.description = "Metadata added by posecheck so the MediaPipe Tasks API accepts it."
    metadata.subgraphMetadata = [subgraph]
    metadata.minParserVersion = "1.0.0"
    builder = flatbuffers.Builder(1024)
    builder.Finish(metadata.Pack(builder), METADATA_IDENTIFIER)
    metadata_bytes = bytes(builder.Output())

    obj = fb.ModelT.InitFromObj(root)
    buffer = fb.BufferT()
    buffer.data = np.frombuffer(metadata_bytes, dtype=np.uint8)
    obj.buffers = list(obj.buffers or [])
    obj.metadata = list(obj.metadata or [])
    for entry in obj.metadata:
        if entry.name is not None and entry.name.decode("utf-8") == METADATA_FIELD_NAME:
            obj.buffers[entry.buffer] = buffer
            break
    else:
        obj.buffers.append(buffer)
        entry = fb.MetadataT()
        entry.name = METADATA_FIELD_NAME
        entry.buffer = len(obj.buffers) - 1
        obj.metadata.append(entry)
    builder = flatbuffers.Builder(len(model) + 4096)
    builder.Finish(obj.Pack(builder), TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def pack_task(entries: dict[str, bytes]) -> bytes:
    """Zip models uncompressed, each entry's data aligned, with fixed timestamps.

    MediaPipe maps bundle entries in place, so like its own ``create_model_asset_bundle``
    we store (never deflate) and align; alignment is done with a zipalign-style extra
    field (id 0xD935) rather than by patching zipfile internals.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            header = 30 + len(name.encode("utf-8"))
            base = out.tell() + header + 6  # 6 = extra field id + size + alignment value
            pad = (-base) % ZIP_ALIGNMENT
            info.extra = (
                (0xD935).to_bytes(2, "little")
                + (2 + pad).to_bytes(2, "little")
                + ZIP_ALIGNMENT.to_bytes(2, "little")
                + b"\0" * pad
            )
            zf.writestr(info, data)
    return out.getvalue()


def build_task_bytes(variant: str, sources: BuildSources) -> bytes:
    """Build the ``variant`` ``.task`` bundle from registry sources (bytes, not yet cached)."""
    _check_variant(variant)
    detector = add_image_metadata(sources.raw("detector"), "pose detector", DETECTOR_NORM)
    landmarks = add_image_metadata(
        sources.raw(variant), f"pose landmarks ({variant})", LANDMARKS_NORM
    )
    data = pack_task({DETECTOR_ENTRY: detector, LANDMARKS_ENTRY: landmarks})
    _check_task_bytes(data, f"built pose_landmarker_{variant}.task")
    return data
