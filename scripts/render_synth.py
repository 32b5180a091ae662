#!/usr/bin/env python
"""Render the synthetic ballroom training set: DIR/<dance>/<name>.flac plus DIR/manifest.csv.

    python scripts/render_synth.py --out runs/synth --per-dance 300 --seed 1 --duration 30 --workers 2
    python scripts/render_synth.py --out runs/synth_social --dances social --per-dance 150 --seed 2 --duration 25
    python scripts/render_synth.py --out runs/synth_cha --dances cha_cha_cha --per-dance 300 --seed 3
"""
from __future__ import annotations

import argparse
import time

from dancecore.dances import DANCE_IDS
from dancecore.data.synth import render_dataset
from dancecore.data.synth.social import SOCIAL_IDS

DANCE_SETS = {"ballroom": DANCE_IDS, "social": SOCIAL_IDS}


def dance_list(spec: str) -> tuple[str, ...]:
    """--dances value -> dance ids."""
    if spec in DANCE_SETS:
        return DANCE_SETS[spec]
    ids = tuple(d.strip() for d in spec.split(",") if d.strip())
    unknown = [d for d in ids if d not in DANCE_IDS + SOCIAL_IDS]
    if unknown or not ids:
        raise SystemExit(f"render_synth.py: unknown dance {unknown or spec!r}; use ballroom, social or ids from "
                         f"{', '.join(DANCE_IDS + SOCIAL_IDS)}")
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--per-dance", type=int, default=300, help="clips per dance")
    ap.add_argument("--seed", type=int, default=1, help="dataset seed")
    ap.add_argument("--duration", type=float, default=30.0, help="clip length in seconds")
    ap.add_argument("--workers", type=int, default=2, help="render processes")
    ap.add_argument("--sr", type=int, default=22050, help="sample rate in Hz")
    ap.add_argument("--format", default="flac", choices=("flac", "ogg", "wav"), help="audio file format")
    ap.add_argument("--dances", default="ballroom",
                    help="'ballroom' (the ten dances), 'social' (other social dances: negatives for 'not sure'), "
                         "or comma-separated dance ids")
    ap.add_argument("--vocals", type=float, default=0.0,
                    help="probability that a clip's lead melody is sung by a synthetic voice instead of played")
    args = ap.parse_args()
    t0 = time.time()
    manifest = render_dataset(args.out, args.per_dance, args.seed, args.duration, args.workers, args.sr, args.format,
                              dance_list(args.dances), args.vocals)
    print(f"wrote {manifest} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
