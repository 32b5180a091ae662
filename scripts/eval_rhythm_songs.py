"""Evaluate the trained rhythm branch on the real songs in <data>/songs (development split).

Decodes each song with soundfile to mono, resamples to 22050 Hz with soxr HQ (as dancecore.audio
does), predicts per-excerpt probabilities and combines them per song. Reports top-1/top-2 on the
in-set songs, their confusions, and the AUROC of rejecting the out-of-set (not_ballroom) excerpts.
Usage: python scripts/eval_rhythm_songs.py [--model PATH] [--out docs/rhythm_songs.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from dancecore.dances import DANCE_IDS
from dancecore.rhythm.classifier import RhythmBranch, combine
from dancecore.rhythm.data import data_root

REPO = Path(__file__).resolve().parents[1]
SR = 22050
N_DANCES = len(DANCE_IDS)


def mean_logprob(probs: np.ndarray) -> np.ndarray:
    """Normalised geometric mean over excerpts of (n_excerpts, n_classes) probabilities."""
    log = np.log(np.clip(probs, 1e-6, 1.0)).mean(0)
    e = np.exp(log - log.max())
    return e / e.sum()


COMBINERS = {"mean_prob": lambda p: p.mean(0), "mean_logprob": mean_logprob}


def load_mono_22k(path: Path) -> np.ndarray:
    """Decode to mono float32 at 22050 Hz."""
    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    return soxr.resample(audio.mean(axis=1), sr, SR, quality="HQ").astype(np.float32)


def song_metrics(song_probs: list[np.ndarray], dances: list[str]) -> dict:
    """Top-1/top-2 (argmax over the ten dances) and confusions on in-set songs; reject AUROCs on all."""
    probs = np.stack(song_probs)
    in_set = np.array([d in DANCE_IDS for d in dances])
    truth = np.array([DANCE_IDS.index(d) for d in np.array(dances)[in_set]])
    order = np.argsort(-probs[in_set, :N_DANCES], axis=1)
    out_set = (~in_set).astype(int)
    return {
        "n_in_set": int(in_set.sum()), "n_out_of_set": int(out_set.sum()),
        "top1": float(np.mean(order[:, 0] == truth)),
        "top2": float(np.mean((order[:, :2] == truth[:, None]).any(1))),
        "errors": sorted(f"{DANCE_IDS[t]} -> {DANCE_IDS[p]}" for t, p in zip(truth, order[:, 0]) if t != p),
        "reject_auroc_p_other": float(roc_auc_score(out_set, probs[:, N_DANCES])),
        "reject_auroc_one_minus_max_dance_prob": float(roc_auc_score(out_set, 1 - probs[:, :N_DANCES].max(1))),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=REPO / "dancecore" / "models" / "rhythm_branch.pt")
    p.add_argument("--out", type=Path, default=REPO / "docs" / "rhythm_songs.json")
    p.add_argument("--max-excerpts", type=int, default=16)
    args = p.parse_args()
    torch.set_num_threads(1)
    branch = RhythmBranch.from_state(torch.load(args.model, map_location="cpu"))
    songs_dir = data_root() / "songs"
    with open(songs_dir / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    per_song, excerpt_probs, seconds = [], [], []
    for row in tqdm(rows, desc="songs"):
        audio = load_mono_22k(songs_dir / row["path"])
        t0 = time.time()
        probs = branch.predict(audio, SR, max_excerpts=args.max_excerpts)
        seconds.append(time.time() - t0)
        excerpt_probs.append(probs)
        song = combine(probs)
        per_song.append({"path": row["path"], "dance": row["dance"], "n_excerpts": len(probs),
                         "predicted": branch.classes[int(song.argmax())],
                         "top_dance": DANCE_IDS[int(song[:N_DANCES].argmax())],
                         "p_other": round(float(song[N_DANCES]), 3)})
    dances = [r["dance"] for r in rows]
    report = {name: song_metrics([fn(pr) for pr in excerpt_probs], dances) for name, fn in COMBINERS.items()}
    in_rows = [i for i, d in enumerate(dances) if d in DANCE_IDS]
    ex_truth = np.concatenate([[DANCE_IDS.index(dances[i])] * len(excerpt_probs[i]) for i in in_rows])
    ex_pred = np.concatenate([excerpt_probs[i][:, :N_DANCES].argmax(1) for i in in_rows])
    report["excerpt_top1_in_set"] = float(np.mean(ex_truth == ex_pred))
    report["predict_seconds_per_song_mean"] = float(np.mean(seconds))
    report["songs"] = per_song
    for name in COMBINERS:
        m = report[name]
        print(f"{name}: top1 {m['top1']:.3f} top2 {m['top2']:.3f} reject AUROC p_other "
              f"{m['reject_auroc_p_other']:.3f} / 1-max {m['reject_auroc_one_minus_max_dance_prob']:.3f}")
        print("  errors:", "; ".join(m["errors"]))
    print(f"excerpt top1 (in set) {report['excerpt_top1_in_set']:.3f}; predict {np.mean(seconds):.2f} s/song")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
