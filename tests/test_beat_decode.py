"""Rhythm facts from beat activations: synthetic patterns, real songs (meter and tempo as madmom's
downbeat tracker finds them on the same activations), and bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from beat_graph import beat_graph
from dancecore.audio import load_audio
from dancecore.beat.decode import RhythmFacts, _tempo, decode
from dancecore.beat.runtime import BeatNetwork


def clicks(bpm: float, beats_per_bar: int, seconds: float = 60.0, fps: float = 50.0) -> np.ndarray:
    """Activations (frames, 3) of a clean beat: a 3-frame bump on every beat, downbeat column on bar starts."""
    n = int(seconds * fps)
    acts = np.zeros((n, 3))
    acts[:, :2] = 0.001
    for k, t in enumerate(np.arange(fps, n - 2, 60.0 * fps / bpm)):
        column = 1 if k % beats_per_bar == 0 else 0
        acts[int(round(t)) - 1:int(round(t)) + 2, column] = (0.3, 0.9, 0.3)
    acts[:, 2] = 1.0 - acts[:, :2].sum(axis=1)
    return acts


@pytest.mark.parametrize("bpm,meter", [(90.0, 3), (180.0, 3), (120.0, 4), (64.0, 4), (200.0, 4)])
def test_clean_pattern(bpm: float, meter: int) -> None:
    facts = decode(clicks(bpm, meter))
    assert facts.beats_per_bar == meter
    assert facts.meter_confidence > 0.99
    assert facts.bpm == pytest.approx(bpm, rel=0.02)
    assert facts.tempo_confidence > 0.9
    bar = np.median(np.diff(facts.downbeats)) / np.median(np.diff(facts.beats))
    assert bar == pytest.approx(meter, rel=0.05)
    assert facts.downbeats[0] == pytest.approx(1.0, abs=0.03)    # the first bump is a downbeat, at 1 s


def test_nothing_to_hear_gives_no_tempo_and_an_undecided_meter() -> None:
    silent = np.zeros((3000, 3))
    silent[:, 2] = 1.0
    facts = decode(silent)
    assert facts == RhythmFacts(0.0, 0.0, 4, 0.5, 0.0, (), ())
    assert decode(np.zeros((0, 3))).bpm == 0.0


def test_beats_without_a_steady_gap_give_no_tempo() -> None:
    """Gaps of 20 and 26 frames: neither is within 10% of their median, so no tempo (it was NaN, live too)."""
    assert _tempo(np.array([0, 20, 46]), np.ones(3, bool), 50.0, 60) == (0.0, 0.0)


@pytest.mark.parametrize("bad", [np.zeros((10, 2)), np.zeros(30)])
def test_wrong_shape_is_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="shape"):
        decode(bad)


# madmom's DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=50) on the same activations
# (research/beatnet/decoder_agreement.json): its meter and beat tempo.
SONGS = [
    ("slow_waltz/George_Strait_You_Look_So_Good_In_Love.opus", 3, 114.2),
    ("slow_waltz/Blake_Shelton_Frame_of_Mine.opus", 3, 90.0),
    ("cha_cha_cha/Earth_Wind_Fire_September.opus", 4, 125.7),
    ("paso_doble/Banda_Taurina_El_Gato_Montes.opus", 4, 126.7),
]


@pytest.fixture(scope="module")
def network() -> BeatNetwork:
    return BeatNetwork.from_graph(beat_graph())


@pytest.mark.parametrize("path,meter,bpm", SONGS)
def test_real_song(path: str, meter: int, bpm: float, data_dir: Path, network: BeatNetwork) -> None:
    """90 s from 0:20, as in the decoder check."""
    samples = load_audio(data_dir / "songs" / path, sr=22050).samples[20 * 22050:110 * 22050]
    facts = decode(network.song(samples))
    assert facts.beats_per_bar == meter
    assert facts.meter_confidence > 0.9
    assert facts.bpm == pytest.approx(bpm, rel=0.04)
    assert set(facts.downbeats) <= set(facts.beats)
    assert 80.0 <= facts.beats[-1] - facts.beats[0] <= 90.0
