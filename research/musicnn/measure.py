"""The pre-registered musicnn measurement (preregistered_session8.md, amendment 10:48 UTC) on embed.py's outputs;
writes report.json here. /tmp/mnn_train60.csv is the first 60 clips per dance of runs/synth_train_v2.csv.

Runs outside the project, in a scratch environment (TensorFlow is not a dancecore dependency):
    python3 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.15.1 "numpy<2" librosa soundfile scikit-learn
    /tmp/tfenv/bin/pip install --no-deps musicnn==0.1.0   # its pins (numpy<1.17) predate Python 3.11
"""
import json, numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
DANCES = ["cha_cha_cha", "jive", "paso_doble", "quickstep", "rumba", "samba", "slow_foxtrot", "slow_waltz", "tango", "viennese_waltz"]
tr = np.load("/tmp/mnn_train60.npz"); so = np.load("/tmp/mnn_songs.npz"); ho = np.load("/tmp/mnn_heldout.npz")
clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
clf.fit(tr["emb"], [DANCES.index(d) for d in tr["dances"]])
assert list(clf.classes_) == list(range(10))
def topk(p, y, k): return float(np.mean([yy in np.argsort(-pp)[:k] for pp, yy in zip(p, y)]))
ph = clf.predict_proba(ho["emb"]); yh = [DANCES.index(d) for d in ho["dances"]]
print("held-out rendered clips: top-1 %.1f%%" % (100 * topk(ph, yh, 1)))
ps = clf.predict_proba(so["emb"])
inset = np.array([d != "not_ballroom" for d in so["dances"]])
ys = [DANCES.index(d) for d in so["dances"][inset]]
print("songs, musicnn alone: top-1 %.1f%% top-2 %.1f%% (n=%d)" % (100 * topk(ps[inset], ys, 1), 100 * topk(ps[inset], ys, 2), inset.sum()))
auroc = roc_auc_score((~inset).astype(int), 1 - ps.max(1))
print("rejection AUROC of 1 - top probability: %.3f" % auroc)
report = json.load(open("/work/main/docs/model/eval/report.json"))
shipped = {it["path"].split("/songs/")[1]: np.array([it["scores"][d] for d in DANCES]) for it in report["items"]}
sp = np.array([shipped[p] for p in so["paths"]])
fused = sp * ps; fused /= fused.sum(1, keepdims=True)
print("shipped song scores: top-1 %.1f%% top-2 %.1f%%" % (100 * topk(sp[inset], ys, 1), 100 * topk(sp[inset], ys, 2)))
print("product shipped x musicnn: top-1 %.1f%% top-2 %.1f%%" % (100 * topk(fused[inset], ys, 1), 100 * topk(fused[inset], ys, 2)))
print("fused rejection AUROC of 1 - top probability: %.3f" % roc_auc_score((~inset).astype(int), 1 - fused.max(1)))
for p, d, pp in zip(so["paths"][inset], so["dances"][inset], ps[inset]):
    print("  ", d.ljust(15), DANCES[int(np.argmax(pp))].ljust(15), "%.2f" % pp.max(), p[:60])
json.dump({
    "protocol": "docs/model/preregistered_session8.md, amendment 10:48 UTC: MSD_musicnn penultimate features (musicnn 0.1.0, "
                "tensorflow-cpu 2.15.1) averaged over 3 s patches; StandardScaler + LogisticRegression(C=1.0) trained on the "
                "first 60 clips per dance of runs/synth_train_v2.csv; songs capped at 180 s",
    "held_out_rendered_top1": topk(ph, yh, 1),
    "songs_top1": topk(ps[inset], ys, 1), "songs_top2": topk(ps[inset], ys, 2),
    "rejection_auroc": float(auroc),
    "fused_with_shipped_top1": topk(fused[inset], ys, 1), "fused_with_shipped_top2": topk(fused[inset], ys, 2),
    "songs": [{"path": str(p), "dance": str(d), "predicted": DANCES[int(np.argmax(pp))], "probability": float(pp.max())}
              for p, d, pp in zip(so["paths"], so["dances"], ps)],
}, open("/work/main/docs/model/tried_musicnn/report.json", "w"), indent=1)
