"""scripts/selection_bias.py: leave-one-song-out re-selection of fusion and thresholds, on real songs' scores."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from song_scores import run_scores_script, save_window_scores

REPO = Path(__file__).resolve().parents[1]
SECONDS = 25.0
sys.path.insert(0, str(REPO / "scripts"))
from selection_bias import wilson  # noqa: E402


def test_wilson_interval_matches_the_formula() -> None:
    """The 95% interval is the Wilson score interval: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z = 1.959963984540054
    for hits, n in ((24, 29), (8, 24), (0, 10), (29, 29)):
        p = hits / n
        centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        expected = [(centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)]
        assert np.allclose(wilson(hits, n), expected, atol=1e-4)
    assert wilson(24, 29) == [0.6545, 0.924]


def test_report_from_real_songs_scores(song_labels, classifier, model_path, tmp_path: Path) -> None:
    """Five in-set songs and four not_ballroom excerpts (first 25 s), both threshold rules: both sets of figures
    count every song once, intervals contain their share, one choice is recorded per held-out song, and the
    shipped rule rejects no in-set song it was chosen on."""
    picked = [r for r in song_labels if r["kind"] == "in_set"][::6][:5] + \
             [r for r in song_labels if r["kind"] != "in_set"][::6][:4]
    save_window_scores(picked, classifier, tmp_path / "scores.npz", SECONDS)

    report = run_scores_script("selection_bias.py", tmp_path / "scores.npz", model_path, tmp_path / "selection.json")
    assert [r["max_false_rejection"] for r in report["rules"]] == [0.0, 0.1]
    for rule in report["rules"]:
        for name in ("selected_on_all_songs", "leave_one_song_out"):
            figures = rule[name]
            assert figures["top1"]["n"] == figures["top2"]["n"] == figures["in_set_rejected"]["n"] == 5
            assert figures["not_ballroom_rejected"]["n"] == 4
            assert figures["top1"]["hits"] <= figures["top2"]["hits"]
            for v in figures.values():
                assert v["ci95"][0] <= v["share"] <= v["ci95"][1]
        assert sum(rule["choices_made_leaving_one_out"].values()) == len(picked)
    assert report["rules"][0]["selected_on_all_songs"]["in_set_rejected"]["hits"] == 0  # the shipped rule's promise
