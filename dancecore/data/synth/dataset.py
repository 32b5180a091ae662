"""Dataset writer: many clips per dance, rendered in a process pool, with a resumable manifest.

Layout: out_dir/<dance_id>/<name>.flac, out_dir/manifest.csv (path relative to out_dir, dance,
group, tempo and style columns) and out_dir/meta.jsonl (full metadata of every clip).
"""
from __future__ import annotations

import csv
import json
import multiprocessing as mp
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from dancecore.dances import DANCE_IDS
from dancecore.data.synth.clip import render_clip

COLUMNS = ("path", "dance", "group", "bpm", "mpm", "meter", "variant", "soundfont", "key", "scale", "noise",
           "seed", "duration_s")
FORMATS = {"flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS"), "wav": ("WAV", "PCM_16")}


def clip_jobs(per_dance: int, seed: int, dances: tuple[str, ...] = DANCE_IDS) -> list[tuple[str, str, int]]:
    """(dance, name, clip seed) for every clip, interleaved across dances so partial runs stay balanced."""
    jobs = []
    for i in range(per_dance):
        for k, dance_id in enumerate(dances):
            clip_seed = int(np.random.SeedSequence([seed, k, i]).generate_state(1)[0])
            jobs.append((dance_id, f"{dance_id}_s{seed}_{i:05d}", clip_seed))
    return jobs


def _render_one(args: tuple[str, str, int, str, float, int, str, float]) -> tuple[dict, dict]:
    """Render and write one clip; returns its manifest row and full metadata."""
    dance_id, name, clip_seed, out_dir, duration_s, sr, fmt, vocals = args
    audio, meta = render_clip(dance_id, clip_seed, duration_s, sr, vocals=vocals)
    rel = f"{dance_id}/{name}.{fmt}"
    path = Path(out_dir) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    container, subtype = FORMATS[fmt]
    sf.write(tmp, audio, sr, format=container, subtype=subtype)
    tmp.replace(path)
    row = {"path": rel, "group": f"synth-{meta['variant']}-{clip_seed}", **meta}
    return {c: row.get(c, "") for c in COLUMNS}, {"path": rel, **meta}


def _read_manifest(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def render_dataset(out_dir: str | Path, per_dance: int, seed: int, duration_s: float = 30.0, workers: int = 2,
                   sr: int = 22050, fmt: str = "flac", dances: tuple[str, ...] = DANCE_IDS,
                   vocals: float = 0.0) -> Path:
    """Render `per_dance` clips of every dance in `dances` (default: the ten) into out_dir and return the
    manifest path. `vocals`: probability that a clip's lead melody is sung (see render_clip).
    Clips already listed in an existing manifest (with their file present) are skipped, so an
    interrupted run can be resumed with the same arguments."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.csv"
    rows = [r for r in _read_manifest(manifest) if (out / r["path"]).is_file()]
    done = {r["path"] for r in rows}
    todo = [(d, name, s, str(out), duration_s, sr, fmt, vocals) for d, name, s in clip_jobs(per_dance, seed, dances)
            if f"{d}/{name}.{fmt}" not in done]
    with manifest.open("w", newline="") as f_csv, (out / "meta.jsonl").open("a") as f_meta:
        writer = csv.DictWriter(f_csv, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        f_csv.flush()
        results = _results(todo, workers)
        for row, meta in tqdm(results, total=len(todo), desc="render", unit="clip"):
            writer.writerow(row)
            f_csv.flush()
            f_meta.write(json.dumps(meta) + "\n")
            rows.append(row)
    rows.sort(key=lambda r: r["path"])
    with manifest.open("w", newline="") as f_csv:
        writer = csv.DictWriter(f_csv, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def _results(todo: list, workers: int):
    """Iterate (row, meta) results, in a spawn process pool when workers > 1."""
    if workers <= 1:
        yield from map(_render_one, todo)
        return
    with mp.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap_unordered(_render_one, todo, chunksize=1)
