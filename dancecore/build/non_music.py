"""The non-music check: labelled clips that are not music, rendered from a seed, and the share of them a
model answers with "not sure".

Kinds (each clip `seconds` long, SR Hz mono, peak at a random level from -20 to -1 dBFS):
  speech  one espeak-ng talker (random language, voice variant, pitch, speed) saying announcements
          and small talk with pauses, dry or through sox's room reverb;
  babble  3-10 such talkers at their own distances, reverberant;
  crowd   babble with applause bursts and footsteps;
  noise   white, pink or brown noise (sox), low-passed at random, with a slow random level swell;
  tones   a sine sweep or a mains hum with harmonics.
Clip i of kind k is drawn from numpy's generator seeded with [seed, index of k in KINDS, i].
"""
from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from dancecore.build.sounds import LANGUAGES, SR, VARIANTS, WORDS, place, read, require_tools, run, sox_kernel, speak
from dancecore.errors import AudioError

KINDS = ("speech", "babble", "crowd", "noise", "tones")
ANNOUNCEMENTS = ("welcome to tonight's practice social please sign in at the front desk",
                 "keep your water bottles off the dance floor thank you",
                 "the beginners lesson starts at eight in the small hall",
                 "we are taking a short break the bar is open",
                 "couples for the next heat please come to the floor",
                 "a big round of applause for our teachers")


def talker(tmp: Path, rng: np.random.Generator, n: int, name: str) -> np.ndarray:
    """One voice saying phrases with pauses for `n` samples."""
    voice = f"{rng.choice(LANGUAGES)}+{rng.choice(VARIANTS)}"
    pitch, speed = int(rng.integers(15, 86)), int(rng.integers(120, 215))
    out, t, k = np.zeros(n), float(rng.uniform(0.0, 1.5)), 0
    while t < n / SR:
        phrase = (str(rng.choice(ANNOUNCEMENTS)) if rng.random() < 0.4
                  else " ".join(rng.choice(WORDS, size=int(rng.integers(3, 12)))))
        speech = speak(tmp, f"{name}_{k}", voice, phrase, pitch, speed)
        place(out, speech / max(np.abs(speech).max(), 1e-9), t, 1.0)
        t += len(speech) / SR + float(rng.exponential(0.8)) + 0.15
        k += 1
    return out


def reverb(tmp: Path, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """x through sox's reverb with a random room size."""
    dry, wet = tmp / "dry.wav", tmp / "wet.wav"
    sf.write(dry, (0.5 * x / max(np.abs(x).max(), 1e-9)).astype(np.float32), SR, subtype="FLOAT")
    run(["sox", "-R", str(dry), "-e", "floating-point", str(wet), "reverb", str(int(rng.integers(20, 80))), "50",
         str(int(rng.integers(40, 100))), "100", "10", "0", "trim", "0", str(len(x) / SR)])
    return read(wet)[:len(x)]


def babble(tmp: Path, rng: np.random.Generator, n: int, talkers: int) -> np.ndarray:
    return sum(float(10 ** (rng.uniform(-14, 0) / 20)) * talker(tmp, rng, n, f"t{i}") for i in range(talkers))


def applause_and_steps(tmp: Path, rng: np.random.Generator, n: int) -> np.ndarray:
    """A few applause bursts (many clappers at 3-6 claps/s) and walkers' footsteps."""
    seconds = n / SR
    clap = sox_kernel(tmp, "clap", ["synth", "0.04", "whitenoise", "band", "1500", "900",
                                    "fade", "q", "0.001", "0.04", "0.036"])
    thump = sox_kernel(tmp, "thump", ["synth", "0.12", "brownnoise", "lowpass", "250",
                                      "fade", "q", "0.003", "0.12", "0.1"])
    out = np.zeros(n)
    for _ in range(int(rng.integers(1, 4))):
        start, length = rng.uniform(0, seconds - 6), rng.uniform(3, 6)
        for _ in range(int(rng.integers(12, 28))):
            t, rate = start + rng.uniform(0, 1), rng.uniform(3, 6)
            gain = float(10 ** (rng.uniform(-12, 0) / 20))
            while t < start + length:
                place(out, clap, t, gain * rng.uniform(0.6, 1.0))
                t += 1.0 / rate + rng.normal(0, 0.02)
    for _ in range(int(rng.integers(3, 9))):
        t, interval = rng.uniform(0, seconds - 6), rng.uniform(0.45, 0.65)
        for _ in range(int(rng.integers(6, 20))):
            place(out, thump, t, 0.5)
            t += interval + rng.normal(0, 0.03)
    return out


def noise(tmp: Path, rng: np.random.Generator, n: int) -> np.ndarray:
    colour = str(rng.choice(["whitenoise", "pinknoise", "brownnoise"]))
    low_pass = ["lowpass", str(int(rng.integers(300, 6000)))] if rng.random() < 0.5 else []
    effects = ["synth", str(n / SR), colour] + low_pass
    x = sox_kernel(tmp, "noise", effects)[:n]
    swell = np.interp(np.arange(n), np.linspace(0, n, 6), rng.uniform(0.3, 1.0, 6))
    return x * swell


def tones(tmp: Path, rng: np.random.Generator, n: int) -> np.ndarray:
    if rng.random() < 0.5:
        low, high = int(rng.integers(50, 300)), int(rng.integers(2000, 8000))
        return sox_kernel(tmp, "sweep", ["synth", str(n / SR), "sine", f"{low}-{high}"])[:n]
    mains = float(rng.choice([50.0, 60.0]))
    t = np.arange(n) / SR
    return sum(np.sin(2 * np.pi * mains * h * t) / h for h in (1, 2, 3, 5)) + 0.02 * rng.normal(size=n)


def render(kind: str, rng: np.random.Generator, seconds: float) -> np.ndarray:
    """One clip of `kind`, peak-normalised to a random level; float32 at SR."""
    n = int(seconds * SR)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if kind == "speech":
            x = talker(tmp, rng, n, "t")
            x = reverb(tmp, x, rng) if rng.random() < 0.5 else x
        elif kind == "babble":
            x = reverb(tmp, babble(tmp, rng, n, int(rng.integers(3, 11))), rng)
        elif kind == "crowd":
            voices = babble(tmp, rng, n, int(rng.integers(4, 11)))
            sounds = applause_and_steps(tmp, rng, n)
            mix = voices / max(np.abs(voices).max(), 1e-9) + 0.8 * sounds / max(np.abs(sounds).max(), 1e-9)
            x = reverb(tmp, mix, rng)
        elif kind == "noise":
            x = noise(tmp, rng, n)
        else:
            x = tones(tmp, rng, n)
    return (x / max(np.abs(x).max(), 1e-9) * 10 ** (rng.uniform(-20, -1) / 20)).astype(np.float32)


def render_clips(folder: Path, kinds: list[str], per_kind: int, seed: int, seconds: float) -> Path:
    """Write FOLDER/<kind>_<i>.wav and FOLDER/manifest.csv (path, kind, seed); clips already written are kept.
    Returns the manifest."""
    require_tools("sox", "espeak-ng")
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for kind, i in tqdm([(k, i) for k in kinds for i in range(per_kind)], desc="rendering non-music", unit="clip"):
        clip_seed = [seed, KINDS.index(kind), i]
        path = folder / f"{kind}_{i:03d}.wav"
        if not path.is_file():
            tmp = path.with_name(path.name + ".part.wav")
            sf.write(tmp, render(kind, np.random.default_rng(clip_seed), seconds), SR, subtype="PCM_16")
            tmp.replace(path)
        rows.append({"path": path.name, "kind": kind, "seed": "-".join(map(str, clip_seed))})
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["path", "kind", "seed"])
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def evaluate(manifest: Path, classify) -> dict:
    """Share of the manifest's clips answered "not sure", overall and by kind, with each clip's answer.
    `classify(path) -> Result`; a clip the loader refuses (AudioError: silent, unreadable) counts as rejected
    (the user gets an error, not a dance)."""
    with manifest.open(newline="") as f:
        rows = list(csv.DictReader(f))
    clips, by_kind = [], defaultdict(list)
    for row in tqdm(rows, desc="classifying non-music", unit="clip"):
        try:
            result = classify(manifest.parent / row["path"])
            clip = {"dance": result.dance, "confidence": round(result.confidence, 4), "not_sure": result.not_sure,
                    "reason": result.not_sure_reason, "beat_clarity": round(result.tempo_clarity, 4)}
        except AudioError as exc:
            clip = {"dance": None, "not_sure": True, "reason": f"refused: {exc}"}
        clips.append({"path": row["path"], "kind": row["kind"], **clip})
        by_kind[row["kind"]].append(clip["not_sure"])
    return {"n": len(clips), "rejected": round(sum(c["not_sure"] for c in clips) / max(1, len(clips)), 4),
            "by_kind": {k: round(sum(v) / len(v), 4) for k, v in by_kind.items()},
            "announced_as": dict(Counter(c["dance"] for c in clips if not c["not_sure"])),
            "reasons": dict(Counter((c["reason"] or "announced").split(" (")[0] for c in clips)), "clips": clips}
