"""dancecore.features' numpy mel filterbank and window against librosa's and scipy's, and its light imports."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dancecore.features import FeatureSettings, hann_window, mel_filterbank

SETTINGS = [
    FeatureSettings(),  # the thesis: 22050 Hz, n_fft 2048, 224 bands, 0 Hz to sr/2
    FeatureSettings(sr=16000, n_fft=1024, hop_length=256, n_mels=80, fmin=20.0, fmax=7600.0),
    FeatureSettings(sr=44100, n_fft=4096, n_mels=128, fmin=30.0),
    FeatureSettings(sr=8000, n_fft=511, n_mels=40),
]


@pytest.mark.parametrize("s", SETTINGS, ids=lambda s: f"{s.sr}Hz-{s.n_fft}-{s.n_mels}mels")
def test_mel_filterbank_equals_librosa(s: FeatureSettings) -> None:
    librosa = pytest.importorskip("librosa", reason="librosa (extra 'train') is the reference")
    theirs = librosa.filters.mel(sr=s.sr, n_fft=s.n_fft, n_mels=s.n_mels, fmin=s.fmin, fmax=s.fmax)
    ours = mel_filterbank(s.sr, s.n_fft, s.n_mels, s.fmin, s.fmax)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (s.n_mels, 1 + s.n_fft // 2)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize("n", [511, 1024, 2048])
def test_hann_window_equals_scipy(n: int) -> None:
    import scipy.signal
    np.testing.assert_array_equal(hann_window(n), scipy.signal.get_window("hann", n, fftbins=True).astype(np.float32))


@pytest.mark.parametrize("module", ["dancecore.features", "dancecore.rhythm.features"])
def test_features_import_neither_librosa_nor_scipy_signal(module: str) -> None:
    """Inference computes both spectrograms; librosa (numba) and scipy.signal/ndimage cost seconds to import."""
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('librosa', 'numba', 'sklearn') "
            "or m.startswith(('scipy.signal', 'scipy.ndimage'))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
