"""The beat network in PyTorch, for training-time tools (fine-tuning, parity checks); inference never imports it.

Layers and parameter names are BeatNet's (``BDA`` in BeatNet 1.1.3), so its state dicts load as they are:
conv1 Conv1d(1, 2, 10) over the 272 features of each frame -> ReLU -> max-pool 2 -> flatten
(channel-major, 262) -> linear0 (262 -> 150) -> lstm (2 layers, 150 cells, unidirectional,
batch-first) -> linear (150 -> 3) -> softmax over classes (beat, downbeat, no beat).
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Mapping

import numpy as np
import torch
from torch import nn

from dancecore.beat.features import N_FEATURES
from dancecore.beat.spec import HIDDEN, LAYERS, N_CLASSES
from dancecore.errors import ModelError

_KERNEL = 10
_POOLED = 2 * ((N_FEATURES - _KERNEL + 1) // 2)   # 262 values after conv, ReLU and max-pool


class BeatCRNN(nn.Module):
    """BeatNet's CRNN. forward(features (B, T, 272), h0, c0 (2, B, 150)) -> (probs (B, T, 3), hn, cn)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(1, 2, _KERNEL)
        self.linear0 = nn.Linear(_POOLED, HIDDEN)
        self.lstm = nn.LSTM(HIDDEN, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.linear = nn.Linear(HIDDEN, N_CLASSES)

    def logits(self, features: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Class scores before the softmax, shape (B, T, 3), and the LSTM state after the last frame."""
        batch, frames, _ = features.shape
        x = self.conv1(features.reshape(batch * frames, 1, N_FEATURES))
        x = nn.functional.max_pool1d(nn.functional.relu(x), 2).reshape(batch, frames, _POOLED)
        x, (hn, cn) = self.lstm(self.linear0(x), (h0, c0))
        return self.linear(x), hn, cn

    def forward(self, features: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Activations (B, T, 3) = softmax over (beat, downbeat, no beat), and the state (hn, cn)."""
        scores, hn, cn = self.logits(features, h0, c0)
        return torch.softmax(scores, dim=-1), hn, cn


def load_beatnet_weights(path: str | Path) -> dict[str, np.ndarray]:
    """A BeatNet state dict file (e.g. ``BeatNet/models/model_2_weights.pt``) as float32 numpy arrays.

    ModelError when the file is unreadable or its parameter names or shapes are not BeatNet's.
    """
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:   # torch raises many types for missing, truncated or non-torch files
        raise ModelError(f"{path}: not a readable PyTorch state dict ({str(exc).splitlines()[0][:100]})") from None
    expected = {name: tuple(p.shape) for name, p in BeatCRNN().state_dict().items()}
    found = {name: tuple(getattr(t, "shape", ())) for name, t in state.items()} if isinstance(state, dict) else {}
    if found != expected:
        raise ModelError(f"{path}: not BeatNet's beat/downbeat network (parameters {sorted(found)[:4]}...)")
    return {name: tensor.detach().numpy().astype(np.float32) for name, tensor in state.items()}


def weights_npz(weights: Mapping[str, np.ndarray]) -> bytes:
    """The parameters as npz bytes (state-dict names, float32), as the model file stores them."""
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.asarray(value, dtype=np.float32) for name, value in weights.items()})
    return buffer.getvalue()


def weights_from_npz(data: bytes) -> dict[str, np.ndarray]:
    """The parameters stored by `weights_npz`."""
    with np.load(io.BytesIO(data)) as npz:
        return {name: npz[name] for name in npz.files}


def crnn_from_weights(weights: Mapping[str, np.ndarray]) -> BeatCRNN:
    """A BeatCRNN in eval mode holding `weights` (state-dict names; every parameter must be present)."""
    net = BeatCRNN()
    net.load_state_dict({name: torch.from_numpy(np.asarray(value)) for name, value in weights.items()}, strict=True)
    return net.eval()
