"""Where the beat tests get the beat network: the default model file (beat.onnx, weights/beat.npz), else
BeatNet's weights named by BEATNET_WEIGHTS (path to its model_2_weights.pt; converted here, needs torch
and onnx). Tests skip with the reason when neither is there."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import dancecore

DEFAULT_MODEL = Path(dancecore.__file__).parent / "models" / "default.dcmodel"
GRAPH, WEIGHTS = "beat.onnx", "weights/beat.npz"


def _member(name: str) -> bytes | None:
    if DEFAULT_MODEL.exists():
        with zipfile.ZipFile(DEFAULT_MODEL) as archive:
            if name in archive.namelist():
                return archive.read(name)
    return None


def _converted():
    weights = os.environ.get("BEATNET_WEIGHTS")
    if not weights:
        pytest.skip(f"no beat network: {DEFAULT_MODEL.name} has no {GRAPH} yet and BEATNET_WEIGHTS "
                    "(path to BeatNet's model_2_weights.pt) is not set")
    from dancecore.beat.bundle import beat_network_files

    return beat_network_files(weights)


def beat_graph() -> bytes:
    """The beat network's ONNX graph."""
    return _member(GRAPH) or _converted().onnx


def beat_weights() -> dict[str, np.ndarray]:
    """The beat network's parameters by BeatNet's state-dict names."""
    data = _member(WEIGHTS) or _converted().weights_npz
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}
