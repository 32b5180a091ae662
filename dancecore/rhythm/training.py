"""Training of RhythmNet on Extended Ballroom rows, with tempo-safe time-stretch augmentation."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from dancecore.dances import DANCES
from dancecore.rhythm.classifier import BANDS, NetConfig, RhythmNet
from dancecore.rhythm.features import autocorrelation

TEMPO_REF_BPM = 120.0   # tempo target is log2(bpm / TEMPO_REF_BPM) / TEMPO_SCALE
TEMPO_SCALE = 0.4       # octaves; about the spread (std) of log2 tempo in Extended Ballroom


@dataclass(frozen=True)
class TrainConfig:
    """epochs, peak learning rate (one-cycle), AdamW weight decay, batch size, label smoothing,
    weight of the tempo loss, and the largest relative time-stretch (0 = no augmentation)."""

    epochs: int = 40
    lr: float = 2e-3
    weight_decay: float = 1e-3
    batch_size: int = 64
    label_smoothing: float = 0.05
    tempo_weight: float = 0.5
    max_stretch: float = 0.0


def stretch_bounds(y: np.ndarray, bpm: np.ndarray, max_stretch: float) -> np.ndarray:
    """Per row (low, high) tempo factors that keep its annotated tempo (BPM, octave-matched) inside its
    dance's competition range and within 1 +- max_stretch; (1, 1) for "other" rows and rows already outside."""
    bounds = np.ones((len(y), 2))
    for i, (cls, b) in enumerate(zip(y, bpm)):
        if cls >= len(DANCES) or max_stretch <= 0:
            continue
        lo, hi = DANCES[cls].bpm
        b = b * min((0.5, 1.0, 2.0), key=lambda k: abs(np.log2(b * k * 2 / (lo + hi))))
        low, high = max(lo / b, 1 - max_stretch), min(hi / b, 1 + max_stretch)
        if low <= high:
            bounds[i] = (low, high)
    return bounds


def stretch_odf(odf: np.ndarray, factor: float) -> np.ndarray:
    """Onset curve played `factor` times faster (linear interpolation, zeros past the end), max 1."""
    t = np.arange(len(odf)) * factor
    out = np.interp(t, np.arange(len(odf)), odf, right=0.0)
    return (out / max(out.max(), 1e-9)).astype(np.float32)


def batch_inputs(odf: np.ndarray, pedf: np.ndarray, idx: np.ndarray, factors: np.ndarray | None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows `idx` of odf (n, 2, 298) / pedf (n, 2, 149) as tensors; stretched (pedf recomputed) when factors given."""
    if factors is None:
        return torch.from_numpy(pedf[idx]), torch.from_numpy(odf[idx])
    o = np.stack([[stretch_odf(odf[i, b], f) for b in range(odf.shape[1])] for i, f in zip(idx, factors)])
    p = np.stack([[autocorrelation(band) for band in row] for row in o])
    return torch.from_numpy(p), torch.from_numpy(o)


def train_net(odf: np.ndarray, pedf: np.ndarray, y: np.ndarray, bpm: np.ndarray, rows: np.ndarray,
              net_cfg: NetConfig, cfg: TrainConfig, seed: int, desc: str = "train") -> RhythmNet:
    """Train one RhythmNet on `rows` of odf (n, 2, 298), pedf (n, 2, 149), class y (n,), tempo bpm (n,)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = RhythmNet(net_cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n_batches = int(np.ceil(len(rows) / cfg.batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.epochs * n_batches)
    bounds = stretch_bounds(y, bpm, cfg.max_stretch)
    tempo = (np.log2(bpm / TEMPO_REF_BPM) / TEMPO_SCALE).astype(np.float32)
    for _ in tqdm(range(cfg.epochs), desc=desc, leave=False):
        net.train()
        order = rng.permutation(rows)
        for start in range(0, len(order), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            factors = rng.uniform(bounds[idx, 0], bounds[idx, 1]) if cfg.max_stretch > 0 else None
            p, o = batch_inputs(odf, pedf, idx, factors)
            target_tempo = tempo[idx] + (np.log2(factors) / TEMPO_SCALE if factors is not None else 0.0)
            logits, tempo_hat = net(p, o)
            loss = F.cross_entropy(logits, torch.from_numpy(y[idx]), label_smoothing=cfg.label_smoothing)
            if cfg.tempo_weight > 0:
                loss = loss + cfg.tempo_weight * F.smooth_l1_loss(tempo_hat, torch.from_numpy(target_tempo.astype(np.float32)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return net.eval()


def stacked_features(features: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Extended Ballroom feature arrays -> odf (n, 2, 298) and pedf (n, 2, 149) float32 for BANDS."""
    odf = np.stack([features[f"odf{b}"] for b in BANDS], 1).astype(np.float32)
    pedf = np.stack([features[f"pedf{b}"] for b in BANDS], 1).astype(np.float32)
    return odf, pedf
