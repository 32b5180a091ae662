"""Mastering/degradation chain: random EQ, synthetic reverb, compression, level and background noise.

All functions take and return mono float32 audio at sample rate `sr` (Hz).
"""
from __future__ import annotations

import numpy as np
from scipy import signal


def _peaking(f0: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    """RBJ peaking-EQ biquad as one second-order section."""
    a = 10 ** (gain_db / 40)
    w = 2 * np.pi * f0 / sr
    alpha = np.sin(w) / (2 * q)
    b = [1 + alpha * a, -2 * np.cos(w), 1 - alpha * a]
    den = [1 + alpha / a, -2 * np.cos(w), 1 - alpha / a]
    return np.array([*b, *den]) / den[0]


def random_eq(x: np.ndarray, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """2-4 random peaking bands (+-8 dB), random high-pass (20-150 Hz) and sometimes a low-pass."""
    bands = [_peaking(float(np.exp(rng.uniform(np.log(60), np.log(8000)))), float(rng.uniform(-8, 8)),
                      float(rng.uniform(0.4, 2.5)), sr) for _ in range(int(rng.integers(2, 5)))]
    hp = float(rng.uniform(20, 150))
    sos = [signal.butter(2, hp, "highpass", fs=sr, output="sos")[0], *bands]
    lp = float(rng.uniform(3500, 10000)) if rng.random() < 0.35 else None
    if lp is not None:
        sos.append(signal.butter(2, lp, "lowpass", fs=sr, output="sos")[0])
    y = signal.sosfilt(np.array(sos), x).astype(np.float32)
    return y, {"highpass_hz": round(hp), "lowpass_hz": round(lp) if lp else None}


def reverb(x: np.ndarray, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Convolution with exponentially decaying, low-passed noise (RT60 0.2-2.5 s), random wet mix."""
    rt60 = float(np.exp(rng.uniform(np.log(0.2), np.log(2.5))))
    wet = float(rng.uniform(0.05, 0.45))
    n = int(rt60 * sr)
    t = np.arange(n) / sr
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir = signal.sosfilt(signal.butter(1, float(rng.uniform(2500, 8000)), "lowpass", fs=sr, output="sos"), ir)
    predelay = int(rng.uniform(0.005, 0.04) * sr)
    ir = np.concatenate([np.zeros(predelay), ir]) / np.sqrt(np.sum(ir ** 2) + 1e-12)
    tail = signal.oaconvolve(x, ir.astype(np.float32))[: len(x)]
    return ((1 - wet) * x + wet * tail).astype(np.float32), {"rt60_s": round(rt60, 2), "reverb_wet": round(wet, 2)}


def compress(x: np.ndarray, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Feed-forward RMS compressor (threshold relative to the clip's RMS, ratio 1.5-6)."""
    ratio = float(rng.uniform(1.5, 6.0))
    tau = float(rng.uniform(0.01, 0.08))
    alpha = np.exp(-1.0 / (tau * sr))
    env = signal.lfilter([1 - alpha], [1, -alpha], x.astype(np.float64) ** 2)
    level_db = 10 * np.log10(env + 1e-10)
    thr = 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-10) + float(rng.uniform(-6, 6))
    gain_db = -np.maximum(level_db - thr, 0.0) * (1 - 1 / ratio)
    return (x * 10 ** (gain_db / 20)).astype(np.float32), {"comp_ratio": round(ratio, 1)}


def colored_noise(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise with power spectrum ~ 1/f**exponent (1 = pink, 2 = brown)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    noise = np.fft.irfft(spec / f ** (exponent / 2), n)
    return (noise / (np.std(noise) + 1e-12)).astype(np.float32)


def babble(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Crowd-like murmur: band-passed noise voices with random 2-7 Hz syllable envelopes (unit RMS)."""
    out = np.zeros(n)
    t = np.arange(n) / sr
    for _ in range(int(rng.integers(4, 10))):
        f0 = float(rng.uniform(300, 2500))
        sos = signal.butter(2, [f0 / 1.5, f0 * 1.5], "bandpass", fs=sr, output="sos")
        env = np.maximum(0.0, np.sin(2 * np.pi * rng.uniform(2, 7) * t + rng.uniform(0, 6.3)))
        env *= np.maximum(0.0, np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 6.3)))
        out += signal.sosfilt(sos, rng.standard_normal(n)) * env
    return (out / (np.std(out) + 1e-12)).astype(np.float32)


def add_noise(x: np.ndarray, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Pink, brown or babble background at 12-45 dB SNR (none 20% of the time)."""
    kind = str(rng.choice(["none", "pink", "brown", "babble"], p=[0.2, 0.35, 0.2, 0.25]))
    if kind == "none":
        return x, {"noise": kind, "snr_db": None}
    snr = float(rng.uniform(12, 45))
    noise = babble(len(x), sr, rng) if kind == "babble" else colored_noise(len(x), 1.0 if kind == "pink" else 2.0, rng)
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-9)
    return (x + noise * rms * 10 ** (-snr / 20)).astype(np.float32), {"noise": kind, "snr_db": round(snr, 1)}


def master(x: np.ndarray, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The full chain: EQ, reverb, compression, noise, random level (-28..-12 dBFS RMS), soft limit."""
    meta: dict = {}
    for stage in (random_eq, reverb, compress, add_noise):
        x, info = stage(x, sr, rng)
        meta.update(info)
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-9)
    level = float(rng.uniform(-28, -12))
    x = x * (10 ** (level / 20) / rms)
    x = np.tanh(x * 1.2) / 1.2 if np.max(np.abs(x)) > 0.8 else x
    meta["level_dbfs"] = round(level, 1)
    return np.clip(x, -1.0, 1.0).astype(np.float32), meta
