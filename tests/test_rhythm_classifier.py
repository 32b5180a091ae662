"""RhythmBranch: state round trip, output shapes, and the shipped model file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dancecore.rhythm.classifier import NetConfig, RhythmBranch, RhythmNet, combine
from dancecore.rhythm.data import CLASSES

MODEL = Path(__file__).resolve().parents[1] / "dancecore" / "models" / "rhythm_branch.pt"


def _clicks(bpm: float, sr: int, seconds: float) -> np.ndarray:
    """Decaying noise bursts at `bpm` beats per minute, mono float32 at `sr` Hz."""
    rng = np.random.default_rng(0)
    x = np.zeros(int(seconds * sr), dtype=np.float32)
    burst = (rng.standard_normal(sr // 50) * np.exp(-np.arange(sr // 50) / (sr / 400))).astype(np.float32)
    for start in np.arange(0, len(x) - len(burst), 60.0 / bpm * sr).astype(int):
        x[start:start + len(burst)] += burst
    return 0.5 * x / np.abs(x).max()


def test_state_round_trip_and_shapes() -> None:
    torch.manual_seed(0)
    branch = RhythmBranch([RhythmNet(NetConfig(loglag_bins=32)), RhythmNet(NetConfig(xcorr=True))])
    audio = _clicks(124, 22050, 40)
    probs = branch.predict(audio, 22050)
    assert probs.shape[1] == len(CLASSES) and probs.shape[0] >= 4
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    again = RhythmBranch.from_state(branch.to_state()).predict(audio, 22050)
    np.testing.assert_allclose(again, probs, atol=2e-2)  # float16 weights in the state
    assert combine(probs).shape == (len(CLASSES),)


@pytest.mark.skipif(not MODEL.exists(), reason=f"no trained rhythm model at {MODEL} (run scripts/train_rhythm.py)")
def test_shipped_model_loads_and_is_small() -> None:
    assert MODEL.stat().st_size < 5e6
    branch = RhythmBranch.from_state(torch.load(MODEL, map_location="cpu"))
    song = branch.classify(_clicks(120, 22050, 15), 22050)
    assert list(song) == list(CLASSES) and abs(sum(song.values()) - 1) < 1e-4
