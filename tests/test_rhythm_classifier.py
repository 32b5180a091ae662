"""The rhythm branch: the training side's state round trip and output shapes, and the branch inside the
shipped model on real songs."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import song
from dancecore.audio import load_audio
from dancecore.features import log_mel
from dancecore.model import DEFAULT_MODEL_PATH, load_model
from dancecore.rhythm.data import CLASSES
from dancecore.rhythm.features import song_excerpts
from dancecore.rhythm.inputs import BANDS


def _clicks(bpm: float, sr: int, seconds: float) -> np.ndarray:
    """Decaying noise bursts at `bpm` beats per minute, mono float32 at `sr` Hz."""
    rng = np.random.default_rng(0)
    x = np.zeros(int(seconds * sr), dtype=np.float32)
    burst = (rng.standard_normal(sr // 50) * np.exp(-np.arange(sr // 50) / (sr / 400))).astype(np.float32)
    for start in np.arange(0, len(x) - len(burst), 60.0 / bpm * sr).astype(int):
        x[start:start + len(burst)] += burst
    return 0.5 * x / np.abs(x).max()


def test_state_round_trip_and_shapes() -> None:
    torch = pytest.importorskip("torch", reason="the rhythm branch's training side needs PyTorch (train extra)")
    from dancecore.rhythm.classifier import NetConfig, RhythmBranch, RhythmNet

    torch.manual_seed(0)
    branch = RhythmBranch([RhythmNet(NetConfig(loglag_bins=32)), RhythmNet(NetConfig(xcorr=True))])
    features = song_excerpts(_clicks(124, 22050, 40), 22050, bands=BANDS)
    probs = branch.predict_features(features)
    assert probs.shape[1] == len(CLASSES) and probs.shape[0] >= 4
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    again = RhythmBranch.from_state(branch.to_state()).predict_features(features)
    np.testing.assert_allclose(again, probs, atol=2e-2)  # float16 weights in the state


def test_shipped_branch_recognises_real_songs(song_labels: list[dict[str, str]]) -> None:
    """The rhythm branch alone (mean of its window probabilities) names real recordings it was never trained on."""
    assert DEFAULT_MODEL_PATH.stat().st_size < 30e6
    model = load_model(threads=1)
    assert len(model.rhythm_members) >= 2
    for dance, index in (("jive", 1), ("samba", 2), ("tango", 1)):
        audio = load_audio(song(song_labels, dance, index), max_duration_s=90.0)
        rhythm = model.analyse(log_mel(audio.samples, model.features), audio.samples, 200).scores.rhythm
        assert rhythm.shape[1] == len(CLASSES)
        np.testing.assert_allclose(rhythm.sum(1), 1.0, atol=1e-5)
        assert CLASSES[int(rhythm.mean(0).argmax())] == dance, (dance, rhythm.mean(0))


def test_class_weights_balance_the_loss() -> None:
    pytest.importorskip("torch", reason="the rhythm branch's training side needs PyTorch (train extra)")
    from dancecore.rhythm.training import class_weights

    y = np.array([0] * 90 + [1] * 10)
    plain, full, half = (class_weights(y, 3, b).numpy() for b in (0.0, 1.0, 0.5))
    np.testing.assert_allclose(plain, [1, 1, 0])                 # a class without rows gets no weight
    assert full[0] * 90 == pytest.approx(full[1] * 10)            # each class weighs as much in total
    for w in (plain, full, half):
        assert (w[y]).mean() == pytest.approx(1.0)                # the loss keeps its scale
    assert full[1] / full[0] > half[1] / half[0] > 1
