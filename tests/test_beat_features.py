"""The beat network's input features: shapes, the filterbank, streaming = offline, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from dancecore.beat.features import FRAME_SIZE, N_BANDS, SAMPLE_RATE, FeatureStream, beat_features
from dancecore.beat.filterbank import log_filterbank
from dancecore.errors import AudioError


def test_filterbank_has_136_unit_area_bands() -> None:
    bank = log_filterbank(FRAME_SIZE, float(SAMPLE_RATE))
    assert bank.shape == (FRAME_SIZE // 2, N_BANDS)
    assert np.allclose(bank.sum(axis=0), 1.0, atol=1e-5)


@pytest.mark.parametrize("n", [0, 1, 440, 441, 442, 705, 706, 1411, 22050, 100_000])
def test_stream_in_any_chunks_equals_offline(n: int) -> None:
    rng = np.random.default_rng(n)
    x = (0.3 * rng.standard_normal(n)).astype(np.float32)
    offline = beat_features(x)
    assert offline.shape == (-(-n // 441), 272) and offline.dtype == np.float32
    stream, parts, at = FeatureStream(), [], 0
    while at < n:
        size = int(rng.integers(1, 3000))
        parts.append(stream.push(x[at:at + size]))
        at += size
    parts.append(stream.flush())
    assert np.allclose(np.concatenate(parts), offline, rtol=0, atol=1e-5)
    assert stream.frames_done == len(offline)


def test_a_click_shows_in_the_difference_half_at_its_frame() -> None:
    x = np.zeros(SAMPLE_RATE, dtype=np.float32)
    x[441 * 20] = 1.0                                    # a click at frame 20's centre
    feats = beat_features(x)
    flux = feats[:, N_BANDS:].sum(axis=1)
    assert feats[:, N_BANDS:].min() >= 0.0 and flux[0] == 0.0
    assert set(np.flatnonzero(flux > 1.0)) == {19, 20}   # frames 19-21 hold it; it rises at 19 and 20


@pytest.mark.parametrize("bad", [np.zeros((100, 2), np.float32), np.array([0.0, np.nan], np.float32),
                                 np.array(["a", "b"])])
def test_bad_samples_give_one_line_audio_error(bad: np.ndarray) -> None:
    with pytest.raises(AudioError):
        beat_features(bad)


def test_push_after_flush_is_refused() -> None:
    stream = FeatureStream()
    stream.push(np.zeros(1000, np.float32))
    stream.flush()
    with pytest.raises(RuntimeError):
        stream.push(np.zeros(10, np.float32))
