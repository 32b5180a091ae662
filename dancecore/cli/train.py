"""`dancecore train DATASET`: train a model with the thesis protocol (configs/train.yaml), resumable,
on CPU, CUDA or MPS, data-parallel under `torchrun --nproc_per_node=N -m dancecore train ...`."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from dancecore.architectures import available_archs
from dancecore.errors import ConfigError


DESCRIPTION = (
    "Train a dance classifier. DATASET is a folder with one sub-folder per dance, a CSV manifest "
    "(path,dance[,group]) or, with --rules, a folder labelled by regular expressions. Settings come from "
    "--config (default: the thesis protocol) and the options below override them. Writes best.pt (the "
    "model), last.pt (for --resume), log.csv, curves.png into --out.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore train`'s arguments on `p` and set its `run`."""
    p.add_argument("dataset", nargs="?", metavar="DATASET", help="training data (optional with --resume)")
    p.add_argument("--config", metavar="YAML", help="training settings (see configs/train.yaml)")
    p.add_argument("--out", default="runs/train", metavar="DIR", help="run folder (default runs/train)")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in --out from last.pt")
    p.add_argument("--cache", metavar="DIR", help="feature cache folder (default $DANCECORE_CACHE or "
                   "~/.cache/dancecore/features)")
    data = p.add_argument_group("data")
    data.add_argument("--val", metavar="DATASET", help="separate validation set (folder or CSV); default: hold out "
                      "--val-fraction of the training groups")
    data.add_argument("--val-fraction", type=float, metavar="F", help="share of groups held out (0 = none)")
    data.add_argument("--rules", metavar="YAML", help="labelling rules for a folder DATASET")
    data.add_argument("--dances", metavar="A,B,..", help="train on these dances only")
    data.add_argument("--max-duration", type=float, metavar="S", dest="max_duration_s",
                      help="use at most the first S seconds of each recording")
    model = p.add_argument_group("model and optimisation")
    model.add_argument("--arch", choices=available_archs(), metavar="ARCH",
                       help=f"architecture: {', '.join(available_archs())}")
    model.add_argument("--pretrained", action="store_true", default=None, help="start from ImageNet weights "
                       "(thesis architectures, when in torch's cache)")
    model.add_argument("--init", metavar="MODEL", help="start from this model file's weights (fine-tuning), "
                       "e.g. dancecore/models/default.dcmodel or runs/x/best.pt")
    model.add_argument("--epochs", type=int, metavar="N")
    model.add_argument("--batches-per-epoch", type=int, metavar="N")
    model.add_argument("--batch-size", type=int, metavar="N", help="crops per batch and process")
    model.add_argument("--lr", type=float, dest="learning_rate", metavar="LR", help="Adam learning rate")
    model.add_argument("--ema-decay", type=float, metavar="D", help="validate and save a moving average of the "
                       "weights with this decay per batch (e.g. 0.998; 0 = off)")
    model.add_argument("--validate-every", type=int, metavar="K", help="validate every K epochs")
    model.add_argument("--val-stride", type=int, metavar="FRAMES", help="window stride for validation")
    model.add_argument("--select-by", choices=("song", "window"), help="accuracy that picks the best epoch")
    model.add_argument("--seed", type=int)
    aug = p.add_argument_group("augmentation")
    aug.add_argument("--noise", metavar="DIR", help="folder of noise recordings to mix in (thesis §4.7)")
    aug.add_argument("--noise-mix", type=float, nargs=2, metavar=("LOW", "HIGH"), help="range of the noise weight a")
    aug.add_argument("--noise-probability", type=float, metavar="P", help="share of crops that get noise")
    aug.add_argument("--eq-db", type=float, metavar="DB", help="largest random EQ boost/cut (0 = off)")
    aug.add_argument("--gain-db", type=float, nargs=2, metavar=("LOW", "HIGH"), help="random level change range")
    run = p.add_argument_group("hardware")
    run.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    run.add_argument("--workers", type=int, metavar="N", help="data-loader processes (0 = none)")
    run.add_argument("--cache-workers", type=int, metavar="N", help="processes decoding audio into the cache")
    run.add_argument("--threads", type=int, metavar="N", help="torch threads per process (0 = default)")
    run.add_argument("--no-amp", action="store_false", dest="amp", default=None, help="no mixed precision on GPU")
    p.set_defaults(run=run_train)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Settings given on the command line (None = not given), keyed like the config file."""
    keys = ("val", "val_fraction", "rules", "max_duration_s", "arch", "pretrained", "init", "epochs", "batches_per_epoch",
            "batch_size", "learning_rate", "ema_decay", "validate_every", "val_stride", "select_by", "seed", "device", "workers",
            "cache_workers", "threads", "amp")
    values: dict[str, Any] = {k: getattr(args, k) for k in keys}
    values["dances"] = [d.strip() for d in args.dances.split(",") if d.strip()] if args.dances else None
    augment = {"noise_folder": args.noise, "noise_mix": args.noise_mix, "noise_probability": args.noise_probability,
               "eq_db": args.eq_db, "gain_db": args.gain_db}
    augment = {k: v for k, v in augment.items() if v is not None}
    values["augment"] = augment or None
    return {k: v for k, v in values.items() if v is not None}


def run_train(args: argparse.Namespace) -> int:
    from dancecore.training import load_config, prepare, train  # torch-heavy: imported when used

    if args.config and args.resume:
        raise ConfigError("--config cannot be combined with --resume: a resumed run keeps its own settings")
    explicit = overrides(args)
    config = load_config(args.config).with_overrides(explicit, "command line")
    dataset, config, state = prepare(args.dataset, args.out, config, explicit, args.resume)
    result = train(dataset, config, args.out, state=state, cache_dir=args.cache, command=sys.argv)
    if not result.main:
        return 0
    if result.best_epoch is None:
        print(f"trained {len(result.rows)} epochs; no model saved", file=sys.stderr)
        return 1
    m = result.metrics
    val = (f"; validation accuracy {m['val_song_accuracy']:.3f} (songs), {m['val_window_accuracy']:.3f} (windows)"
           if m.get("val_song_accuracy") is not None else "")
    print(f"best epoch {result.best_epoch}{val}\nmodel: {result.files.best}\nlog: {result.files.log}\n"
          f"curves: {result.files.curves}")
    return 0
