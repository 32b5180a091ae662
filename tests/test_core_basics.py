"""Dances, windows, aggregation, tempo, the CNN architectures and the "not sure" rule (the model file:
test_model_file.py)."""
from __future__ import annotations

import numpy as np
import pytest

from dancecore.aggregate import IncrementalAggregator, mean_probabilities
from dancecore.dances import BY_ID, DANCE_IDS, nearest_by_tempo, resolve
from dancecore.errors import ConfigError
from dancecore.modelinfo import RejectSettings
from dancecore.segments import cut_windows
from dancecore.tempo import estimate_tempo, fold_to_dance
from dancecore.features import log_mel


def test_ten_dances_with_competition_tempi() -> None:
    assert len(DANCE_IDS) == 10
    assert BY_ID["cha_cha_cha"].mpm == (30, 32) and BY_ID["cha_cha_cha"].bpm == (120, 128)
    assert BY_ID["viennese_waltz"].meter == "3/4" and BY_ID["viennese_waltz"].bpm == (174, 180)
    assert BY_ID["samba"].style == "latin" and BY_ID["tango"].style == "standard"


@pytest.mark.parametrize("alias,dance_id", [
    ("Chacha", "cha_cha_cha"), ("Cha-Cha", "cha_cha_cha"), ("Foxtrot", "slow_foxtrot"), ("Waltz", "slow_waltz"),
    ("Slowwaltz", "slow_waltz"), ("Viennesewaltz", "viennese_waltz"), ("Pasodoble", "paso_doble"),
    ("VW", "viennese_waltz"), ("slow_waltz", "slow_waltz"), ("Salsa", None), ("Wcswing", None)])
def test_aliases(alias: str, dance_id: str | None) -> None:
    assert resolve(alias) == dance_id


def test_tempo_rule() -> None:
    assert nearest_by_tempo(179) == "viennese_waltz"
    assert nearest_by_tempo(86) == "slow_waltz" and nearest_by_tempo(64) == "tango"
    assert fold_to_dance(88.0, "viennese_waltz") == 176.0
    assert fold_to_dance(240.0, "cha_cha_cha") == 120.0


@pytest.mark.parametrize("bpm, dance_id, folded", [
    (138.0, "quickstep", 207.0), (69.0, "quickstep", 207.0),            # two beats to three of the music's
    (64.0, "viennese_waltz", 512 / 3), (117.0, "paso_doble", 117.0),     # x8/3; an octave near the range stays
    (114.0, "cha_cha_cha", 114.0), (400.0, "samba", 200.0), (0.0, "jive", 0.0)])   # no relation in the range
def test_fold_to_dance_takes_a_3_2_reading_only_where_the_dance_s_range_says_so(bpm: float, dance_id: str,
                                                                                 folded: float) -> None:
    """Issue 17: a quickstep read at 138 BPM by the beat network, 207 elsewhere in the song, wavered between the
    two live; octaves come first, a 3:2 or 2:3 relation only when no octave is near the competition range."""
    assert fold_to_dance(bpm, dance_id) == pytest.approx(folded)


def test_windows_stride_and_padding() -> None:
    spec = np.random.default_rng(0).normal(size=(1000, 224)).astype(np.float32)
    w = cut_windows(spec, 224, 200)
    assert w.windows.shape == (4, 224, 224) and list(w.start_frames) == [0, 200, 400, 600] and not w.padded
    np.testing.assert_array_equal(w.windows[1], spec[200:424])
    short = cut_windows(spec[:50], 224, 200)
    assert short.padded and short.windows.shape == (1, 224, 224)
    assert np.all(short.windows[0, 50:] == -100.0)


def test_incremental_aggregator_equals_offline_mean() -> None:
    probs = np.random.default_rng(1).dirichlet(np.ones(10), size=37)
    agg = IncrementalAggregator(10)
    for k in range(len(probs)):
        np.testing.assert_allclose(agg.add(probs[k]), mean_probabilities(probs[: k + 1]), rtol=0, atol=1e-15)
    agg.reset()
    assert agg.count == 0


def _click_track(bpm: float, seconds: float = 30.0, sr: int = 22050) -> np.ndarray:
    y = np.zeros(int(seconds * sr), np.float32)
    click = np.sin(2 * np.pi * 1000 * np.arange(400) / sr) * np.hanning(400)
    for t in np.arange(0, seconds - 0.1, 60.0 / bpm):
        start = int(t * sr)
        y[start:start + 400] += click
    return y


@pytest.mark.parametrize("bpm", [92.0, 124.0, 176.0])
def test_tempo_of_click_tracks(bpm: float) -> None:
    tempo = estimate_tempo(log_mel(_click_track(bpm)))
    folded = min((tempo.bpm * f for f in (0.5, 1, 2)), key=lambda b: abs(b - bpm))
    assert abs(folded - bpm) / bpm < 0.02
    assert tempo.clarity > 0.5


def test_noise_has_no_steady_beat() -> None:
    noise = np.random.default_rng(2).normal(scale=0.1, size=22050 * 20).astype(np.float32)
    assert estimate_tempo(log_mel(noise)).clarity < 0.2


@pytest.mark.parametrize("arch", ["dancenet", "resnet18", "densenet161", "densenet161_16x3", "vgg16_40x3",
                                  "resnext50_32x4d_7x7"])
def test_build_model_outputs_logits(arch: str) -> None:
    torch = pytest.importorskip("torch", reason="the CNN architectures are PyTorch modules (train extra)")
    from dancecore.architectures import available_archs, build_model

    assert arch in available_archs()
    net = build_model(arch, 10, in_channels=1).eval()
    with torch.inference_mode():
        assert net(torch.zeros(1, 1, 224, 224)).shape == (1, 10)


def test_unknown_arch_is_a_clear_error() -> None:
    pytest.importorskip("torch", reason="the CNN architectures are PyTorch modules (train extra)")
    from dancecore.architectures import build_model

    with pytest.raises(ConfigError, match="unknown architecture"):
        build_model("alexnet", 10)
    with pytest.raises(ConfigError, match="takes no settings"):
        build_model("resnet18", 10, width=32)


def test_reject_settings_say_why_not_sure() -> None:
    """Beat clarity first, then another dance, then low confidence; None when the dance can be named."""
    reject = RejectSettings(min_top_probability=0.5, min_beat_clarity=0.08, max_other_probability=0.4)
    assert reject.doubt(0.9, 0.3, 0.1) is None and reject.doubt(0.9, 0.3, None) is None
    assert reject.doubt(0.2, 0.05, 0.9) == "no_beat"
    assert reject.doubt(0.2, 0.3, 0.45) == "other_dance"
    assert reject.doubt(0.45, 0.3, 0.4) == "low_confidence"
