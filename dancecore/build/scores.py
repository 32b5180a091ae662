"""The validation songs through the model unit: per song, the CNN's and the rhythm branch's window
probabilities, the beat clarity and tempo, the beat network's tempo and meter, saved so that fusion, thresholds
and the song-level decision can be chosen without running the networks again.

Resumable: each song's scores are kept in PARTS/<n>.npz as soon as they are made (n: the song's row in
labels.csv); an interrupted run scores only the songs still missing. scores.npz holds them all.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dancecore.audio import DEFAULT_MAX_DURATION_S, load_audio
from dancecore.augment import NoiseBank, mix_noise
from dancecore.dances import DANCE_IDS
from dancecore.features import log_mel
from dancecore.model import DanceModel
from dancecore.segments import cut_windows
from dancecore.tempo import Tempo, estimate_tempo


@dataclass(frozen=True)
class SongScores:
    """One song: path (as in labels.csv), dance (a dance id or not_ballroom), cnn (n_windows, 10) over
    DANCE_IDS, rhythm (n_windows, 11) over the rhythm classes, beat clarity (0..1) and tempo (BPM, unfolded) of
    the spectrogram; noisy: noise share a -> (cnn, rhythm) of the song with noise mixed in (in-set songs, when
    swept); beat: the beat network's beat_bpm, p_three and tempo_confidence (dancecore.beat.decode.RhythmFacts;
    empty without a beat network)."""

    path: str
    dance: str
    cnn: np.ndarray
    rhythm: np.ndarray
    clarity: float
    bpm: float
    noisy: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    beat: dict[str, float] = field(default_factory=dict)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"path": np.str_(self.path), "dance": np.str_(self.dance), "cnn": self.cnn, "rhythm": self.rhythm,
               "clarity": np.float64(self.clarity), "bpm": np.float64(self.bpm)}
        for a, (cnn, rhythm) in self.noisy.items():
            out[f"cnn@{a:g}"], out[f"rhythm@{a:g}"] = cnn, rhythm
        out.update({f"beat.{k}": np.float64(v) for k, v in self.beat.items()})
        return out

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> SongScores:
        noisy = {float(k[4:]): (np.asarray(v), np.asarray(a[f"rhythm@{k[4:]}"])) for k, v in a.items()
                 if k.startswith("cnn@")}
        beat = {k[5:]: float(v) for k, v in a.items() if k.startswith("beat.")}
        return cls(str(a["path"]), str(a["dance"]), np.asarray(a["cnn"]), np.asarray(a["rhythm"]),
                   float(a["clarity"]), float(a["bpm"]), noisy, beat)


def read_labels(labels: Path) -> list[dict[str, str]]:
    """Rows of a labels.csv (path relative to its folder, dance)."""
    with labels.open(newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class NoiseMix:
    """The noise sweep: `noise` (mono int16 at the model's rate) mixed into each in-set song at every share in
    `alphas` by the thesis formula, one random stretch of it per song (generator seeded [seed, k] for the k-th
    in-set song), as `dancecore evaluate --noise` does."""

    noise: np.ndarray
    alphas: tuple[float, ...]
    seed: int = 0


def _scores(model: DanceModel, samples: np.ndarray, stride_frames: int) -> tuple[np.ndarray, np.ndarray, Tempo]:
    """CNN and rhythm window probabilities (the unit's windows and excerpts) and the spectrogram's tempo of mono
    samples at the model's rate."""
    spectrogram = log_mel(samples, model.features)
    cut = cut_windows(spectrogram, model.window_frames, stride_frames, model.features.amin_db)
    scores = model.score_windows(cut.windows, model.window_excerpts(samples, cut.start_frames))
    return scores.cnn, scores.rhythm, estimate_tempo(spectrogram, model.features)


def score_song(model: DanceModel, row: dict[str, str], path: Path, stride_frames: int, max_duration_s: float | None,
               mix: NoiseMix | None = None, k: int = 0) -> SongScores:
    """One recording scored (with the beat network's facts when the model has one), and scored again at every
    noise share of `mix` when it is an in-set song (the k-th of its list)."""
    audio = load_audio(path, sr=model.features.sr, max_duration_s=max_duration_s or DEFAULT_MAX_DURATION_S)
    cnn, rhythm, tempo = _scores(model, audio.samples, stride_frames)
    facts = model.rhythm_facts(audio.samples)
    beat = {} if facts is None else {"beat_bpm": facts.bpm, "p_three": facts.p_three,
                                     "tempo_confidence": facts.tempo_confidence}
    noisy = {}
    if mix is not None and row["dance"] in DANCE_IDS:
        stretch = NoiseBank([mix.noise]).segment(len(audio.samples), np.random.default_rng([mix.seed, k]))
        for a in mix.alphas:
            noisy[a] = _scores(model, mix_noise(audio.samples, stretch, a), stride_frames)[:2]
    return SongScores(row["path"], row["dance"], cnn, rhythm, tempo.clarity, tempo.bpm, noisy, beat)


def score_songs(model: DanceModel, labels: Path, parts: Path, stride_frames: int, max_duration_s: float | None,
                mix: NoiseMix | None = None) -> list[SongScores]:
    """Every song of `labels` scored (or read back from `parts`)."""
    parts.mkdir(parents=True, exist_ok=True)
    songs, in_set = [], 0
    for n, row in enumerate(tqdm(read_labels(labels), desc="scoring validation songs", unit="song")):
        part = parts / f"{n}.npz"
        song = None
        if part.is_file():
            with np.load(part) as saved:
                song = SongScores.from_arrays(dict(saved))
        if song is None or song.path != row["path"]:
            song = score_song(model, row, labels.parent / row["path"], stride_frames, max_duration_s, mix, in_set)
            np.savez(part, **song.arrays())
        in_set += row["dance"] in DANCE_IDS
        songs.append(song)
    return songs


def save_scores(songs: list[SongScores], path: Path) -> None:
    """All songs in one npz: KEY_n for each array of song n."""
    np.savez(path, **{f"{k}_{n}": v for n, song in enumerate(songs) for k, v in song.arrays().items()})


def load_scores(path: Path) -> list[SongScores]:
    """The songs `save_scores` wrote."""
    by_song: dict[int, dict[str, np.ndarray]] = {}
    with np.load(path) as saved:
        for name in saved.files:
            key, n = name.rsplit("_", 1)
            by_song.setdefault(int(n), {})[key] = saved[name]
    return [SongScores.from_arrays(by_song[n]) for n in sorted(by_song)]
