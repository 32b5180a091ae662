"""Tempo (BPM) and beat clarity from a log-mel spectrogram.

Hand-written in numpy rather than librosa.feature.tempo: the method is the same (spectral-flux
onset envelope, autocorrelation, log-normal prior at 120 BPM) but importing and JIT-warming
librosa's onset/tempo path costs ~1.5 s per process, most of the 2 s budget of a CLI call.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dancecore.dances import BY_ID
from dancecore.features import FeatureSettings

MIN_BPM, MAX_BPM = 40.0, 240.0
PRIOR_BPM, PRIOR_OCTAVES = 120.0, 1.0
OCTAVES = (0.5, 1.0, 2.0)          # a beat tracker reads the beat an octave off more often than anything else
METRICAL_RELATIONS = (1.5, 2 / 3)  # then at two beats to three of the music's, or three to two
RANGE_TOLERANCE = 0.04             # a tempo within 4% of a dance's competition range counts as in it


@dataclass(frozen=True)
class Tempo:
    """bpm: beats per minute (0 when unknown); clarity: 0..1, how periodic the onsets are."""

    bpm: float
    clarity: float


def onset_envelope(spectrogram_db: np.ndarray) -> np.ndarray:
    """Spectral flux per frame: mean over mel bands of the positive dB increase from the previous frame."""
    flux = np.maximum(np.diff(spectrogram_db, axis=0), 0.0).mean(axis=1)
    return np.concatenate([[0.0], flux])


def estimate_tempo(spectrogram_db: np.ndarray, settings: FeatureSettings = FeatureSettings()) -> Tempo:
    """Tempo of a (frames, n_mels) dB spectrogram: the autocorrelation peak of the onset envelope
    between 40 and 240 BPM weighted by a log-normal prior (120 BPM, 1 octave); clarity is the
    unweighted normalised autocorrelation at that peak."""
    return tempo_of_onsets(onset_envelope(spectrogram_db), settings)


def tempo_of_onsets(onset: np.ndarray, settings: FeatureSettings = FeatureSettings()) -> Tempo:
    """estimate_tempo of an onset envelope (onset_envelope of the spectrogram) already computed."""
    frame_rate = settings.frame_rate
    low, high = int(np.floor(60 * frame_rate / MAX_BPM)), int(np.ceil(60 * frame_rate / MIN_BPM))
    if len(onset) <= high + 2:
        return Tempo(bpm=0.0, clarity=0.0)
    x = onset - onset.mean()
    energy = float(np.dot(x, x))
    if energy <= 1e-12:
        return Tempo(bpm=0.0, clarity=0.0)
    spectrum = np.fft.rfft(x, n=2 * len(x))
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[: high + 2] / energy
    lags = np.arange(low, high + 1)
    prior = np.exp(-0.5 * (np.log2(60 * frame_rate / lags / PRIOR_BPM) / PRIOR_OCTAVES) ** 2)
    best = int(lags[np.argmax(np.maximum(acf[lags], 0.0) * prior)])
    lag = best + _parabolic_offset(acf[best - 1], acf[best], acf[best + 1])
    return Tempo(bpm=float(60 * frame_rate / lag), clarity=float(np.clip(acf[best], 0.0, 1.0)))


def _parabolic_offset(left: float, centre: float, right: float) -> float:
    """Sub-sample position of a peak from its two neighbours, in [-0.5, 0.5]."""
    denominator = left - 2 * centre + right
    return 0.0 if denominator == 0 else float(np.clip(0.5 * (left - right) / denominator, -0.5, 0.5))


def fold_to_dance(bpm: float, dance_id: str) -> float:
    """The reading of a beat tracker's `bpm` that the dance's competition range says is its beat, correcting the
    tracker's metrical-level errors once the dance is known: the tempo octave (x0.5, x1, x2) nearest to the
    range's centre; when that octave lies outside the range (widened by RANGE_TOLERANCE) and a 3:2 or 2:3
    relation of `bpm` (x1.5, x2/3, or an octave of them: x0.75, x3, x4/3, x8/3, ...) lies inside it, that one
    (a quickstep read at 138 BPM, two beats to three of the music's, is 207). 0 for an unknown tempo (<= 0)."""
    if bpm <= 0:
        return 0.0
    low, high = BY_ID[dance_id].bpm
    centre = (low + high) / 2

    def nearest(factors: list[float]) -> float:
        return min((bpm * f for f in factors), key=lambda b: abs(np.log2(b / centre)))

    def inside(b: float) -> bool:
        return low * (1.0 - RANGE_TOLERANCE) <= b <= high * (1.0 + RANGE_TOLERANCE)

    octave = nearest(list(OCTAVES))
    if inside(octave):
        return octave
    metrical = nearest([r * 2.0 ** k for r in METRICAL_RELATIONS for k in range(-2, 3)])
    return metrical if inside(metrical) else octave
