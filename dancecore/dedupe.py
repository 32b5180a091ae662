"""Near-duplicate recordings (thesis §3.5.4): spectrogram correlation under time shifts.

Two recordings are near-duplicates when their spectrograms correlate above a threshold (0.7) at
some shift of at most 200 frames (4.6 s): the same master re-encoded, trimmed or with a different
lead-in. Only the first `seconds` of each recording are compared.

Each spectrogram becomes a *fingerprint* first: its 224 mel bands are averaged into 32 bands, each
band is high-passed in time (minus its 1-s moving mean) and scaled to unit variance. Without the
high-pass, loudness curves (quiet intro, fade-out) make unrelated songs correlate at 0.6-0.75;
with it, different songs stay below about 0.4 and a re-encoded copy scores about 0.9.

The correlation at shift s is the normalised inner product of the overlapping frames,
sum(a[t] * b[t+s]) / sqrt(sum a[t]^2 * sum b[t+s]^2) over the overlap, for every pair at once:
per FFT bin, the cross-spectra summed over bands form one complex matrix product, so that
1000 x 100 recordings take seconds once their spectrograms are known.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, TextIO

import numpy as np
import scipy.fft
import scipy.ndimage
from tqdm import tqdm

from dancecore.datasets import Dataset, Item
from dancecore.features import FeatureSettings

DEFAULT_THRESHOLD = 0.7
DEFAULT_MAX_SHIFT_FRAMES = 200
DEFAULT_SECONDS = 60.0
FINGERPRINT_BANDS = 32
HIGHPASS_S = 1.0  # width of the moving mean removed from every band, seconds
MIN_OVERLAP_FRAMES = 224  # shifts leaving less overlap than one model window (5.2 s) are not scored
CHUNK_CELLS = 2 ** 23  # bound on (rows x columns x FFT bins) per block: ~70 MB of complex64


@dataclass(frozen=True)
class Pair:
    """Two near-duplicate recordings. offset_s: time in `a` (s) at which `b` begins (negative:
    `a` begins at -offset_s in `b`); correlation: the normalised correlation at that shift."""

    a: Item
    b: Item
    correlation: float
    offset_s: float


def fingerprint(spectrogram: np.ndarray, settings: FeatureSettings = FeatureSettings(),
                seconds: float = DEFAULT_SECONDS, n_bands: int = FINGERPRINT_BANDS) -> np.ndarray:
    """(frames, n_bands) float32 fingerprint of the first `seconds` of a (frames, n_mels) dB
    spectrogram: bands averaged, each band minus its 1-s moving mean, scaled to unit variance."""
    frames = spectrogram[: max(1, int(round(seconds * settings.frame_rate)))].astype(np.float32)
    edges = np.linspace(0, frames.shape[1], n_bands + 1).astype(int)
    pooled = np.add.reduceat(frames, edges[:-1], axis=1) / np.diff(edges)
    width = max(1, int(round(HIGHPASS_S * settings.frame_rate)))
    detail = pooled - scipy.ndimage.uniform_filter1d(pooled, width, axis=0, mode="nearest")
    return (detail / (detail.std(axis=0) + 1.0)).astype(np.float32)  # +1 dB: flat bands stay quiet


def max_correlation(fps_a: Sequence[np.ndarray], fps_b: Sequence[np.ndarray],
                    max_shift_frames: int = DEFAULT_MAX_SHIFT_FRAMES,
                    progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Best correlation over shifts |s| <= max_shift_frames for every pair of fingerprints.

    Returns (corr, shift), both (len(fps_a), len(fps_b)): corr in [-1, 1] (-1 where no shift
    leaves enough overlap) and the shift s in frames at which a[t] lines up with b[t + s]."""
    n_a, n_b = len(fps_a), len(fps_b)
    if n_a == 0 or n_b == 0:
        return np.zeros((n_a, n_b), np.float32), np.zeros((n_a, n_b), np.int64)
    bands = {f.shape[1] for f in [*fps_a, *fps_b]}
    if len(bands) != 1:
        raise ValueError(f"fingerprints differ in band count: {sorted(bands)}")
    longest = max(len(f) for f in [*fps_a, *fps_b])
    n_fft = scipy.fft.next_fast_len(longest + max_shift_frames, real=True)
    spectra_b = _spectra(fps_b, n_fft)  # (n_b, bands, bins)
    cum_b, len_b = _energy_cumsums(fps_b, longest)
    cum_a, len_a = _energy_cumsums(fps_a, longest)
    lags = np.arange(-max_shift_frames, max_shift_frames + 1)
    corr = np.empty((n_a, n_b), np.float32)
    shift = np.empty((n_a, n_b), np.int64)
    rows = max(1, CHUNK_CELLS // (n_b * (n_fft // 2 + 1)))
    for start in tqdm(range(0, n_a, rows), desc="correlating", unit="block", disable=not progress):
        stop = min(n_a, start + rows)
        spectra_a = _spectra(fps_a[start:stop], n_fft)
        # per FFT bin: (rows, bands) @ (bands, n_b), summing the cross-spectra over bands
        cross = np.matmul(spectra_a.conj().transpose(2, 0, 1), spectra_b.transpose(2, 1, 0))
        raw = scipy.fft.irfft(cross.transpose(1, 2, 0), n=n_fft, axis=2)[:, :, lags % n_fft]
        energy = _overlap_energy(cum_a[start:stop], len_a[start:stop], cum_b, len_b, lags)
        overlap_ok = energy[2] >= np.minimum(MIN_OVERLAP_FRAMES, np.minimum.outer(len_a[start:stop], len_b))[:, :, None]
        scores = np.where(overlap_ok, raw / np.sqrt(energy[0] * energy[1] + 1e-12), -1.0)
        best = np.argmax(scores, axis=2)
        corr[start:stop] = np.take_along_axis(scores, best[:, :, None], axis=2)[:, :, 0]
        shift[start:stop] = lags[best]
    return corr, shift


def _spectra(fps: Sequence[np.ndarray], n_fft: int) -> np.ndarray:
    """(n, bands, n_fft//2+1) complex64 spectra of zero-padded fingerprints along time."""
    stacked = np.zeros((len(fps), fps[0].shape[1], n_fft), np.float32)
    for i, fp in enumerate(fps):
        stacked[i, :, : len(fp)] = fp.T
    return scipy.fft.rfft(stacked, axis=2).astype(np.complex64)


def _energy_cumsums(fps: Sequence[np.ndarray], longest: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, longest+1) cumulative per-frame energy (held after each end) and (n,) lengths in frames."""
    cum = np.zeros((len(fps), longest + 1), np.float64)
    for i, fp in enumerate(fps):
        c = np.cumsum((fp.astype(np.float64) ** 2).sum(axis=1))
        cum[i, 1: len(fp) + 1] = c
        cum[i, len(fp) + 1:] = c[-1]
    return cum, np.array([len(f) for f in fps], np.int64)


def _overlap_energy(cum_a: np.ndarray, len_a: np.ndarray, cum_b: np.ndarray, len_b: np.ndarray,
                    lags: np.ndarray) -> np.ndarray:
    """(3, n_a, n_b, n_lags): energy of a and of b over the frames that overlap at each lag, and
    the overlap length in frames (a[t] meets b[t + s] for lo <= t < hi)."""
    la, lb, s = len_a[:, None, None], len_b[None, :, None], lags[None, None, :]
    lo = np.maximum(0, -s)
    hi = np.maximum(lo, np.minimum(la, lb - s))
    rows_a = np.arange(len(len_a))[:, None, None]
    rows_b = np.arange(len(len_b))[None, :, None]
    energy_a = cum_a[rows_a, hi] - cum_a[rows_a, lo]
    energy_b = cum_b[rows_b, hi + s] - cum_b[rows_b, lo + s]
    return np.stack(np.broadcast_arrays(energy_a, energy_b, (hi - lo).astype(np.float64)))


def find_pairs(items_a: Sequence[Item], items_b: Sequence[Item] | None,
               load_fingerprint: Callable[[Item], np.ndarray], threshold: float = DEFAULT_THRESHOLD,
               max_shift_frames: int = DEFAULT_MAX_SHIFT_FRAMES, same_dance_only: bool = True,
               frame_rate: float = FeatureSettings().frame_rate) -> list[Pair]:
    """Near-duplicate pairs between `items_a` and `items_b` (or within `items_a` when `items_b` is
    None), compared within the same dance unless `same_dance_only` is False; sorted by correlation,
    highest first. `load_fingerprint` gives an item's fingerprint (see `fingerprint`)."""
    within = items_b is None
    items_b = list(items_a if items_b is None else items_b)
    fps: dict[str, np.ndarray] = {}
    for item in tqdm(_unique([*items_a, *items_b]), desc="fingerprints", unit="file", disable=len(items_a) < 2):
        fps[str(item.path)] = load_fingerprint(item)
    pairs: list[Pair] = []
    for part_a, part_b in _blocks(list(items_a), items_b, same_dance_only):
        corr, shift = max_correlation([fps[str(i.path)] for i in part_a], [fps[str(i.path)] for i in part_b],
                                      max_shift_frames, progress=len(part_a) * len(part_b) > 10_000)
        for i, j in zip(*np.nonzero(corr >= threshold)):
            a, b = part_a[i], part_b[j]
            if a.path == b.path or (within and str(a.path) >= str(b.path)):
                continue
            pairs.append(Pair(a, b, float(corr[i, j]), float(-shift[i, j] / frame_rate)))
    return sorted(pairs, key=lambda p: -p.correlation)


def _unique(items: Sequence[Item]) -> list[Item]:
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(str(item.path), item)
    return list(seen.values())


def _blocks(items_a: list[Item], items_b: list[Item],
            same_dance_only: bool) -> list[tuple[list[Item], list[Item]]]:
    """The (a, b) item lists to compare: one block per dance, or everything at once."""
    if not same_dance_only:
        return [(items_a, items_b)]
    by_dance_b: dict[str, list[Item]] = defaultdict(list)
    for item in items_b:
        by_dance_b[item.dance].append(item)
    by_dance_a: dict[str, list[Item]] = defaultdict(list)
    for item in items_a:
        by_dance_a[item.dance].append(item)
    return [(a, by_dance_b[d]) for d, a in by_dance_a.items() if by_dance_b.get(d)]


def write_pairs(pairs: Sequence[Pair], out: TextIO) -> None:
    """CSV of pairs: a, b (paths), their dances, correlation and offset_s (see `Pair`)."""
    writer = csv.writer(out)
    writer.writerow(["a", "b", "a_dance", "b_dance", "correlation", "offset_s"])
    for p in pairs:
        writer.writerow([p.a.path, p.b.path, p.a.dance, p.b.dance, f"{p.correlation:.4f}", f"{p.offset_s:.2f}"])


def to_drop(pairs: Sequence[Pair], within: bool) -> set[Path]:
    """Recordings to leave out of the training set A: every A member of a pair with another set B;
    within one set, the second member of each pair, so one copy of every duplicate stays."""
    return {(p.b if within else p.a).path for p in pairs}


def drop_from_manifest(dataset: Dataset, drop: set[Path], out: Path) -> int:
    """Write `dataset` without the `drop` recordings as a CSV manifest at `out`; returns the rows
    written. A CSV source keeps all its columns (paths re-written relative to `out`); a folder
    becomes path,dance,group rows."""
    out.parent.mkdir(parents=True, exist_ok=True)
    source = Path(dataset.source)
    if source.suffix.lower() == ".csv" and source.is_file():
        with open(source, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields, rows = list(reader.fieldnames or []), list(reader)
        for row in rows:
            path = Path(row["path"])
            row["path"] = (path if path.is_absolute() else source.parent / path).absolute()
    else:
        fields = ["path", "dance", "group"]
        rows = [{"path": i.path, "dance": i.dance, "group": i.group} for i in dataset.items]
    kept = [row for row in rows if Path(row["path"]) not in drop]
    base = out.parent.absolute()
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in kept:
            path = Path(row["path"])
            writer.writerow({**row, "path": path.relative_to(base) if path.is_relative_to(base) else path})
    return len(kept)
