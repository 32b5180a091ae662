"""Time `dancecore classify` of a 3-minute song: the whole process as a user runs it (wall time, CPU time
and peak memory), then each stage in this process (decode, resample, spectrogram, tempo, CNN, rhythm branch).

--baseline DIR runs the same command from another checkout of dancecore (e.g. an older commit unpacked
with `git archive COMMIT | tar -x -C DIR`) alternately with this one, so both are measured in one run
on the same machine; both get this script's environment. Peak memory is the process's maximum resident
set size; CPU time is user plus system time of all its threads (less sensitive to a busy machine than wall).
Usage: python scripts/bench_classify.py [SONG] [--repeats 5] [--threads 0] [--model PATH] [--baseline DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD_ENV = dict(os.environ)  # the whole-process runs get the caller's environment, as a user's shell gives it
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the in-process stages run as `dancecore classify` runs them

import numpy as np  # after the BLAS setting: numpy reads it when first imported
import soundfile as sf
import soxr

from dancecore.features import log_mel
from dancecore.model import load_model
from dancecore.segments import DEFAULT_STRIDE_FRAMES, cut_windows
from dancecore.tempo import estimate_tempo

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))
SONG = DATA / "songs" / "samba" / "The_Modern_Ballroom_Dance_Band_Maria.opus"
SONG_S = 180.0


def best_of(repeats: int, fn) -> tuple[float, object]:
    """Fastest wall time (s) of `repeats` calls and the last return value."""
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def whole_process(checkout: Path, song: str, model: str | None) -> tuple[float, float, float]:
    """Wall time (s), CPU time (s) and peak resident memory (MB) of one `python -m dancecore classify` run
    from `checkout`."""
    cmd = [sys.executable, "-m", "dancecore", "classify", "--json", "--max-duration", str(SONG_S), song]
    cmd += ["--model", model] if model else []
    env = {**CHILD_ENV, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench_classify: {' '.join(cmd)} failed in {checkout}: {proc.stderr.read().decode()[-500:]}")
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KB on Linux
    return wall, usage.ru_utime + usage.ru_stime, peak


def stages(song: str, model_path: str | None, threads: int, repeats: int) -> None:
    """Each stage of the pipeline timed in this process (best of `repeats`)."""
    model = load_model(model_path, threads=threads)

    def decode() -> tuple[np.ndarray, int]:
        with sf.SoundFile(song) as f:
            data = f.read(frames=int(SONG_S * f.samplerate), dtype="float32", always_2d=True)
            return data.mean(axis=1), f.samplerate

    t_decode, (native, native_sr) = best_of(repeats, decode)
    sr = model.features.sr
    t_resample, samples = best_of(repeats, lambda: soxr.resample(native, native_sr, sr, quality="HQ"))
    audio_s = len(samples) / sr
    t_spec, spec = best_of(repeats, lambda: log_mel(samples, model.features))
    t_tempo, _ = best_of(repeats, lambda: estimate_tempo(spec, model.features))
    cut = cut_windows(spec, model.window_frames, DEFAULT_STRIDE_FRAMES, model.features.amin_db)
    model.cnn_probabilities(cut.windows[:2])  # warm-up
    t_cnn, _ = best_of(repeats, lambda: model.cnn_probabilities(cut.windows))
    n = len(cut.windows)
    print(f"\nin-process stages ({model.name}, {audio_s:.0f} s of audio, {n} windows, stride {DEFAULT_STRIDE_FRAMES}, "
          f"{threads or 'default'} threads per network, best of {repeats}):")
    print(f"  decode      {1000 * t_decode:8.1f} ms  (opus {native_sr} Hz, soundfile)")
    print(f"  resample    {1000 * t_resample:8.1f} ms  (soxr HQ to {sr} Hz)")
    print(f"  spectrogram {1000 * t_spec:8.1f} ms  ({spec.shape[0]} frames x {spec.shape[1]} mel bands)")
    print(f"  tempo       {1000 * t_tempo:8.1f} ms")
    print(f"  CNN         {1000 * t_cnn:8.1f} ms  ({1000 * t_cnn / n:.1f} ms/window, ONNX Runtime)")
    if model.needs_audio:
        excerpts = model.window_excerpts(samples, cut.start_frames)
        t_rhythm, _ = best_of(repeats, lambda: model.rhythm_probabilities(excerpts))
        print(f"  rhythm      {1000 * t_rhythm:8.1f} ms  ({1000 * t_rhythm / n:.1f} ms/window: features and "
              f"{len(model.rhythm_members)} networks)")
    t_unit, _ = best_of(repeats, lambda: model.analyse(spec, samples, DEFAULT_STRIDE_FRAMES))
    total = t_decode + t_resample + t_spec + t_unit
    print(f"  model unit  {1000 * t_unit:8.1f} ms  (CNN beside the rhythm branch, fusion, tempo, decision)")
    print(f"  end to end  {total:8.2f} s   (real-time factor {total / audio_s:.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("song", nargs="?", default=str(SONG))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads per network (0: one per core)")
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="another dancecore checkout to compare with")
    args = parser.parse_args()

    checkouts = {"this checkout": REPO, **({f"baseline {args.baseline}": args.baseline} if args.baseline else {})}
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in checkouts}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeats):  # alternate, so a busy machine slows both alike
        for name, checkout in checkouts.items():
            runs[name].append(whole_process(checkout, args.song, args.model if name == "this checkout" else None))
    print(f"`dancecore classify` of the first {SONG_S:.0f} s of {Path(args.song).name}, whole process, "
          f"{args.repeats} runs each, {os.cpu_count()} CPUs, load average {load_before:.1f} before and "
          f"{os.getloadavg()[0]:.1f} after:")
    for name, measured in runs.items():
        walls, cpus, peaks = zip(*measured)
        print(f"  {name}: wall {min(walls):.2f} s best, {statistics.median(walls):.2f} s median; "
              f"CPU {min(cpus):.2f} s best, {statistics.median(cpus):.2f} s median; "
              f"peak memory {max(peaks):.0f} MB (target <= 400 MB)")
    if args.baseline:
        (walls, cpus, _), (base_walls, base_cpus, _) = (list(zip(*m)) for m in runs.values())
        print(f"  this checkout / baseline: wall {min(walls) / min(base_walls):.2f} best, "
              f"{statistics.median(walls) / statistics.median(base_walls):.2f} median; "
              f"CPU {min(cpus) / min(base_cpus):.2f} best (target: wall <= 1.00)")
    stages(args.song, args.model, args.threads, args.repeats)


if __name__ == "__main__":
    main()
