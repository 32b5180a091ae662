"""The song-level decision: the windows' evidence combined with the song's meter and tempo.

The thesis's mean of window probabilities p(d) stays the evidence. The beat network's facts about the
whole recording enter as likelihoods of each dance (rules D1 of research/meter_tempo/preregistration.md and
D3 of research/tempered_decision/preregistration.md):

    q(d) ∝ p(d)^τ · Lmeter(d) · Ltempo(d)^c

τ (`evidence_power`, 1 = untempered) softens evidence that is surer of itself than it has reason to be;
c is the beat network's tempo confidence when `tempo_by_confidence`, else 1.

Lmeter(d) = P3·a(d) + (1 - P3)·(1 - a(d)), a(d) the chance that the network hears 3 beats to the bar in music
for dance d; Ltempo(d) a soft window around the dance's competition range (beats per minute as DJ software
counts them), allowing the beat to be read an octave off, with a floor so a tempo that fits nothing cannot
veto the evidence. None of these constants is fitted to songs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from dancecore.dances import BY_ID, DANCE_IDS, DANCES
from dancecore.errors import ModelError

OCTAVE_FACTORS = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class DecisionSettings:
    """Constants of the song-level decision (stored in the model file).

    use_meter / use_tempo: whether each fact enters the decision; triple_given_waltz / triple_given_other:
    probability that the beat network hears 3 beats per bar in a waltz / in any other dance;
    tempo_spread_octaves: how far (octaves, Gaussian sigma) a song's beat may stray outside its dance's range;
    octave_error_share: prior probability of reading the beat at half, and again at double, the true rate;
    tempo_floor: smallest tempo likelihood; also_fits_ratio: a second dance "also fits" when its probability
    is at least this share of the top one's; evidence_power: τ, the power of the window evidence (1: as it
    is; below 1: tempered); tempo_by_confidence: the tempo likelihood counts as far as the beat network is
    sure of the tempo (its power is the tempo confidence).
    """

    use_meter: bool = True
    use_tempo: bool = True
    evidence_power: float = 1.0
    tempo_by_confidence: bool = False
    triple_given_waltz: float = 0.75
    triple_given_other: float = 0.03
    tempo_spread_octaves: float = 0.1
    octave_error_share: float = 0.1
    tempo_floor: float = 0.02
    also_fits_ratio: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the model file."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "DecisionSettings":
        """Build from a model file's dict, naming unknown keys in a one-line error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ModelError(f"unknown decision setting(s) {', '.join(unknown)} in the model file; "
                             "it was written by a newer dancecore: upgrade dancecore")
        return cls(**values)


def meter_likelihood(p_triple: float | None, settings: DecisionSettings = DecisionSettings()) -> np.ndarray:
    """(10,) likelihood over DANCE_IDS of the network's meter reading, `p_triple` = P(3 beats per bar) in
    [0, 1]; all ones when the meter is unknown (None) or switched off."""
    if p_triple is None or not settings.use_meter:
        return np.ones(len(DANCE_IDS))
    heard = np.array([settings.triple_given_waltz if BY_ID[d].beats_per_bar == 3 else settings.triple_given_other
                      for d in DANCE_IDS])
    return p_triple * heard + (1.0 - p_triple) * (1.0 - heard)


def tempo_likelihood(beat_bpm: float | None, settings: DecisionSettings = DecisionSettings()) -> np.ndarray:
    """(10,) likelihood over DANCE_IDS of a beat rate `beat_bpm` (beats per minute as the network counts them);
    all ones when the tempo is unknown (None or <= 0) or switched off."""
    if beat_bpm is None or beat_bpm <= 0 or not settings.use_tempo:
        return np.ones(len(DANCE_IDS))
    share = settings.octave_error_share
    weights = (share, 1.0 - 2.0 * share, share)
    out = np.zeros(len(DANCE_IDS))
    for i, dance in enumerate(DANCES):
        low, high = np.log2(dance.dj_bpm)
        for factor, weight in zip(OCTAVE_FACTORS, weights):
            heard = np.log2(beat_bpm * factor)
            distance = max(low - heard, heard - high, 0.0)
            out[i] += weight * np.exp(-0.5 * (distance / settings.tempo_spread_octaves) ** 2)
    return np.maximum(out, settings.tempo_floor)


def song_posterior(evidence: np.ndarray, beat_bpm: float | None, p_triple: float | None,
                   settings: DecisionSettings = DecisionSettings(),
                   tempo_confidence: float | None = None) -> np.ndarray:
    """(10,) probabilities over DANCE_IDS: the (10,) window evidence to the power τ times the meter and tempo
    likelihoods (the tempo's to the power `tempo_confidence` in [0, 1] when the settings say so), normalised."""
    evidence = np.asarray(evidence, dtype=np.float64)
    q = evidence / max(float(evidence.sum()), 1e-12)
    if settings.evidence_power != 1.0:
        q = np.power(np.maximum(q, 1e-300), settings.evidence_power)
    tempo = tempo_likelihood(beat_bpm, settings)
    if settings.tempo_by_confidence:
        tempo = np.power(tempo, float(np.clip(tempo_confidence if tempo_confidence is not None else 1.0, 0.0, 1.0)))
    q = q * meter_likelihood(p_triple, settings) * tempo
    return q / max(float(q.sum()), 1e-300)


def also_fits(posterior: np.ndarray, settings: DecisionSettings = DecisionSettings()) -> str | None:
    """Id of the second most likely dance when it is close to the first (probability at least
    `also_fits_ratio` of the top one's), else None."""
    order = np.argsort(-np.asarray(posterior))
    top, second = float(posterior[order[0]]), float(posterior[order[1]])
    return DANCE_IDS[int(order[1])] if top > 0 and second >= settings.also_fits_ratio * top else None
