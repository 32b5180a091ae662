"""`dancecore evaluate MODEL DATASET`: accuracy report, confusion matrices and an optional noise sweep."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dancecore.audio import DEFAULT_MAX_DURATION_S, DEFAULT_TIMEOUT_S
from dancecore.cache import FeatureCache, default_cache_dir
from dancecore.classify import Classifier
from dancecore.datasets import Dataset, load_dataset
from dancecore.errors import DancecoreError
from dancecore.evaluation.plots import plot_confusion, plot_noise_sweep
from dancecore.evaluation.report import build_report, format_summary, write_report
from dancecore.evaluation.runner import (evaluate, load_noise, model_system, noise_sweep, parse_alphas, protocol,
                                        training_overlap)
from dancecore.evaluation.splits import held_out
from dancecore.model import DEFAULT_MODEL_PATH, load_model
from dancecore.segments import DEFAULT_STRIDE_FRAMES

CROWD_NOISE = Path(__file__).resolve().parents[1] / "assets" / "crowd_noise.ogg"


DESCRIPTION = (
    "Top-1/top-2 accuracy per window and per recording (mean over windows, as `dancecore classify`), "
    "per-dance recall, confusion matrices, 'not sure' rates on not_ballroom recordings, and optionally "
    "accuracy against mixed-in noise. Writes DIR/report.json, DIR/confusion_window.png, "
    "DIR/confusion_aggregated.png (and DIR/noise_sweep.png).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore evaluate`'s arguments on `p` and set its `run`."""
    p.add_argument("model", metavar="MODEL", help="model file, or 'default' for the model shipped in the package")
    p.add_argument("dataset", metavar="DATASET", help="folder of dance folders or CSV manifest (path,dance[,group]); "
                   "recordings labelled not_ballroom count as out-of-set")
    p.add_argument("--out", metavar="DIR", default="evaluation", help="output folder (default ./evaluation)")
    p.add_argument("--held-out", type=float, metavar="F", help="evaluate only the groups `dancecore train "
                   "--val-fraction F --seed SEED` holds out of DATASET")
    p.add_argument("--seed", type=int, default=0, help="seed of the --held-out split and of the noise positions (default 0)")
    p.add_argument("--noise", metavar="FILE", help="noise recording for a robustness sweep ('crowd' = the crowd "
                   "noise shipped in the package)")
    p.add_argument("--alphas", default="0:1:0.1", metavar="SPEC", help="noise mixing ratios a, start:stop:step or "
                   "a,b,c (default 0:1:0.1); x = (1 - a) signal + a noise, both peak-normalised")
    p.add_argument("--stride", type=int, default=DEFAULT_STRIDE_FRAMES, metavar="FRAMES",
                   help=f"window stride in spectrogram frames (default {DEFAULT_STRIDE_FRAMES}, as classify)")
    p.add_argument("--max-duration", type=float, default=DEFAULT_MAX_DURATION_S, metavar="S",
                   help=f"analyse at most the first S seconds of each recording (default {DEFAULT_MAX_DURATION_S:.0f})")
    p.add_argument("--threshold", type=float, metavar="P", help="say 'not sure' below this top probability "
                   "(default: the model's)")
    p.add_argument("--cache", metavar="DIR", help=f"feature cache folder (default {default_cache_dir()})")
    p.add_argument("--no-cache", action="store_true", help="decode every file afresh and store nothing")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes filling the cache (default 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.stride <= 0 or args.workers < 1 or args.max_duration <= 0:
        raise DancecoreError("--stride, --workers and --max-duration must be positive")
    model_path = DEFAULT_MODEL_PATH if args.model == "default" else Path(args.model)
    model = load_model(model_path)
    classifier = Classifier(model, args.stride, args.max_duration, DEFAULT_TIMEOUT_S, args.threshold)
    dataset = _dataset(args)
    warning = training_overlap(model, args.dataset, args.held_out, args.seed)
    if warning:
        print(f"dancecore: warning: {warning}", file=sys.stderr)
    alphas = parse_alphas(args.alphas) if args.noise else []
    noise_path = CROWD_NOISE if args.noise == "crowd" else Path(args.noise) if args.noise else None
    noise = load_noise(noise_path, model.features.sr) if noise_path else None
    cache = None
    if not args.no_cache:
        cache = FeatureCache(args.cache, args.max_duration)
        kinds = ("spectrogram", "waveform") if noise is not None else ("spectrogram",)
        cache.fill(dataset.items, model.features, workers=args.workers, kinds=kinds, desc="caching features")
    outcomes, failures = evaluate(classifier, dataset.items, cache)
    for path, reason in failures:
        print(f"dancecore: warning: left out {path}: {reason}", file=sys.stderr)
    if not outcomes:
        raise DancecoreError(f"{args.dataset}: none of the {len(dataset.items)} recordings could be read")
    sweep = None
    text = protocol(classifier)
    if noise is not None:
        sweep = noise_sweep(classifier, [o.item for o in outcomes], noise, alphas, str(noise_path), cache, args.seed)
        text += (f" Noise sweep: {noise_path.name} is looped from a random start (seed {args.seed}) to each in-set "
                 "recording's length and mixed into the waveform as x = (1 - a) signal + a noise after peak-normalising "
                 "both (thesis §4.7), the same stretch for every a; then classified as above.")
    settings = {"stride_frames": args.stride, "window_frames": model.window_frames, "aggregation": "mean",
                "max_duration_s": args.max_duration, "features": model.features.to_dict(),
                "reject": model.reject.to_dict(), "held_out": args.held_out, "seed": args.seed}
    report = build_report(outcomes, system=model_system(model, model_path), protocol=text,
                          dataset={**dataset.summary(), "warning": warning}, settings=settings,
                          score_kind="probability (mean over windows for 'aggregated')",
                          failures=failures, noise_sweep=sweep)
    out = Path(args.out)
    written = [write_report(report, out / "report.json")]
    for level in ("window", "aggregated"):
        r = report[level]
        if r is None:  # no in-set recordings: no window level
            continue
        written.append(plot_confusion(out / f"confusion_{level}.png", r["confusion"],
                                      f"{model.name}: {level} level, top-1 {100 * (r['top1'] or 0):.1f}% (n={r['n']})"))
    if sweep is not None:
        written.append(plot_noise_sweep(out / "noise_sweep.png", sweep["alphas"], {
            "top-1, aggregated": sweep["aggregated_top1"], "top-2, aggregated": sweep["aggregated_top2"],
            "top-1, windows": sweep["window_top1"], "top-2, windows": sweep["window_top2"]},
            f"{model.name} with {noise_path.name} mixed in ({sweep['n_recordings']} recordings)"))
    print(format_summary(report))
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 2 if failures else 0


def _dataset(args: argparse.Namespace) -> Dataset:
    """The recordings to evaluate: the whole dataset, or its held-out groups."""
    dataset = load_dataset(args.dataset, out_of_set=True)
    if args.held_out is None:
        return dataset
    _, test = held_out(dataset, args.held_out, args.seed)
    return Dataset(test, [], f"{dataset.source} (held-out groups: fraction {args.held_out:g}, seed {args.seed})")
