"""Waveform augmentation for training: noise mixing (thesis §4.7), random equalisation and gain.

Noise mixing follows the thesis: signal and noise are each peak-normalised (over the crop being
mixed), then x = (1 - a) * signal + a * noise with a drawn uniformly from a settable range. The
equaliser is a random smooth gain curve over frequency realised as a linear-phase FIR filter
(scipy.signal.firwin2); gain is a random level change in dB. None of them resamples or stretches
time, so the tempo, and with it the dance's tempo range, is never changed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import scipy.signal

from dancecore.datasets import audio_files
from dancecore.errors import ConfigError

EQ_POINTS_HZ = (60.0, 150.0, 400.0, 1000.0, 2500.0, 6000.0)  # where the random EQ curve is set
EQ_TAPS = 257  # FIR length in samples (odd: linear phase, type I)


@dataclass(frozen=True)
class AugmentSettings:
    """Augmentation options.

    noise_folder: folder of noise recordings (any audio format; None = no noise mixing);
    noise_probability: chance a crop gets noise; noise_mix: range (low, high) of the mixing weight a;
    eq_db: largest boost/cut in dB of the random EQ curve (0 = off); eq_probability: chance of EQ;
    gain_db: range (low, high) of a random level change in dB ((0, 0) = off).
    """

    noise_folder: str | None = None
    noise_probability: float = 0.5
    noise_mix: tuple[float, float] = (0.0, 0.5)
    eq_db: float = 0.0
    eq_probability: float = 0.5
    gain_db: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        for name in ("noise_probability", "eq_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"augment.{name} must be between 0 and 1, got {getattr(self, name)}")
        low, high = self.noise_mix
        if not 0.0 <= low <= high <= 1.0:
            raise ConfigError(f"augment.noise_mix must be [low, high] with 0 <= low <= high <= 1, got {list(self.noise_mix)}")
        if self.gain_db[0] > self.gain_db[1]:
            raise ConfigError(f"augment.gain_db must be [low, high] with low <= high, got {list(self.gain_db)}")
        if self.eq_db < 0:
            raise ConfigError(f"augment.eq_db must be >= 0 dB, got {self.eq_db}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "AugmentSettings":
        """Build from a dict (YAML), rejecting unknown keys; ranges given as 2-item lists."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown augment setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(values)
        for name in ("noise_mix", "gain_db"):
            if name in values:
                pair = values[name]
                if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                    raise ConfigError(f"augment.{name} must be a list [low, high], got {pair!r}")
                values[name] = (float(pair[0]), float(pair[1]))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists for ranges) for YAML and model provenance."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @property
    def enabled(self) -> bool:
        """True when any augmentation can change a crop."""
        return (self.noise_folder is not None and self.noise_probability > 0
                or self.eq_db > 0 and self.eq_probability > 0 or self.gain_db != (0.0, 0.0))


def peak_normalise(x: np.ndarray) -> np.ndarray:
    """x divided by its largest absolute sample (unchanged when silent)."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return x / peak if peak > 0 else x


def mix_noise(signal: np.ndarray, noise: np.ndarray, a: float) -> np.ndarray:
    """Thesis §4.7: both peak-normalised, x = (1 - a) * signal + a * noise (same length, float32)."""
    return ((1.0 - a) * peak_normalise(signal) + a * peak_normalise(noise)).astype(np.float32)


def eq_filter(gains_db: np.ndarray, sr: int) -> np.ndarray:
    """Linear-phase FIR taps whose magnitude response passes through `gains_db` at EQ_POINTS_HZ
    (held flat below the first and above the last point)."""
    nyquist = sr / 2
    freqs = [0.0, *(f for f in EQ_POINTS_HZ if f < nyquist), nyquist]
    gains = 10.0 ** (np.asarray(gains_db[: len(freqs) - 2], dtype=np.float64) / 20.0)
    return scipy.signal.firwin2(EQ_TAPS, freqs, [gains[0], *gains, gains[-1]], fs=sr).astype(np.float32)


def equalise(x: np.ndarray, gains_db: np.ndarray, sr: int) -> np.ndarray:
    """x through the EQ curve `gains_db` (dB at EQ_POINTS_HZ), same length, no delay."""
    return scipy.signal.oaconvolve(x, eq_filter(gains_db, sr), mode="same").astype(np.float32)


class NoiseBank:
    """Noise recordings as mono int16 arrays (e.g. memory-mapped from the cache) at one rate."""

    def __init__(self, recordings: list[np.ndarray]) -> None:
        usable = [r for r in recordings if len(r) > 0]
        if not usable:
            raise ConfigError("the noise folder has no usable recordings; give a folder of noise audio files")
        self.recordings = usable

    def segment(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """A random stretch of `n_samples` float32 samples from a random recording (looped if short)."""
        rec = self.recordings[int(rng.integers(len(self.recordings)))]
        start = int(rng.integers(len(rec)))
        idx = (start + np.arange(n_samples)) % len(rec)
        return rec[idx].astype(np.float32) / 32767.0


class Augmenter:
    """Applies EQ, noise mixing and gain to a waveform crop with a given random generator."""

    def __init__(self, settings: AugmentSettings, sr: int, noise: NoiseBank | None = None) -> None:
        if settings.noise_folder is not None and noise is None:
            raise ConfigError("augment.noise_folder is set but no noise recordings were loaded")
        self.settings = settings
        self.sr = sr
        self.noise = noise

    def __call__(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Augmented copy of mono float32 `x`; every random choice comes from `rng` (reproducible)."""
        s = self.settings
        x = np.asarray(x, dtype=np.float32)
        if s.eq_db > 0 and rng.random() < s.eq_probability:
            x = equalise(x, rng.uniform(-s.eq_db, s.eq_db, len(EQ_POINTS_HZ)), self.sr)
        if self.noise is not None and rng.random() < s.noise_probability:
            x = mix_noise(x, self.noise.segment(len(x), rng), float(rng.uniform(*s.noise_mix)))
        if s.gain_db != (0.0, 0.0):
            x = x * np.float32(10.0 ** (rng.uniform(*s.gain_db) / 20.0))
        return x


def noise_files(folder: str | Path) -> list[Path]:
    """The audio files of a noise folder (recursively); ConfigError when there are none."""
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError(f"noise folder {folder} not found; give a folder of noise recordings")
    files = audio_files(path)
    if not files:
        raise ConfigError(f"noise folder {folder} has no audio files")
    return files
