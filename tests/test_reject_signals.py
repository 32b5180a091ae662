"""scripts/reject_signals.py on window scores of real songs: the report the model card reads."""
from __future__ import annotations

from pathlib import Path

from sklearn.metrics import roc_auc_score

from song_scores import run_scores_script, save_window_scores

SECONDS = 25.0


def test_signals_and_loo_detectors_from_saved_scores(song_labels, classifier, model_path, tmp_path: Path) -> None:
    """Four in-set songs and four not_ballroom excerpts (first 25 s): every signal is reported with an AUROC
    and a rejection share, the rhythm branch's 'other' AUROC equals the one computed from the saved windows,
    and the leave-one-song-out detectors are there."""
    picked = [r for r in song_labels if r["kind"] == "in_set"][::7][:4] + \
             [r for r in song_labels if r["kind"] != "in_set"][::6][:4]
    other = save_window_scores(picked, classifier, tmp_path / "scores.npz", SECONDS)

    report = run_scores_script("reject_signals.py", tmp_path / "scores.npz", model_path, tmp_path / "signals.json")
    assert (report["n_in_set"], report["n_out_of_set"]) == (4, 4)
    assert len(report["signals"]) == 6 and len(report["loo_detectors"]) == 9
    for entry in report["signals"] + report["loo_detectors"]:
        assert 0 <= entry["auroc"] <= 1 and 0 <= entry["rejected_at_10pct"] <= 1
    by_name = {s["signal"]: s for s in report["signals"]}
    expected = roc_auc_score([r["kind"] != "in_set" for r in picked], other)
    assert by_name["rhythm branch: mean 'other' probability"]["auroc"] == round(expected, 3)
    assert [s["auroc"] for s in report["signals"]] == sorted((s["auroc"] for s in report["signals"]), reverse=True)
