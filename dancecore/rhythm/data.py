"""Locate and load the Extended Ballroom rhythm features, with labels mapped to dancecore ids."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dancecore.dances import DANCE_IDS, resolve

OTHER = "other"
CLASSES: tuple[str, ...] = DANCE_IDS + (OTHER,)   # 11 output classes of the rhythm branch
NEGATIVE_LABELS = frozenset({"Salsa", "Wcswing"})  # Extended Ballroom classes outside the ten dances
PLACEHOLDER_ARTISTS = frozenset({"", "various", "various artists", "traditional", "unknown", "anonymous"})


def data_root() -> Path:
    """Shared data folder: $DANCECORE_DATA, else ../shared/data next to the repository root."""
    env = os.environ.get("DANCECORE_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def class_of(eball_label: str) -> str:
    """Extended Ballroom label ("Waltz", "Chacha", "Salsa", ...) -> one of CLASSES."""
    if eball_label in NEGATIVE_LABELS:
        return OTHER
    dance_id = resolve(eball_label)
    if dance_id is None:
        raise KeyError(f"unmapped Extended Ballroom label {eball_label!r}")
    return dance_id


@dataclass(frozen=True)
class EballSet:
    """All Extended Ballroom rows: feature arrays by name, class index into CLASSES,
    annotated tempo (BPM), and metadata rows (dicts from metadata.csv)."""

    features: dict[str, np.ndarray]
    y: np.ndarray
    bpm: np.ndarray
    meta: list[dict[str, str]]


def load_eball(root: Path | None = None) -> EballSet:
    """Load eball-rhythm/eball_pedf_features.npz and metadata.csv from `root` (default data_root())."""
    folder = (root or data_root()) / "eball-rhythm"
    npz = np.load(folder / "eball_pedf_features.npz")
    with open(folder / "metadata.csv", newline="") as f:
        meta = list(csv.DictReader(f))
    features = {k: npz[k].astype(np.float32) for k in ("odf0", "odf1", "odf2", "pedf0", "pedf1", "pedf2")}
    y = np.array([CLASSES.index(class_of(str(lab))) for lab in npz["label"]], dtype=np.int64)
    return EballSet(features=features, y=y, bpm=npz["bpm"].astype(np.float32), meta=meta)


def song_groups(meta: list[dict[str, str]]) -> np.ndarray:
    """Group id per row so that rows sharing an artist or listed as other versions of each other
    (other_version_ids, by track_id) share a group (union-find). Placeholder artists such as
    "Various" (compilations) do not link rows by themselves."""
    parent = list(range(len(meta)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    by_track = {m["track_id"]: i for i, m in enumerate(meta)}
    first_of_artist: dict[str, int] = {}
    for i, m in enumerate(meta):
        artist = m["artist"].strip().lower()
        if artist not in PLACEHOLDER_ARTISTS:
            union(i, first_of_artist.setdefault(artist, i))
        for tid in filter(None, m["other_version_ids"].split("|")):
            if tid in by_track:
                union(i, by_track[tid])
    return np.array([find(i) for i in range(len(meta))], dtype=np.int64)
