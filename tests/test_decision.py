"""The song-level decision: meter and tempo likelihoods and the "also fits" rule."""
from __future__ import annotations

import numpy as np
import pytest

from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.decision import (DecisionSettings, also_fits, meter_likelihood, song_posterior,
                                tempo_likelihood)
from dancecore.errors import ModelError

I = {d: i for i, d in enumerate(DANCE_IDS)}


def test_unknown_facts_leave_the_evidence_alone() -> None:
    evidence = np.linspace(1, 2, 10)
    np.testing.assert_allclose(song_posterior(evidence, None, None), evidence / evidence.sum())
    np.testing.assert_allclose(song_posterior(evidence, 0.0, None), evidence / evidence.sum())


def test_a_bar_of_three_favours_the_waltzes() -> None:
    like = meter_likelihood(0.95)
    assert like[I["slow_waltz"]] == like[I["viennese_waltz"]]
    assert like[I["slow_waltz"]] > 5 * like[I["slow_foxtrot"]]
    even = meter_likelihood(0.5)
    np.testing.assert_allclose(even, 0.5)
    assert meter_likelihood(0.95, DecisionSettings(use_meter=False)).tolist() == [1.0] * 10


@pytest.mark.parametrize("dance", DANCE_IDS)
def test_every_dance_is_most_likely_somewhere_in_its_dj_range(dance: str) -> None:
    low, high = BY_ID[dance].dj_bpm
    like = tempo_likelihood((low + high) / 2)
    assert like[I[dance]] == pytest.approx(like.max())


def test_tempo_octave_errors_are_forgiven_but_cost() -> None:
    at, half = tempo_likelihood(128.0), tempo_likelihood(64.0)   # tango counted by DJ software at ~128
    assert at[I["tango"]] > 0.7 and 0.05 < half[I["tango"]] < 0.2
    nowhere = tempo_likelihood(150.0)   # between the ranges: the floor keeps every dance alive
    assert nowhere.min() >= DecisionSettings().tempo_floor


def test_a_country_waltz_heard_in_three_is_not_a_slow_foxtrot() -> None:
    """The issue's error case: evidence leaning to slow foxtrot, but three beats to the bar at 87 BPM."""
    evidence = np.full(10, 0.03)
    evidence[I["slow_foxtrot"]], evidence[I["slow_waltz"]] = 0.45, 0.25
    q = song_posterior(evidence, 87.0, 0.9)
    assert q.sum() == pytest.approx(1.0)
    assert q.argmax() == I["slow_waltz"]


def test_also_fits_names_a_close_second_only() -> None:
    close = np.array([0.40, 0.30] + [0.3 / 8] * 8)
    far = np.array([0.80, 0.10] + [0.1 / 8] * 8)
    assert also_fits(close) == DANCE_IDS[1]
    assert also_fits(far) is None


def test_settings_round_trip_and_unknown_keys() -> None:
    settings = DecisionSettings(use_tempo=False, tempo_spread_octaves=0.2)
    assert DecisionSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(ModelError, match="newer dancecore"):
        DecisionSettings.from_dict({"use_meter": True, "bar_prior": 3})


def test_tempered_evidence_lets_a_sure_meter_overturn_it() -> None:
    evidence = np.full(10, 1e-6)
    evidence[I["slow_foxtrot"]] = 1.0
    evidence[I["slow_waltz"]] = 1e-4
    sure_meter = DecisionSettings(use_tempo=False)
    assert np.argmax(song_posterior(evidence, None, 1.0, sure_meter)) == I["slow_foxtrot"]
    tempered = DecisionSettings(use_tempo=False, evidence_power=0.125)
    assert np.argmax(song_posterior(evidence, None, 1.0, tempered)) == I["slow_waltz"]


def test_tempo_counts_as_far_as_its_confidence() -> None:
    evidence = np.linspace(1, 2, 10)
    weighted = DecisionSettings(use_meter=False, tempo_by_confidence=True)
    np.testing.assert_allclose(song_posterior(evidence, 87.0, None, weighted, tempo_confidence=0.0),
                               evidence / evidence.sum())
    np.testing.assert_allclose(song_posterior(evidence, 87.0, None, weighted, tempo_confidence=1.0),
                               song_posterior(evidence, 87.0, None, DecisionSettings(use_meter=False)))
