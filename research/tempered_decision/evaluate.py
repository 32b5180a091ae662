"""The pre-registered evaluation (preregistration.md): D0 (shipped), D3 (tempered evidence, meter, tempo
weighted by its confidence) and D4 (D3 without tempo) on the songs' inputs of ../meter_tempo/song_inputs.json,
with τ and the thresholds chosen by the shipped rules on all songs and leaving one song out.

Usage: python research/tempered_decision/evaluate.py research/meter_tempo/song_inputs.json \
           research/tempered_decision/report.json
"""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from dancecore.build.recipe import SelectStep
from dancecore.build.select import SongTable, leave_one_out, select
from dancecore.dances import DANCE_IDS
from dancecore.decision import DecisionSettings, song_posterior

TAUS = (1.0, 0.5, 0.25, 0.125)   # the pre-registered grid, in its tie-breaking order
RHYTHM = 0.5                     # the shipped rhythm exponent (fixed): only the first slot of a "weight" varies
CANDIDATES = {"D0": (DecisionSettings(use_meter=False, use_tempo=False), (1.0,)),
              "D3": (DecisionSettings(tempo_by_confidence=True), TAUS),
              "D4": (DecisionSettings(use_tempo=False), TAUS)}


def table_for(rows: list[dict], settings: DecisionSettings, taus: tuple[float, ...]) -> SongTable:
    """The songs under one decision for every τ: the table's 'weights' are (τ, shipped rhythm exponent)."""
    probs = np.array([[song_posterior(np.array(r["evidence"]), r["beat_bpm"] or None, r["p_three"],
                                      replace(settings, evidence_power=tau), r["tempo_confidence"])
                       for r in rows] for tau in taus])
    truth = np.array([DANCE_IDS.index(r["dance"]) if r["dance"] in DANCE_IDS else -1 for r in rows])
    return SongTable([(tau, RHYTHM) for tau in taus], probs, np.array([r["other"] for r in rows]), truth,
                     np.array([r["clarity"] for r in rows]))


def per_dance(table: SongTable, w: int) -> dict[str, str]:
    """Songs right / songs, per dance, under τ index w."""
    ranks = table.ranks(w)
    return {d: f"{int(((table.truth == i) & (ranks == 0)).sum())}/{int((table.truth == i).sum())}"
            for i, d in enumerate(DANCE_IDS)}


def adopt(held: dict, d0: dict) -> bool:
    """The pre-registered adoption rule on leave-one-song-out figures."""
    top1, top2 = held["top1"]["share"], held["top2"]["share"]
    return bool(top1 >= d0["top1"]["share"] and top2 >= d0["top2"]["share"]
                and held["in_set_rejected"]["hits"] <= 1 and held["not_ballroom_rejected"]["share"] >= 0.25
                and (top1 > d0["top1"]["share"] or top2 > d0["top2"]["share"]))


def main() -> None:
    rows = json.loads(Path(sys.argv[1]).read_text())
    rule = SelectStep()
    report: dict = {"candidates": {}}
    for name, (settings, taus) in CANDIDATES.items():
        table = table_for(rows, settings, taus)
        on_all, held_out, choices = leave_one_out(table, rule, rule.max_false_rejection)
        w_all, reject_all = select(table, np.arange(len(rows)), rule, rule.max_false_rejection)
        report["candidates"][name] = {
            "settings": settings.to_dict(), "tau_chosen_on_all_songs": taus[w_all],
            "thresholds_on_all_songs": {"min_top_probability": reject_all.min_top_probability,
                                        "max_other_probability": reject_all.max_other_probability},
            "selected_on_all_songs": on_all, "leave_one_song_out": held_out,
            "per_dance_selected_on_all": per_dance(table, w_all),
            "choices_leaving_one_out": {k.replace("cnn ", "tau ").replace(f", rhythm {RHYTHM}", ""): v
                                        for k, v in choices.items()}}
    d0 = report["candidates"]["D0"]["leave_one_song_out"]
    for name in ("D3", "D4"):
        report["candidates"][name]["adopt"] = adopt(report["candidates"][name]["leave_one_song_out"], d0)
    Path(sys.argv[2]).write_text(json.dumps(report, indent=1) + "\n")
    for name, c in report["candidates"].items():
        a, h = c["selected_on_all_songs"], c["leave_one_song_out"]
        print(f"{name} (tau {c['tau_chosen_on_all_songs']}): all songs top-1 {a['top1']['share']:.3f} top-2 "
              f"{a['top2']['share']:.3f} in-set rej {a['in_set_rejected']['share']:.3f} other rej "
              f"{a['not_ballroom_rejected']['share']:.3f} | LOSO top-1 {h['top1']['share']:.3f} {h['top1']['ci95']} "
              f"top-2 {h['top2']['share']:.3f} in-set rej {h['in_set_rejected']['share']:.3f} other rej "
              f"{h['not_ballroom_rejected']['share']:.3f}{'' if name == 'D0' else ' adopt=' + str(c['adopt'])}")


if __name__ == "__main__":
    main()
