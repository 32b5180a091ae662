"""Fusing the spectrogram CNN with the rhythm branch, window by window (numpy only).

Each 5.2 s window is scored by the CNN and, when the model carries a rhythm branch, by the rhythm
branch on the 11.89 s of audio that end where the window ends (less at the start of a recording,
zero-padded). Offline and live use the same excerpt, so streaming gives the same window numbers.
The fused distribution is a weighted product of experts over the ten dances:
log p = w_cnn log p_cnn + w_rhythm log p_rhythm(dance | not other) + const.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import soxr

from dancecore.dances import DANCE_IDS
from dancecore.rhythm.data import CLASSES as RHYTHM_CLASSES, OTHER
from dancecore.rhythm.features import EXCERPT, SR as RHYTHM_SR, eball_excerpt_features
from dancecore.rhythm.inputs import BANDS

EXCERPT_S = EXCERPT / RHYTHM_SR  # 11.89 s
_DANCE_ORDER = [RHYTHM_CLASSES.index(d) for d in DANCE_IDS]
OTHER_INDEX = RHYTHM_CLASSES.index(OTHER)


@dataclass(frozen=True)
class FusionSettings:
    """Exponents of the two experts in the product (0 switches one off)."""

    cnn_weight: float = 1.0
    rhythm_weight: float = 1.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def fuse(cnn_probs: np.ndarray, rhythm_probs: np.ndarray, settings: FusionSettings) -> tuple[np.ndarray, np.ndarray]:
    """(n, 10) CNN probabilities over DANCE_IDS and (n, 11) rhythm probabilities over the rhythm classes
    (dancecore.rhythm.data.CLASSES) -> ((n, 10) fused probabilities over DANCE_IDS, (n,) rhythm
    probability of 'another dance')."""
    rhythm_dances = rhythm_probs[:, _DANCE_ORDER]
    rhythm_dances = rhythm_dances / np.maximum(rhythm_dances.sum(axis=1, keepdims=True), 1e-12)
    log_p = (settings.cnn_weight * np.log(np.maximum(cnn_probs, 1e-12))
             + settings.rhythm_weight * np.log(np.maximum(rhythm_dances, 1e-12)))
    log_p -= log_p.max(axis=1, keepdims=True)
    fused = np.exp(log_p)
    return fused / fused.sum(axis=1, keepdims=True), rhythm_probs[:, OTHER_INDEX]


def excerpt(samples: np.ndarray, end_sample: int, sr: int) -> np.ndarray:
    """The up to 11.89 s of `samples` (mono, `sr` Hz) that end at `end_sample`."""
    length = int(round(EXCERPT_S * sr))
    return samples[max(0, end_sample - length):max(0, end_sample)]


def excerpt_features(audio: np.ndarray, sr: int) -> dict[str, np.ndarray]:
    """Rhythm-branch input features (odf/pedf of BANDS) of one excerpt of up to 11.89 s at `sr` Hz,
    prepared exactly as the classifier prepares every window's excerpt."""
    return eball_excerpt_features(_to_rhythm_input(audio, sr), BANDS)


def _to_rhythm_input(audio: np.ndarray, sr: int) -> np.ndarray:
    """Excerpt -> 524288 samples at 44100 Hz scaled by its peak and quantised like 16-bit PCM, as the
    Extended Ballroom recipe reads audio (the recipe divides by the whole track's peak; a window only
    knows its own excerpt, live and offline alike); zero-padded at the end when short."""
    x = (soxr.resample(np.asarray(audio, dtype=np.float32), sr, RHYTHM_SR, quality="HQ") if len(audio)
         else np.zeros(0, np.float32))
    peak = float(np.abs(x).max()) if len(x) else 0.0
    if peak > 0:
        x = np.round(np.clip(x / peak, -1, 1) * 32767.0) / 32767.0
    out = np.zeros(EXCERPT, dtype=np.float32)
    out[:min(len(x), EXCERPT)] = x[:EXCERPT]
    return out
