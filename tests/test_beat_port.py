"""The BeatNet port: dancecore's features + ONNX graph give BeatNet's own activations on a real song."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from beat_graph import beat_graph, beat_weights
from dancecore.audio import load_audio
from dancecore.beat.features import beat_features
from dancecore.beat.runtime import BeatNetwork

FIXTURE = Path(__file__).parent / "fixtures" / "beatnet_reference.npz"


@pytest.fixture(scope="module")
def reference(data_dir: Path) -> dict:
    """The stored BeatNet activations and the same samples from dancecore's loader."""
    ref = dict(np.load(FIXTURE))
    audio = load_audio(data_dir / "songs" / str(ref["path"]), sr=int(ref["sample_rate"]))
    ref["samples"] = audio.samples[int(ref["start_sample"]):int(ref["stop_sample"])]
    return ref


@pytest.fixture(scope="module")
def network() -> BeatNetwork:
    return BeatNetwork.from_graph(beat_graph())


def test_activations_equal_beatnets(reference: dict, network: BeatNetwork) -> None:
    acts = network.song(reference["samples"])
    assert acts.shape == reference["activations"].shape == (1250, 3)
    assert np.abs(acts - reference["activations"]).max() <= 1e-4
    assert np.allclose(acts.sum(axis=1), 1.0, atol=1e-5)


def test_live_stream_equals_whole_song(reference: dict, network: BeatNetwork) -> None:
    """Chunks of uneven sizes (1 sample to 2 s), state kept between calls, give the offline activations."""
    x = reference["samples"]
    stream = network.stream()
    sizes = np.random.default_rng(0).choice([1, 200, 441, 1000, 4410, 44100], size=len(x) // 200)
    out, at = [], 0
    for size in sizes:
        out.append(stream.push(x[at:at + size]))
        at += size
        if at >= len(x):
            break
    out.append(stream.flush())
    live = np.concatenate(out)
    assert live.shape == (1250, 3) and stream.frames_done == 1250
    assert np.abs(live - network.song(x)).max() <= 1e-5


def test_torch_module_equals_graph(reference: dict, network: BeatNetwork) -> None:
    torch = pytest.importorskip("torch", reason="the torch module is for training tools (train extra)")
    from dancecore.beat.torch_net import crnn_from_weights

    feats = beat_features(reference["samples"][: 10 * 22050])
    zeros = torch.zeros(2, 1, 150)
    with torch.no_grad():
        probs, _, _ = crnn_from_weights(beat_weights())(torch.from_numpy(feats)[None], zeros, zeros)
    assert np.abs(probs[0].numpy() - network.activations(feats)).max() <= 1e-5


def test_graph_rebuilt_from_stored_weights(reference: dict, network: BeatNetwork) -> None:
    """weights/beat.npz rebuilds the same graph (re-export without any .pt file)."""
    pytest.importorskip("onnx", reason="building ONNX graphs needs the onnx package (build time)")
    from dancecore.beat.onnx_graph import beatnet_onnx

    feats = beat_features(reference["samples"][: 10 * 22050])
    rebuilt = BeatNetwork.from_graph(beatnet_onnx(beat_weights()))
    assert np.abs(rebuilt.activations(feats) - network.activations(feats)).max() <= 1e-6


def test_a_graph_that_is_not_onnx_is_a_model_error() -> None:
    from dancecore.errors import ModelError

    with pytest.raises(ModelError, match="cannot load its graph"):
        BeatNetwork.from_graph(b"not a graph")


def test_weights_that_are_not_beatnets_are_a_model_error(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="reading BeatNet's .pt needs torch (train extra)")
    from dancecore.beat.torch_net import load_beatnet_weights
    from dancecore.errors import ModelError

    other = tmp_path / "other.pt"
    torch.save({"conv1.weight": torch.zeros(3, 1, 10)}, other)
    with pytest.raises(ModelError, match="not BeatNet's"):
        load_beatnet_weights(other)
    with pytest.raises(ModelError, match="not a readable"):
        load_beatnet_weights(tmp_path / "missing.pt")
