"""Measure the shipped model for its card: evaluation, SVM baseline and tempo-only rule on the validation songs.

`dancecore evaluate` with the crowd-noise sweep (docs/model/eval/), the SVM baseline (docs/model/baseline/) and a
tempo-only rule, summed up in docs/model/summary.json.
docs/MODEL.md is written by hand from these reports until the card is generated from the model file's metadata.
One command: python scripts/model_card.py  (about 15-30 minutes on 2 CPU cores).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dancecore.audio import load_audio
from dancecore.dances import DANCE_IDS, nearest_by_tempo
from dancecore.features import log_mel
from dancecore.tempo import estimate_tempo

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "model"
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))


def run(*args: str) -> None:
    """Run a dancecore command, failing loudly."""
    print("+ dancecore", " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "dancecore", *args], check=True, cwd=REPO)


def tempo_rule(songs: list[dict[str, str]]) -> dict[str, float]:
    """Top-1 of 'nearest competition tempo' on the in-set songs, on the tracker's tempo."""
    hits = []
    for song in tqdm(songs, desc="tempo-only rule", unit="song"):
        audio = load_audio(DATA / "songs" / song["path"])
        hits.append(nearest_by_tempo(estimate_tempo(log_mel(audio.samples)).bpm) == song["dance"])
    return {"n": len(hits), "top1": float(np.mean(hits))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth", default=str(REPO / "runs" / "synth_train.csv"),
                        help="manifest of the rendered training set (the baseline trains on a subset)")
    parser.add_argument("--alphas", default="0,0.2,0.4,0.6,0.8", help="noise sweep mixing ratios")
    parser.add_argument("--skip-noise", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep existing evaluation and baseline reports")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    labels = DATA / "songs" / "labels.csv"
    with open(labels, newline="") as f:
        songs = list(csv.DictReader(f))
    in_set = [s for s in songs if s["dance"] in DANCE_IDS]

    noise = [] if args.skip_noise else ["--noise", "crowd", "--alphas", args.alphas]
    if not (args.reuse and (OUT / "eval" / "report.json").exists()):
        run("evaluate", "default", str(labels), "--out", str(OUT / "eval"), *noise)
    report = json.loads((OUT / "eval" / "report.json").read_text())

    subset = REPO / "runs" / "baseline_train.csv"
    with open(args.synth, newline="") as f:
        rows = list(csv.DictReader(f))
    base = Path(args.synth).parent
    picked = [r for d in DANCE_IDS for r in [r for r in rows if r["dance"] == d][:60]]
    with open(subset, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "dance", "group"])
        w.writerows([[str((base / r["path"]).resolve()), r["dance"], r["group"]] for r in picked])
    if not (args.reuse and (OUT / "baseline" / "report.json").exists()):
        run("baseline", str(subset), "--test", str(labels), "--out", str(OUT / "baseline"), "--workers", "2")
    baseline = json.loads((OUT / "baseline" / "report.json").read_text())

    tempo = tempo_rule(in_set)
    (OUT / "summary.json").write_text(json.dumps({"model": report["aggregated"], "window": report["window"],
                                                  "rejection": report["rejection"], "baseline": baseline["aggregated"],
                                                  "tempo_rule": tempo}, indent=1))
    print(f"wrote {OUT / 'summary.json'}")


if __name__ == "__main__":
    main()
