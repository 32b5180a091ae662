"""Time each stage of classifying a 3-minute song, for the default architecture and densenet161.

Prints decode, resample, spectrogram, model and tempo times, the real-time factor (processing
time / audio time) and the densenet161 / default ratio, all measured in this one run.
Usage: python scripts/bench_classify.py [SONG] [--repeats 3] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch

from dancecore.architectures import DEFAULT_ARCH
from dancecore.classify import Classifier
from dancecore.features import log_mel
from dancecore.model import DEFAULT_MODEL_PATH, DanceModel, load_model
from dancecore.segments import cut_windows
from dancecore.tempo import estimate_tempo

DATA = Path(os.environ.get("DANCECORE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("song", nargs="?", default=str(SONG))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    def decode() -> tuple[np.ndarray, int]:
        with sf.SoundFile(args.song) as f:
            data = f.read(frames=int(SONG_S * f.samplerate), dtype="float32", always_2d=True)
            return data.mean(axis=1), f.samplerate

    t_decode, (native, native_sr) = best_of(args.repeats, decode)
    t_resample, samples = best_of(args.repeats, lambda: soxr.resample(native, native_sr, 22050, quality="HQ"))
    audio_s = len(samples) / 22050
    t_spec, spec = best_of(args.repeats, lambda: log_mel(samples))
    t_tempo, _ = best_of(args.repeats, lambda: estimate_tempo(spec))
    windows = cut_windows(spec).windows

    default = load_model() if DEFAULT_MODEL_PATH.exists() else DanceModel.new(DEFAULT_ARCH, name="untrained-timing")
    cnn_only = DanceModel.new(default.arch, name=f"{default.name} CNN")
    cnn_only.network = default.network
    models = {"default CNN": cnn_only, "densenet161": DanceModel.new("densenet161", name="densenet161-timing")}
    print(f"song: {Path(args.song).name}, {audio_s:.1f} s of audio, {len(windows)} windows (stride 200), "
          f"{args.threads} torch threads, best of {args.repeats}")
    print(f"  decode      {1000 * t_decode:8.1f} ms  (opus {native_sr} Hz, soundfile)")
    print(f"  resample    {1000 * t_resample:8.1f} ms  (soxr HQ to 22050 Hz)")
    print(f"  spectrogram {1000 * t_spec:8.1f} ms  ({spec.shape[0]} frames x {spec.shape[1]} mel bands)")
    print(f"  tempo       {1000 * t_tempo:8.1f} ms")
    shared = t_decode + t_resample + t_spec + t_tempo
    model_times = {}
    for label, model in models.items():
        classifier = Classifier(model)
        classifier.window_probabilities(windows[:2])  # warm-up
        t_model, _ = best_of(args.repeats, lambda: classifier.window_probabilities(windows))
        model_times[label] = t_model
        total = shared + t_model
        print(f"  model {label:<12} ({model.arch}): {1000 * t_model:8.1f} ms ({1000 * t_model / len(windows):.1f} ms/window); "
              f"end to end {total:.2f} s, real-time factor {total / audio_s:.4f} ({audio_s / total:.0f}x faster than real time)")
    ratio = model_times["densenet161"] / model_times["default CNN"]
    print(f"densenet161 / default CNN time per window: {ratio:.1f}x (target >= 5x)")
    if default.rhythm:
        scorer = Classifier(default).rhythm
        ends = (cut_windows(spec).start_frames + default.window_frames) * default.features.hop_length
        excerpts = [scorer.excerpt(samples, int(end), 22050) for end in ends]
        t_rhythm, _ = best_of(args.repeats, lambda: scorer.probabilities(excerpts, 22050))
        total = shared + model_times["default CNN"] + t_rhythm
        print(f"  rhythm branch of {default.name}: {1000 * t_rhythm:8.1f} ms ({1000 * t_rhythm / len(windows):.1f} ms/window); "
              f"CNN + rhythm end to end {total:.2f} s, real-time factor {total / audio_s:.4f}")
    start = time.perf_counter()
    Classifier(default).classify(args.song)
    print(f"Classifier.classify, whole file, shipped model ({default.name}): {time.perf_counter() - start:.2f} s "
          f"(the file is {Path(args.song).name}; target < 2 s for a 3-minute song)")


if __name__ == "__main__":
    main()
