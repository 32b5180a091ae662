"""RhythmBranch: state round trip, output shapes, and the branch inside the shipped model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import song
from dancecore.audio import load_audio
from dancecore.model import DEFAULT_MODEL_PATH, load_model
from dancecore.rhythm.classifier import NetConfig, RhythmBranch, RhythmNet, combine
from dancecore.rhythm.data import CLASSES
from dancecore.rhythm.training import class_weights


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


def test_shipped_branch_recognises_real_songs(song_labels: list[dict[str, str]]) -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 30e6
    state = load_model().rhythm["branch"]
    assert state["version"] == 2 and len(state["models"]) >= 2
    branch = RhythmBranch.from_state(state)
    for dance, index in (("jive", 1), ("samba", 2), ("tango", 1)):   # real recordings it was never trained on
        audio = load_audio(song(song_labels, dance, index), max_duration_s=90.0)
        probs = branch.classify(audio.samples, audio.sr)
        assert list(probs) == list(CLASSES) and abs(sum(probs.values()) - 1) < 1e-4
        assert max(probs, key=probs.get) == dance, (dance, probs)


def test_class_weights_balance_the_loss() -> None:
    y = np.array([0] * 90 + [1] * 10)
    plain, full, half = (class_weights(y, 3, b).numpy() for b in (0.0, 1.0, 0.5))
    np.testing.assert_allclose(plain, [1, 1, 0])                 # a class without rows gets no weight
    assert full[0] * 90 == pytest.approx(full[1] * 10)            # each class weighs as much in total
    for w in (plain, full, half):
        assert (w[y]).mean() == pytest.approx(1.0)                # the loss keeps its scale
    assert full[1] / full[0] > half[1] / half[0] > 1
