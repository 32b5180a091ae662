"""The spectrogram CNN: taken from a model file, or trained in stages with `dancecore train`'s loop.

Either way the step writes a model file holding the CNN alone (cnn.dcmodel) and reports the CNN's training
provenance. Training stages run in WORK/cnn/<stage>/ (best.pt, last.pt, log.csv as `dancecore train`
writes them); an interrupted stage resumes from its last.pt, a finished one (done.json) is kept.
"""
from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from dancecore.build.archive import take
from dancecore.build.recipe import CnnTraining, stage_config


TRAINING_KEYS = ("command", "config", "dataset", "val_dataset", "git_commit", "date", "device", "world_size", "torch",
                 "epochs", "batches_per_epoch", "crops_seen")  # what `dancecore train` records in a model file


def cnn_provenance(meta: dict[str, Any]) -> dict[str, Any]:
    """The CNN's training provenance in a model file's metadata: what a build recorded under "cnn", or (a
    file not written by a build) the entries `dancecore train` writes."""
    provenance = meta.get("provenance") or {}
    if "cnn" in provenance:
        return provenance["cnn"]
    return {k: provenance[k] for k in TRAINING_KEYS if k in provenance}


def reuse_cnn(source: Path, out: Path) -> dict[str, Any]:
    """Write the CNN of model file `source` (graph and weights unchanged) as `out`; facts: its training provenance."""
    part = take(source, "cnn")
    part.meta.update(provenance={"cnn": cnn_provenance(part.meta)}, fusion=None, attributions=[])
    part.save(out)
    return {"reused_from": part.meta.get("name"), "training": part.meta["provenance"]["cnn"]}


def _epochs(log: Path) -> list[float | None]:
    """Validation song accuracy of each epoch of a run's log.csv."""
    with log.open(newline="") as f:
        return [float(r["val_song_accuracy"]) if r.get("val_song_accuracy") else None for r in csv.DictReader(f)]


def train_cnn(training: CnnTraining, manifests: dict[str, Path], noise: Path, val: Path, runs: Path,
              cache: Path, out: Path) -> dict[str, Any]:
    """Train every stage in order (each from the earlier stage's best epoch when it names one) and write the
    last stage's best epoch as `out`; facts: each stage's validation song accuracy per epoch and best epoch."""
    from dancecore.training import prepare, train
    from dancecore.training.torch_model import load_torch_model

    stages = {}
    for stage in training.stages:
        folder = runs / stage.name
        done = folder / "done.json"
        if not done.is_file():
            changes: dict[str, Any] = {"val": str(val), "augment": {"noise_folder": str(noise)}}
            if stage.init:
                changes["init"] = str(runs / stage.init / "best.pt")
            config = stage_config(training, stage).with_overrides(changes, f"cnn stage {stage.name}")
            resume = (folder / "last.pt").is_file()
            dataset, config, state = prepare(None if resume else str(manifests[stage.data]), folder, config, {}, resume)
            result = train(dataset, config, folder, state=state, cache_dir=cache,
                           command=["dancecore", "build-model", f"(cnn stage {stage.name})"])
            summary = {"best_epoch": result.best_epoch, "metrics": result.metrics}
            done.write_text(json.dumps(summary, default=str) + "\n")
        stages[stage.name] = {**json.loads(done.read_text()), "val_song_accuracy_by_epoch": _epochs(folder / "log.csv")}
    best = load_torch_model(runs / training.stages[-1].name / "best.pt")
    cnn = replace(best, networks={"cnn": best.networks["cnn"]}, fusion=None,
                  provenance={"cnn": best.provenance}, metrics={})
    cnn.export(out)
    return {"training": best.provenance, "stages": stages}
