"""`dancecore dedupe A [B]`: near-duplicate recordings between two datasets (or within one), as CSV."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from dancecore.cache import FeatureCache, default_cache_dir
from dancecore.datasets import Item, load_dataset
from dancecore.dedupe import (DEFAULT_MAX_SHIFT_FRAMES, DEFAULT_SECONDS, DEFAULT_THRESHOLD, drop_from_manifest,
                              find_pairs, fingerprint, to_drop, write_pairs)
from dancecore.errors import DancecoreError
from dancecore.features import FeatureSettings


DESCRIPTION = (
    "Find recordings of B that are near-duplicates of recordings of A (re-encoded, trimmed or shifted "
    "copies): spectrogram correlation >= threshold at a shift of at most --max-shift frames. Without B, "
    "pairs within A. A and B are folders of dance folders or CSV manifests (path,dance[,group]).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore dedupe`'s arguments on `p` and set its `run`."""
    p.add_argument("a", metavar="A", help="dataset, e.g. the training set")
    p.add_argument("b", metavar="B", nargs="?", help="second dataset, e.g. the test set (default: pairs within A)")
    p.add_argument("--out", metavar="CSV", default="-", help="write the pairs here (default: standard output)")
    p.add_argument("--drop-to", metavar="CSV", help="also write A's manifest without the duplicates "
                   "(with B: every A recording paired with B; without B: the second of each pair)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="R",
                   help=f"correlation from which two recordings are duplicates (default {DEFAULT_THRESHOLD})")
    p.add_argument("--max-shift", type=int, default=DEFAULT_MAX_SHIFT_FRAMES, metavar="FRAMES",
                   help=f"largest time shift tried, in spectrogram frames (default {DEFAULT_MAX_SHIFT_FRAMES} = 4.6 s)")
    p.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, metavar="S",
                   help=f"compare the first S seconds of each recording (default {DEFAULT_SECONDS:.0f})")
    p.add_argument("--any-dance", action="store_true", help="also compare recordings labelled with different dances")
    p.add_argument("--cache", metavar="DIR", help="spectrogram cache folder, shared with train and evaluate so each "
                   f"file is decoded once (default {default_cache_dir()})")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes computing missing spectrograms")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not -1.0 <= args.threshold <= 1.0:
        raise DancecoreError(f"--threshold must be a correlation between -1 and 1, got {args.threshold}")
    if args.max_shift < 0 or args.seconds <= 0 or args.workers < 1:
        raise DancecoreError("--max-shift must be >= 0, --seconds > 0 and --workers >= 1")
    set_a = load_dataset(args.a)
    set_b = load_dataset(args.b) if args.b else None
    items_b = set_b.items if set_b else None
    settings = FeatureSettings()
    cache = FeatureCache(args.cache)
    failures = cache.fill([*set_a.items, *(items_b or [])], settings, workers=args.workers, desc="spectrograms")
    for failure in failures:
        print(f"dancecore: warning: left out {failure.path}: {failure.reason}", file=sys.stderr)
    failed = {Path(f.path) for f in failures}
    usable_a = [i for i in set_a.items if i.path not in failed]
    usable_b = None if items_b is None else [i for i in items_b if i.path not in failed]

    def load(item: Item) -> np.ndarray:
        return fingerprint(np.asarray(cache.get(item.path, settings), dtype=np.float32), settings, args.seconds)

    pairs = find_pairs(usable_a, usable_b, load, args.threshold, args.max_shift, not args.any_dance,
                       settings.frame_rate)
    if args.out == "-":
        write_pairs(pairs, sys.stdout)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            write_pairs(pairs, f)
    compared = f"{len(usable_a)} x {len(usable_b)} recordings" if usable_b is not None else f"{len(usable_a)} recordings"
    print(f"dancecore dedupe: {len(pairs)} near-duplicate pair(s) among {compared}", file=sys.stderr)
    if args.drop_to:
        kept = drop_from_manifest(set_a, to_drop(pairs, within=set_b is None), Path(args.drop_to))
        print(f"dancecore dedupe: wrote {args.drop_to} with {kept} recordings", file=sys.stderr)
    return 0
