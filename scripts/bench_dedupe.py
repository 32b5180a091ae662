"""Benchmark of `dancecore dedupe` on real spectrograms, projected to 1000 x 100 recordings.

Fingerprints the first 60 s of the real songs, tiles them to a 1000-recording set A and a 100-recording
set B, times the vectorised correlation (every pair, all 401 shifts) on a block of A against B, and
as a reference in the same run the plain loop over shifts on a few pairs. Prints time per pair and
the projection for 1000 x 100 (all pairs, and same-dance-only with ten equal dances), one thread.

    .venv/bin/python scripts/bench_dedupe.py [--rows 200] [--full]
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: the figures are per core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from dancecore.audio import load_audio  # noqa: E402
from dancecore.datasets import load_dataset  # noqa: E402
from dancecore.dedupe import DEFAULT_MAX_SHIFT_FRAMES, DEFAULT_SECONDS, fingerprint, max_correlation  # noqa: E402
from dancecore.features import log_mel  # noqa: E402

DATA = Path(os.environ.get("DANCECORE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
N_A, N_B = 1000, 100


def loop_correlation(a: np.ndarray, b: np.ndarray, max_shift: int) -> float:
    """The plain method: for every shift, the normalised inner product of the overlap."""
    best = -1.0
    for s in range(-max_shift, max_shift + 1):
        lo, hi = max(0, -s), min(len(a), len(b) - s)
        x, y = a[lo:hi], b[lo + s:hi + s]
        best = max(best, float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum())))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="recordings of A timed against all of B (default 200)")
    parser.add_argument("--full", action="store_true", help="also time the whole 1000 x 100 comparison")
    args = parser.parse_args()
    dataset = load_dataset(DATA / "songs" / "labels.csv", out_of_set=True)
    fps, t_decode, t_fp = [], 0.0, 0.0
    for item in tqdm(dataset.items, desc="decoding 60 s + fingerprint", unit="file"):
        start = time.perf_counter()
        spectrogram = log_mel(load_audio(item.path, max_duration_s=DEFAULT_SECONDS).samples)
        middle = time.perf_counter()
        fps.append(fingerprint(spectrogram))
        t_decode += middle - start
        t_fp += time.perf_counter() - middle
    n = len(fps)
    print(f"{n} real recordings: decode + log-mel of 60 s {1000 * t_decode / n:.0f} ms, "
          f"fingerprint {1000 * t_fp / n:.1f} ms per recording")
    set_a = [fps[i % n] for i in range(N_A)]
    set_b = [fps[(7 * i + 3) % n] for i in range(N_B)]

    rows = min(args.rows, N_A)
    start = time.perf_counter()
    max_correlation(set_a[:rows], set_b, DEFAULT_MAX_SHIFT_FRAMES)
    vector_pair = (time.perf_counter() - start) / (rows * N_B)

    pairs = 5
    start = time.perf_counter()
    for i in range(pairs):
        loop_correlation(set_a[i], set_b[i], DEFAULT_MAX_SHIFT_FRAMES)
    loop_pair = (time.perf_counter() - start) / pairs

    total = N_A * N_B
    print(f"vectorised: {1000 * vector_pair:.3f} ms per pair ({rows} x {N_B} timed); "
          f"plain loop over shifts: {1000 * loop_pair:.0f} ms per pair ({pairs} timed); ratio {loop_pair / vector_pair:.0f}x")
    print(f"projection for {N_A} x {N_B} = {total} pairs, one core: vectorised {vector_pair * total:.0f} s "
          f"(same dance only, 10 equal dances: {vector_pair * total / 10:.0f} s); plain loop {loop_pair * total / 3600:.1f} h")
    start = time.perf_counter()
    for item in dataset.items[:5]:
        log_mel(load_audio(item.path).samples)
    t_full = (time.perf_counter() - start) / 5
    print(f"spectrograms of {N_A + N_B} uncached recordings, one core: {t_decode / n * (N_A + N_B) / 60:.1f} min for the "
          f"first 60 s, {t_full * (N_A + N_B) / 60:.1f} min for whole songs ({1000 * t_full:.0f} ms each, as the CLI "
          "stores them in the feature cache shared with train/evaluate; 0 when already cached; --workers divides it)")
    if args.full:
        start = time.perf_counter()
        max_correlation(set_a, set_b, DEFAULT_MAX_SHIFT_FRAMES, progress=True)
        print(f"measured {N_A} x {N_B}: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
