"""The beat/downbeat network: taken from a model file, or BeatNet's published weights converted by
dancecore.beat.bundle; either way a network archive (beat.onnx, weights/beat.npz, its settings and the
weights' attribution)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from dancecore.build.archive import take
from dancecore.modelfile import FORMAT, FORMAT_VERSION, ModelArchive


def reuse_beat(source: Path, out: Path) -> dict[str, Any]:
    """Write the beat network of model file `source` (graph and weights unchanged) with the file's attributions
    as `out`."""
    part = take(source, "beat")
    part.meta.update(provenance={}, metrics={})
    part.save(out)
    return {"reused_from": part.meta.get("name"), "attributions": part.meta.get("attributions", [])}


def convert_beat(weights: Path, out: Path) -> dict[str, Any]:
    """Convert a BeatNet state-dict file (model_2_weights.pt of PyPI's beatnet 1.1.3) into the archive `out`;
    facts: the weights' attribution."""
    from dancecore.beat.bundle import beat_network_files

    files = beat_network_files(weights)
    spec = {"file": "beat.onnx", "weights": "weights/beat.npz", "kind": "beat", "settings": files.settings}
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "networks": {"beat": spec},
            "attributions": [files.attribution]}
    ModelArchive(meta, {spec["file"]: files.onnx, spec["weights"]: files.weights_npz}).save(out)
    return {"attribution": files.attribution}
