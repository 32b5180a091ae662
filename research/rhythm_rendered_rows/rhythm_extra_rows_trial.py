#!/usr/bin/env python
"""Trial: does adding rendered clips to the rhythm branch's training rows help?

Trains one rhythm-branch member on fold F of the artist-grouped Extended Ballroom split (as
scripts/train_rhythm.py does), once on the real rows only and once per variant with rendered rows
added (scripts/synth_rhythm_features.py), and reports for each: Extended Ballroom top-1 and paso doble
recall on the held-out fold, AUROC of "other" (Salsa/West Coast Swing) there, and on the validation songs
the rhythm branch's song top-1/top-2 alone and fused with the CNN window probabilities of the shipped
model (saved by `scripts/build_default_model.py --save-scores`), plus how many not_ballroom excerpts its
"other" probability rejects when at most 10% of in-set songs are rejected.

    python scripts/rhythm_extra_rows_trial.py --scores runs/val_scores.npz \\
        --variant ballroom=runs/synth_rhythm_1x.npz --variant ballroom+social=runs/synth_rhythm_1x.npz,runs/social_rhythm_1x.npz
"""
from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_default_model import DATA, load_scores  # noqa: E402
from train_rhythm import as_excerpts, reject_metrics, ten_dance_metrics, training_rows  # noqa: E402

from dancecore.audio import load_audio  # noqa: E402
from dancecore.dances import DANCE_IDS  # noqa: E402
from dancecore.features import FeatureSettings, log_mel  # noqa: E402
from dancecore.fusion import FusionSettings, RhythmScorer, excerpt_features  # noqa: E402
from dancecore.rhythm.classifier import RhythmBranch  # noqa: E402
from dancecore.rhythm.data import CLASSES, load_eball, song_groups  # noqa: E402
from dancecore.rhythm.training import MEMBERS, train_net  # noqa: E402
from dancecore.segments import cut_windows  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MAX_FALSE_REJECTION = 0.10


def song_window_features(paths: list[str]) -> list[list[dict[str, np.ndarray]]]:
    """Rhythm features of the excerpt ending with every 5.2 s window of each song (as the classifier cuts them)."""
    settings = FeatureSettings()
    out = []
    for path in paths:
        audio = load_audio(str(DATA / "songs" / path), max_duration_s=1800.0)
        cut = cut_windows(log_mel(audio.samples, settings))
        ends = (cut.start_frames + cut.windows.shape[1]) * settings.hop_length
        out.append([excerpt_features(RhythmScorer.excerpt(audio.samples, int(e), audio.sr), audio.sr) for e in ends])
    return out


def song_figures(branch: RhythmBranch, songs: list[dict], features: list) -> dict:
    """Song top-1/top-2 of the rhythm branch alone and fused (CNN 1.0, rhythm 0.5), and rejection by 'other'."""
    scorers = {name: RhythmScorer({"branch": branch.to_state(), "fusion": FusionSettings(*weights).to_dict()})
               for name, weights in (("rhythm", (0.0, 1.0)), ("fused", (1.0, 0.5)))}
    ranks: dict[str, list[int]] = {name: [] for name in scorers}
    other_in, other_out = [], []
    for song, feats in zip(songs, features):
        probs = branch.predict_features(feats)
        other = float(probs[:, CLASSES.index("other")].mean())
        if song["dance"] not in DANCE_IDS:
            other_out.append(other)
            continue
        other_in.append(other)
        truth = DANCE_IDS.index(song["dance"])
        for name, scorer in scorers.items():
            p = scorer.fuse(song["cnn"], probs)[0].mean(0)
            ranks[name].append(int(np.argsort(-p).tolist().index(truth)))
    allowed = int(np.floor(MAX_FALSE_REJECTION * len(other_in)))
    threshold = np.sort(other_in)[-(allowed + 1)]
    figures = {f"songs_{k}_top{n}": float(np.mean(np.array(v) < n)) for k, v in ranks.items() for n in (1, 2)}
    return {**figures, "songs_other_auroc": float(roc_auc_score([0] * len(other_in) + [1] * len(other_out),
                                                                 other_in + other_out)),
            "not_ballroom_rejected_at_most_10pct_in_set": float(np.mean(np.array(other_out) > threshold))}


def run_variant(job: tuple[str, list[str], float, int, int, list[dict], list]) -> dict:
    """Train and measure one variant (a process of its own)."""
    name, extra, weight, fold, member, songs, features = job
    torch.set_num_threads(1)
    data = load_eball()
    rows = training_rows(data, [Path(p) for p in extra], weight)
    odf, pedf = rows.odf[:rows.n_real], rows.pedf[:rows.n_real]
    folds = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(odf, data.y, song_groups(data.meta)))
    train, test = folds[fold]
    train = np.concatenate([train, np.arange(rows.n_real, len(rows.y))])
    m = MEMBERS[member]
    net = train_net(rows.odf, rows.pedf, rows.y, rows.bpm, train, m.net, m.train, seed=100 * fold + member,
                    desc=name, row_weight=rows.weight)
    branch = RhythmBranch([net])
    probs = branch.predict_features(as_excerpts(odf[test], pedf[test]))
    eball = ten_dance_metrics(probs, data.y[test])
    return {"variant": name, "extra": extra, "rendered_rows": len(rows.y) - rows.n_real,
            "eball_fold_top1": eball["top1"], "eball_fold_paso_doble_recall": eball["recall"]["paso_doble"],
            "eball_fold_other_auroc": reject_metrics(probs, data.y[test])["auroc_p_other"],
            **song_figures(branch, songs, features)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scores", required=True, type=Path, help="window scores saved by build_default_model.py")
    ap.add_argument("--variant", action="append", default=[], help="NAME=rows.npz[,rows2.npz] (repeatable)")
    ap.add_argument("--weight", type=float, default=0.3, help="loss weight of each rendered row")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--member", type=int, default=0, help="index into dancecore.rhythm.training.MEMBERS")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "model" / "rhythm_extra_rows_trial.json")
    args = ap.parse_args()
    songs = load_scores(str(args.scores))
    features = song_window_features([s["path"] for s in songs])
    variants = [("real rows only", [])] + [(v.split("=", 1)[0], v.split("=", 1)[1].split(",")) for v in args.variant]
    jobs = [(name, extra, args.weight, args.fold, args.member, songs, features) for name, extra in variants]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_variant, jobs))
    for r in results:
        print(json.dumps(r))
    protocol = (f"One rhythm-branch member (MEMBERS[{args.member}]) trained on the training rows of fold {args.fold} "
                "of the artist-grouped 5-fold Extended Ballroom split (scripts/train_rhythm.py), with rendered rows "
                f"added at loss weight {args.weight}; Extended Ballroom figures on the held-out fold only; song figures on "
                f"the validation songs (29 in-set, 24 not_ballroom; fused = the CNN window probabilities saved in {args.scores} "
                "x rhythm^0.5).")
    args.out.write_text(json.dumps({"protocol": protocol, "results": results}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
