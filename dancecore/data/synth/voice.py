"""A sung lead: the melody's notes as a synthetic voice, so that the CNN hears singing in training.

Most records people dance to carry a loud sung melody; General MIDI has no singer (its "choir aahs" are a
pad). Written here because no packaged singing synthesiser runs offline from Python: a source-filter voice
in numpy/scipy. Per note: a glottal-like harmonic source (spectral tilt, up to 5.5 kHz) whose harmonics are
weighted by a vowel's formant resonances, a pitch scoop into the note, delayed vibrato and slow drift,
breath noise, and an optional consonant (a band-passed noise burst) at the onset.
"""
from __future__ import annotations

import numpy as np
import pretty_midi
from scipy.signal import butter, sosfilt

# Formant frequencies and bandwidths (Hz) of five sung vowels (averaged adult values, Peterson & Barney style).
VOWELS: dict[str, tuple[tuple[float, float], ...]] = {
    "a": ((800, 80), (1150, 90), (2800, 120)),
    "e": ((450, 70), (1950, 100), (2600, 120)),
    "i": ((300, 60), (2300, 100), (3000, 120)),
    "o": ((480, 70), (850, 80), (2800, 120)),
    "u": ((330, 60), (700, 80), (2500, 120)),
}
REGISTERS = {"low": (110.0, 440.0), "high": (196.0, 880.0)}  # comfortable ranges (Hz) of a low and a high voice
MAX_HARMONIC_HZ = 5500.0


def formant_gain(freqs: np.ndarray, vowel: str) -> np.ndarray:
    """Magnitude response of a cascade of second-order resonators (unit gain at 0 Hz) at `freqs` (Hz)."""
    gain = np.ones_like(freqs)
    for f0, bw in VOWELS[vowel]:
        r = freqs / f0
        gain /= np.sqrt((1 - r ** 2) ** 2 + (freqs * bw / f0 ** 2) ** 2)
    return gain


def _octave_shift(pitches: np.ndarray, register: tuple[float, float]) -> int:
    """Semitones (a multiple of 12) that move the median pitch into the middle of a register."""
    centre = 12 * np.log2(np.sqrt(register[0] * register[1]) / 440.0) + 69
    return int(12 * np.round((centre - np.median(pitches)) / 12))


def _note(f0: float, n_on: int, sr: int, rng: np.random.Generator, vibrato: tuple[float, float],
          tilt: float, vowel: str, release_s: float) -> np.ndarray:
    """One sung note of `n_on` samples at `f0` Hz plus its release."""
    n = n_on + int(release_s * sr)
    t = np.arange(n) / sr
    rate, depth = vibrato
    ramp = np.clip((t - rng.uniform(0.12, 0.3)) / 0.25, 0.0, 1.0)
    cents = (-rng.uniform(30, 120) * np.exp(-t / rng.uniform(0.03, 0.08))                  # scoop into the pitch
             + depth * ramp * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))    # vibrato
             + rng.normal(0, 6) * np.sin(2 * np.pi * rng.uniform(0.3, 1.2) * t))          # slow drift
    phase = 2 * np.pi * np.cumsum(f0 * 2 ** (cents / 1200)) / sr
    k = np.arange(1, max(2, int(MAX_HARMONIC_HZ / f0)) + 1)
    amps = k ** -tilt * formant_gain(k * f0, vowel)
    wave = np.zeros(n)
    for harmonic, a in zip(k, amps / amps.max()):
        wave += a * np.sin(harmonic * phase)
    wave += 0.02 * rng.normal(size=n) * np.abs(wave).max()                                  # breath
    attack = np.clip(t / rng.uniform(0.02, 0.06), 0, 1)
    release = np.clip((n - np.arange(n)) / max(1, n - n_on), 0, 1) ** 2
    return wave * attack * release


def _consonant(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A short band-passed noise burst: a sibilant (long, bright) or a plosive (short)."""
    sibilant = rng.random() < 0.5
    n = int(sr * (rng.uniform(0.06, 0.12) if sibilant else rng.uniform(0.015, 0.035)))
    low, high = (3500, 9000) if sibilant else (1500, 6000)
    sos = butter(2, [low, min(high, 0.45 * sr)], btype="band", fs=sr, output="sos")
    return sosfilt(sos, rng.normal(size=n)) * np.hanning(n)


def sing(melody: pretty_midi.Instrument, n_samples: int, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The notes of `melody` sung by one synthetic voice: mono float audio of `n_samples` at `sr` Hz
    (peak 1 unless silent) and a description (register, vibrato, tilt)."""
    out = np.zeros(n_samples)
    notes = sorted(melody.notes, key=lambda x: x.start)
    if not notes:
        return out, {"register": None}
    register = str(rng.choice(sorted(REGISTERS)))
    shift = _octave_shift(np.array([x.pitch for x in notes]), REGISTERS[register])
    vibrato = (rng.uniform(4.8, 6.5), rng.uniform(15, 60))
    tilt = rng.uniform(0.8, 1.5)
    vowels = sorted(VOWELS)
    for x in notes:
        start = int(x.start * sr)
        if start >= n_samples:
            break
        f0 = float(pretty_midi.note_number_to_hz(x.pitch + shift))
        wave = _note(f0, max(1, int((x.end - x.start) * sr)), sr, rng, vibrato, tilt,
                     str(rng.choice(vowels)), rng.uniform(0.05, 0.12)) * (x.velocity / 127.0)
        if rng.random() < 0.5:
            burst = _consonant(sr, rng) * 0.3 * np.abs(wave).max()
            lead = min(len(burst), start)
            out[start - lead:start - lead + len(burst)] += burst[:n_samples - (start - lead)]
        end = min(n_samples, start + len(wave))
        out[start:end] += wave[:end - start]
    peak = np.abs(out).max()
    return (out / peak if peak > 0 else out), {"register": register, "vibrato_hz": round(vibrato[0], 2),
                                               "vibrato_cents": round(vibrato[1], 1), "tilt": round(tilt, 2)}
