"""Pick rendered clips that no training manifest used, as a manifest for `dancecore evaluate`.

A clip counts as used when its arrangement seed (the render manifest's `seed` column) is in any of the --exclude
manifests, so a sung or re-rendered version of a training arrangement is left out too. Takes the first
--per-dance unused clips of each dance, in manifest order.
Usage: python scripts/held_out_rendered.py runs/synth/manifest.csv --prefix synth/ --exclude A.csv [B.csv ...]
           --per-dance 20 --out runs/synth_heldout20.csv
"""
from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path


def seeds_of(manifest: Path) -> set[str]:
    """The arrangement seeds of a render or training manifest."""
    with manifest.open(newline="") as f:
        return {row["seed"] for row in csv.DictReader(f)}


def held_out(manifest: Path, used: set[str], per_dance: int, prefix: str) -> list[dict[str, str]]:
    """(path, dance, group) rows of the first `per_dance` clips of each dance whose seed is not in `used`."""
    taken: Counter[str] = Counter()
    rows = []
    with manifest.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["seed"] in used or taken[row["dance"]] >= per_dance:
                continue
            taken[row["dance"]] += 1
            rows.append({"path": prefix + row["path"], "dance": row["dance"], "group": row["group"]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="render manifest (scripts/render_synth.py's manifest.csv)")
    parser.add_argument("--exclude", type=Path, nargs="+", required=True, help="training manifests to keep out")
    parser.add_argument("--per-dance", type=int, default=20, help="clips per dance (default 20)")
    parser.add_argument("--prefix", default="", help="prefix for the paths, to make them relative to --out's folder")
    parser.add_argument("--out", type=Path, required=True, help="manifest to write (path,dance,group)")
    args = parser.parse_args()
    used = set().union(*(seeds_of(m) for m in args.exclude))
    rows = held_out(args.manifest, used, args.per_dance, args.prefix)
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, ["path", "dance", "group"])
        writer.writeheader()
        writer.writerows(rows)
    counts = Counter(row["dance"] for row in rows)
    print(f"wrote {args.out}: {len(rows)} clips ({', '.join(f'{d} {n}' for d, n in sorted(counts.items()))})")


if __name__ == "__main__":
    main()
