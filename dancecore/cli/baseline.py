"""`dancecore baseline`: the thesis's SVM baseline (§4.3), trained and tested like the CNN and
reported in the same JSON format as `dancecore evaluate`."""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from dancecore.audio import DEFAULT_MAX_DURATION_S
from dancecore.baseline import (FEATURE_NAMES, N_FFT, HOP, SVM_PARAMS, BaselineModel, FeatureStore,
                                load_baseline)
from dancecore.cache import default_cache_dir
from dancecore.datasets import Dataset, Item, group_kfold, load_dataset
from dancecore.errors import ConfigError
from dancecore.evaluation.plots import plot_confusion
from dancecore.evaluation.report import Outcome, build_report, format_summary, write_report
from dancecore.evaluation.splits import held_out, in_set


DESCRIPTION = (
    "72 features per recording (mean and std of zero-crossing rate, 12 chroma bins, spectral centroid, "
    "bandwidth, roll-off and 20 MFCCs), standardised, RBF SVM. Train on TRAIN and test on --test, on the "
    "groups --held-out (the split `dancecore train --val-fraction` makes), or by group k-fold (--folds); "
    "or test a saved --model. Writes DIR/report.json (the format of `dancecore evaluate`) and "
    "DIR/confusion_aggregated.png.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore baseline`'s arguments on `p` and set its `run`."""
    p.add_argument("train", metavar="TRAIN", nargs="?", help="training dataset (folder of dance folders or CSV manifest)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--test", metavar="DATASET", help="test dataset (not_ballroom recordings are listed, not scored)")
    how.add_argument("--held-out", type=float, metavar="F", help="test on the groups `dancecore train "
                     "--val-fraction F --seed SEED` holds out, train on the rest")
    how.add_argument("--folds", type=int, metavar="K", help="group k-fold cross-validation on TRAIN")
    p.add_argument("--seed", type=int, default=0, help="seed of the split or folds (default 0)")
    p.add_argument("--model", metavar="FILE", help="test this saved baseline instead of training (needs --test)")
    p.add_argument("--save", metavar="FILE", help="save the baseline trained on TRAIN (the training part with --held-out)")
    p.add_argument("--out", metavar="DIR", default="baseline", help="output folder (default ./baseline)")
    p.add_argument("--max-duration", type=float, default=DEFAULT_MAX_DURATION_S, metavar="S",
                   help=f"use at most the first S seconds of each recording (default {DEFAULT_MAX_DURATION_S:.0f})")
    p.add_argument("--cache", metavar="DIR", help=f"where features are kept (default {default_cache_dir()})")
    p.add_argument("--no-cache", action="store_true", help="compute every feature afresh and store nothing")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes computing features (default 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _check(args)
    store = FeatureStore(args.cache, args.max_duration, enabled=not args.no_cache)
    failures: list[tuple[str, str]] = []

    def features(items: list[Item], what: str) -> tuple[list[Item], Any]:
        usable, x, failed = store.matrix(items, args.workers, desc=f"features ({what})")
        failures.extend(failed)
        for path, reason in failed:
            print(f"dancecore: warning: left out {path}: {reason}", file=sys.stderr)
        return usable, x

    if args.model:
        model = load_baseline(args.model)
        test_set = load_dataset(args.test, out_of_set=True)
        outcomes = model.outcomes(*features(test_set.items, "test"))
        mode, source, system_path = f"saved model {args.model} tested on {args.test}", test_set.summary(), Path(args.model)
    else:
        train_set = load_dataset(args.train, out_of_set=True)
        system_path = Path(args.save) if args.save else None
        if args.folds:
            outcomes, usable, x = _cross_validate(train_set, args.folds, args.seed, features)
            model = BaselineModel.fit(usable, x, provenance={"train_dataset": train_set.summary()}) if args.save else None
            mode, source = f"group {args.folds}-fold cross-validation on {args.train} (seed {args.seed})", train_set.summary()
        else:
            if args.held_out is not None:
                train_items, test_items = held_out(train_set, args.held_out, args.seed)
                source = Dataset(test_items, [], f"{train_set.source} (held-out groups: fraction {args.held_out:g}, "
                                                 f"seed {args.seed})").summary()
                mode = f"trained on the other groups of {args.train}, tested on the held-out groups"
            else:
                train_items, test_items = in_set(train_set.items), []
                mode, source = f"trained on {args.train}", None
                if args.test:
                    test_set = load_dataset(args.test, out_of_set=True)
                    test_items, source, mode = test_set.items, test_set.summary(), f"trained on {args.train}, tested on {args.test}"
            model = BaselineModel.fit(*features(train_items, "training"),
                                      provenance={"train_dataset": train_set.summary(), "mode": mode})
            outcomes = model.outcomes(*features(test_items, "test")) if test_items else []
        if args.save:
            model.save(args.save)
            print(f"saved the baseline to {args.save}", file=sys.stderr)
        if source is None:
            return 0
    if not outcomes:
        raise ConfigError("no test recordings could be read; nothing to report")
    report = build_report(outcomes, system=_system(system_path, model), protocol=_protocol(mode, args.max_duration),
                          dataset=source, score_kind="SVM one-vs-rest decision value (from one-vs-one votes)",
                          settings={"features": list(FEATURE_NAMES), "n_fft": N_FFT, "hop_length": HOP,
                                    "svm": SVM_PARAMS, "max_duration_s": args.max_duration, "seed": args.seed,
                                    "held_out": args.held_out, "folds": args.folds},
                          failures=failures)
    out = Path(args.out)
    written = [write_report(report, out / "report.json")]
    agg = report["aggregated"]
    written.append(plot_confusion(out / "confusion_aggregated.png", agg["confusion"],
                                  f"SVM baseline: per recording, top-1 {100 * (agg['top1'] or 0):.1f}% (n={agg['n']})"))
    print(format_summary(report))
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 2 if failures else 0


def _check(args: argparse.Namespace) -> None:
    """Reject contradictory or incomplete option combinations with a one-line message."""
    if args.model:
        if args.train or not args.test:
            raise ConfigError("--model tests a saved baseline: give --model FILE --test DATASET and no TRAIN")
        return
    if not args.train:
        raise ConfigError("give a TRAIN dataset (or --model FILE --test DATASET)")
    if args.test is None and args.held_out is None and args.folds is None and not args.save:
        raise ConfigError("say how to test: --test DATASET, --held-out F or --folds K (or --save FILE to train only)")
    if args.folds is not None and args.folds < 2:
        raise ConfigError(f"--folds must be at least 2, got {args.folds}")
    if args.workers < 1 or args.max_duration <= 0:
        raise ConfigError("--workers and --max-duration must be positive")


def _cross_validate(dataset: Dataset, k: int, seed: int, features: Any) -> tuple[list[Outcome], list[Item], np.ndarray]:
    """Outcomes of every in-set recording, each predicted by the model of the fold that held it out,
    plus the usable in-set items and their features (computed once for all folds)."""
    usable, x = features(in_set(dataset.items), "all")
    row = {item.path: n for n, item in enumerate(usable)}
    outcomes: list[Outcome] = []
    for fold, (train, test) in enumerate(tqdm(group_kfold(usable, k, seed), desc="folds", unit="fold")):
        if test:
            model = BaselineModel.fit(train, x[[row[i.path] for i in train]])
            outcomes += model.outcomes(test, x[[row[i.path] for i in test]], fold=fold)
    return outcomes, usable, x


def _system(path: Path | None, model: BaselineModel | None) -> dict[str, Any]:
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None
    return {"kind": "svm_baseline", "name": "svm_baseline", "arch": "standardise + RBF SVC (72 features)",
            "path": None if path is None else str(path), "sha256": sha,
            "provenance": model.provenance if model is not None else {}}


def _protocol(mode: str, max_duration_s: float) -> str:
    return (f"SVM baseline (thesis §4.3), {mode}. Each recording (first {max_duration_s:.0f} s at most, mono 22050 Hz) "
            f"gives 72 values: mean and standard deviation over frames of {N_FFT} samples every {HOP} of the "
            "zero-crossing rate, 12 chroma bins, spectral centroid, bandwidth, roll-off and 20 MFCCs (librosa). They are "
            "standardised on the training recordings and classified by an RBF SVC (scikit-learn, C=1, gamma='scale'). "
            "One prediction per recording: the 'aggregated' level; there is no window level and no rejection rule "
            "('window' and 'rejection' are null). Top-2 ranks the SVC's one-vs-rest decision values. Recordings "
            "labelled not_ballroom are never trained on and are left out of accuracy, recall and confusion "
            "(and out of k-fold cross-validation).")
