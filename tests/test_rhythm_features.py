"""The rhythm feature recipe reproduces the stored Extended Ballroom rows from the eball-check clips."""
from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf
import soxr
from scipy.signal import resample_poly

from dancecore.rhythm.data import data_root
from dancecore.rhythm.features import EXCERPT, eball_excerpt_features, song_excerpts, to_44k_int16_scale

ROOT = data_root()
CHECK = ROOT / "eball-check" / "labels.csv"
NPZ = ROOT / "eball-rhythm" / "eball_pedf_features.npz"
pytestmark = pytest.mark.skipif(not (CHECK.exists() and NPZ.exists()),
                                reason=f"eball-check / eball-rhythm data not found under {ROOT} (set DANCECORE_DATA)")


@pytest.fixture(scope="module")
def stored() -> dict[str, np.ndarray]:
    npz = np.load(NPZ)
    return {k: npz[k] for k in ("odf0", "odf1")}


def _clips() -> list[tuple[str, int]]:
    if not CHECK.exists():
        return []
    with open(CHECK, newline="") as f:
        return [(r["path"], int(r["eball_row"])) for r in csv.DictReader(f)]


def _decode(path: str) -> tuple[np.ndarray, int]:
    audio, sr = sf.read(ROOT / "eball-check" / path, dtype="float32", always_2d=True)
    return audio.mean(axis=1), sr


def _to_22k(audio: np.ndarray, sr: int, resampler: str) -> np.ndarray:
    if resampler == "soxr_hq":
        return soxr.resample(audio, sr, 22050, quality="HQ")
    g = np.gcd(sr, 22050)
    return resample_poly(audio, 22050 // g, sr // g).astype(np.float32)


def _best_row(feats: dict[str, np.ndarray], stored: dict[str, np.ndarray]) -> int:
    table = np.concatenate([stored["odf0"], stored["odf1"]], axis=1)
    table = (table - table.mean(1, keepdims=True)) / table.std(1, keepdims=True)
    query = np.concatenate([feats["odf0"], feats["odf1"]])
    return int(np.argmax(table @ ((query - query.mean()) / query.std())))


def _check(feats: dict[str, np.ndarray], stored: dict[str, np.ndarray], row: int, floor1: float) -> None:
    r0 = np.corrcoef(feats["odf0"], stored["odf0"][row])[0, 1]
    r1 = np.corrcoef(feats["odf1"], stored["odf1"][row])[0, 1]
    assert r0 >= 0.99, f"odf0 r={r0:.4f}"
    assert r1 >= floor1, f"odf1 r={r1:.4f}"
    assert _best_row(feats, stored) == row


@pytest.mark.parametrize("path,row", _clips())
def test_direct_44k_path_matches_row(path: str, row: int, stored: dict[str, np.ndarray]) -> None:
    audio, sr = _decode(path)
    x = to_44k_int16_scale(audio, sr)
    _check(eball_excerpt_features(x[EXCERPT:2 * EXCERPT], bands=(0, 1)), stored, row, 0.99)


@pytest.mark.parametrize("path,row", _clips())
def test_22k_path_matches_row(path: str, row: int, stored: dict[str, np.ndarray]) -> None:
    """Through 22050 Hz with a steep polyphase low-pass (scipy resample_poly)."""
    audio, sr = _decode(path)
    x = to_44k_int16_scale(_to_22k(audio, sr, "poly"), 22050)
    _check(eball_excerpt_features(x[EXCERPT:2 * EXCERPT], bands=(0, 1)), stored, row, 0.99)


@pytest.mark.parametrize("path,row", _clips())
def test_22k_soxr_path_matches_row(path: str, row: int, stored: dict[str, np.ndarray]) -> None:
    """Through 22050 Hz with soxr HQ (dancecore.audio's resampler). Band 1 is 5.5-11 kHz; soxr HQ
    rolls off its top (10-11 kHz), which folds onto band 1's densest low filters, so r is 0.985-0.997."""
    audio, sr = _decode(path)
    x = to_44k_int16_scale(_to_22k(audio, sr, "soxr_hq"), 22050)
    _check(eball_excerpt_features(x[EXCERPT:2 * EXCERPT], bands=(0, 1)), stored, row, 0.98)


def test_song_excerpts_shapes_and_padding() -> None:
    path, _ = _clips()[0]
    audio, sr = _decode(path)
    excerpts = song_excerpts(_to_22k(audio, sr, "poly"), 22050)
    assert len(excerpts) >= 2
    assert all(e["odf0"].shape == (298,) and e["pedf1"].shape == (149,) for e in excerpts)
    short = song_excerpts(audio[: 5 * sr], sr)
    assert len(short) == 1 and short[0]["pedf0"][0] == pytest.approx(1.0)
