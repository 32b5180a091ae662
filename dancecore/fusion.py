"""Fusing the spectrogram CNN with the rhythm branch, window by window.

Each 5.2 s window is scored by the CNN and, when the model carries a rhythm branch, by the rhythm
branch on the 11.89 s of audio that end where the window ends (less at the start of a recording,
zero-padded). Offline and live use the same excerpt, so streaming gives the same window numbers.
The fused distribution is a weighted product of experts over the ten dances:
log p = w_cnn log p_cnn + w_rhythm log p_rhythm(dance | not other) + const.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import soxr

from dancecore.dances import DANCE_IDS
from dancecore.rhythm.classifier import BANDS, RhythmBranch
from dancecore.rhythm.features import EXCERPT, SR as RHYTHM_SR, eball_excerpt_features

EXCERPT_S = EXCERPT / RHYTHM_SR  # 11.89 s


@dataclass(frozen=True)
class FusionSettings:
    """Exponents of the two experts in the product (0 switches one off)."""

    cnn_weight: float = 1.0
    rhythm_weight: float = 1.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


class RhythmScorer:
    """The rhythm branch of a model file, applied to per-window excerpts."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.branch = RhythmBranch.from_state(state["branch"])
        self.fusion = FusionSettings(**state.get("fusion", {}))
        self.other_index = list(self.branch.classes).index("other")
        self.dance_order = [list(self.branch.classes).index(d) for d in DANCE_IDS]

    @staticmethod
    def excerpt(samples: np.ndarray, end_sample: int, sr: int) -> np.ndarray:
        """The up to 11.89 s of `samples` (mono, `sr` Hz) that end at `end_sample`."""
        length = int(round(EXCERPT_S * sr))
        return samples[max(0, end_sample - length):max(0, end_sample)]

    def probabilities(self, excerpts: list[np.ndarray], sr: int) -> np.ndarray:
        """(n, 11) rhythm-branch probabilities over its classes for excerpts at `sr` Hz. Excerpts are
        featurised on a thread per core: the wavelet and FFT code releases the GIL."""
        if len(excerpts) < 2:
            return self.branch.predict_features([excerpt_features(x, sr) for x in excerpts])
        with ThreadPoolExecutor(max_workers=min(len(excerpts), os.cpu_count() or 1)) as pool:
            return self.branch.predict_features(list(pool.map(lambda x: excerpt_features(x, sr), excerpts)))

    def fuse(self, cnn_probs: np.ndarray, rhythm_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 10) CNN probabilities over DANCE_IDS and (n, 11) rhythm probabilities ->
        ((n, 10) fused probabilities over DANCE_IDS, (n,) rhythm probability of 'another dance')."""
        rhythm_dances = rhythm_probs[:, self.dance_order]
        rhythm_dances = rhythm_dances / np.maximum(rhythm_dances.sum(axis=1, keepdims=True), 1e-12)
        log_p = (self.fusion.cnn_weight * np.log(np.maximum(cnn_probs, 1e-12))
                 + self.fusion.rhythm_weight * np.log(np.maximum(rhythm_dances, 1e-12)))
        log_p -= log_p.max(axis=1, keepdims=True)
        fused = np.exp(log_p)
        return fused / fused.sum(axis=1, keepdims=True), rhythm_probs[:, self.other_index]


def excerpt_features(excerpt: np.ndarray, sr: int) -> dict[str, np.ndarray]:
    """Rhythm-branch input features (odf/pedf of BANDS) of one excerpt of up to 11.89 s at `sr` Hz,
    prepared exactly as the classifier prepares every window's excerpt."""
    return eball_excerpt_features(_to_rhythm_input(excerpt, sr), BANDS)


def _to_rhythm_input(excerpt: np.ndarray, sr: int) -> np.ndarray:
    """Excerpt -> 524288 samples at 44100 Hz scaled by its peak and quantised like 16-bit PCM, as the
    Extended Ballroom recipe reads audio (the recipe divides by the whole track's peak; a window only
    knows its own excerpt, live and offline alike); zero-padded at the end when short."""
    x = soxr.resample(np.asarray(excerpt, dtype=np.float32), sr, RHYTHM_SR, quality="HQ") if len(excerpt) else np.zeros(0, np.float32)
    peak = float(np.abs(x).max()) if len(x) else 0.0
    if peak > 0:
        x = np.round(np.clip(x / peak, -1, 1) * 32767.0) / 32767.0
    out = np.zeros(EXCERPT, dtype=np.float32)
    out[:min(len(x), EXCERPT)] = x[:EXCERPT]
    return out
