"""The fused default model: the product of experts, the per-window audio excerpt, and the shipped
model on real songs it gets right (regression checks that can fail if the model or pipeline breaks)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dancecore.classify import Classifier
from dancecore.dances import DANCE_IDS
from dancecore.fusion import EXCERPT_S, excerpt, fuse
from dancecore.model import load_model
from dancecore.rhythm.data import CLASSES
from tests.conftest import song


@pytest.fixture(scope="module")
def shipped(model_path: Path) -> Classifier:
    classifier = Classifier(load_model(model_path, threads=1))
    if not classifier.needs_audio:
        pytest.skip(f"{model_path} has no rhythm branch")
    return classifier


def test_excerpt_is_the_audio_that_ends_with_the_window() -> None:
    samples = np.arange(22050 * 30, dtype=np.float32)
    full = excerpt(samples, 22050 * 20, 22050)
    assert len(full) == round(EXCERPT_S * 22050) and full[-1] == 22050 * 20 - 1
    early = excerpt(samples, 22050 * 5, 22050)
    assert len(early) == 22050 * 5 and early[0] == 0


def test_each_window_hears_the_audio_that_ends_with_it(shipped: Classifier) -> None:
    """The window-to-excerpt pairing, offline (whole recording) and live (a buffer that starts later)."""
    model = shipped.model
    samples = np.arange(22050 * 40, dtype=np.float32)
    starts = np.array([0, 200, 400])
    ends = (starts + model.window_frames) * model.features.hop_length
    for start, end, audio in zip(starts, ends, model.window_excerpts(samples, starts)):
        assert audio[-1] == end - 1 and len(audio) == min(end, round(EXCERPT_S * 22050)), start
    first = 50_000  # a live buffer holding the recording from sample 50000 on
    live = model.window_excerpts(samples[first:ends[2]], starts[2:], first_sample=first)
    np.testing.assert_array_equal(live[0], model.window_excerpts(samples, starts[2:])[0])


def test_product_of_experts_weights(shipped: Classifier) -> None:
    rng = np.random.default_rng(0)
    cnn = rng.dirichlet(np.ones(10), size=4)
    rhythm = rng.dirichlet(np.ones(11), size=4)
    settings = shipped.model.fusion
    fused, other = fuse(cnn, rhythm, settings)
    np.testing.assert_allclose(fused.sum(axis=1), 1.0)
    np.testing.assert_allclose(other, rhythm[:, CLASSES.index("other")])
    c, r = settings.cnn_weight, settings.rhythm_weight
    order = [CLASSES.index(d) for d in DANCE_IDS]
    dances = rhythm[:, order] / rhythm[:, order].sum(axis=1, keepdims=True)
    expected = cnn ** c * dances ** r
    np.testing.assert_allclose(fused, expected / expected.sum(axis=1, keepdims=True), rtol=1e-6)


@pytest.mark.parametrize("dance", ["jive", "samba", "quickstep"])
def test_shipped_model_recognises_real_songs(shipped: Classifier, song_labels, dance: str) -> None:
    result = shipped.classify(song(song_labels, dance))
    assert result.dance == dance and not result.not_sure
    assert 0.0 <= result.extra["other_dance_probability"] <= 1.0
    assert set(result.probabilities) == set(DANCE_IDS)
