"""Build a pose landmarker ``.task`` bundle offline, from package registries alone.

Google's model storage is not always reachable (offline machines, locked-down CI), so
:mod:`posecheck.pose.models` falls back to building an equivalent bundle from:

* the PyPI wheel of ``mediapipe==0.10.21``, which carries ``pose_detection.tflite`` and
  ``pose_landmark_full.tflite``;
* the npm package ``@mediapipe/pose``, which carries ``pose_landmark_{lite,full,heavy}.tflite``
  (its full model is byte-identical to the wheel's).

Those raw files lack the TFLite model metadata (RGB image input + NormalizationOptions)
that the Tasks API insists on, so we write that metadata with the flatbuffer schema
modules that mediapipe itself ships, then zip both models (uncompressed) into a
``.task``. Every raw input is pinned by SHA-256, so what we build is always the
same network weights Google publishes, whichever mirror served them.

This module is the lower layer: :mod:`posecheck.pose.models` imports it, never the other way
round. So the few things both need (:class:`ModelError`, the variant names, the bundle's
entry names and :func:`check_task_bytes`) are defined here and re-exported by
:mod:`posecheck.pose.models`, which stays the place callers import them from.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

# ----------------------------------------------------------------------------- shared basics

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")

#: Entry names inside a pose landmarker ``.task`` bundle (Google's and ours).
DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
TASK_ENTRIES: tuple[str, str] = (DETECTOR_ENTRY, LANDMARKS_ENTRY)

TFLITE_IDENTIFIER = b"TFL3"

Progress = Callable[[str], None]


class ModelError(Exception):
    """The pose model is missing, unusable or cannot be provisioned (message is one line)."""


def check_variant(variant: str) -> None:
    """Reject a variant name that is not one of :data:`VARIANTS`."""
    if variant not in VARIANTS:
        raise ModelError(f"unknown pose model variant {variant!r}; choose one of {VARIANTS}")


def say(progress: Progress | None, message: str) -> None:
    """Pass a progress note to ``progress`` when the caller wants them."""
    if progress is not None:
        progress(message)


def check_task_bytes(data: bytes, what: str) -> None:
    """Check in memory that ``data`` is a zip holding both TFLite models, before caching it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            for entry in TASK_ENTRIES:
                if entry not in names or zf.read(entry)[4:8] != TFLITE_IDENTIFIER:
                    raise ModelError(f"{what} is not a pose landmarker bundle")
    except zipfile.BadZipFile as e:
        raise ModelError(f"{what} is not a zip: {e}") from e


# ----------------------------------------------------------------------------- build inputs

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

METADATA_IDENTIFIER = b"M001"
METADATA_FIELD_NAME = "TFLITE_METADATA"
#: Data of stored zip entries starts on this boundary so the runtime can map it in place.
ZIP_ALIGNMENT = 16
#: A fixed zip timestamp makes the build byte-for-byte reproducible.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


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
            say(self._progress, f"fetching {WHEEL_REQUIREMENT} wheel with pip (~36 MB)")
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
                say(self._progress, f"fetching {spec} with npm pack (~41 MB)")
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
                say(self._progress, f"fetching {spec} from the npm registry over HTTPS (~41 MB)")
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
    would start mediapipe's native runtime, which only ``posecheck.pose.estimator`` may do.
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
    check_variant(variant)
    detector = add_image_metadata(sources.raw("detector"), "pose detector", DETECTOR_NORM)
    landmarks = add_image_metadata(
        sources.raw(variant), f"pose landmarks ({variant})", LANDMARKS_NORM
    )
    data = pack_task({DETECTOR_ENTRY: detector, LANDMARKS_ENTRY: landmarks})
    check_task_bytes(data, f"built pose_landmarker_{variant}.task")
    return data
