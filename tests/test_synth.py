"""Tests of the synthetic ballroom arranger (dancecore.data.synth): determinism, rendering, tempo,
meter and the characteristic accents of the patterns."""
from __future__ import annotations

import csv

import numpy as np
import pytest

pytest.importorskip("fluidsynth")
pytest.importorskip("pretty_midi")

from dancecore.dances import DANCE_IDS, dance  # noqa: E402
from dancecore.data.synth import patterns as P  # noqa: E402
from dancecore.data.synth import render_clip, render_dataset  # noqa: E402
from dancecore.data.synth.arranger import arrange, dance_spec  # noqa: E402
from dancecore.data.synth.render import available_soundfonts  # noqa: E402
from dancecore.data.synth.score import parse_grid  # noqa: E402
from dancecore.data.synth.social import SOCIAL_IDS, SOCIAL_STYLES  # noqa: E402
from dancecore.data.synth.styles import STYLES  # noqa: E402

SR = 22050
DURATION = 12.0
FONTS = available_soundfonts()
FONT = "TimGM6mb" if "TimGM6mb" in FONTS else next(iter(FONTS), None)
needs_font = pytest.mark.skipif(FONT is None, reason="no GM SoundFont installed")


@pytest.fixture(scope="module")
def clips() -> dict[str, tuple[np.ndarray, dict]]:
    """One clean and one mixed clip per dance (fixed seeds), rendered once for the module."""
    return {d: render_clip(d, 100 + i, DURATION, SR, soundfont=FONT) for i, d in enumerate(DANCE_IDS)}


def test_styles_and_patterns_are_consistent():
    for style in STYLES + SOCIAL_STYLES:
        bpb = dance_spec(style.dance).beats_per_bar
        for name, _ in style.grooves:
            for lay in P.GROOVES[name]:
                for key, grid in lay.lanes:
                    _, length = parse_grid(grid, lay.steps_per_beat)
                    assert length % bpb == 0, (style.dance, name, key)
        assert any(abs(sum(abs(d) for d in c) - bpb) < 1e-6 for c in style.melody.cells), style.variant
        for riff in style.bass.riffs:
            assert all(0 <= pos < bpb for pos, _, _ in riff), (style.dance, riff)


@needs_font
def test_same_seed_same_samples():
    a, meta_a = render_clip("samba", 7, 5.0, SR, soundfont=FONT)
    render_clip("tango", 8, 5.0, SR, soundfont=FONT)
    b, meta_b = render_clip("samba", 7, 5.0, SR, soundfont=FONT)
    assert np.array_equal(a, b) and meta_a == meta_b
    c, _ = render_clip("samba", 9, 5.0, SR, soundfont=FONT)
    assert not np.array_equal(a, c)


@needs_font
def test_every_dance_renders_audio(clips):
    for d, (audio, meta) in clips.items():
        assert audio.dtype == np.float32 and audio.shape == (int(DURATION * SR),), d
        assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0, d
        assert np.sqrt(np.mean(audio ** 2)) > 1e-3, d
        lo, hi = dance(d).bpm
        assert 0.9 * lo <= meta["bpm"] <= 1.1 * hi, d
        assert meta["dance"] == d and meta["soundfont"] == FONT


@needs_font
def test_rendered_tempo_matches_dance(clips):
    import librosa

    for d, (audio, meta) in clips.items():
        tempo, _ = librosa.beat.beat_track(y=audio, sr=SR)
        ratio = float(np.atleast_1d(tempo)[0]) / meta["bpm"]
        factors = (0.5, 1.0, 2.0) + ((1 / 3,) if dance(d).beats_per_bar == 3 else ())
        assert min(abs(ratio / f - 1) for f in factors) < 0.08, (d, ratio)


def _low_band_periodicity(audio: np.ndarray, bpm: float) -> int:
    """Which lag (2, 3 or 4 beats) has the strongest autocorrelation of low-band onsets."""
    import librosa
    from scipy import signal

    low = signal.sosfilt(signal.butter(4, 200, "lowpass", fs=SR, output="sos"), audio)
    env = librosa.onset.onset_strength(y=low, sr=SR, hop_length=256)
    env = env - env.mean()
    ac = np.correlate(env, env, "full")[len(env) - 1:]
    frames_per_beat = 60.0 / bpm * SR / 256
    score = {k: ac[int(round(k * frames_per_beat)) - 1:int(round(k * frames_per_beat)) + 2].max() for k in (2, 3, 4)}
    return max(score, key=score.get)


@needs_font
def test_waltzes_are_in_three(clips):
    for d, (audio, meta) in clips.items():
        period = _low_band_periodicity(audio, meta["bpm"])
        assert (period == 3) == (dance(d).beats_per_bar == 3), (d, period)


def _onsets_in_beats(dance_id: str, variant: str, seed: int, keys: set[int] | None = None):
    """(position in beats, pitch, velocity) of the drum notes (or of all non-drum notes if keys is None)."""
    pm, meta = arrange(dance_id, np.random.default_rng(seed), 30.0, variant)
    spb = 60.0 / meta["bpm"]
    return [(n.start / spb, n.pitch, n.velocity) for inst in pm.instruments if inst.is_drum == (keys is not None)
            for n in inst.notes if keys is None or n.pitch in keys]


def test_samba_surdo_is_heavy_on_two():
    heavy, light = {P.OSURDO, P.LFTOM}, {P.MSURDO, P.HFTOM}
    for seed in range(4):
        hits = _onsets_in_beats("samba", "batucada", seed, heavy | light)
        sixteenths = np.bincount([int(round(pos * 4)) % 8 for pos, key, _ in hits if key in heavy], minlength=8)
        assert np.argmax(sixteenths) == 4, sixteenths  # the heavy surdo's favourite spot is beat 2
        on_two = [v for pos, key, v in hits if key in heavy and abs(pos % 2 - 1.0) < 0.1]
        on_one = [v for pos, key, v in hits if key in light and min(pos % 2, 2 - pos % 2) < 0.1]
        assert np.mean(on_two) > np.mean(on_one)


def test_cha_cha_has_four_and_one():
    for seed in range(4):
        onsets = _onsets_in_beats("cha_cha_cha", "ballroom", seed, {P.SGUIRO, P.OCONGA, P.SNARE, P.HTIMB, P.LCONGA})
        onsets += _onsets_in_beats("cha_cha_cha", "ballroom", seed)
        bars = {int(pos // 4) for pos, _, _ in onsets}
        and_of_four = {int(pos // 4) for pos, _, _ in onsets if abs(pos % 4 - 3.5) < 0.08}
        assert len(and_of_four) >= 0.7 * len(bars), seed


def test_pop_band_cha_cha_has_guitars_horns_and_the_four_and_one():
    """The pop-band cha cha (funk, disco, country pop) keeps the cha-cha-cha on the and of four in its
    back beat while guitars, and in choruses often a horn section, play; the paso doble is no longer
    the only dance with brass."""
    with_brass = 0
    for seed in range(6):
        pm, _ = arrange("cha_cha_cha", np.random.default_rng(seed), 30.0, "band")
        programs = {inst.program for inst in pm.instruments if not inst.is_drum}
        assert programs & set(range(24, 32)), programs          # a guitar
        with_brass += bool(programs & set(range(56, 68)))       # brass or saxophones
        onsets = _onsets_in_beats("cha_cha_cha", "band", seed, {P.CLAP, P.SNARE, P.SNARE2, P.SIDE})
        bars = {int(pos // 4) for pos, _, _ in onsets}
        and_of_four = {int(pos // 4) for pos, _, _ in onsets if abs(pos % 4 - 3.5) < 0.08}
        assert len(and_of_four) >= 0.7 * len(bars), seed
    assert with_brass >= 2


def test_tango_marcato_is_staccato():
    pm, meta = arrange("tango", np.random.default_rng(3), 30.0, "orquesta")
    spb = 60.0 / meta["bpm"]
    marcato = next(i for i in pm.instruments if i.name == "marcato")
    pos = np.array([n.start / spb for n in marcato.notes])
    dur = np.array([(n.end - n.start) / spb for n in marcato.notes])
    assert np.mean(np.abs(pos * 4 - np.round(pos * 4)) < 0.15) > 0.9  # on the 16th-note grid
    assert np.mean(np.abs(pos - np.round(pos)) < 0.05) > 0.3  # many on the beat
    assert np.median(dur) < 0.3  # short chords


@needs_font
def test_dataset_writer(tmp_path, monkeypatch):
    monkeypatch.setenv("DANCECORE_SOUNDFONTS", FONTS[FONT])
    manifest = render_dataset(tmp_path, per_dance=1, seed=0, duration_s=2.0, workers=1)
    rows = list(csv.DictReader(manifest.open()))
    assert sorted(r["dance"] for r in rows) == sorted(DANCE_IDS)
    for r in rows:
        assert (tmp_path / r["path"]).is_file() and r["group"].startswith("synth-")
    assert render_dataset(tmp_path, per_dance=1, seed=0, duration_s=2.0, workers=1) == manifest  # resume: no-op
    assert len(list(csv.DictReader(manifest.open()))) == len(DANCE_IDS)


@needs_font
def test_other_social_dances_render_at_their_tempo(tmp_path, monkeypatch):
    """The other social dances (bachata, merengue, ...) render through the same writer, at a tempo of their own
    range."""
    monkeypatch.setenv("DANCECORE_SOUNDFONTS", FONTS[FONT])
    manifest = render_dataset(tmp_path, per_dance=1, seed=3, duration_s=8.0, workers=1, dances=SOCIAL_IDS)
    rows = list(csv.DictReader(manifest.open()))
    assert sorted(r["dance"] for r in rows) == sorted(SOCIAL_IDS)
    for r in rows:
        lo, hi = dance_spec(r["dance"]).bpm
        assert 0.9 * lo <= float(r["bpm"]) <= 1.1 * hi, r


def test_training_manifest_swaps_in_a_rerendered_dance(tmp_path):
    """The build's training manifest keeps the other dances' first clips and takes the re-rendered dance's rows,
    with paths relative to the manifest (the shipped recipe's cha cha swap)."""
    from dancecore.build.recipe import TrainingManifest
    from dancecore.build.render import write_manifest

    (tmp_path / "synth").mkdir()
    (tmp_path / "synth_cha").mkdir()
    (tmp_path / "synth" / "manifest.csv").write_text(
        "path,dance,group\na.flac,cha_cha_cha,g1\nb.flac,jive,g2\nc.flac,jive,g3\n")
    (tmp_path / "synth_cha" / "manifest.csv").write_text("path,dance,group,bpm\nd.flac,cha_cha_cha,g4,124\n")
    out = tmp_path / "runs" / "v2.csv"
    spec = TrainingManifest(file="v2.csv", set="synth", per_dance=1, swap_in=["synth_cha"])
    counts = write_manifest(spec, {"synth": tmp_path / "synth", "synth_cha": tmp_path / "synth_cha"}, out)
    rows = list(csv.DictReader(out.open()))
    assert [(r["path"], r["dance"]) for r in rows] == [("../synth/b.flac", "jive"),
                                                       ("../synth_cha/d.flac", "cha_cha_cha")]
    assert counts == {"jive": 1, "cha_cha_cha": 1}


def test_sung_note_is_at_the_note_pitch_with_vibrato():
    """A 2 s sung A (MIDI 57) comes out on an A in the voice's register (octave chosen for the register), with a
    vibrato of tens of cents around it once the note has settled."""
    import librosa
    import pretty_midi

    from dancecore.data.synth.voice import REGISTERS, sing

    lead = pretty_midi.Instrument(0, name="melody")
    lead.notes = [pretty_midi.Note(100, 57, 0.5, 2.5)]
    for seed in range(3):
        voice, meta = sing(lead, 3 * SR, SR, np.random.default_rng(seed))
        f0 = librosa.yin(voice[int(1.2 * SR):int(2.4 * SR)], fmin=80, fmax=1000, sr=SR, frame_length=2048)
        cents = 1200 * np.log2(f0 / 220.0)
        octave = np.round(np.median(cents) / 1200)
        assert abs(np.median(cents) - 1200 * octave) < 25
        low, high = REGISTERS[meta["register"]]
        assert low <= 220.0 * 2 ** octave <= high
        assert 10 < np.percentile(cents, 95) - np.percentile(cents, 5) < 4 * meta["vibrato_cents"] + 30


@needs_font
def test_vocals_replace_the_lead_and_leave_the_rest_of_the_clip_alone():
    """vocals=0 renders exactly what render_clip always rendered; vocals=1 sings the lead instead of playing it,
    from its own random stream (same tempo, style and SoundFont)."""
    plain, meta = render_clip("slow_waltz", 12, 6.0, SR, soundfont=FONT)
    again, meta0 = render_clip("slow_waltz", 12, 6.0, SR, soundfont=FONT, vocals=0.0)
    sung, meta1 = render_clip("slow_waltz", 12, 6.0, SR, soundfont=FONT, vocals=1.0)
    assert np.array_equal(plain, again) and "vocals" not in meta0
    assert meta["melody"] and meta1["vocals"]["register"] in ("low", "high")
    assert not np.array_equal(plain, sung)
    assert {k: meta1[k] for k in ("bpm", "variant", "soundfont", "key")} == {k: meta[k] for k in ("bpm", "variant", "soundfont", "key")}
