#!/usr/bin/env python
"""Rhythm-branch features of rendered clips, as extra training rows for the rhythm branch.

For every clip of a render manifest (scripts/render_synth.py), the features of its first and last
11.89 s excerpts (or of one of them, alternating, with --one-excerpt), prepared exactly as the classifier prepares a window's excerpt
(dancecore.fusion.excerpt_features). Writes an .npz with odf (n, 2, 298), pedf (n, 2, 149), class name,
tempo (BPM), group (the clip, so both excerpts of a clip stay together) and style variant.

    python scripts/synth_rhythm_features.py runs/synth/manifest.csv runs/synth_other/manifest.csv \\
        --out runs/synth_rhythm.npz
"""
from __future__ import annotations

import argparse
import csv
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from dancecore.fusion import EXCERPT_S, excerpt_features
from dancecore.rhythm.classifier import BANDS
from dancecore.rhythm.data import CLASSES, OTHER


def clip_features(path: str, which: str = "both") -> list[dict[str, np.ndarray]]:
    """Features of the first and/or the last EXCERPT_S seconds of one clip (`which`: both | first | last;
    a clip shorter than two excerpts gives its first only)."""
    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    length = int(round(EXCERPT_S * sr))
    first, last = mono[:length], mono[-length:]
    if len(mono) < 2 * length:
        return [excerpt_features(first, sr)]
    return [excerpt_features(x, sr) for x in {"both": (first, last), "first": (first,), "last": (last,)}[which]]


def class_name(dance: str) -> str:
    """Manifest dance -> rhythm-branch class (anything outside the ten dances is 'other')."""
    return dance if dance in CLASSES else OTHER


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifests", nargs="+", type=Path, help="manifest.csv files of rendered clips")
    ap.add_argument("--out", type=Path, required=True, help="output .npz")
    ap.add_argument("--workers", type=int, default=2, help="processes")
    ap.add_argument("--one-excerpt", action="store_true",
                    help="one excerpt per clip: the first for even-numbered clips, the last for odd ones")
    args = ap.parse_args()
    rows = []
    for manifest in args.manifests:
        with manifest.open(newline="") as f:
            rows += [{**r, "path": str(manifest.parent / r["path"])} for r in csv.DictReader(f)]
    odf, pedf, label, bpm, group, variant = [], [], [], [], [], []
    with ProcessPoolExecutor(args.workers) as pool:
        which = [("first", "last")[i % 2] if args.one_excerpt else "both" for i in range(len(rows))]
        results = pool.map(clip_features, [r["path"] for r in rows], which, chunksize=8)
        for row, feats in tqdm(zip(rows, results), total=len(rows), desc="rhythm features", unit="clip"):
            for x in feats:
                odf.append(np.stack([x[f"odf{b}"] for b in BANDS]))
                pedf.append(np.stack([x[f"pedf{b}"] for b in BANDS]))
                label.append(class_name(row["dance"]))
                bpm.append(float(row["bpm"]))
                group.append(row["group"])
                variant.append(f"{row['dance']}.{row['variant']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, odf=np.array(odf, np.float32), pedf=np.array(pedf, np.float32),
                        label=np.array(label), bpm=np.array(bpm, np.float32), group=np.array(group),
                        variant=np.array(variant))
    print(f"wrote {args.out}: {len(label)} excerpts of {len(rows)} clips")


if __name__ == "__main__":
    main()
