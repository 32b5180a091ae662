"""Decoder check: dancecore.beat.decode against madmom's DBNDownBeatTrackingProcessor on the same activations.

Research only (imports madmom; run in the scratch environment of issue 16, never in the product):

    PYTHONPATH=/tmp/beatnet_scratch/pkgs:. .venv/bin/python research/beatnet/decoder_check.py \
        --weights /tmp/beatnet_scratch/pkgs/BeatNet/models/model_2_weights.pt

Every song of songs/labels.csv: 90 s from 0:20 of in-set songs, the whole 60 s excerpt of the others.
Activations come from dancecore's port (BeatNetwork on the ONNX graph converted from the weights; equal
to BeatNet's own to 1e-5, see tests/test_beat_port.py). Both decoders get the same activations; madmom
sees the (beat, downbeat) columns with beats_per_bar=[3, 4], fps=50 and its other defaults.
Writes decoder_agreement.json / .md and song_facts.json next to this script.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
from madmom.evaluation.onsets import OnsetEvaluation
from madmom.features.downbeats import DBNDownBeatTrackingProcessor

from dancecore.audio import load_audio
from dancecore.beat.decode import STEADY, decode
from dancecore.beat.features import SAMPLE_RATE
from dancecore.beat.onnx_graph import beatnet_onnx
from dancecore.beat.runtime import BeatNetwork
from dancecore.beat.torch_net import load_beatnet_weights

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("DANCECORE_DATA", HERE.parents[2] / "shared" / "data"))
OFFSET_S, DURATION_S = 20.0, 90.0
TEMPO_TOLERANCE = 0.04
WINDOW_S = 0.07


def madmom_bpm(beats: np.ndarray) -> float:
    """The same tempo estimator dancecore uses: mean of the beat intervals within 10% of their median."""
    if len(beats) < 2:
        return 0.0
    gaps = np.diff(beats)
    median = np.median(gaps)
    return float(60.0 / gaps[np.abs(gaps - median) <= STEADY * median].mean())


def tempo_relation(ours: float, theirs: float) -> str:
    """'same' within 4%, 'double' / 'half' (ours twice / half theirs, within 4%), else 'other'."""
    if ours <= 0 or theirs <= 0:
        return "none"
    ratio = ours / theirs
    for name, target in (("same", 1.0), ("double", 2.0), ("half", 0.5)):
        if abs(ratio / target - 1.0) <= TEMPO_TOLERANCE:
            return name
    return "other"


def fmeasure(detections: np.ndarray, reference: np.ndarray) -> float:
    """F-measure of detections against the reference, +-70 ms."""
    if len(detections) == 0 and len(reference) == 0:
        return 1.0
    return float(OnsetEvaluation(detections, reference, window=WINDOW_S).fmeasure)


def song_rows() -> list[dict[str, str]]:
    with open(DATA / "songs" / "labels.csv", newline="") as f:
        return list(csv.DictReader(f))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True, help="BeatNet's model_2_weights.pt")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    network = BeatNetwork(beatnet_onnx(load_beatnet_weights(args.weights)))
    dbn = DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=50)
    songs = []
    for row in song_rows():
        samples = load_audio(DATA / "songs" / row["path"], sr=SAMPLE_RATE).samples
        if row["kind"] == "in_set":
            samples = samples[int(OFFSET_S * SAMPLE_RATE):int((OFFSET_S + DURATION_S) * SAMPLE_RATE)]
        acts = network.song(samples)
        start = time.process_time()
        facts = decode(acts)
        ours_s = time.process_time() - start
        start = time.process_time()
        theirs = dbn(acts[:, :2].astype(np.float64))
        theirs_s = time.process_time() - start
        their_beats, their_meter = theirs[:, 0], int(theirs[:, 1].max()) if len(theirs) else 0
        their_bpm = madmom_bpm(their_beats)
        songs.append({
            "path": row["path"], "kind": row["kind"], "seconds": round(len(samples) / SAMPLE_RATE, 2),
            "ours": {"bpm": round(facts.bpm, 2), "beats_per_bar": facts.beats_per_bar,
                     "p_three": round(facts.p_three, 4), "tempo_confidence": round(facts.tempo_confidence, 3),
                     "meter_log_odds": round(facts.meter_log_odds, 2)},
            "madmom": {"bpm": round(their_bpm, 2), "beats_per_bar": their_meter},
            "meter_agrees": facts.beats_per_bar == their_meter,
            "madmom_rule_meter_agrees": (3 if facts.meter_log_odds > 0 else 4) == their_meter,
            "tempo": tempo_relation(facts.bpm, their_bpm),
            "beat_f": round(fmeasure(np.array(facts.beats), their_beats), 4),
            "downbeat_f": round(fmeasure(np.array(facts.downbeats), their_beats[theirs[:, 1] == 1]), 4),
            "decode_cpu_s": round(ours_s, 4), "madmom_cpu_s": round(theirs_s, 4),
        })
        print(row["path"], songs[-1]["ours"], songs[-1]["madmom"], songs[-1]["downbeat_f"], flush=True)
    write(songs)


def summary(songs: list[dict]) -> dict:
    n = len(songs)
    tempo = {k: sum(s["tempo"] == k for s in songs) for k in ("same", "double", "half", "other", "none")}
    return {
        "songs": n,
        "meter_agreement": sum(s["meter_agrees"] for s in songs) / n,
        "meter_agreement_with_madmoms_rule": sum(s["madmom_rule_meter_agrees"] for s in songs) / n,
        "tempo_within_4pct": tempo["same"] / n,
        "tempo_same_up_to_octave": (tempo["same"] + tempo["double"] + tempo["half"]) / n,
        "tempo_relation_counts": tempo,
        "beat_f_mean": float(np.mean([s["beat_f"] for s in songs])),
        "downbeat_f_mean": float(np.mean([s["downbeat_f"] for s in songs])),
        "downbeat_f_median": float(np.median([s["downbeat_f"] for s in songs])),
        "beat_f_where_meter_agrees_mean": float(np.mean([s["beat_f"] for s in songs if s["meter_agrees"]])),
        "downbeat_f_where_meter_agrees_mean": float(np.mean([s["downbeat_f"] for s in songs if s["meter_agrees"]])),
        "decode_cpu_s_per_minute": float(sum(s["decode_cpu_s"] for s in songs) / sum(s["seconds"] for s in songs) * 60),
        "madmom_cpu_s_per_minute": float(sum(s["madmom_cpu_s"] for s in songs) / sum(s["seconds"] for s in songs) * 60),
    }


def write(songs: list[dict]) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE).stdout.strip()
    head = {"excerpts": "in-set songs 90 s from 0:20; not_ballroom excerpts whole (60 s)",
            "network": "BeatNet model 2 via dancecore.beat (ONNX)", "dancecore_commit": commit,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    groups = {"all": songs, "in_set": [s for s in songs if s["kind"] == "in_set"],
              "not_ballroom": [s for s in songs if s["kind"] != "in_set"]}
    result = {**head, "summary": {k: summary(v) for k, v in groups.items()}, "songs": songs}
    (HERE / "decoder_agreement.json").write_text(json.dumps(result, indent=1) + "\n")
    facts = {**head, "fields": "bpm: beat tempo (BPM); beats_per_bar: 3 or 4; p_three: P(most of it in 3); "
                               "tempo_confidence: share of time with a clear steady beat",
             "songs": {s["path"]: s["ours"] for s in songs}}
    (HERE / "song_facts.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(json.dumps(result["summary"], indent=1))


if __name__ == "__main__":
    main()
