"""Training throughput in crops per second on this machine, measured in one run:

- the data pipeline alone (class-balanced crops from the cache: clean spectrogram crops, and
  augmented waveform crops with EQ + noise mixing + gain turned into log-mel per crop);
- whole training epochs (`dancecore.training.train`: data + forward + backward + Adam, batch 8) for
  dancenet and densenet161, and their ratio.

Usage: .venv/bin/python scripts/bench_train.py [--threads N] [--batches 20] [--songs-dir DIR]
Real songs from $DANCECORE_DATA/songs (first 30 s of 2 songs of each of 3 dances) are the data.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from dancecore.augment import AugmentSettings
from dancecore.cache import FeatureCache
from dancecore.datasets import load_dataset
from dancecore.features import FeatureSettings
from dancecore.training import TrainConfig, train
from dancecore.training.sampler import BalancedSampler, CropSource, EpochBatches

DANCES = ("slow_waltz", "cha_cha_cha", "viennese_waltz")


def data_rate(source: CropSource, labels: np.ndarray, batches: int) -> float:
    """Crops per second of building batches of 8 in this process."""
    sampler = BalancedSampler(labels, source.n_frames(), 8, seed=0)
    epoch = EpochBatches(source, sampler, 0, batches)
    epoch[0]  # open the memory maps, build filters
    start = time.perf_counter()
    for b in range(1, batches):
        epoch[b]
    return 8 * (batches - 1) / (time.perf_counter() - start)


def training_key(arch: str, mode: str, batches: int) -> str:
    return f"train {arch} ({mode}, {batches} batches, workers 0)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch threads (default: all)")
    parser.add_argument("--batches", type=int, default=20, help="batches per measurement for dancenet")
    parser.add_argument("--songs-dir", default=os.environ.get("DANCECORE_DATA", "../shared/data") + "/songs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="bench_train_"))
    manifest = work / "train.csv"
    songs = load_dataset(Path(args.songs_dir) / "labels.csv").only(DANCES)
    chosen = [i for d in DANCES for i in [x for x in songs.items if x.dance == d][:2]]
    manifest.write_text("path,dance\n" + "".join(f"{i.path},{i.dance}\n" for i in chosen))
    noise = work / "noise"
    noise.mkdir()
    sf.write(noise / "white.wav", np.random.default_rng(0).uniform(-0.5, 0.5, 22050 * 10).astype(np.float32), 22050)

    cache = FeatureCache(work / "cache", max_duration_s=30)
    settings = FeatureSettings()
    cache.fill(chosen, settings, workers=1, kinds=("spectrogram", "waveform"), desc="caching")
    cache.fill([noise / "white.wav"], settings, workers=1, kinds=("waveform",), desc="caching noise")
    labels = np.array([DANCES.index(i.dance) for i in chosen])
    clean = CropSource([cache.entry(i.path, settings) for i in chosen], settings)
    augment = AugmentSettings(noise_folder=str(noise), noise_probability=1.0, noise_mix=(0.1, 0.4), eq_db=6.0,
                              eq_probability=1.0, gain_db=(-6.0, 6.0))
    augmented = CropSource([cache.entry(i.path, settings, "waveform") for i in chosen], settings, augment,
                           [cache.entry(noise / "white.wav", settings, "waveform")])

    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPU(s), batch 8, 224x224 crops",
          file=sys.stderr)
    figures = {"data: clean spectrogram crops": data_rate(clean, labels, 50),
               "data: augmented waveform crops (EQ+noise+gain+log-mel)": data_rate(augmented, labels, 10)}
    for arch, batches in (("dancenet", args.batches), ("densenet161", max(3, args.batches // 8))):
        for mode, aug in (("clean", {}), ("augmented", augment.to_dict())):
            if arch == "densenet161" and mode == "augmented":
                continue
            config = TrainConfig(arch=arch, epochs=1, batches_per_epoch=batches, val_fraction=0.0, workers=0,
                                 cache_workers=1, threads=args.threads, max_duration_s=30.0, device="cpu",
                                 normalisation_crops=64).with_overrides({"augment": aug})
            result = train(str(manifest), config, work / f"run-{arch}-{mode}", cache_dir=work / "cache")
            figures[training_key(arch, mode, batches)] = result.rows[0]["crops_per_s"]
    print()
    for name, value in figures.items():
        print(f"{name:<58} {value:8.1f} crops/s")
    ratio = figures[training_key("dancenet", "clean", args.batches)] / figures[
        training_key("densenet161", "clean", max(3, args.batches // 8))]
    print(f"{'ratio dancenet / densenet161 (clean training)':<58} {ratio:8.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
