#!/usr/bin/env python
"""Training manifest with some dances' rendered clips replaced by a newer render of those dances.

Keeps every row of --base whose dance is not in --replace, then appends the rows of --replace (a
scripts/render_synth.py manifest); paths are rewritten relative to the output file's folder, as
`dancecore train` reads them.

    python scripts/swap_rendered_clips.py --base runs/synth_train.csv --replace runs/synth_cha/manifest.csv \\
        --out runs/synth_train_v2.csv
"""
from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path


def read_rows(manifest: Path, out_dir: Path) -> list[dict[str, str]]:
    """Rows of a manifest with paths made relative to `out_dir`."""
    with manifest.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["path"] = os.path.relpath((manifest.parent / r["path"]).resolve(), out_dir.resolve())
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="training manifest (CSV)")
    ap.add_argument("--replace", type=Path, required=True, help="manifest of the newer render")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    new = read_rows(args.replace, args.out.parent)
    replaced = {r["dance"] for r in new}
    kept = [r for r in read_rows(args.base, args.out.parent) if r["dance"] not in replaced]
    columns = list(kept[0] if kept else new[0])
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(kept + new)
    print(f"wrote {args.out}: {len(kept)} rows kept, {len(new)} rows of {', '.join(sorted(replaced))} from {args.replace}")


if __name__ == "__main__":
    main()
