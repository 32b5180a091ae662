"""Log-mel spectrograms (thesis settings by default), offline and streaming with identical frames.

Framing follows librosa's `center=True` with zero padding: frame i covers samples
[i*hop - n_fft/2, i*hop + n_fft/2), a signal of n samples gives 1 + n // hop frames.
Both forms use the same `_frames_to_db` code, so streaming a file in chunks of any size
yields exactly the offline frames. The mel filterbank and the window are librosa's and scipy's
(`librosa.filters.mel` defaults, `scipy.signal.get_window("hann")`), written here in numpy.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import scipy.fft

from dancecore.errors import ConfigError


@dataclass(frozen=True)
class FeatureSettings:
    """Spectrogram settings. sr in Hz; n_fft, hop_length in samples; fmin/fmax in Hz (fmax None = sr/2);
    amin_db: floor of the dB scale (power 10**(amin_db/10))."""

    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 224
    fmin: float = 0.0
    fmax: float | None = None
    amin_db: float = -100.0

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "FeatureSettings":
        """Build from a dict, rejecting unknown keys with a clear message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown feature setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for model files and JSON."""
        return asdict(self)

    @property
    def frame_rate(self) -> float:
        """Spectrogram frames per second."""
        return self.sr / self.hop_length


_MEL_LINEAR_HZ = 200.0 / 3  # Slaney mel scale: linear below 1 kHz at 200/3 Hz per mel ...
_MEL_LOG_START_HZ = 1000.0
_MEL_LOG_START = _MEL_LOG_START_HZ / _MEL_LINEAR_HZ  # ... logarithmic above, 27 mels per factor 6.4
_MEL_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Frequencies in Hz to the Slaney mel scale (librosa.hz_to_mel with htk=False)."""
    hz = np.asarray(hz, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_part = _MEL_LOG_START + np.log(hz / _MEL_LOG_START_HZ) / _MEL_LOG_STEP
    return np.where(hz >= _MEL_LOG_START_HZ, log_part, hz / _MEL_LINEAR_HZ)


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """Slaney mels to Hz, the inverse of `hz_to_mel` (librosa.mel_to_hz with htk=False)."""
    mels = np.asarray(mels, dtype=np.float64)
    log_part = _MEL_LOG_START_HZ * np.exp(_MEL_LOG_STEP * (mels - _MEL_LOG_START))
    return np.where(mels >= _MEL_LOG_START, log_part, _MEL_LINEAR_HZ * mels)


def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """(n_mels, 1 + n_fft // 2) float32 triangular filters over FFT bins, sr in Hz, fmin/fmax in Hz (None: sr/2).

    The same matrix as `librosa.filters.mel` with its defaults (Slaney mel scale, each triangle divided by
    its width in Hz: Slaney area normalisation), computed in the same order so the values agree to float32
    rounding. Written here so that inference needs no librosa: librosa brings numba, llvmlite and
    scikit-learn (about 150 MB installed) and costs about 1.5 s of start-up on a 2-core machine.
    """
    fmax = sr / 2.0 if fmax is None else float(fmax)
    fft_hz = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))  # band edges and centres
    widths = np.diff(edges_hz)
    ramps = np.subtract.outer(edges_hz, fft_hz)
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling)).astype(np.float32)
    area = 2.0 / (edges_hz[2:] - edges_hz[:-2])
    return (weights * area[:, None]).astype(np.float32)


def hann_window(n: int) -> np.ndarray:
    """(n,) float32 periodic Hann window, equal to scipy.signal.get_window("hann", n, fftbins=True)."""
    return (0.5 + 0.5 * np.cos(np.linspace(-np.pi, np.pi, n + 1)[:n])).astype(np.float32)


class LogMel:
    """Computes dB-scaled mel power frames from already-padded audio."""

    def __init__(self, settings: FeatureSettings = FeatureSettings()) -> None:
        self.settings = settings

    @cached_property
    def window(self) -> np.ndarray:
        """(n_fft,) periodic Hann window, as librosa's stft uses."""
        return hann_window(self.settings.n_fft)

    @cached_property
    def mel_basis(self) -> np.ndarray:
        """(n_mels, 1 + n_fft/2) Slaney mel filterbank."""
        s = self.settings
        return mel_filterbank(s.sr, s.n_fft, s.n_mels, s.fmin, s.fmax)

    def frames_to_db(self, padded: np.ndarray, n_frames: int) -> np.ndarray:
        """The first `n_frames` frames of padded audio as a (n_frames, n_mels) float32 dB array."""
        s = self.settings
        if n_frames <= 0:
            return np.zeros((0, s.n_mels), dtype=np.float32)
        framed = np.lib.stride_tricks.sliding_window_view(padded, s.n_fft)[:: s.hop_length][:n_frames]
        out = np.empty((n_frames, s.n_mels), dtype=np.float32)
        block = 512  # frames per FFT batch, bounds memory to ~8 MB
        for start in range(0, n_frames, block):
            spectrum = scipy.fft.rfft(framed[start:start + block] * self.window, axis=1)  # 8x numpy's float32 rfft
            power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
            mel = power @ self.mel_basis.T
            out[start:start + block] = 10.0 * np.log10(np.maximum(mel, 10.0 ** (s.amin_db / 10.0)))
        return out


def log_mel(samples: np.ndarray, settings: FeatureSettings = FeatureSettings()) -> np.ndarray:
    """Offline log-mel spectrogram of mono audio at settings.sr: (1 + n // hop, n_mels) float32 in dB."""
    half = settings.n_fft // 2
    padded = np.concatenate([np.zeros(half, np.float32), samples.astype(np.float32), np.zeros(half, np.float32)])
    return LogMel(settings).frames_to_db(padded, 1 + len(samples) // settings.hop_length)


class StreamingLogMel:
    """Streaming log-mel: `push` audio chunks of any size, get the frames that became complete.

    After `flush()` the concatenated output equals `log_mel` of the concatenated input.
    """

    def __init__(self, settings: FeatureSettings = FeatureSettings()) -> None:
        self.settings = settings
        self._logmel = LogMel(settings)
        self._buffer = np.zeros(settings.n_fft // 2, dtype=np.float32)  # left zero padding
        self._samples_seen = 0
        self._frames_emitted = 0

    @property
    def frames_emitted(self) -> int:
        """Number of frames returned so far."""
        return self._frames_emitted

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Add mono float32 samples; return the new complete frames (k, n_mels)."""
        self._buffer = np.concatenate([self._buffer, np.asarray(chunk, dtype=np.float32).ravel()])
        self._samples_seen += len(chunk)
        s = self.settings
        ready = 0 if len(self._buffer) < s.n_fft else 1 + (len(self._buffer) - s.n_fft) // s.hop_length
        return self._emit(ready)

    def flush(self) -> np.ndarray:
        """End of stream: pad with zeros and return the remaining frames."""
        s = self.settings
        self._buffer = np.concatenate([self._buffer, np.zeros(s.n_fft // 2, np.float32)])
        total = 1 + self._samples_seen // s.hop_length
        return self._emit(total - self._frames_emitted)

    def _emit(self, n: int) -> np.ndarray:
        frames = self._logmel.frames_to_db(self._buffer, n)
        consumed = n * self.settings.hop_length
        self._buffer = self._buffer[consumed:]
        self._frames_emitted += n
        return frames
