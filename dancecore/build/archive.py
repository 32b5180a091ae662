"""Model archives cut into networks and put back together, without re-exporting anything: a network taken
from a model file keeps its ONNX graph and weights byte for byte."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from dancecore.errors import ConfigError
from dancecore.modelfile import ModelArchive, read_archive


def network_names(archive: ModelArchive, kind: str) -> list[str]:
    """Names of the archive's networks of `kind` ("cnn", "rhythm", "beat"), in name order."""
    return sorted(n for n, spec in (archive.meta.get("networks") or {}).items() if spec.get("kind") == kind)


def take(path: Path, kind: str) -> ModelArchive:
    """The networks of `kind` of the model file `path` (its model.json otherwise kept); ConfigError when it has none."""
    archive = read_archive(path)
    names = network_names(archive, kind)
    if not names:
        raise ConfigError(f"{path}: the model file has no {kind} network to reuse")
    specs = archive.meta["networks"]
    meta = {**copy.deepcopy(archive.meta), "networks": {n: specs[n] for n in names}}
    files = {f for n in names for f in (specs[n]["file"], specs[n]["weights"])}
    return ModelArchive(meta, {f: archive.member(f) for f in files})


def merge(base: ModelArchive, *parts: ModelArchive, **meta: Any) -> ModelArchive:
    """`base` with the networks of `parts` added (a name taken twice is an error) and `meta` entries set."""
    out = ModelArchive({**copy.deepcopy(base.meta), **meta}, dict(base.members))
    for part in parts:
        for name, spec in part.meta["networks"].items():
            if name in out.meta["networks"]:
                raise ConfigError(f"two networks named {name}")
            out.meta["networks"][name] = spec
            for f in (spec["file"], spec["weights"]):
                out.members[f] = part.member(f)
    return out
