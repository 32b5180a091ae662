"""Class-balanced random crops from cached recordings, reproducible from (seed, rank, epoch, batch).

The thesis sampling: pick a dance uniformly, then one of its recordings uniformly, then a random
224-frame crop. Every batch draws from its own generator seeded by (seed, rank, epoch, batch), so a
batch is the same whichever process builds it and whenever (resuming mid-epoch included).

Crops come from memory-mapped cache entries, never from decoding: clean log-mel crops straight from
cached spectrograms, or (when augmenting) waveform crops that are augmented and then turned into
exactly the frames `log_mel` would give for the same samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dancecore.augment import AugmentSettings, Augmenter, NoiseBank
from dancecore.features import FeatureSettings, LogMel
from dancecore.segments import WINDOW_FRAMES


def frames_of(n_samples: int, settings: FeatureSettings) -> int:
    """Number of log-mel frames of `n_samples` samples (librosa centre framing)."""
    return 1 + n_samples // settings.hop_length


class CropSource:
    """(window_frames, n_mels) float32 dB crops of cached recordings.

    entries: cache files, spectrograms (frames, n_mels) float16 when `augment` is None, else int16
    waveforms; noise_entries: int16 noise waveforms for augmentation. Arrays are opened lazily in
    each process, so the object pickles cheaply to data-loader workers.
    """

    def __init__(self, entries: list[Path], settings: FeatureSettings, augment: AugmentSettings | None = None,
                 noise_entries: list[Path] | None = None, window_frames: int = WINDOW_FRAMES) -> None:
        self.entries = list(entries)
        self.settings = settings
        self.augment = augment
        self.noise_entries = list(noise_entries or [])
        self.window_frames = window_frames
        self._arrays: list[np.ndarray] | None = None
        self._augmenter: Augmenter | None = None
        self._logmel = LogMel(settings)

    @property
    def waveforms(self) -> bool:
        """True when crops are cut from waveforms (augmentation), False for cached spectrograms."""
        return self.augment is not None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_arrays"], state["_augmenter"] = None, None
        return state

    @property
    def arrays(self) -> list[np.ndarray]:
        """The memory-mapped cache arrays, opened on first use in this process."""
        if self._arrays is None:
            self._arrays = [np.load(e, mmap_mode="r") for e in self.entries]
        return self._arrays

    @property
    def augmenter(self) -> Augmenter | None:
        """The augmenter (with its noise bank), built on first use in this process; None when clean."""
        if self.augment is not None and self._augmenter is None:
            noise = NoiseBank([np.load(e, mmap_mode="r") for e in self.noise_entries]) if self.noise_entries else None
            self._augmenter = Augmenter(self.augment, self.settings.sr, noise)
        return self._augmenter

    def n_frames(self) -> np.ndarray:
        """(n_recordings,) log-mel frames of each recording."""
        if self.waveforms:
            return np.array([frames_of(len(a), self.settings) for a in self.arrays], dtype=np.int64)
        return np.array([a.shape[0] for a in self.arrays], dtype=np.int64)

    def crop(self, index: int, start: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """Frames [start, start + window_frames) of recording `index`, padded with the dB floor past
        its end; augmented with `rng` in waveform mode (None = clean)."""
        array, w = self.arrays[index], self.window_frames
        if not self.waveforms:
            out = np.asarray(array[start:start + w], dtype=np.float32)
            if len(out) < w:
                floor = np.full((w - len(out), out.shape[1]), self.settings.amin_db, np.float32)
                out = np.concatenate([out, floor])
            return out
        s = self.settings
        first = start * s.hop_length - s.n_fft // 2  # sample under the left edge of the first frame
        length = (w - 1) * s.hop_length + s.n_fft
        segment = np.zeros(length, dtype=np.float32)
        lo, hi = max(first, 0), min(first + length, len(array))
        if hi > lo:
            segment[lo - first:hi - first] = array[lo:hi].astype(np.float32) / 32767.0
        if rng is not None and self.augmenter is not None:
            segment = self.augmenter(segment, rng)
        return self._logmel.frames_to_db(segment, w)


@dataclass(frozen=True)
class BalancedSampler:
    """Plans batches: dance uniformly, then recording uniformly, then crop start uniformly.

    labels: (n,) class index of each recording; n_frames: (n,) their lengths in frames.
    """

    labels: np.ndarray
    n_frames: np.ndarray
    batch_size: int
    seed: int
    rank: int = 0
    window_frames: int = WINDOW_FRAMES

    def generator(self, epoch: int, batch: int) -> np.random.Generator:
        """The random generator of one batch (its plan and its augmentation)."""
        return np.random.default_rng([self.seed, self.rank, epoch, batch])

    def plan(self, rng: np.random.Generator, size: int | None = None) -> list[tuple[int, int]]:
        """(recording index, start frame) of each crop of a batch."""
        classes = np.unique(self.labels)
        out = []
        for _ in range(size or self.batch_size):
            members = np.flatnonzero(self.labels == classes[rng.integers(len(classes))])
            rec = int(members[rng.integers(len(members))])
            out.append((rec, int(rng.integers(max(1, self.n_frames[rec] - self.window_frames + 1)))))
        return out


class EpochBatches(torch.utils.data.Dataset):
    """Batch `b` of epoch `epoch`: (dB crops (B, frames, n_mels) float32, labels (B,) int64) as numpy.
    Use with a DataLoader with batch_size=None; normalisation is the model's `to_input`."""

    def __init__(self, source: CropSource, sampler: BalancedSampler, epoch: int, batches: int) -> None:
        self.source, self.sampler, self.epoch, self.batches = source, sampler, epoch, batches

    def __len__(self) -> int:
        return self.batches

    def __getitem__(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        rng = self.sampler.generator(self.epoch, batch)
        plan = self.sampler.plan(rng)
        crops = np.stack([self.source.crop(rec, start, rng) for rec, start in plan])
        return crops, self.sampler.labels[[rec for rec, _ in plan]].astype(np.int64)


def crop_statistics(source: CropSource, sampler: BalancedSampler, n_crops: int) -> tuple[float, float]:
    """(mean, std) in dB over `n_crops` clean class-balanced crops (seeded by the sampler's seed),
    the model's input normalisation."""
    rng = np.random.default_rng([sampler.seed, 2**31 - 1])
    total = total_sq = 0.0
    count = 0
    for rec, start in sampler.plan(rng, n_crops):
        crop = source.crop(rec, start).astype(np.float64)
        total += crop.sum()
        total_sq += np.square(crop).sum()
        count += crop.size
    mean = total / count
    return float(mean), float(np.sqrt(max(total_sq / count - mean ** 2, 1e-6)))
