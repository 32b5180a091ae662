"""Triangular logarithmic filterbank as madmom builds it (shared by the beat network and the rhythm recipe)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

BANDS_PER_OCTAVE = 24
FMIN, FMAX, FREF = 30.0, 17000.0, 440.0    # filterbank limits and reference, Hz


def log_frequencies(bands_per_octave: int = BANDS_PER_OCTAVE, fmin: float = FMIN, fmax: float = FMAX,
                    fref: float = FREF) -> np.ndarray:
    """Centre frequencies (Hz) spaced `bands_per_octave` per octave around `fref` within [fmin, fmax]."""
    left = np.floor(np.log2(fmin / fref) * bands_per_octave)
    right = np.ceil(np.log2(fmax / fref) * bands_per_octave)
    freqs = fref * 2.0 ** (np.arange(left, right) / bands_per_octave)
    freqs = freqs[np.searchsorted(freqs, fmin):]
    return freqs[:np.searchsorted(freqs, fmax, "right")]


@lru_cache(maxsize=None)
def log_filterbank(frame_size: int, sample_rate: float) -> np.ndarray:
    """Unit-area triangular filters, shape (frame_size // 2 FFT bins, n_filters), float32.

    Bin k sits at k * sample_rate / (2 * (frame_size // 2)) Hz, as in madmom (for an odd frame size
    this is not the DFT's own spacing). Centres come from `log_frequencies()` (24 per octave, 30 Hz
    to 17 kHz), mapped to the nearest bin with duplicates dropped; centres above Nyquist collapse onto
    the last bin. 124 filters for frame 1024 at 11025 Hz, 148 for 2048 at 22050 Hz, 136 for 1411 at 22050 Hz.
    """
    n_bins = frame_size // 2
    bin_freqs = np.fft.fftfreq(2 * n_bins, 1.0 / sample_rate)[:n_bins]
    freqs = log_frequencies()
    idx = np.clip(np.searchsorted(bin_freqs, freqs), 1, n_bins - 1)
    idx -= (freqs - bin_freqs[idx - 1]) < (bin_freqs[idx] - freqs)
    bins = np.unique(idx)
    bank = np.zeros((n_bins, len(bins) - 2), dtype=np.float64)
    for band, (start, centre, stop) in enumerate(zip(bins[:-2], bins[1:-1], bins[2:])):
        if stop - start < 2:
            centre, stop = start, start + 1
        tri = np.concatenate([np.linspace(0, 1, centre - start, endpoint=False),
                              np.linspace(1, 0, stop - centre, endpoint=False)])
        bank[start:stop, band] = tri / tri.sum()
    return bank.astype(np.float32)
