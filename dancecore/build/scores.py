"""The validation songs through the model unit: per song, the CNN's and the rhythm branch's window
probabilities, the beat clarity and tempo, saved so that fusion and thresholds can be chosen without
running the networks again.

Resumable: each song's scores are kept in PARTS/<n>.npz as soon as they are made (n: the song's row in
labels.csv); an interrupted run scores only the songs still missing. scores.npz holds them all.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dancecore.audio import DEFAULT_MAX_DURATION_S, load_audio
from dancecore.features import log_mel
from dancecore.model import DanceModel
from dancecore.tempo import estimate_tempo


@dataclass(frozen=True)
class SongScores:
    """One song: path (as in labels.csv), dance (a dance id or not_ballroom), cnn (n_windows, 10) over
    DANCE_IDS, rhythm (n_windows, 11) over the rhythm classes, beat clarity (0..1) and tempo (BPM, unfolded)."""

    path: str
    dance: str
    cnn: np.ndarray
    rhythm: np.ndarray
    clarity: float
    bpm: float

    def arrays(self) -> dict[str, np.ndarray]:
        return {"path": np.str_(self.path), "dance": np.str_(self.dance), "cnn": self.cnn, "rhythm": self.rhythm,
                "clarity": np.float64(self.clarity), "bpm": np.float64(self.bpm)}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> SongScores:
        return cls(str(a["path"]), str(a["dance"]), np.asarray(a["cnn"]), np.asarray(a["rhythm"]),
                   float(a["clarity"]), float(a["bpm"]))


def read_labels(labels: Path) -> list[dict[str, str]]:
    """Rows of a labels.csv (path relative to its folder, dance)."""
    with labels.open(newline="") as f:
        return list(csv.DictReader(f))


def score_song(model: DanceModel, path: Path, stride_frames: int, max_duration_s: float | None) -> dict:
    """CNN and rhythm window probabilities, beat clarity and tempo of one recording."""
    audio = load_audio(path, sr=model.features.sr, max_duration_s=max_duration_s or DEFAULT_MAX_DURATION_S)
    spectrogram = log_mel(audio.samples, model.features)
    analysis = model.analyse(spectrogram, audio.samples, stride_frames)
    tempo = estimate_tempo(spectrogram, model.features)
    return {"cnn": analysis.scores.cnn, "rhythm": analysis.scores.rhythm, "clarity": tempo.clarity, "bpm": tempo.bpm}


def score_songs(model: DanceModel, labels: Path, parts: Path, stride_frames: int,
                max_duration_s: float | None) -> list[SongScores]:
    """Every song of `labels` scored (or read back from `parts`)."""
    parts.mkdir(parents=True, exist_ok=True)
    songs = []
    for n, row in enumerate(tqdm(read_labels(labels), desc="scoring validation songs", unit="song")):
        part = parts / f"{n}.npz"
        if part.is_file():
            with np.load(part) as saved:
                song = SongScores.from_arrays(dict(saved))
            if song.path == row["path"]:
                songs.append(song)
                continue
        song = SongScores(row["path"], row["dance"], **score_song(model, labels.parent / row["path"], stride_frames,
                                                                    max_duration_s))
        np.savez(part, **song.arrays())
        songs.append(song)
    return songs


def save_scores(songs: list[SongScores], path: Path) -> None:
    """All songs in one npz: KEY_n for each SongScores field."""
    np.savez(path, **{f"{k}_{n}": v for n, song in enumerate(songs) for k, v in song.arrays().items()})


def load_scores(path: Path) -> list[SongScores]:
    """The songs `save_scores` wrote."""
    with np.load(path) as saved:
        n = sum(1 for k in saved.files if k.startswith("cnn_"))
        keys = ("path", "dance", "cnn", "rhythm", "clarity", "bpm")
        return [SongScores.from_arrays({k: saved[f"{k}_{i}"] for k in keys}) for i in range(n)]
