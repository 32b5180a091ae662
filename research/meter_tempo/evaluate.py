"""The pre-registered evaluation (preregistration.md): decisions D0 (shipped), D1 (meter and tempo) and D2 (meter
only) on the songs' inputs from score_songs.py, selected on all songs and leave-one-song-out, with the adoption rule.

Usage: python research/meter_tempo/evaluate.py research/meter_tempo/song_inputs.json research/meter_tempo/report.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from dancecore.build.recipe import SelectStep
from dancecore.build.select import SongTable, leave_one_out, proportion
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.decision import DecisionSettings, song_posterior

SHIPPED_LOSO_TOP1 = 0.759   # the model card's leave-one-song-out figure for the shipped rule
CANDIDATES = {"D0": DecisionSettings(use_meter=False, use_tempo=False), "D1": DecisionSettings(),
              "D2": DecisionSettings(use_tempo=False)}


def table_for(rows: list[dict], settings: DecisionSettings) -> SongTable:
    """The songs under one decision (the shipped fusion, so one 'weights' entry)."""
    probs = np.array([song_posterior(np.array(r["evidence"]), r["beat_bpm"] or None, r["p_three"], settings)
                      for r in rows])
    truth = np.array([DANCE_IDS.index(r["dance"]) if r["dance"] in DANCE_IDS else -1 for r in rows])
    return SongTable([(1.0, 0.5)], probs[None], np.array([r["other"] for r in rows]), truth,
                     np.array([r["clarity"] for r in rows]))


def meter_figures(rows: list[dict]) -> dict:
    """Share of 4/4 and 2/4 songs called 3, and of waltzes called 3 (P3 > 0.5)."""
    in_set = [r for r in rows if r["dance"] in DANCE_IDS]
    waltz = [r for r in in_set if BY_ID[r["dance"]].beats_per_bar == 3]
    even = [r for r in in_set if BY_ID[r["dance"]].beats_per_bar != 3]
    return {"even_called_3": proportion(sum(r["p_three"] > 0.5 for r in even), len(even)),
            "waltz_called_3": proportion(sum(r["p_three"] > 0.5 for r in waltz), len(waltz))}


def per_dance(table: SongTable) -> dict[str, str]:
    """Songs right / songs, per dance (selected on all songs)."""
    ranks = table.ranks(0)
    return {d: f"{int(((table.truth == i) & (ranks == 0)).sum())}/{int((table.truth == i).sum())}"
            for i, d in enumerate(DANCE_IDS)}


def main() -> None:
    rows = json.loads(Path(sys.argv[1]).read_text())
    rule = SelectStep()
    report: dict = {"meter": meter_figures(rows), "candidates": {}}
    for name, settings in CANDIDATES.items():
        table = table_for(rows, settings)
        on_all, held_out, choices = leave_one_out(table, rule, rule.max_false_rejection)
        report["candidates"][name] = {"settings": settings.to_dict(), "selected_on_all_songs": on_all,
                                      "leave_one_song_out": held_out, "per_dance_selected_on_all": per_dance(table),
                                      "threshold_choices_leaving_one_out": choices}
    d0 = report["candidates"]["D0"]["leave_one_song_out"]
    for name in ("D1", "D2"):
        h = report["candidates"][name]["leave_one_song_out"]
        report["candidates"][name]["adopt"] = bool(
            h["top1"]["share"] >= SHIPPED_LOSO_TOP1 and h["top2"]["share"] >= d0["top2"]["share"]
            and h["in_set_rejected"]["hits"] <= 1 and h["not_ballroom_rejected"]["share"] >= 0.25
            and (h["top1"]["share"] > d0["top1"]["share"] or h["top2"]["share"] > d0["top2"]["share"]))
    Path(sys.argv[2]).write_text(json.dumps(report, indent=1) + "\n")
    for name, c in report["candidates"].items():
        a, h = c["selected_on_all_songs"], c["leave_one_song_out"]
        print(f"{name}: all songs top-1 {a['top1']['share']:.3f} top-2 {a['top2']['share']:.3f} in-set rej "
              f"{a['in_set_rejected']['share']:.3f} other rej {a['not_ballroom_rejected']['share']:.3f} | LOSO top-1 "
              f"{h['top1']['share']:.3f} {h['top1']['ci95']} top-2 {h['top2']['share']:.3f} in-set rej "
              f"{h['in_set_rejected']['share']:.3f} other rej {h['not_ballroom_rejected']['share']:.3f}"
              f"{'' if name == 'D0' else ' adopt=' + str(c['adopt'])}")
    print("meter:", json.dumps(report["meter"]))


if __name__ == "__main__":
    main()
