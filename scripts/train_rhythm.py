"""Train the rhythm branch on Extended Ballroom features with artist/version-grouped 5-fold CV.

Cross-validates the ensemble of dancecore.rhythm.training.MEMBERS (each fold: every member trained
on the other four folds), then trains every member on all rows and writes that ensemble
(runs/rhythm_branch.pt) and the CV figures with their protocol (docs/model/rhythm_cv.json).
Rendered clips (research/rhythm_rendered_rows/synth_rhythm_features.py, frozen at 4c75b84: the ten dances and
other social dances) can be added to the training rows of every fold with --extra; they are never test rows, so the
CV figures stay on real Extended Ballroom tracks only.
Usage: python scripts/train_rhythm.py [--folds 0,1] [--members 0,2] [--no-final] [--extra runs/x.npz] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from dancecore.dances import DANCE_IDS
from dancecore.rhythm.classifier import RhythmBranch, RhythmNet
from dancecore.rhythm.data import CLASSES, EballSet, data_root, load_eball, song_groups
from dancecore.rhythm.training import MEMBERS, stacked_features, train_net

REPO = Path(__file__).resolve().parents[1]
N_DANCES = len(DANCE_IDS)
PROTOCOL = (
    "Extended Ballroom rhythm features (eball-rhythm npz, 4180 rows), bands 0 and 1 only "
    "(odf0, odf1, pedf0, pedf1). 11 classes: ten dances + other (Salsa, Wcswing). "
    "StratifiedGroupKFold(5, shuffle, random_state=0); groups = union-find over artist "
    "(placeholder artists such as 'Various' excluded) and other_version_ids, so an artist and "
    "all versions of a song are in one fold. In each fold every ensemble member is trained on the other "
    "four folds only (fixed epochs, no early stopping or tuning on the test fold) and the fold's "
    "members' probabilities are averaged. The annotated tempo is an auxiliary training target, never an "
    "input. Ten-dance top-1/top-2: argmax over the ten dance columns, on rows of the ten dances; reject "
    "AUROC: other rows vs ten-dance rows. Member variants were chosen on this CV. The shipped model is "
    "the same members retrained on all 4180 rows.")
EXTRA_PROTOCOL = (
    " Added to every fold's training rows (never test rows): {n} excerpts of rendered clips ({files}; the ten "
    "dances and, as 'other', other social dances), each with loss weight {w}; the shipped members also train on them.")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folds", default="0,1,2,3,4", help="folds to run (a subset for quick trials)")
    p.add_argument("--members", default=",".join(str(i) for i in range(len(MEMBERS))),
                   help="indices into MEMBERS to use")
    p.add_argument("--no-final", action="store_true", help="skip training the shipped models on all rows")
    p.add_argument("--class-balance", type=float, help="override every member's TrainConfig.class_balance")
    p.add_argument("--model-out", type=Path, default=REPO / "runs" / "rhythm_branch.pt",
                   help="the ensemble (embedded into the default model by scripts/build_default_model.py)")
    p.add_argument("--report-out", type=Path, default=REPO / "docs" / "model" / "rhythm_cv.json")
    p.add_argument("--oof-out", type=Path, default=None, help="save out-of-fold probabilities (.npy)")
    p.add_argument("--extra", type=Path, nargs="*", default=[],
                   help="rendered-clip feature files (research/rhythm_rendered_rows/synth_rhythm_features.py) added to "
                        "every training set")
    p.add_argument("--extra-weight", type=float, default=0.3, help="loss weight of each rendered row (real rows: 1)")
    p.add_argument("--workers", type=int, default=1, help="processes training networks side by side (one thread each)")
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


def as_excerpts(odf: np.ndarray, pedf: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Stacked (n, 2, T) arrays -> feature dicts as RhythmBranch.predict_features takes them."""
    return [{"odf0": o[0], "odf1": o[1], "pedf0": p[0], "pedf1": p[1]} for o, p in zip(odf, pedf)]


@dataclass(frozen=True)
class TrainingRows:
    """Real Extended Ballroom rows (the first n_real) followed by rendered rows: inputs, class, tempo (BPM)
    and per-row loss weight."""

    odf: np.ndarray
    pedf: np.ndarray
    y: np.ndarray
    bpm: np.ndarray
    weight: np.ndarray
    n_real: int


def training_rows(data: EballSet, extra: list[Path], extra_weight: float) -> TrainingRows:
    """Extended Ballroom rows plus the rows of the `extra` feature files."""
    odf, pedf = stacked_features(data.features)
    parts = [(odf, pedf, data.y, data.bpm)]
    for path in extra:
        x = np.load(path)
        parts.append((x["odf"], x["pedf"], np.array([CLASSES.index(c) for c in x["label"]], np.int64), x["bpm"]))
    n_extra = sum(len(p[2]) for p in parts[1:])
    return TrainingRows(*(np.concatenate(a) for a in zip(*parts)),
                        weight=np.concatenate([np.ones(len(data.y)), np.full(n_extra, extra_weight)]),
                        n_real=len(data.y))


FINAL = -1  # fold index of the shipped members (trained on every real row)
_JOB: dict = {}  # members, rows and folds, shared with forked worker processes


def train_job(job: tuple[int, int]) -> RhythmNet:
    """Train member j for fold f (FINAL: on all real rows) plus every rendered row; seed 100 f + j (final: 1000 + j)."""
    f, j = job
    members, rows, folds = _JOB["members"], _JOB["rows"], _JOB["folds"]
    real_rows = np.arange(rows.n_real) if f == FINAL else folds[f][0]
    train = np.concatenate([real_rows, np.arange(rows.n_real, len(rows.y))])
    m = members[j]
    return train_net(rows.odf, rows.pedf, rows.y, rows.bpm, train, m.net, m.train,
                     seed=(1000 if f == FINAL else 100 * f) + j, row_weight=rows.weight,
                     desc=f"{'final' if f == FINAL else f'fold {f}'} member {j}")


def train_all(jobs: list[tuple[int, int]], workers: int) -> dict[tuple[int, int], RhythmNet]:
    """Train every (fold, member) job, in `workers` forked processes when more than one."""
    if workers <= 1:
        return {job: train_job(job) for job in jobs}
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        return dict(zip(jobs, pool.map(train_job, jobs)))


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    members = [MEMBERS[int(i)] for i in args.members.split(",")]
    if args.class_balance is not None:
        members = [replace(m, train=replace(m.train, class_balance=args.class_balance)) for m in members]
    data = load_eball()
    rows = training_rows(data, args.extra, args.extra_weight)
    odf, pedf = rows.odf[:rows.n_real], rows.pedf[:rows.n_real]
    folds = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(odf, data.y, song_groups(data.meta)))
    run = [int(f) for f in args.folds.split(",")]
    _JOB.update(members=members, rows=rows, folds=folds)
    t0 = time.time()
    jobs = [(f, j) for f in run + ([] if args.no_final else [FINAL]) for j in range(len(members))]
    nets = train_all(jobs, args.workers)
    oof = np.full((len(members), len(data.y), len(CLASSES)), np.nan)
    per_fold = []
    for f in run:
        test_rows = folds[f][1]
        for j in range(len(members)):
            oof[j, test_rows] = RhythmBranch([nets[f, j]]).predict_features(as_excerpts(odf[test_rows], pedf[test_rows]))
        m = ten_dance_metrics(oof[:, test_rows].mean(0), data.y[test_rows])
        per_fold.append({"fold": f, "n_test_rows": len(test_rows), "top1": m["top1"], "top2": m["top2"]})
        print(f"fold {f}: top1 {m['top1']:.4f} top2 {m['top2']:.4f}", flush=True)
    done = ~np.isnan(oof[0, :, 0])
    ensemble = oof[:, done].mean(0)
    metrics = ten_dance_metrics(ensemble, data.y[done])
    report = {
        "protocol": PROTOCOL + (EXTRA_PROTOCOL.format(n=len(rows.y) - rows.n_real, w=args.extra_weight,
                                                      files=", ".join(str(p) for p in args.extra))
                                if args.extra else ""),
        "data_root": str(data_root()),
        "members": [{"net": asdict(m.net), "train": asdict(m.train)} for m in members],
        "folds_run": run, "per_fold": per_fold,
        "ten_dance": metrics, "reject": reject_metrics(ensemble, data.y[done]),
        "member_top1": [ten_dance_metrics(oof[j, done], data.y[done])["top1"] for j in range(len(members))],
        "seconds": round(time.time() - t0),
    }
    print(f"ten-dance top1 {metrics['top1']:.4f} top2 {metrics['top2']:.4f}; members "
          f"{', '.join(f'{a:.4f}' for a in report['member_top1'])}; reject AUROC {report['reject']['auroc_p_other']:.3f}")
    if args.oof_out:
        np.save(args.oof_out, oof)
    args.report_out.parent.mkdir(parents=True, exist_ok=True)
    args.report_out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.report_out}")
    if not args.no_final:
        args.model_out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(RhythmBranch([nets[FINAL, j] for j in range(len(members))]).to_state(), args.model_out)
        print(f"wrote {args.model_out}")


if __name__ == "__main__":
    main()
