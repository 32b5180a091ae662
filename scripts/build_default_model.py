"""Assemble the shipped default model: the CNN trained on rendered audio + the rhythm branch trained
on Extended Ballroom, with fusion weight and "not sure" thresholds chosen on the validation songs.

The validation songs (../shared/data/songs: in-set songs and not_ballroom excerpts) are used for this
model selection only, never for training. The choice is made on a small grid, by rules written here
(fusion weight: best song-level top-1, ties to the smaller weight; thresholds: most out-of-set
rejections with at most 10% of in-set songs rejected), and everything is recorded in the model file.
Usage: python scripts/build_default_model.py --cnn runs/cnn1/best.pt --rhythm runs/rhythm_branch.pt
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dancecore.audio import load_audio
from dancecore.classify import Classifier
from dancecore.dances import DANCE_IDS
from dancecore.features import log_mel
from dancecore.fusion import FusionSettings, RhythmScorer
from dancecore.model import DEFAULT_MODEL_PATH, RejectSettings, load_model
from dancecore.segments import cut_windows
from dancecore.tempo import estimate_tempo

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))
RHYTHM_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0)
MAX_FALSE_REJECTION = 0.10


def window_scores(cnn: Classifier, scorer: RhythmScorer, path: str) -> dict[str, np.ndarray | float]:
    """CNN (n, 10) and rhythm (n, 11) window probabilities and beat clarity of one recording."""
    audio = load_audio(path, max_duration_s=cnn.max_duration_s)
    spectrogram = log_mel(audio.samples, cnn.model.features)
    cut = cut_windows(spectrogram)
    ends = (cut.start_frames + cut.windows.shape[1]) * cnn.model.features.hop_length
    excerpts = [RhythmScorer.excerpt(audio.samples, int(e), audio.sr) for e in ends]
    return {"cnn": cnn.window_probabilities(cut.windows), "rhythm": scorer.probabilities(excerpts, audio.sr),
            "clarity": estimate_tempo(spectrogram).clarity}


def song_level(scores: dict, scorer: RhythmScorer) -> tuple[np.ndarray, float]:
    fused, other = scorer.fuse(scores["cnn"], scores["rhythm"])
    return fused.mean(axis=0), float(other.mean())


def choose_weight(rows: list[dict], scorer_for) -> tuple[float, dict[float, float]]:
    """Rhythm weight with the best in-set song top-1 (ties: smaller weight)."""
    accuracy = {}
    for w in RHYTHM_WEIGHTS:
        scorer = scorer_for(w)
        hits = [np.argmax(song_level(r, scorer)[0]) == DANCE_IDS.index(r["dance"]) for r in rows if r["dance"] in DANCE_IDS]
        accuracy[w] = float(np.mean(hits))
    best = max(RHYTHM_WEIGHTS, key=lambda w: (accuracy[w], -w))
    return best, accuracy


def choose_thresholds(rows: list[dict], scorer: RhythmScorer) -> tuple[RejectSettings, dict]:
    """(min top probability, max other probability) rejecting the most not_ballroom excerpts while
    rejecting at most 10% of in-set songs."""
    stats = [(song_level(r, scorer), r["dance"] in DANCE_IDS) for r in rows]
    best, best_key = RejectSettings(min_top_probability=0.0, max_other_probability=1.0), (-1.0, 0.0)
    for top in np.arange(0.0, 0.96, 0.05):
        for other in np.arange(0.05, 1.01, 0.05):
            rejected = np.array([p.max() < top or o > other for (p, o), _ in stats])
            in_set = np.array([s for _, s in stats])
            false_rej = rejected[in_set].mean()
            true_rej = rejected[~in_set].mean()
            if false_rej <= MAX_FALSE_REJECTION and (true_rej, -false_rej) > best_key:
                best_key = (true_rej, -false_rej)
                best = RejectSettings(min_top_probability=round(float(top), 2), min_beat_clarity=0.05,
                                      max_other_probability=round(float(other), 2))
    return best, {"out_of_set_rejected": best_key[0], "in_set_rejected": -best_key[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cnn", required=True, help="CNN model file from `dancecore train`")
    parser.add_argument("--rhythm", required=True, help="rhythm branch state (scripts/train_rhythm.py)")
    parser.add_argument("--out", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--songs", default=str(DATA / "songs" / "labels.csv"))
    args = parser.parse_args()

    model = load_model(args.cnn)
    rhythm_state = torch.load(args.rhythm, map_location="cpu", weights_only=True)
    cnn = Classifier(model)

    def scorer_for(weight: float) -> RhythmScorer:
        return RhythmScorer({"branch": rhythm_state, "fusion": FusionSettings(1.0, weight).to_dict()})

    with open(args.songs, newline="") as f:
        songs = list(csv.DictReader(f))
    root = Path(args.songs).parent
    rows = []
    for song in tqdm(songs, desc="scoring validation songs", unit="song"):
        scores = window_scores(cnn, scorer_for(1.0), str(root / song["path"]))
        rows.append({**scores, "dance": song["dance"], "path": song["path"]})

    weight, accuracy_by_weight = choose_weight(rows, scorer_for)
    reject, rates = choose_thresholds(rows, scorer_for(weight))
    print(f"validation song top-1 by rhythm weight: {accuracy_by_weight}; chosen {weight}")
    print(f"reject thresholds {reject.to_dict()}: {rates}")

    model.rhythm = {"branch": rhythm_state, "fusion": FusionSettings(1.0, weight).to_dict()}
    model.reject = reject
    model.name = "dancecore-default"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    model.provenance = {
        **model.provenance,
        "assembled": {"date": datetime.date.today().isoformat(), "git_commit": commit,
                      "command": "python scripts/build_default_model.py " + " ".join(f"--{k} {v}" for k, v in vars(args).items()),
                      "cnn": args.cnn, "rhythm": args.rhythm,
                      "selection": "fusion weight and reject thresholds chosen on the validation songs "
                                   "(../shared/data/songs, never trained on)",
                      "validation_top1_by_rhythm_weight": accuracy_by_weight, "rejection_on_validation": rates},
    }
    model.save(args.out)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.1f} MB)")
    print(json.dumps({"weight": weight, "reject": reject.to_dict(), **rates}))


if __name__ == "__main__":
    main()
