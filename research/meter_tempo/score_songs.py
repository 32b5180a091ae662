"""Per-song inputs of the pre-registered decision (preregistration.md): the shipped window evidence, the rhythm
branch's 'other' probability, the beat clarity and the beat network's facts, for every song of labels.csv.

Usage: python research/meter_tempo/score_songs.py MODEL.dcmodel LABELS.csv OUT.json
MODEL must carry the beat network; its own song rule is not used (the evidence is taken before any decision).
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dancecore.audio import load_audio
from dancecore.features import log_mel
from dancecore.model import load_model
from dancecore.segments import DEFAULT_STRIDE_FRAMES


def main() -> None:
    model_path, labels, out = sys.argv[1:4]
    model = load_model(model_path, threads=1)
    if model.beat is None:
        sys.exit(f"{model_path}: no beat network in this model file")
    with open(labels, newline="") as f:
        songs = list(csv.DictReader(f))
    rows = []
    for song in tqdm(songs, desc="songs", unit="song"):
        audio = load_audio(Path(labels).parent / song["path"], sr=model.features.sr)
        analysis = model.analyse(log_mel(audio.samples, model.features), audio.samples, DEFAULT_STRIDE_FRAMES)
        facts = model.rhythm_facts(audio.samples)
        rows.append({"path": song["path"], "dance": song["dance"], "kind": song["kind"],
                     "evidence": np.round(analysis.scores.probs.mean(axis=0), 8).tolist(),
                     "other": round(float(analysis.scores.other.mean()), 6),
                     "clarity": round(float(analysis.decision.tempo_clarity), 6),
                     "beat_bpm": round(facts.bpm, 3), "p_three": round(facts.p_three, 6),
                     "beats_per_bar": facts.beats_per_bar, "tempo_confidence": round(facts.tempo_confidence, 4)})
    Path(out).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
