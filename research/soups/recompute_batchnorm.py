"""Recompute a CNN model file's batch-norm statistics on augmented training crops (for weight soups).

A uniform weight average (scripts/average_models.py) keeps the mean of its runs' batch-norm running means and
variances, which are not the statistics of the averaged network's own activations; SWA and model soups recompute
them with one pass over training batches (Izmailov et al., UAI 2018). torch.optim.swa_utils.update_bn does that pass
(a cumulative average over all batches, in train mode); this script feeds it the crops a `dancecore train` run drew:
class-balanced 5.2 s crops of the training set, augmented with the run's settings and noise folder.
Usage: python scripts/recompute_batchnorm.py MODEL --train CSV --config RUN/config.yaml --out OUT.pt [--batches 200]
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from torch.optim.swa_utils import update_bn
from tqdm import tqdm

from dancecore.datasets import load_dataset
from dancecore.model import DanceModel, load_model
from dancecore.training.config import TrainConfig, load_config
from dancecore.training.distributed import Runtime
from dancecore.training.loop import cached_crops
from dancecore.training.sampler import BalancedSampler, CropSource, EpochBatches


def training_crops(train_csv: str, config: TrainConfig, cache_dir: str | Path | None) -> tuple[CropSource, np.ndarray]:
    """The crop source of a training set, cached and augmented exactly as `dancecore train` does it with `config`,
    and its (n,) class labels."""
    source, labels, _ = cached_crops(load_dataset(train_csv), None, config, cache_dir, Runtime(0, 1, torch.device("cpu")),
                                     print)
    return source, labels


def recompute_batchnorm(model: DanceModel, source: CropSource, labels: np.ndarray, batches: int, batch_size: int,
                        seed: int) -> None:
    """Replace `model`'s batch-norm running statistics, in place, by their average over `batches` batches."""
    sampler = BalancedSampler(labels, source.n_frames(), batch_size, seed)
    plan = EpochBatches(source, sampler, epoch=0, batches=batches)

    def inputs() -> Iterator[torch.Tensor]:
        for index in tqdm(range(batches), desc="batch-norm statistics", unit="batch"):
            yield model.to_input(plan[index][0])

    update_bn(inputs(), model.network)
    model.network.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="CNN model file (e.g. an average_models.py soup)")
    parser.add_argument("--train", required=True, help="training manifest the runs were trained on")
    parser.add_argument("--config", required=True, help="a run's config.yaml: features, augmentation, noise folder")
    parser.add_argument("--out", required=True, help="where to write the model file")
    parser.add_argument("--batches", type=int, default=200, help="training batches to average over (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the crops and their augmentation")
    parser.add_argument("--cache", help="feature cache folder (default $DANCECORE_CACHE or ~/.cache/dancecore)")
    args = parser.parse_args()
    config = load_config(args.config)
    torch.set_num_threads(max(1, config.threads or 1))
    model = load_model(args.model)
    source, labels = training_crops(args.train, config, args.cache)
    recompute_batchnorm(model, source, labels, args.batches, config.batch_size, args.seed)
    model.provenance = {**model.provenance, "batchnorm_recomputed": {
        "train": args.train, "config": args.config, "batches": args.batches, "seed": args.seed}}
    model.name = Path(args.out).stem
    model.save(args.out)
    print(f"wrote {args.out}: batch-norm statistics over {args.batches} batches of {config.batch_size} crops")


if __name__ == "__main__":
    main()
