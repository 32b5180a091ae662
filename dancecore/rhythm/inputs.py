"""The rhythm networks' inputs in numpy, shared by inference (ONNX) and training (PyTorch).

Per 11.89 s excerpt: pedf (bands, 149 lags) and odf (bands, 298 frames) of the wavelet bands BANDS
(dancecore.rhythm.features), and for members that read it, the band 0 x band 1 cross-correlation of the
onset curves (2, 149), computed here rather than inside the network so the graph needs no FFT.
"""
from __future__ import annotations

import numpy as np

BANDS = (0, 1)          # wavelet bands used: 0-5.5 kHz and 5.5-11 kHz (band 2 does not survive 22.05 kHz)
PEDF_LAGS = 149
ODF_FRAMES = 298
_FFT_SIZE = 1024        # >= 2 * ODF_FRAMES: the circular correlation does not wrap


def stack_inputs(excerpts: list[dict[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Feature dicts (dancecore.rhythm.features.eball_excerpt_features) -> pedf (n, 2, 149) and
    odf (n, 2, 298) float32 arrays."""
    pedf = np.stack([[e[f"pedf{b}"] for b in BANDS] for e in excerpts]).astype(np.float32)
    odf = np.stack([[e[f"odf{b}"] for b in BANDS] for e in excerpts]).astype(np.float32)
    return pedf, odf


def cross_correlation(odf: np.ndarray) -> np.ndarray:
    """odf (n, 2, 298) -> (n, 2, 149) float32: sum_t odf0[t + k] odf1[t] and sum_t odf0[t] odf1[t + k]
    for lags k = 0..148 frames, divided by sqrt(energy0 * energy1)."""
    odf = np.asarray(odf, dtype=np.float64)
    spec = np.fft.rfft(odf, n=_FFT_SIZE, axis=2)
    cc = np.fft.irfft(spec[:, 0] * np.conj(spec[:, 1]), n=_FFT_SIZE, axis=1)
    norm = np.maximum(np.sqrt((odf ** 2).sum(2).prod(1)), 1e-9)[:, None, None]
    ahead = cc[:, :PEDF_LAGS]
    behind = np.concatenate([cc[:, :1], cc[:, -(PEDF_LAGS - 1):][:, ::-1]], axis=1)
    return (np.stack([ahead, behind], 1) / norm).astype(np.float32)
