"""Speed of the beat path on one thread: features, network and decoder for a 3-minute song, and the live
stream's CPU share. Research script; writes speed.json next to it.

    .venv/bin/python research/beatnet/speed.py --graph beat.onnx   (or --weights model_2_weights.pt)
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from dancecore.audio import load_audio  # noqa: E402
from dancecore.beat.decode import decode  # noqa: E402
from dancecore.beat.features import HOP, SAMPLE_RATE, beat_features  # noqa: E402
from dancecore.beat.runtime import BeatNetwork  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("DANCECORE_DATA", HERE.parents[2] / "shared" / "data"))
SONG = "quickstep/Caro_Emerald_That_Man.opus"
REPEATS = 7


def timed(fn, *args):
    """(result, min wall s, median wall s, min CPU s) over REPEATS runs."""
    wall, cpu, out = [], [], None
    for _ in range(REPEATS):
        w, c = time.perf_counter(), time.process_time()
        out = fn(*args)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return out, min(wall), float(np.median(wall)), min(cpu)


def live_share(network: BeatNetwork, samples: np.ndarray, chunk: int) -> float:
    """CPU seconds per second of audio (share of one core) to stream `samples` in chunks of `chunk` samples."""
    stream = network.stream()
    start = time.process_time()
    for at in range(0, len(samples), chunk):
        stream.push(samples[at:at + chunk])
    return (time.process_time() - start) / (len(samples) / SAMPLE_RATE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", help="beat.onnx")
    parser.add_argument("--weights", help="BeatNet's model_2_weights.pt (converted here)")
    args = parser.parse_args()
    if args.graph:
        graph = Path(args.graph).read_bytes()
    else:
        from dancecore.beat.bundle import beat_network_files
        graph = beat_network_files(args.weights).onnx
    network = BeatNetwork(graph, threads=1)
    samples = load_audio(DATA / "songs" / SONG, sr=SAMPLE_RATE).samples[:180 * SAMPLE_RATE]
    feats, f_min, f_med, f_cpu = timed(beat_features, samples)
    acts, n_min, n_med, n_cpu = timed(network.activations, feats)
    facts, d_min, d_med, d_cpu = timed(decode, acts)
    result = {
        "song": SONG, "seconds": 180, "frames": len(feats), "repeats": REPEATS, "threads": 1,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "features_s": {"min_wall": round(f_min, 4), "median_wall": round(f_med, 4), "min_cpu": round(f_cpu, 4)},
        "network_s": {"min_wall": round(n_min, 4), "median_wall": round(n_med, 4), "min_cpu": round(n_cpu, 4)},
        "decode_s": {"min_wall": round(d_min, 4), "median_wall": round(d_med, 4), "min_cpu": round(d_cpu, 4)},
        "live_cpu_share": {f"chunks of {c} samples": round(live_share(network, samples[:60 * SAMPLE_RATE], c), 4)
                           for c in (HOP, 1024, 4096)},
        "facts": {"bpm": round(facts.bpm, 2), "beats_per_bar": facts.beats_per_bar},
    }
    (HERE / "speed.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
