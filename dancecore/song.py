"""The song-level step of the model unit: from the windows' evidence to the song's answer.

A rule is any object with `decide(evidence, model) -> SongDecision`; the model unit
(dancecore.model.DanceModel) holds one in `song_rule`, so a rule that weighs more facts about the whole
recording (meter, tempo from the beat network) replaces the shipped one without touching the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dancecore.aggregate import mean_probabilities
from dancecore.dances import DANCE_IDS
from dancecore.modelinfo import ModelInfo
from dancecore.tempo import Tempo, fold_to_dance


@dataclass(frozen=True)
class SongEvidence:
    """What the decision weighs. window_probs: (n_windows, 10) over DANCE_IDS; window_other: (n_windows,)
    the rhythm branch's probability of another dance (None without one); tempo: of the whole spectrogram."""

    window_probs: np.ndarray
    window_other: np.ndarray | None
    tempo: Tempo


@dataclass(frozen=True)
class SongDecision:
    """The song's answer. probabilities: dance id -> probability (sums to 1); tempo_bpm: beats per minute
    in the top dance's octave; other: mean probability of another dance, 4 decimals (None without a
    rhythm branch); not_sure_reason: why no dance is named, in words (None: the top dance is named)."""

    probabilities: dict[str, float]
    tempo_bpm: float
    tempo_clarity: float
    other: float | None
    not_sure_reason: str | None

    @property
    def dance(self) -> str:
        """The most likely dance (reported even when not sure)."""
        return max(self.probabilities, key=self.probabilities.__getitem__)


class SongRule(Protocol):
    """A song-level decision rule."""

    def decide(self, evidence: SongEvidence, model: ModelInfo) -> SongDecision: ...


class WindowMeanRule:
    """The shipped rule: the mean of the window probabilities (the thesis's aggregation), the tempo
    folded into the top dance's range, and "not sure" by the model's RejectSettings."""

    def decide(self, evidence: SongEvidence, model: ModelInfo) -> SongDecision:
        song = mean_probabilities(evidence.window_probs)
        probabilities = {d: float(p) for d, p in zip(DANCE_IDS, song / song.sum())}
        top = max(probabilities, key=probabilities.__getitem__)
        other = None if evidence.window_other is None else round(float(evidence.window_other.mean()), 4)
        reason = model.reject.doubt(probabilities[top], evidence.tempo.clarity, other)
        return SongDecision(probabilities=probabilities, tempo_bpm=fold_to_dance(evidence.tempo.bpm, top),
                            tempo_clarity=evidence.tempo.clarity, other=other, not_sure_reason=reason)
