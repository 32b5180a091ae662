"""Make dancecore/assets/crowd_noise.ogg: 60 s of ballroom crowd noise, deterministically.

Babble of 14 talkers (espeak-ng, many languages and voice variants, random phrases, varied pitch
and speed, each at its own distance), three applause bursts and scattered single claps (band-passed
white-noise clap kernels from sox, clappers at their own rate), footsteps of several walkers (sox
low-passed brown-noise thumps plus heel clicks), room tone (sox pink noise), all mixed in numpy and
put through sox's room reverb, peak-normalised to -1 dBFS and encoded by ffmpeg as Ogg Vorbis,
mono, 22050 Hz, bit-exact. Every random choice comes from one seeded generator (numpy) and sox runs
with -R, so the same tools give the same file. Needs espeak-ng, sox and ffmpeg on PATH.

    .venv/bin/python scripts/make_crowd_noise.py [--out dancecore/assets/crowd_noise.ogg]
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from dancecore.build.sounds import LANGUAGES, SR, VARIANTS, WORDS, place, read, run, sox_kernel

DURATION_S = 60.0
SEED = 20240611
OUT = Path(__file__).resolve().parents[1] / "dancecore" / "assets" / "crowd_noise.ogg"

N_TALKERS = 14
APPLAUSE_BURSTS = ((9.0, 5.5), (31.0, 4.0), (50.5, 6.5))  # (start s, length s)


def babble(tmp: Path, rng: np.random.Generator, n: int) -> np.ndarray:
    """Talkers with their own voice, pitch, speed and distance, saying random phrases with pauses."""
    out = np.zeros(n)
    for talker in range(N_TALKERS):
        voice = f"{rng.choice(LANGUAGES)}+{rng.choice(VARIANTS)}"
        pitch, speed = int(rng.integers(15, 86)), int(rng.integers(120, 215))
        gain = float(10 ** (rng.uniform(-14, 0) / 20))
        t = float(rng.uniform(-2.0, 3.0))
        k = 0
        while t < DURATION_S:
            phrase = " ".join(rng.choice(WORDS, size=int(rng.integers(3, 10))))
            wav = tmp / f"talker{talker}_{k}.wav"
            run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-a", "120", "-w", str(wav), phrase])
            speech = read(wav)
            speech /= max(np.abs(speech).max(), 1e-9)
            if t >= 0:
                place(out, speech, t, gain)
            else:
                place(out, speech[int(-t * SR):], 0.0, gain)
            t += len(speech) / SR + float(rng.exponential(1.2)) + 0.2
            k += 1
    return out


def applause(tmp: Path, rng: np.random.Generator, n: int) -> np.ndarray:
    """Bursts of many clappers (each at 3-6 claps/s with jitter) plus scattered single claps."""
    kernels = [sox_kernel(tmp, f"clap{i}", ["synth", "0.04", "whitenoise", "band", str(int(f)), str(int(0.6 * f)),
                                            "fade", "q", "0.001", "0.04", "0.036"])
               for i, f in enumerate(np.linspace(700, 2600, 8))]
    out = np.zeros(n)
    for start, length in APPLAUSE_BURSTS:
        for _ in range(int(rng.integers(18, 28))):
            rate = rng.uniform(3.0, 6.0)
            begin = start + rng.uniform(0, 1.2)
            end = start + length - rng.uniform(0, 1.5)
            gain = float(10 ** (rng.uniform(-12, 0) / 20))
            kernel = kernels[int(rng.integers(len(kernels)))]
            t = begin
            while t < end:
                swell = np.sin(np.pi * (t - start) / length) ** 0.5  # rises and dies away
                place(out, kernel, t, gain * swell * rng.uniform(0.6, 1.0))
                t += 1.0 / rate + rng.normal(0, 0.02)
    for t in rng.uniform(0, DURATION_S, 25):
        place(out, kernels[int(rng.integers(len(kernels)))], float(t), float(rng.uniform(0.1, 0.5)))
    return out


def footsteps(tmp: Path, rng: np.random.Generator, n: int) -> np.ndarray:
    """Walkers crossing the room: a low thump per step, sometimes with a heel click."""
    thump = sox_kernel(tmp, "thump", ["synth", "0.12", "brownnoise", "lowpass", "250", "fade", "q", "0.003", "0.12", "0.1"])
    click = sox_kernel(tmp, "click", ["synth", "0.025", "whitenoise", "highpass", "2500", "fade", "q", "0.001", "0.025", "0.022"])
    out = np.zeros(n)
    for _ in range(9):
        t = rng.uniform(0, DURATION_S - 6)
        steps, interval = int(rng.integers(6, 20)), rng.uniform(0.45, 0.65)
        gain = float(10 ** (rng.uniform(-10, 0) / 20))
        heels = rng.random() < 0.5
        for _ in range(steps):
            place(out, thump, t, gain)
            if heels:
                place(out, click, t + 0.01, 0.4 * gain)
            t += interval + rng.normal(0, 0.03)
    return out


def make(out: Path) -> str:
    """Write the recording to `out`; return its SHA-256."""
    for tool in ("espeak-ng", "sox", "ffmpeg"):
        if shutil.which(tool) is None:
            sys.exit(f"make_crowd_noise: {tool} is not installed (apt-get install espeak-ng sox ffmpeg)")
    rng = np.random.default_rng(SEED)
    n = int(DURATION_S * SR)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        room = sox_kernel(tmp, "room", ["synth", str(DURATION_S), "pinknoise", "lowpass", "2000"])[:n]
        layers = {"babble": (babble(tmp, rng, n), 1.0), "applause": (applause(tmp, rng, n), 0.8),
                  "footsteps": (footsteps(tmp, rng, n), 0.6), "room": (room, 0.08)}
        mix = sum(gain * layer / max(np.abs(layer).max(), 1e-9) for layer, gain in layers.values())
        dry = tmp / "dry.wav"
        sf.write(dry, (0.5 * mix / np.abs(mix).max()).astype(np.float32), SR, subtype="FLOAT")
        wet = tmp / "wet.wav"
        run(["sox", "-R", str(dry), "-b", "16", str(wet), "reverb", "45", "50", "80", "100", "15", "0",
             "trim", "0", str(DURATION_S), "norm", "-1"])
        out.parent.mkdir(parents=True, exist_ok=True)
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wet), "-ac", "1", "-ar", str(SR), "-c:a", "libvorbis",
             "-q:a", "3", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", str(out)])
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args()
    digest = make(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, sha256 {digest})")


if __name__ == "__main__":
    main()
