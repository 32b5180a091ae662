"""How well can "not sure" tell the not_ballroom excerpts from the in-set songs? Every song-level signal
the shipped model has, ranked by AUROC, with the most not_ballroom excerpts it could reject while
rejecting at most 10% of in-set songs; and detectors trained on the songs themselves under
leave-one-song-out cross-validation (the song under test is never in the detector's training rows).

Input: the per-window scores that `scripts/build_default_model.py --save-scores` writes (CNN and rhythm
window probabilities of every validation song). Usage:
python scripts/reject_signals.py --scores runs/val_scores.npz --out docs/model/reject_signals.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import LeaveOneOut, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_default_model import load_scores, song_level  # noqa: E402

from dancecore.dances import DANCE_IDS  # noqa: E402
from dancecore.fusion import RhythmScorer  # noqa: E402
from dancecore.model import load_model  # noqa: E402

MAX_FALSE_REJECTION = 0.10


def best_rejection(score: np.ndarray, out_of_set: np.ndarray) -> float:
    """Largest share of out-of-set songs with `score` above a threshold that puts at most 10% of the
    in-set songs above it (higher score = more likely another dance)."""
    best = 0.0
    for threshold in np.unique(score):
        if np.mean(score[~out_of_set] > threshold) <= MAX_FALSE_REJECTION:
            best = max(best, float(np.mean(score[out_of_set] > threshold)))
    return best


def signals(rows: list[dict], scorer: RhythmScorer) -> dict[str, np.ndarray]:
    """Song-level signals, each oriented so that higher = more likely another dance."""
    out: dict[str, list[float]] = {k: [] for k in (
        "1 - fused top probability", "rhythm branch: mean 'other' probability", "1 - CNN top probability",
        "1 - rhythm top probability (ten dances)", "1 - CNN probability of the rhythm branch's top dance",
        "1 - share of windows agreeing with the song's dance")}
    for r in rows:
        fused_windows, other_windows = scorer.fuse(r["cnn"], r["rhythm"])
        fused_song, other = fused_windows.mean(axis=0), float(other_windows.mean())
        cnn = r["cnn"].mean(axis=0)
        rhythm = r["rhythm"][:, scorer.dance_order].mean(axis=0)
        rhythm = rhythm / rhythm.sum()
        values = (1 - fused_song.max(), other, 1 - cnn.max(), 1 - rhythm.max(), 1 - cnn[rhythm.argmax()],
                  1 - float(np.mean(fused_windows.argmax(axis=1) == fused_song.argmax())))
        for key, value in zip(out, values):
            out[key].append(float(value))
    return {k: np.array(v) for k, v in out.items()}


def song_features(rows: list[dict], scorer: RhythmScorer) -> dict[str, np.ndarray]:
    """Per-song feature vectors for the cross-validated detectors (mean window probabilities)."""
    cnn = np.array([r["cnn"].mean(axis=0) for r in rows])
    rhythm = np.array([r["rhythm"].mean(axis=0) for r in rows])
    fused = np.array([song_level(r, scorer)[0] for r in rows])
    return {"CNN probabilities (10)": cnn, "rhythm probabilities (11)": rhythm,
            "fused + CNN + rhythm probabilities (31)": np.hstack([fused, cnn, rhythm])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", required=True, help="NPZ from build_default_model.py --save-scores")
    parser.add_argument("--model", help="model file whose fusion is used (default: the shipped model)")
    parser.add_argument("--out", default="docs/model/reject_signals.json")
    args = parser.parse_args()

    model = load_model(args.model)
    scorer = RhythmScorer(model.rhythm)
    rows = load_scores(args.scores)
    out_of_set = np.array([r["dance"] not in DANCE_IDS for r in rows])
    report: dict = {"n_in_set": int((~out_of_set).sum()), "n_out_of_set": int(out_of_set.sum()),
                    "max_false_rejection": MAX_FALSE_REJECTION, "signals": [], "loo_detectors": []}
    for name, score in signals(rows, scorer).items():
        report["signals"].append({"signal": name, "auroc": round(float(roc_auc_score(out_of_set, score)), 3),
                                  "rejected_at_10pct": round(best_rejection(score, out_of_set), 3)})
    for name, features in song_features(rows, scorer).items():
        for c in (0.01, 0.1, 1.0):
            detector = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
            score = cross_val_predict(detector, features, out_of_set, cv=LeaveOneOut(), method="predict_proba")[:, 1]
            report["loo_detectors"].append({"features": name, "C": c,
                                            "auroc": round(float(roc_auc_score(out_of_set, score)), 3),
                                            "rejected_at_10pct": round(best_rejection(score, out_of_set), 3)})
    report["signals"].sort(key=lambda s: -s["auroc"])
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    for s in report["signals"]:
        print(f"{s['signal']:55s} AUROC {s['auroc']:.3f}  rejected {s['rejected_at_10pct']:.1%}")
    for d in report["loo_detectors"]:
        print(f"LOO {d['features']:40s} C={d['C']:<5} AUROC {d['auroc']:.3f}  rejected {d['rejected_at_10pct']:.1%}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
