"""Fine-tune the rendered-audio CNN on real songs, measured by artist-grouped cross-validation.

The in-set songs of <data>/songs are split into 5 folds (StratifiedGroupKFold, shuffled, seed 0;
groups = artist, read as the first two words of the file name, so one artist's songs stay in one
fold). For each fold the CNN in --init is fine-tuned (`dancecore train --init`) on the other folds'
songs plus --synth-per-dance rendered clips per dance, for a fixed number of epochs (no early
stopping: nothing is chosen on the held-out fold), and the held-out songs are scored; their
out-of-fold window probabilities go to <out>/oof.npz, the song top-1/top-2 against --init's to --report.
Finally the same fine-tuning runs on all in-set songs (<out>/all/best.pt), the model one would ship if
the cross-validation showed a gain (docs/MODEL.md gives the result). not_ballroom excerpts are never used.
Usage: python scripts/finetune_songs_cv.py --init runs/cnn1/best.pt --synth runs/synth_train.csv
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from tqdm import tqdm

from dancecore.audio import load_audio
from dancecore.classify import Classifier
from dancecore.dances import DANCE_IDS
from dancecore.features import log_mel
from dancecore.model import load_model
from dancecore.segments import cut_windows
from dancecore.training.config import TrainConfig, load_config
from dancecore.training.loop import prepare, train

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))


def artist(path: str) -> str:
    """Artist key of a song file: the first two words of its name (lower case)."""
    words = re.split(r"[_\s]+", Path(path).stem.lower())
    return "_".join(words[:2])


def read_songs(labels: Path) -> list[dict[str, str]]:
    """In-set rows of the songs' labels.csv, with absolute paths."""
    with open(labels, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["dance"] in DANCE_IDS]
    return [{**r, "path": str((labels.parent / r["path"]).resolve())} for r in rows]


def synth_subset(manifest: Path, per_dance: int, seed: int) -> list[dict[str, str]]:
    """`per_dance` rendered clips of every dance, drawn at random from a synth manifest."""
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    rng = np.random.default_rng(seed)
    out = []
    for dance in DANCE_IDS:
        mine = [r for r in rows if r["dance"] == dance]
        for i in rng.choice(len(mine), size=min(per_dance, len(mine)), replace=False):
            out.append({"path": str((manifest.parent / mine[i]["path"]).resolve()), "dance": dance,
                        "group": mine[i].get("group") or mine[i]["path"]})
    return out


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    """A path,dance,group CSV for `dancecore train`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "dance", "group"])
        w.writeheader()
        w.writerows({k: r[k] for k in ("path", "dance", "group")} for r in rows)
    return path


def window_probabilities(model_path: Path, songs: list[dict[str, str]]) -> dict[str, np.ndarray]:
    """CNN (n_windows, 10) probabilities of each song (offline windows, default stride)."""
    clf = Classifier(load_model(model_path))
    out = {}
    for song in tqdm(songs, desc=f"scoring with {model_path.parent.name}", unit="song", leave=False):
        audio = load_audio(song["path"], max_duration_s=clf.max_duration_s)
        cut = cut_windows(log_mel(audio.samples, clf.model.features))
        out[song["path"]] = clf.model.predict_windows(cut.windows)
    return out


def song_accuracy(scores: dict[str, np.ndarray], truth: dict[str, str]) -> dict[str, float]:
    """Song-level top-1 and top-2 (mean of window probabilities) over the scored songs."""
    ranks = [list(np.argsort(-v.mean(0))).index(DANCE_IDS.index(truth[k])) for k, v in scores.items()]
    return {"top1": float(np.mean([r == 0 for r in ranks])), "top2": float(np.mean([r < 2 for r in ranks]))}


def fine_tune(run: Path, rows: list[dict[str, str]], config: TrainConfig) -> Path:
    """Fine-tune on `rows` into the folder `run` (kept when it already holds a finished run); its best.pt."""
    if not (run / "best.pt").exists():
        dataset, config, _ = prepare(str(write_manifest(run / "manifest.csv", rows)), run, config, {}, False)
        train(dataset, config, run)
    return run / "best.pt"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--init", required=True, type=Path, help="CNN model file to start from")
    p.add_argument("--synth", required=True, type=Path, help="manifest of rendered clips (render_synth.py)")
    p.add_argument("--songs", type=Path, default=DATA / "songs" / "labels.csv")
    p.add_argument("--config", type=Path, default=REPO / "configs" / "finetune_songs.yaml")
    p.add_argument("--synth-per-dance", type=int, default=10)
    p.add_argument("--out", type=Path, default=REPO / "runs" / "finetune")
    p.add_argument("--report", type=Path, default=REPO / "docs" / "model" / "finetune_songs_cv.json")
    p.add_argument("--folds", default="0,1,2,3,4", help="folds to run ('' = only the final model)")
    args = p.parse_args()

    config = load_config(args.config).with_overrides({"init": str(args.init.resolve())})
    songs = read_songs(args.songs)
    synth = synth_subset(args.synth, args.synth_per_dance, config.seed)
    labels = [s["dance"] for s in songs]
    groups = [artist(s["path"]) for s in songs]
    folds = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(songs, labels, groups))
    oof: dict[str, np.ndarray] = {}
    report: dict = {"init": str(args.init), "config": str(args.config), "synth_per_dance": args.synth_per_dance,
                    "folds": []}
    for f in [int(x) for x in args.folds.split(",") if x]:
        train_idx, test_idx = folds[f]
        run = args.out / f"fold{f}"
        model = fine_tune(run, synth + [{**songs[i], "group": groups[i]} for i in train_idx], config)
        test = [songs[i] for i in test_idx]
        scores = window_probabilities(model, test)
        oof.update(scores)
        report["folds"].append({"fold": f, "test_songs": [Path(s["path"]).name for s in test],
                                **song_accuracy(scores, {s["path"]: s["dance"] for s in test})})
        print(f"fold {f}: {report['folds'][-1]}", flush=True)
    if oof:
        np.savez(args.out / "oof.npz", **{f"cnn_{i}": v for i, v in enumerate(oof.values())},
                 **{f"path_{i}": k for i, k in enumerate(oof)})
        truth = {s["path"]: s["dance"] for s in songs}
        start = window_probabilities(args.init, [s for s in songs if s["path"] in oof])
        for name, scores in (("fine_tuned_out_of_fold", oof), ("init", start)):
            report[name] = song_accuracy(scores, truth)
            print(f"{name} CNN on {len(scores)} songs: {report[name]}")
    final = fine_tune(args.out / "all", synth + [{**s, "group": g} for s, g in zip(songs, groups)], config)
    args.report.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {final} and {args.report}")


if __name__ == "__main__":
    main()
