"""The beat network's input: madmom-style log-filtered spectrogram and its positive difference.

22050 Hz mono samples -> frames of 1411 samples (64 ms) every 441 samples (20 ms, 50 frames/s),
frame i centred on sample i * 441 (zero padding outside the signal), Hann window, magnitude
spectrum (705 bins), 136 unit-area triangular filters (24 per octave, 30 Hz - 17 kHz),
log10(1 + x), then stacked with max(0, frame i - frame i-1) (zero for frame 0): 272 values per frame.
A signal of n samples gives ceil(n / 441) frames. `FeatureStream` gives the same frames from chunks.
"""
from __future__ import annotations

import numpy as np
import scipy.fft

from dancecore.beat.filterbank import log_filterbank
from dancecore.errors import AudioError

SAMPLE_RATE = 22050        # Hz
FRAME_SIZE = 1411          # samples (64 ms)
HOP = 441                  # samples (20 ms)
FPS = SAMPLE_RATE / HOP    # 50 frames per second
N_BANDS = 136              # filters of log_filterbank(FRAME_SIZE, SAMPLE_RATE)
N_FEATURES = 2 * N_BANDS   # 272: log spectrogram, then its positive difference
_HALF = FRAME_SIZE // 2    # frame i spans samples [i*HOP - _HALF, i*HOP - _HALF + FRAME_SIZE)
_BLOCK = 1024              # frames per FFT block (bounds memory on long songs)


def _check(samples: np.ndarray) -> np.ndarray:
    """Samples as a 1-D float32 array; AudioError for other shapes or non-finite values."""
    x = np.asarray(samples)
    if x.ndim != 1 or not np.issubdtype(x.dtype, np.number):
        raise AudioError(f"beat features need mono samples (1-D numbers), got shape {x.shape} of {x.dtype}")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise AudioError("beat features need finite samples; the audio holds NaN or infinity")
    return x


class FeatureStream:
    """Chunks of 22050 Hz samples in, feature frames out: `beat_features` of the whole, to float32 rounding.

    A frame is given once its last sample has arrived (706 samples = 32 ms after its centre);
    `flush()` pads the end with zeros, gives the frames still owed and ends the stream.
    """

    def __init__(self) -> None:
        self._window = np.hanning(FRAME_SIZE).astype(np.float32)
        self._bank = log_filterbank(FRAME_SIZE, SAMPLE_RATE)
        self._buffer = np.zeros(_HALF, dtype=np.float32)   # samples from frame `_next`'s first one on
        self._received = 0                                  # samples pushed so far
        self._next = 0                                      # index of the next frame to give
        self._previous: np.ndarray | None = None            # log spectrogram of frame `_next - 1`
        self._ended = False

    @property
    def frames_done(self) -> int:
        """Frames given so far."""
        return self._next

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add mono float samples; returns the frames completed by them, shape (n, 272) float32."""
        if self._ended:
            raise RuntimeError("FeatureStream.push after flush(); start a new stream")
        x = _check(samples)
        self._buffer = np.concatenate([self._buffer, x])
        self._received += len(x)
        return self._emit(self._complete_frames())

    def flush(self) -> np.ndarray:
        """End of signal: zero-pad and return the remaining frames (ceil(received / 441) in all)."""
        self._ended = True
        total = -(-self._received // HOP)
        missing = (total - 1) * HOP - _HALF + FRAME_SIZE - self._received
        if total > self._next and missing > 0:
            self._buffer = np.concatenate([self._buffer, np.zeros(missing, dtype=np.float32)])
        return self._emit(max(0, total - self._next))

    def _complete_frames(self) -> int:
        """Frames whose samples have all arrived and that were not given yet."""
        return max(0, (self._received + _HALF - FRAME_SIZE) // HOP + 1 - self._next)

    def _emit(self, n: int) -> np.ndarray:
        """Features of the next n frames (all in the buffer); drops the samples no later frame needs."""
        out = np.empty((n, N_FEATURES), dtype=np.float32)
        if n == 0:
            return out
        views = np.lib.stride_tricks.sliding_window_view(self._buffer, FRAME_SIZE)[::HOP][:n]
        for start in range(0, n, _BLOCK):
            block = views[start:start + _BLOCK] * self._window
            spec = np.abs(scipy.fft.rfft(block, axis=1, workers=1)[:, :FRAME_SIZE // 2])
            logspec = np.log10(1.0 + spec @ self._bank)
            out[start:start + len(block), :N_BANDS] = logspec
        logspec = out[:, :N_BANDS]
        previous = logspec[0] if self._previous is None else self._previous
        np.maximum(np.diff(logspec, axis=0, prepend=previous[None]), 0.0, out=out[:, N_BANDS:])
        self._previous = logspec[-1].copy()
        self._next += n
        self._buffer = self._buffer[n * HOP:]
        return out


def beat_features(samples: np.ndarray) -> np.ndarray:
    """Features of a whole signal: mono float samples at 22050 Hz -> (ceil(n / 441), 272) float32."""
    stream = FeatureStream()
    first = stream.push(samples)
    return np.concatenate([first, stream.flush()])
