"""Training of RhythmNet on Extended Ballroom rows, with tempo-preserving augmentation of the onset curves."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from dancecore.rhythm.classifier import NetConfig, RhythmNet, net_inputs
from dancecore.rhythm.features import autocorrelation
from dancecore.rhythm.inputs import BANDS

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
                 strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows `idx` of pedf (n, 2, 149) / odf (n, 2, 298); when strength > 0, half of the rows are
    perturbed (perturb_odf) and their pedf recomputed with the recipe."""
    o, p = odf[idx].copy(), pedf[idx].copy()
    if strength > 0:
        for j in np.flatnonzero(rng.uniform(size=len(idx)) < 0.5):
            o[j] = perturb_odf(o[j], rng, strength)
            p[j] = [autocorrelation(band) for band in o[j]]
    return p, o


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
            logits, tempo_hat = net(*net_inputs(p, o, net_cfg))
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


FINAL = -1  # fold index of the shipped members (trained on every row)
_JOB: dict = {}  # members and data of train_members, shared with forked worker processes


def _train_job(job: tuple[int, int]) -> RhythmNet:
    """Train member j on the training rows of fold f (FINAL: every row); seed 100 f + j (final: 1000 + j)."""
    f, j = job
    data, folds, members = _JOB["data"], _JOB["folds"], _JOB["members"]
    torch.set_num_threads(1)
    rows = np.arange(len(data.y)) if f == FINAL else folds[f][0]
    m = members[j]
    return train_net(data.odf, data.pedf, data.y, data.bpm, rows, m.net, m.train,
                     seed=(1000 if f == FINAL else 100 * f) + j,
                     desc=f"{'final' if f == FINAL else f'fold {f}'} member {j}")


@dataclass(frozen=True)
class RhythmRows:
    """Training rows: odf (n, 2, 298), pedf (n, 2, 149), class index y (n,) into CLASSES, tempo bpm (n,) and
    song group (n,) (rows of one group are never split between folds)."""

    odf: np.ndarray
    pedf: np.ndarray
    y: np.ndarray
    bpm: np.ndarray
    groups: np.ndarray


def train_members(rows: RhythmRows, members: list[Member], jobs: list[tuple[int, int]], folds: list,
                  workers: int = 1) -> dict[tuple[int, int], RhythmNet]:
    """Train every (fold, member) job (fold FINAL: on all rows), in `workers` forked processes when more than one."""
    _JOB.update(data=rows, folds=folds, members=members)
    if workers <= 1:
        return {job: _train_job(job) for job in jobs}
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        return dict(zip(jobs, pool.map(_train_job, jobs)))


@torch.no_grad()
def predict(nets: list[RhythmNet], odf: np.ndarray, pedf: np.ndarray) -> np.ndarray:
    """(n, 11) probabilities: the mean over `nets` of their softmax on odf (n, 2, 298), pedf (n, 2, 149)."""
    return np.mean([torch.softmax(n.eval()(*net_inputs(pedf, odf, n.cfg))[0], 1).numpy() for n in nets], axis=0)


def ten_dance_metrics(probs: np.ndarray, y: np.ndarray, n_dances: int) -> dict:
    """Top-1/top-2 over the first `n_dances` columns on rows of those dances, their per-dance recall (by
    index) and confusion (rows true, columns predicted), and how many of them the 'other' column wins."""
    keep = y < n_dances
    p, t = probs[keep, :n_dances], y[keep]
    order = np.argsort(-p, axis=1)
    confusion = np.zeros((n_dances, n_dances), dtype=int)
    np.add.at(confusion, (t, order[:, 0]), 1)
    return {"n_rows": int(keep.sum()), "top1": float(np.mean(order[:, 0] == t)),
            "top2": float(np.mean((order[:, :2] == t[:, None]).any(1))),
            "recall": [float(confusion[i, i] / max(1, confusion[i].sum())) for i in range(n_dances)],
            "confusion": confusion.tolist(), "rejected_as_other": int(np.sum(probs[keep].argmax(1) == n_dances))}


def cross_validate(rows: RhythmRows, members: list[Member], n_folds: int = 5, workers: int = 1,
                   final: bool = True) -> tuple[dict, list[RhythmNet]]:
    """Grouped, stratified k-fold cross-validation of the ensemble (StratifiedGroupKFold, shuffled, random
    state 0; each fold's members trained on the other folds only, fixed epochs, their probabilities
    averaged), then (`final`) the members trained on every row. Returns the figures (ten-dance top-1/top-2
    and recall, AUROC of the 'other' output for other-dance rows against ten-dance rows, per fold and per
    member) and the final members."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    n_dances = int(rows.y.max())  # the last class is 'other'
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=0)
    folds = list(splitter.split(rows.odf, rows.y, rows.groups))
    jobs = [(f, j) for f in [*range(n_folds), *([FINAL] if final else [])] for j in range(len(members))]
    nets = train_members(rows, members, jobs, folds, workers)
    oof = np.zeros((len(members), len(rows.y), n_dances + 1))
    per_fold = []
    for f, (_, test) in enumerate(folds):
        for j in range(len(members)):
            oof[j, test] = predict([nets[f, j]], rows.odf[test], rows.pedf[test])
        m = ten_dance_metrics(oof[:, test].mean(0), rows.y[test], n_dances)
        per_fold.append({"fold": f, "n_test_rows": len(test), "top1": m["top1"], "top2": m["top2"]})
    ensemble = oof.mean(0)
    is_other = (rows.y == n_dances).astype(int)
    report = {"folds": n_folds, "n_rows": len(rows.y), "ten_dance": ten_dance_metrics(ensemble, rows.y, n_dances),
              "reject": {"n_other": int(is_other.sum()),
                         "auroc_p_other": (float(roc_auc_score(is_other, ensemble[:, n_dances]))
                                           if 0 < is_other.sum() < len(is_other) else None)},
              "per_fold": per_fold,
              "member_top1": [ten_dance_metrics(oof[j], rows.y, n_dances)["top1"] for j in range(len(members))]}
    return report, [nets[FINAL, j] for j in range(len(members))] if final else []
