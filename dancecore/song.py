"""The song-level step of the model unit: from the windows' evidence to the song's answer.

A rule is any object with `decide(evidence, model) -> SongDecision`; the model unit
(dancecore.model.DanceModel) holds one in `song_rule`, chosen from the model file's decision settings
(`rule_for`). `LikelihoodRule` weighs the mean of the window probabilities (the thesis's aggregation) with
the meter and tempo the beat network hears in the whole recording (dancecore.decision); with both switched
off it is the thesis's mean alone. Tempo and meter are reported from the beat network whenever the model
has one, whatever the rule weighs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from dancecore.aggregate import mean_probabilities
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.decision import DecisionSettings, also_fits, song_posterior
from dancecore.modelinfo import ModelInfo
from dancecore.tempo import Tempo, fold_to_dance

if TYPE_CHECKING:
    from dancecore.beat.decode import RhythmFacts


@dataclass(frozen=True)
class SongEvidence:
    """What the decision weighs. window_probs: (n_windows, 10) over DANCE_IDS; window_other: (n_windows,)
    the rhythm branch's probability of another dance (None without one); tempo: of the whole spectrogram
    (spectral flux); facts: tempo, meter and beats from the beat network (None without one)."""

    window_probs: np.ndarray
    window_other: np.ndarray | None
    tempo: Tempo
    facts: RhythmFacts | None = None


@dataclass(frozen=True)
class SongDecision:
    """The song's answer. probabilities: dance id -> probability (sums to 1); tempo_bpm: beats per minute
    in the top dance's octave and convention; tempo_clarity: 0..1 periodicity of the onsets; other: mean
    probability of another dance, 4 decimals (None without a rhythm branch); not_sure_reason: why no dance
    is named, in words (None: the top dance is named); tempo_confidence: 0..1 share of the recording with a
    steady, clearly heard beat; beats_per_bar, meter_confidence: the meter heard (3 or 4) and its
    probability (None without a beat network); also_fits: a second dance nearly as likely, or None."""

    probabilities: dict[str, float]
    tempo_bpm: float
    tempo_clarity: float
    other: float | None
    not_sure_reason: str | None
    tempo_confidence: float | None = None
    beats_per_bar: int | None = None
    meter_confidence: float | None = None
    also_fits: str | None = None

    @property
    def dance(self) -> str:
        """The most likely dance (reported even when not sure)."""
        return max(self.probabilities, key=self.probabilities.__getitem__)


class SongRule(Protocol):
    """A song-level decision rule."""

    def decide(self, evidence: SongEvidence, model: ModelInfo) -> SongDecision: ...


class LikelihoodRule:
    """The mean of the window probabilities times the meter and tempo likelihoods of `settings`, the tempo
    folded into the top dance's range, "not sure" by the model's RejectSettings, said in words."""

    def __init__(self, settings: DecisionSettings) -> None:
        self.settings = settings

    def decide(self, evidence: SongEvidence, model: ModelInfo) -> SongDecision:
        facts = evidence.facts
        heard = facts is not None and facts.bpm > 0
        song = song_posterior(mean_probabilities(evidence.window_probs), facts.bpm if heard else None,
                              facts.p_three if heard else None, self.settings,
                              facts.tempo_confidence if heard else None)
        probabilities = {d: float(p) for d, p in zip(DANCE_IDS, song)}
        top = max(probabilities, key=probabilities.__getitem__)
        other = None if evidence.window_other is None else round(float(evidence.window_other.mean()), 4)
        code = model.reject.doubt(probabilities[top], evidence.tempo.clarity, other)
        return SongDecision(
            probabilities=probabilities,
            tempo_bpm=fold_to_dance(facts.bpm if heard else evidence.tempo.bpm, top),
            tempo_clarity=evidence.tempo.clarity, other=other,
            not_sure_reason=None if code is None else explain_doubt(code, song),
            tempo_confidence=None if facts is None else facts.tempo_confidence,
            beats_per_bar=facts.beats_per_bar if heard else None,
            meter_confidence=facts.meter_confidence if heard else None,
            also_fits=also_fits(song, self.settings))


def rule_for(decision: dict) -> LikelihoodRule:
    """The rule a model file's decision settings describe; none (older models): the thesis's mean alone."""
    if not decision:
        return LikelihoodRule(DecisionSettings(use_meter=False, use_tempo=False))
    return LikelihoodRule(DecisionSettings.from_dict(decision))


def explain_doubt(code: str, probabilities: np.ndarray) -> str:
    """Why "not sure", in words a dancer understands, for a RejectSettings.doubt code and the (10,) song
    probabilities over DANCE_IDS: "no steady beat", "sounds like another dance, closest: Jive", "fits
    several dances: Rumba or Cha Cha Cha"."""
    first, second = (BY_ID[DANCE_IDS[int(i)]].name for i in np.argsort(-np.asarray(probabilities))[:2])
    if code == "no_beat":
        return "no steady beat"
    if code == "other_dance":
        return f"sounds like another dance, closest: {first}"
    return f"fits several dances: {first} or {second}"
