"""Train the rhythm branch on Extended Ballroom features with artist/version-grouped 5-fold CV.

Writes the fold models as one ensemble (dancecore/models/rhythm_branch.pt) and the CV figures
with their protocol (docs/rhythm_cv.json). Usage: python scripts/train_rhythm.py [--help]
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from dancecore.dances import DANCE_IDS
from dancecore.rhythm.classifier import NetConfig, RhythmBranch, RhythmNet
from dancecore.rhythm.data import CLASSES, data_root, load_eball, song_groups
from dancecore.rhythm.training import TrainConfig, stacked_features, train_net

REPO = Path(__file__).resolve().parents[1]
N_DANCES = len(DANCE_IDS)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d, n = TrainConfig(), NetConfig()
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--tempo-weight", type=float, default=d.tempo_weight)
    p.add_argument("--augment", type=float, default=d.augment)
    p.add_argument("--channels", type=int, default=n.channels)
    p.add_argument("--hidden", type=int, default=n.hidden)
    p.add_argument("--dropout", type=float, default=n.dropout)
    p.add_argument("--odf-dilations", default=",".join(map(str, n.odf_dilations)))
    p.add_argument("--loglag-bins", type=int, default=n.loglag_bins)
    p.add_argument("--xcorr", action=argparse.BooleanOptionalAction, default=n.xcorr)
    p.add_argument("--seeds", type=int, default=1, help="models per fold (ensembled)")
    p.add_argument("--folds", default="0,1,2,3,4", help="folds to run (a subset for quick trials)")
    p.add_argument("--model-out", type=Path, default=REPO / "dancecore" / "models" / "rhythm_branch.pt")
    p.add_argument("--report-out", type=Path, default=REPO / "docs" / "rhythm_cv.json")
    p.add_argument("--oof-out", type=Path, default=None, help="save out-of-fold probabilities (.npy)")
    return p.parse_args()


def ten_dance_metrics(probs: np.ndarray, y: np.ndarray) -> dict:
    """Top-1/top-2 over the ten dance columns, per-dance recall, confusion, on rows of the ten dances."""
    keep = y < N_DANCES
    p, t = probs[keep, :N_DANCES], y[keep]
    order = np.argsort(-p, axis=1)
    confusion = np.zeros((N_DANCES, N_DANCES), dtype=int)
    np.add.at(confusion, (t, order[:, 0]), 1)
    return {
        "n_rows": int(keep.sum()),
        "top1": float(np.mean(order[:, 0] == t)),
        "top2": float(np.mean((order[:, :2] == t[:, None]).any(1))),
        "recall": {d: float(confusion[i, i] / confusion[i].sum()) for i, d in enumerate(DANCE_IDS)},
        "confusion": {"rows_true_cols_predicted": list(DANCE_IDS), "matrix": confusion.tolist()},
        "rejected_as_other": int(np.sum(probs[keep].argmax(1) == N_DANCES)),
    }


def reject_metrics(probs: np.ndarray, y: np.ndarray) -> dict:
    """AUROC of separating `other` rows (Salsa, Wcswing) from ten-dance rows."""
    is_other = (y == N_DANCES).astype(int)
    return {"n_other": int(is_other.sum()),
            "auroc_p_other": float(roc_auc_score(is_other, probs[:, N_DANCES])),
            "auroc_one_minus_max_dance_prob": float(roc_auc_score(is_other, 1 - probs[:, :N_DANCES].max(1)))}


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    net_cfg = NetConfig(channels=args.channels, hidden=args.hidden, dropout=args.dropout,
                        odf_dilations=tuple(int(d) for d in args.odf_dilations.split(",")),
                        loglag_bins=args.loglag_bins, xcorr=args.xcorr)
    cfg = TrainConfig(epochs=args.epochs, lr=args.lr, tempo_weight=args.tempo_weight, augment=args.augment)
    data = load_eball()
    odf, pedf = stacked_features(data.features)
    groups = song_groups(data.meta)
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    folds = list(splitter.split(odf, data.y, groups))
    run = [int(f) for f in args.folds.split(",")]
    oof = np.full((len(data.y), len(CLASSES)), np.nan)
    nets: list[RhythmNet] = []
    per_fold = []
    t0 = time.time()
    for f in run:
        train_rows, test_rows = folds[f]
        fold_nets = [train_net(odf, pedf, data.y, data.bpm, train_rows, net_cfg, cfg, seed=100 * f + s,
                               desc=f"fold {f} seed {s}") for s in range(args.seeds)]
        branch = RhythmBranch(fold_nets, net_cfg)
        oof[test_rows] = branch.predict_features(
            [{"odf0": o[0], "odf1": o[1], "pedf0": p[0], "pedf1": p[1]} for o, p in zip(odf[test_rows], pedf[test_rows])])
        m = ten_dance_metrics(oof[test_rows], data.y[test_rows])
        per_fold.append({"fold": f, "n_test_rows": len(test_rows), "top1": m["top1"], "top2": m["top2"]})
        print(f"fold {f}: top1 {m['top1']:.4f} top2 {m['top2']:.4f} ({time.time() - t0:.0f} s)", flush=True)
        nets.extend(fold_nets)
    done = ~np.isnan(oof[:, 0])
    metrics = ten_dance_metrics(oof[done], data.y[done])
    report = {
        "protocol": (
            "Extended Ballroom rhythm features (eball-rhythm npz, 4180 rows), bands 0 and 1 only "
            "(odf0, odf1, pedf0, pedf1). 11 classes: ten dances + other (Salsa, Wcswing). "
            "StratifiedGroupKFold(5, shuffle, random_state=0); groups = union-find over artist "
            "(placeholder artists such as 'Various' excluded) and other_version_ids, so an artist and "
            "all versions of a song are in one fold. Each fold's models are trained on the other four folds "
            "only (no tuning on the test fold); annotated tempo is an auxiliary training target, never an input. "
            "Ten-dance top-1/top-2: argmax over the ten dance columns on rows of the ten dances; reject AUROC: "
            "other rows vs ten-dance rows. The shipped model is the ensemble of the fold models."),
        "data_root": str(data_root()),
        "net_config": asdict(net_cfg), "train_config": asdict(cfg), "seeds_per_fold": args.seeds,
        "folds_run": run, "per_fold": per_fold,
        "ten_dance": metrics, "reject": reject_metrics(oof[done], data.y[done]),
        "train_seconds": round(time.time() - t0),
    }
    print(f"ten-dance top1 {metrics['top1']:.4f} top2 {metrics['top2']:.4f}; "
          f"reject AUROC {report['reject']['auroc_p_other']:.3f}")
    if args.oof_out:
        np.save(args.oof_out, oof)
    args.report_out.parent.mkdir(parents=True, exist_ok=True)
    args.report_out.write_text(json.dumps(report, indent=1) + "\n")
    args.model_out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(RhythmBranch(nets, net_cfg).to_state(), args.model_out)
    print(f"wrote {args.model_out} and {args.report_out}")


if __name__ == "__main__":
    main()
