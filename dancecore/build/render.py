"""The CNN's training audio: clips rendered by dancecore.data.synth, and training manifests made from them.

A render set's folder is completed when it exists (dancecore.data.synth.render_dataset skips clips its
manifest lists), so a folder rendered earlier is reused as it is. A training manifest takes the first
clips of each dance of a set (in clip order) and replaces the dances of its `swap_in` sets by theirs;
its paths are relative to the manifest's folder, as `dancecore train` reads them.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

from dancecore.build.recipe import RenderSet, RenderStep, TrainingManifest
from dancecore.dances import DANCE_IDS
from dancecore.data.synth import render_dataset
from dancecore.data.synth.social import SOCIAL_IDS

DANCE_SETS = {"ballroom": DANCE_IDS, "social": SOCIAL_IDS}


def render_set(render: RenderSet, folder: Path, workers: int) -> Path:
    """Render (or complete) one set into `folder`; returns its manifest."""
    dances = DANCE_SETS[render.dances] if isinstance(render.dances, str) else tuple(render.dances)
    return render_dataset(folder, render.per_dance, render.seed, render.duration_s, workers, render.sr,
                          render.format, dances, render.vocals)


def read_rows(manifest: Path, out_dir: Path) -> list[dict[str, str]]:
    """Rows of a set's manifest (sorted by path, i.e. clip order within a dance) with paths relative to `out_dir`."""
    with manifest.open(newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["path"])
    for r in rows:
        r["path"] = os.path.relpath((manifest.parent / r["path"]).resolve(), out_dir.resolve())
    return rows


def write_manifest(spec: TrainingManifest, folders: dict[str, Path], out: Path) -> dict[str, int]:
    """Write the training manifest `out`; returns its clip count per dance."""
    rows, counts = read_rows(folders[spec.set] / "manifest.csv", out.parent), {}
    kept = []
    for r in rows:
        counts[r["dance"]] = counts.get(r["dance"], 0) + 1
        if spec.per_dance is None or counts[r["dance"]] <= spec.per_dance:
            kept.append(r)
    for name in spec.swap_in:
        new = read_rows(folders[name] / "manifest.csv", out.parent)
        replaced = {r["dance"] for r in new}
        kept = [r for r in kept if r["dance"] not in replaced] + new
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(kept[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(kept)
    final: dict[str, int] = {}
    for r in kept:
        final[r["dance"]] = final.get(r["dance"], 0) + 1
    return final


def render_all(step: RenderStep, folders: dict[str, Path], manifests: dict[str, Path]) -> dict:
    """Every set rendered into folders[set.folder], every manifest written to manifests[file]; facts: clips per
    set and per manifest dance."""
    clips = {}
    for render in step.sets:
        with render_set(render, folders[render.folder], step.workers).open(newline="") as f:
            clips[render.folder] = sum(1 for _ in csv.DictReader(f))
    counts = {m.file: write_manifest(m, folders, manifests[m.file]) for m in step.manifests}
    return {"clips": clips, "manifests": counts}
