"""scripts/reject_signals.py on window scores of real songs: the report the model card reads."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from dancecore.audio import load_audio
from dancecore.features import log_mel
from dancecore.fusion import RhythmScorer
from dancecore.segments import cut_windows

REPO = Path(__file__).resolve().parents[1]
SECONDS = 25.0


def test_signals_and_loo_detectors_from_saved_scores(song_labels, classifier, model_path, tmp_path: Path) -> None:
    """Four in-set songs and four not_ballroom excerpts (first 25 s): every signal is reported with an AUROC
    and a rejection share, the rhythm branch's 'other' AUROC equals the one computed from the saved windows,
    and the leave-one-song-out detectors are there."""
    picked = [r for r in song_labels if r["kind"] == "in_set"][::7][:4] + \
             [r for r in song_labels if r["kind"] != "in_set"][::6][:4]
    scorer = RhythmScorer(classifier.model.rhythm)
    saved, other = {}, []
    for i, row in enumerate(picked):
        audio = load_audio(row["path"], max_duration_s=SECONDS)
        cut = cut_windows(log_mel(audio.samples, classifier.model.features))
        ends = (cut.start_frames + cut.windows.shape[1]) * classifier.model.features.hop_length
        rhythm = scorer.probabilities([RhythmScorer.excerpt(audio.samples, int(e), audio.sr) for e in ends], audio.sr)
        saved.update({f"cnn_{i}": classifier.model.predict_windows(cut.windows), f"rhythm_{i}": rhythm,
                      f"clarity_{i}": np.float64(0.5), f"dance_{i}": np.str_(row["dance"]),
                      f"path_{i}": np.str_(row["path"])})
        other.append(float(rhythm[:, scorer.other_index].mean()))
    np.savez(tmp_path / "scores.npz", **saved)

    out = tmp_path / "signals.json"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "reject_signals.py"), "--scores",
                           str(tmp_path / "scores.npz"), "--model", str(model_path), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert (report["n_in_set"], report["n_out_of_set"]) == (4, 4)
    assert len(report["signals"]) == 6 and len(report["loo_detectors"]) == 9
    for entry in report["signals"] + report["loo_detectors"]:
        assert 0 <= entry["auroc"] <= 1 and 0 <= entry["rejected_at_10pct"] <= 1
    by_name = {s["signal"]: s for s in report["signals"]}
    expected = roc_auc_score([r["kind"] != "in_set" for r in picked], other)
    assert by_name["rhythm branch: mean 'other' probability"]["auroc"] == round(expected, 3)
    assert [s["auroc"] for s in report["signals"]] == sorted((s["auroc"] for s in report["signals"]), reverse=True)
