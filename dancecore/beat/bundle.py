"""What a dancecore model file needs to carry the beat network, built from BeatNet's weights (build time)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dancecore.beat.onnx_graph import beatnet_onnx
from dancecore.beat.spec import ATTRIBUTION, network_settings
from dancecore.beat.torch_net import load_beatnet_weights, weights_npz


@dataclass(frozen=True)
class BeatNetworkFiles:
    """The beat network as the model file stores it.

    onnx: the graph (``beat.onnx``); weights_npz: the same parameters under BeatNet's state-dict names
    (``weights/beat.npz``); settings: features and graph inputs/outputs (`spec.network_settings`);
    attribution: the CC BY 4.0 credit for the weights (`spec.ATTRIBUTION`).
    """

    onnx: bytes
    weights_npz: bytes
    settings: dict
    attribution: dict


def beat_network_files(weights_path: str | Path) -> BeatNetworkFiles:
    """Convert BeatNet's ``model_2_weights.pt`` (weights unchanged) into the model file's parts."""
    weights = load_beatnet_weights(weights_path)
    return BeatNetworkFiles(onnx=beatnet_onnx(weights), weights_npz=weights_npz(weights),
                            settings=network_settings(), attribution=dict(ATTRIBUTION))
