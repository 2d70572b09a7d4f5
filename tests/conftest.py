"""What several test modules share: where the shared clips are, and the test model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from posecheck.pose import models
from posecheck.pose.models import ModelError

#: The third-party clips live beside the checkout, never in it.
SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "sample_videos"
#: The two source articles, by the titles the specs and routines cite them with.
SEEDS = SHARED_VIDEOS.parent / "seeds"
ARTICLES = {
    "Exercises for the back of the thigh": SEEDS / "000_329d5685ed08edf1.txt",
    "How to lose weight in the back": SEEDS / "004_d72823b1f54fb0ef.txt",
}
#: One model cache for the whole test run (and across runs), apart from the user's own.
TEST_CACHE = Path(
    os.environ.get("POSECHECK_TEST_CACHE") or Path.home() / ".cache" / "posecheck-test"
)


def session_model() -> Path:
    """The full model in the test cache, built from the registries only when missing or
    broken, so a CI run builds it at most once."""
    path = models.cached_model_path("full", TEST_CACHE)
    try:
        models.verify_model(path)
    except ModelError:
        models.provision_model("full", cache_dir=TEST_CACHE, allow_network=False)
    return path


@pytest.fixture(scope="session")
def model_path() -> Path:
    return session_model()


@pytest.fixture(autouse=True)
def _sessions_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live sessions write logs by default: keep the tests' out of the user's home."""
    monkeypatch.setenv("POSECHECK_SESSIONS_DIR", str(tmp_path_factory.mktemp("sessions")))
