"""Shared fixtures: the real data folder (DANCECORE_DATA, default ../shared/data) and the model."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder; tests that need it skip with the reason when it is absent."""
    if not (DATA / "songs" / "labels.csv").exists():
        pytest.skip(f"real audio not found at {DATA}; set DANCECORE_DATA to the shared data folder")
    return DATA


@pytest.fixture(scope="session")
def song_labels(data_dir: Path) -> list[dict[str, str]]:
    """Rows of songs/labels.csv with `path` made absolute."""
    with open(data_dir / "songs" / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["path"] = str(data_dir / "songs" / row["path"])
    return rows


def song(song_labels: list[dict[str, str]], dance: str, index: int = 0) -> Path:
    """Path of the index-th in-set song of a dance."""
    return Path([r["path"] for r in song_labels if r["dance"] == dance][index])


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model tests classify with: DANCECORE_TEST_MODEL if set, else the shipped default."""
    from dancecore.model import DEFAULT_MODEL_PATH

    path = Path(os.environ.get("DANCECORE_TEST_MODEL", DEFAULT_MODEL_PATH))
    if not path.exists():
        pytest.skip(f"no model at {path}: the default model has not been trained yet")
    return path


@pytest.fixture(scope="session")
def classifier(model_path: Path):
    """A Classifier of the test model (one thread per network), shared by every test that only reads it."""
    from dancecore.classify import Classifier
    from dancecore.model import load_model

    return Classifier(load_model(model_path, threads=1))
