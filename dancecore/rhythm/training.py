"""Training of RhythmNet on Extended Ballroom rows, with tempo-preserving augmentation of the onset curves."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from dancecore.rhythm.classifier import BANDS, NetConfig, RhythmNet
from dancecore.rhythm.features import autocorrelation

TEMPO_REF_BPM = 120.0   # tempo target is log2(bpm / TEMPO_REF_BPM) / TEMPO_SCALE
TEMPO_SCALE = 0.4       # octaves; about the spread (std) of log2 tempo in Extended Ballroom


@dataclass(frozen=True)
class TrainConfig:
    """epochs, peak learning rate (one-cycle), AdamW weight decay, batch size, label smoothing,
    weight of the tempo loss, strength of the tempo-preserving augmentation (0 = none), and class
    balance b: each class's loss is weighted by (its share of the training rows)^-b, normalised to a
    mean of 1 over the rows (0 = plain cross-entropy; 1 = every class counts as much as any other)."""

    epochs: int = 40
    lr: float = 2e-3
    weight_decay: float = 1e-3
    batch_size: int = 64
    label_smoothing: float = 0.05
    tempo_weight: float = 0.5
    augment: float = 0.3
    class_balance: float = 0.0


@dataclass(frozen=True)
class Member:
    """One ensemble member: network and training configuration."""

    net: NetConfig
    train: TrainConfig


# The shipped ensemble: three variants chosen by artist-grouped cross-validation (docs/model/rhythm_cv.json),
# trained with a square-root class balance so that the rare paso doble (53 of 4180 tracks) is not given up.
MEMBERS: tuple[Member, ...] = (
    Member(NetConfig(dropout=0.3, loglag_bins=96), TrainConfig(augment=0.3, class_balance=0.5)),
    Member(NetConfig(dropout=0.5, loglag_bins=96), TrainConfig(augment=0.8, class_balance=0.5)),
    Member(NetConfig(dropout=0.5, loglag_bins=96, xcorr=True), TrainConfig(augment=0.5, class_balance=0.5)),
)


def perturb_odf(odf: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Tempo-preserving perturbation of one excerpt's onset curves (bands, frames), each re-normalised to max 1:
    per-band contrast change odf**g (g log-uniform in 1 +- strength), a shared silent gap of up to
    2 s (50 frames), and a small positive noise floor (up to 0.1 * strength)."""
    out = odf ** np.exp(rng.uniform(-strength, strength, size=(len(odf), 1)))
    gap = rng.integers(0, 51)
    start = rng.integers(0, odf.shape[1] - gap + 1)
    out[:, start:start + gap] = 0.0
    out = out + np.abs(rng.normal(0.0, 0.1 * strength * rng.uniform(), size=out.shape))
    return (out / np.maximum(out.max(axis=1, keepdims=True), 1e-9)).astype(np.float32)


def batch_inputs(odf: np.ndarray, pedf: np.ndarray, idx: np.ndarray, rng: np.random.Generator,
                 strength: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows `idx` of odf (n, 2, 298) / pedf (n, 2, 149) as tensors; when strength > 0, half of the rows
    are perturbed (perturb_odf) and their pedf recomputed with the recipe."""
    o, p = odf[idx].copy(), pedf[idx].copy()
    if strength > 0:
        for j in np.flatnonzero(rng.uniform(size=len(idx)) < 0.5):
            o[j] = perturb_odf(o[j], rng, strength)
            p[j] = [autocorrelation(band) for band in o[j]]
    return torch.from_numpy(p), torch.from_numpy(o)


def class_weights(y: np.ndarray, n_classes: int, balance: float) -> torch.Tensor:
    """Per-class loss weights (n_classes,): count^-balance, scaled so the rows' mean weight is 1."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    w = np.where(counts > 0, np.maximum(counts, 1.0) ** -balance, 0.0)
    w *= len(y) / float((w * counts).sum())
    return torch.tensor(w, dtype=torch.float32)


def train_net(odf: np.ndarray, pedf: np.ndarray, y: np.ndarray, bpm: np.ndarray, rows: np.ndarray,
              net_cfg: NetConfig, cfg: TrainConfig, seed: int, desc: str = "train",
              row_weight: np.ndarray | None = None) -> RhythmNet:
    """Train one RhythmNet on `rows` of odf (n, 2, 298), pedf (n, 2, 149), class y (n,), tempo bpm (n,);
    `row_weight` (n,) scales each row's classification loss (default 1; e.g. below 1 for rendered rows)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = RhythmNet(net_cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n_batches = int(np.ceil(len(rows) / cfg.batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.epochs * n_batches)
    tempo = (np.log2(bpm / TEMPO_REF_BPM) / TEMPO_SCALE).astype(np.float32)
    weights = class_weights(y[rows], int(y.max()) + 1, cfg.class_balance)
    row_weight = np.ones(len(y), np.float32) if row_weight is None else row_weight.astype(np.float32)
    for _ in tqdm(range(cfg.epochs), desc=desc, leave=False):
        net.train()
        order = rng.permutation(rows)
        for start in range(0, len(order), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            p, o = batch_inputs(odf, pedf, idx, rng, cfg.augment)
            logits, tempo_hat = net(p, o)
            target = torch.from_numpy(y[idx])
            rw = torch.from_numpy(row_weight[idx])
            per_row = F.cross_entropy(logits, target, weight=weights, label_smoothing=cfg.label_smoothing,
                                      reduction="none")
            loss = (per_row * rw).sum() / (weights[target] * rw).sum()  # = the weighted mean when rw is all 1
            if cfg.tempo_weight > 0:
                loss = loss + cfg.tempo_weight * F.smooth_l1_loss(tempo_hat, torch.from_numpy(tempo[idx]))
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
