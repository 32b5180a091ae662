"""Datasets (folders, manifests, regex rules, group splits) and the feature cache, on real and tiny audio."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dancecore.audio import load_audio
from dancecore.cache import FeatureCache, content_key
from dancecore.datasets import Item, group_kfold, group_split, load_dataset
from dancecore.errors import ConfigError
from dancecore.features import FeatureSettings, log_mel

README_COUNTS = {"cha_cha_cha": 5, "jive": 3, "paso_doble": 2, "quickstep": 2, "rumba": 2, "samba": 3,
                 "slow_foxtrot": 2, "slow_waltz": 5, "tango": 2, "viennese_waltz": 3}


def tone(path: Path, seconds: float = 1.0, freq: float = 440.0, sr: int = 22050, **tags: str) -> Path:
    """Write a short sine (FLAC when tags are given, else WAV) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sr)) / sr
    with sf.SoundFile(path, "w", sr, 1) as f:
        for key, value in tags.items():
            setattr(f, key, value)
        f.write((0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32))
    return path


def test_manifest_of_real_songs(data_dir: Path) -> None:
    dataset = load_dataset(data_dir / "songs" / "labels.csv")
    assert dataset.counts() == README_COUNTS
    assert len(dataset.skipped) == 24 and {r for _, r in dataset.skipped} == {"unknown dance not_ballroom"}
    assert all(i.path.is_absolute() and i.path.exists() for i in dataset.items)
    assert all(i.group == str(i.path) for i in dataset.items)  # no group column: each file its own group
    assert dataset.summary()["recordings"] == 29


def test_folder_of_real_songs_matches_manifest(data_dir: Path) -> None:
    folder = load_dataset(data_dir / "songs")
    manifest = load_dataset(data_dir / "songs" / "labels.csv")
    assert sorted((i.path, i.dance) for i in folder.items) == sorted((i.path, i.dance) for i in manifest.items)


def test_extended_ballroom_folder_names_map_to_the_ten_dances(tmp_path: Path) -> None:
    for name in ("Chacha", "Waltz", "Slowwaltz", "Foxtrot", "Pasodoble", "Viennesewaltz", "Salsa", "Wcswing"):
        tone(tmp_path / name / f"{name.lower()}_1.wav")
    tone(tmp_path / "Waltz" / "album" / "nested.wav")
    (tmp_path / "Waltz" / "cover.jpg").write_bytes(b"not audio")
    dataset = load_dataset(tmp_path)
    assert dataset.counts() == {"cha_cha_cha": 1, "paso_doble": 1, "slow_foxtrot": 1, "slow_waltz": 3,
                                "viennese_waltz": 1}
    assert sorted(r for _, r in dataset.skipped) == ["unknown dance Salsa", "unknown dance Wcswing"]


def test_manifest_groups_missing_files_and_aliases(tmp_path: Path) -> None:
    a, b = tone(tmp_path / "a.wav"), tone(tmp_path / "sub" / "b.wav")
    (tmp_path / "m.csv").write_text("path,dance,group\na.wav,VW,Artist X\nsub/b.wav,Cha-Cha,\n"
                                    "gone.wav,tango,Y\na.wav,jive,Z\nc.wav,polka,\n")
    dataset = load_dataset(tmp_path / "m.csv")
    assert [(i.path, i.dance, i.group) for i in dataset.items] == [
        (a.absolute(), "viennese_waltz", "Artist X"), (b.absolute(), "cha_cha_cha", str(b.absolute()))]
    reasons = dict((Path(p).name, r) for p, r in dataset.skipped)
    assert reasons == {"gone.wav": "file not found", "a.wav": "duplicate", "c.wav": "unknown dance polka"}


def test_bad_specs_are_one_line_config_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("file,label\nx.wav,tango\n")
    with pytest.raises(ConfigError, match="path,dance"):
        load_dataset(tmp_path / "bad.csv")
    with pytest.raises(ConfigError, match="no such file"):
        load_dataset(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no labelled recordings"):
        load_dataset(tmp_path / "empty")


RULES = r"""
sources:
  - folder: shop
    match: name
    group: folder
    dances:
      slow_waltz: ['(?<!viennese )waltz', 'english waltz']
      Viennese Waltz: 'viennese'
      tango: ['\btango\b']
  - folder: tagged
    match: tag:genre
    group: tag:artist
    dances:
      foxtrot: ['fox']
      quickstep: ['quick']
"""


def test_regex_rules_with_conflicts_and_no_match_listed(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    tone(shop / "Ann" / "Moon River (Slow Waltz).wav")
    tone(shop / "Ann" / "Blue Danube - Viennese Waltz.wav")
    tone(shop / "Bob" / "Tango Waltz medley.wav")          # two dances: conflict
    tone(shop / "Bob" / "Por una cabeza TANGO.wav")
    tone(shop / "Bob" / "Happy Birthday.wav")              # none
    tone(tmp_path / "tagged" / "x.flac", artist="Cleo", genre="Slow Foxtrot")
    tone(tmp_path / "tagged" / "y.flac", artist="Cleo", genre="Quickstep")
    tone(tmp_path / "tagged" / "z.flac", artist="Dan")     # no genre tag
    (tmp_path / "rules.yaml").write_text(RULES)
    dataset = load_dataset(tmp_path, rules=tmp_path / "rules.yaml")
    got = {i.path.name: (i.dance, i.group) for i in dataset.items}
    assert got == {"Moon River (Slow Waltz).wav": ("slow_waltz", "Ann"),
                   "Blue Danube - Viennese Waltz.wav": ("viennese_waltz", "Ann"),
                   "Por una cabeza TANGO.wav": ("tango", "Bob"),
                   "x.flac": ("slow_foxtrot", "Cleo"), "y.flac": ("quickstep", "Cleo")}
    skipped = {Path(p).name: r for p, r in dataset.skipped}
    assert skipped == {"Tango Waltz medley.wav": "conflict: slow_waltz, tango",
                       "Happy Birthday.wav": "no dance matched", "z.flac": "no dance matched"}
    assert dataset.summary()["skipped_reasons"] == {"conflict": 1, "no dance matched": 2}
    assert "conflict: slow_waltz, tango" in dataset.report()


@pytest.mark.parametrize("text, message", [
    ("dances: {polka: x}", "unknown dance 'polka'"),
    ("dances: {tango: '(unclosed'}", "bad regular expression"),
    ("dances: {tango: x}\nfolders: y", "unknown key"),
    ("sources: [{dances: {tango: x}, match: lyrics}]", "match: 'lyrics'"),
    ("sources: [{dances: {tango: x}, folder: nowhere}]", "not found"),
    ("[unclosed", "not valid YAML"),
])
def test_bad_rules_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    tone(tmp_path / "a tango.wav")
    (tmp_path / "rules.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_dataset(tmp_path, rules=tmp_path / "rules.yaml")


def synthetic_items(n_groups: int = 40, seed: int = 1) -> list[Item]:
    rng = np.random.default_rng(seed)
    dances = ["tango", "jive", "rumba"]
    return [Item(Path(f"/x/{g}_{k}.wav"), dances[(g + k) % 3], f"artist{g}")
            for g in range(n_groups) for k in range(int(rng.integers(1, 5)))]


def test_group_split_keeps_groups_whole_and_is_stratified() -> None:
    items = synthetic_items()
    train, val = group_split(items, (0.8, 0.2), seed=3)
    assert sorted(map(str, (i.path for i in train + val))) == sorted(str(i.path) for i in items)
    assert not {i.group for i in train} & {i.group for i in val}
    for dance, total in Counter(i.dance for i in items).items():
        share = sum(i.dance == dance for i in val) / total
        assert 0.1 <= share <= 0.3, (dance, share)
    assert group_split(items, (0.8, 0.2), seed=3) == [train, val]
    assert group_split(items, (0.8, 0.2), seed=4) != [train, val]


def test_group_kfold_tests_every_item_once() -> None:
    items = synthetic_items()
    folds = group_kfold(items, k=4, seed=0)
    tested = [i for _, test in folds for i in test]
    assert sorted(str(i.path) for i in tested) == sorted(str(i.path) for i in items)
    for train, test in folds:
        assert not {i.group for i in train} & {i.group for i in test}
        assert len(train) + len(test) == len(items)
    with pytest.raises(ConfigError):
        group_kfold(items, k=1)


def test_cache_is_keyed_by_content_and_settings(tmp_path: Path, data_dir: Path, song_labels: list[dict]) -> None:
    song = Path(song_labels[0]["path"])
    cache = FeatureCache(tmp_path / "cache", max_duration_s=12)
    spectrogram = cache.get(song)
    reference = log_mel(load_audio(song, max_duration_s=12).samples)
    assert spectrogram.dtype == np.float16 and spectrogram.shape == reference.shape
    assert np.abs(spectrogram.astype(np.float32) - reference).max() <= 0.05  # float16 storage
    entry = cache.entry(song, FeatureSettings())
    assert entry.exists() and entry.name.startswith(content_key(song))

    renamed = shutil.copy(song, tmp_path / "renamed.opus")
    assert cache.entry(renamed, FeatureSettings()) == entry       # same bytes, same entry
    np.testing.assert_array_equal(cache.get(renamed), spectrogram)
    assert cache.entry(song, FeatureSettings(n_mels=128)) != entry
    assert FeatureCache(tmp_path / "cache", max_duration_s=10).entry(song, FeatureSettings()) != entry

    wave = cache.waveform(song)
    assert wave.dtype == np.int16 and len(wave) == round(12 * 22050)


def test_fill_in_parallel_reports_bad_files(tmp_path: Path) -> None:
    files = [tone(tmp_path / f"t{k}.wav", seconds=2, freq=200 + 100 * k) for k in range(3)]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    cache = FeatureCache(tmp_path / "cache")
    failures = cache.fill([*files, broken], workers=2, kinds=("spectrogram", "waveform"))
    assert [f.path for f in failures] == [str(broken)] and "broken.wav" in failures[0].reason
    for f in files:
        assert cache.entry(f, FeatureSettings(), "spectrogram").exists()
        assert cache.entry(f, FeatureSettings(), "waveform").exists()
    assert cache.fill(files, workers=2, kinds=("spectrogram", "waveform")) == []  # nothing left to do
