"""Rhythm branch classifier: a small two-branch 1D CNN over Extended Ballroom rhythm features.

Inputs per 11.89 s excerpt (see dancecore.rhythm.features): pedf0/pedf1 (149 lags at 25 frames/s,
read position-sensitively, so the lag axis carries tempo) and odf0/odf1 (298 frames, read with
dilated convolutions and global pooling, so the onset pattern counts but its phase does not).
Outputs 11 classes (the ten dances + "other") and, during training only, the annotated tempo.
Training side only (PyTorch): inference runs the same networks exported to ONNX (dancecore.model).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from dancecore.rhythm.data import CLASSES
from dancecore.rhythm.inputs import PEDF_LAGS, cross_correlation, stack_inputs


@dataclass(frozen=True)
class NetConfig:
    """Width of the convolutions, of the hidden layer, dropout probability, and the dilations of the
    odf branch's convolutions (after a first undilated one; receptive field 1 + 4 * (1 + sum) frames)."""

    channels: int = 32
    hidden: int = 128
    dropout: float = 0.3
    odf_dilations: tuple[int, ...] = (2, 4, 8, 16)
    loglag_bins: int = 0   # > 0 adds a branch over pedf on a log-lag axis (3 to 148 frames), pooled over lag
    xcorr: bool = False    # feed the pedf branch also the band 0 x band 1 cross-correlation (both lag signs)

    @classmethod
    def from_dict(cls, values: dict) -> "NetConfig":
        """Build from `asdict` output (a model file's settings; lists become tuples)."""
        return cls(**{**values, "odf_dilations": tuple(values["odf_dilations"])})


def loglag_matrix(bins: int, low: float = 3.0, high: float = PEDF_LAGS - 1.0) -> np.ndarray:
    """(149, bins) linear-interpolation matrix from lag frames to `bins` log-spaced lags in [low, high]."""
    pos = np.geomspace(low, high, bins)
    m = np.zeros((PEDF_LAGS, bins), dtype=np.float32)
    left = np.floor(pos).astype(int)
    frac = (pos - left).astype(np.float32)
    m[left, np.arange(bins)] = 1 - frac
    m[np.minimum(left + 1, PEDF_LAGS - 1), np.arange(bins)] += frac
    return m


def _conv(c_in: int, c_out: int, dilation: int = 1) -> list[nn.Module]:
    return [nn.Conv1d(c_in, c_out, 5, padding=2 * dilation, dilation=dilation), nn.BatchNorm1d(c_out), nn.ReLU()]


class RhythmNet(nn.Module):
    """pedf branch (lag-position aware) + odf branch (pooled over time) -> class logits and tempo."""

    def __init__(self, cfg: NetConfig = NetConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        ch = cfg.channels
        self.pedf = nn.Sequential(*_conv(4 if cfg.xcorr else 2, ch), *_conv(ch, ch), nn.MaxPool1d(2),
                                  *_conv(ch, ch), nn.MaxPool1d(2))
        self.odf = nn.Sequential(*_conv(2, ch), *[m for d in cfg.odf_dilations for m in _conv(ch, ch, d)])
        width = ch * (PEDF_LAGS // 4) + 2 * ch
        if cfg.loglag_bins:
            self.register_buffer("to_loglag", torch.from_numpy(loglag_matrix(cfg.loglag_bins)), persistent=False)
            self.loglag = nn.Sequential(*_conv(2, ch), *_conv(ch, ch), *_conv(ch, ch, 2))
            width += 2 * ch
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(width, cfg.hidden), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.classes = nn.Linear(cfg.hidden, len(CLASSES))
        self.tempo = nn.Linear(cfg.hidden, 1)

    def forward(self, pedf: torch.Tensor, odf: torch.Tensor,
                xcorr: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """pedf (batch, 2, 149), odf (batch, 2, 298) and, for a member with cfg.xcorr, xcorr (batch, 2, 149)
        (dancecore.rhythm.inputs.cross_correlation of odf) -> logits (batch, 11), standardised log2 tempo (batch,)."""
        if self.cfg.xcorr and xcorr is None:
            raise ValueError("this RhythmNet reads the onset cross-correlation: pass xcorr")
        o = self.odf(odf)
        lags = torch.cat([pedf, xcorr], 1) if self.cfg.xcorr else pedf
        parts = [self.pedf(lags).flatten(1), o.mean(2), o.amax(2)]
        if self.cfg.loglag_bins:
            g = self.loglag(pedf @ self.to_loglag)
            parts += [g.mean(2), g.amax(2)]
        h = self.head(torch.cat(parts, 1))
        return self.classes(h), self.tempo(h).squeeze(1)


def net_inputs(pedf: np.ndarray, odf: np.ndarray, cfg: NetConfig) -> tuple[torch.Tensor, ...]:
    """pedf (n, 2, 149), odf (n, 2, 298) float32 arrays -> the tensors `RhythmNet(cfg)` takes."""
    inputs = (torch.from_numpy(pedf), torch.from_numpy(odf))
    return inputs + (torch.from_numpy(cross_correlation(odf)),) if cfg.xcorr else inputs


class RhythmBranch:
    """Ensemble of RhythmNets (possibly of different configurations); probabilities are averaged."""

    classes: tuple[str, ...] = CLASSES

    def __init__(self, nets: list[RhythmNet]) -> None:
        self.nets = [n.eval() for n in nets]

    def to_state(self) -> dict:
        """Plain dict (class names; per model its config and float16 weights) to embed in a checkpoint."""
        return {"kind": "dancecore.rhythm", "version": 2, "classes": list(CLASSES),
                "models": [{"config": asdict(n.cfg),
                            "weights": {k: v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()
                                        for k, v in n.state_dict().items()}} for n in self.nets]}

    @classmethod
    def from_state(cls, state: dict) -> "RhythmBranch":
        """Rebuild from `to_state()` output."""
        if list(state["classes"]) != list(CLASSES):
            raise ValueError(f"rhythm state has classes {state['classes']}, expected {list(CLASSES)}")
        nets = []
        for model in state["models"]:
            net = RhythmNet(NetConfig.from_dict(model["config"]))
            net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in model["weights"].items()})
            nets.append(net)
        return cls(nets)

    @torch.no_grad()
    def predict_features(self, excerpts: list[dict[str, np.ndarray]]) -> np.ndarray:
        """Probabilities (n_excerpts, 11) over CLASSES for precomputed excerpt features."""
        pedf, odf = stack_inputs(excerpts)
        return np.mean([torch.softmax(n(*net_inputs(pedf, odf, n.cfg))[0], 1).numpy() for n in self.nets], axis=0)
