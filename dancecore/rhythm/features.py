"""Extended Ballroom rhythm features ("pedf" recipe) in numpy/scipy/pywavelets.

The recipe reproduces the features stored in ``eball-rhythm/eball_pedf_features.npz``
(see the data README): a 2^19-sample excerpt at 44100 Hz is split by a level-2
``coif3`` wavelet decomposition into three bands; each band gets a log-filterbank
spectrogram, a SuperFlux onset curve (odf) and its autocorrelation (pedf).

Frame rates: bands 0 and 1 run at 11025 Hz / 441 = 25 frames/s (odf 298 frames,
pedf 149 lags = 0 to 5.92 s); band 2 at 22050 Hz / 441 = 50 frames/s.
"""
from __future__ import annotations

import numpy as np
import pywt
import scipy.fft

from dancecore.beat.filterbank import log_filterbank

SR = 44100                 # sample rate of the recipe, Hz
EXCERPT = 2 ** 19          # excerpt length, samples at 44100 Hz (11.89 s)
HOP = 441                  # hop of every band, samples of that band
BAND_RATES = (11025.0, 11025.0, 22050.0)   # sample rate of each wavelet band, Hz
BAND_FRAMES = (1024, 1024, 2048)           # STFT frame size of each band, samples
FRAME_RATE = 25.0          # odf frames per second in bands 0 and 1


def _frames(signal: np.ndarray, frame_size: int) -> np.ndarray:
    """Frames (n_frames, frame_size) centred on samples i*HOP, zero-padded, ceil(len/HOP) frames (a read-only view)."""
    n_frames = int(np.ceil(len(signal) / HOP))
    half = frame_size // 2
    padded = np.zeros(len(signal) + 2 * frame_size, dtype=np.float32)
    padded[frame_size:frame_size + len(signal)] = signal
    return np.lib.stride_tricks.sliding_window_view(padded, frame_size)[frame_size - half::HOP][:n_frames]


def onset_curve(band: np.ndarray, frame_size: int, sample_rate: float) -> np.ndarray:
    """SuperFlux onset curve of one wavelet band, normalised to max 1; one value per frame."""
    window = np.hanning(frame_size).astype(np.float32)
    spec = np.abs(scipy.fft.rfft(_frames(band, frame_size) * window, axis=1)[:, :frame_size // 2])
    logspec = np.log10(1.0 + spec @ log_filterbank(frame_size, sample_rate))
    edged = np.pad(logspec, ((0, 0), (1, 1)), mode="edge")  # scipy.ndimage.maximum_filter(size=(1, 3)), no scipy
    prev_max = np.maximum(np.maximum(edged[:, :-2], edged[:, 1:-1]), edged[:, 2:])
    odf = np.zeros(len(logspec), dtype=np.float32)
    odf[1:] = np.maximum(logspec[1:] - prev_max[:-1], 0.0).sum(axis=1)
    peak = odf.max()
    return odf / peak if peak > 0 else odf


def autocorrelation(odf: np.ndarray) -> np.ndarray:
    """pedf: 'same'-mode autocorrelation normalised to max 1, from lag 0 on (len(odf) - len(odf)//2 lags)."""
    ac = np.correlate(odf, odf, mode="same")  # what scipy.signal.correlate(method="direct") runs for 1-D
    peak = ac.max()
    ac = ac / peak if peak > 0 else ac
    return ac[len(odf) // 2:].astype(np.float32)


def eball_excerpt_features(samples_44k: np.ndarray, bands: tuple[int, ...] = (0, 1, 2)) -> dict[str, np.ndarray]:
    """Features of one normalised excerpt of EXCERPT samples at 44100 Hz.

    Returns {"odf<b>": onset curve, "pedf<b>": autocorrelation} for each band b in `bands`
    (odf0/odf1: 298 frames at 25 frames/s, pedf0/pedf1: 149 lags; band 2: 595 and 298 at 50 frames/s).
    """
    coeffs = _wavelet_bands(np.asarray(samples_44k, dtype=np.float64), bands)
    out: dict[str, np.ndarray] = {}
    for b in bands:
        odf = onset_curve(coeffs[b].astype(np.float32), BAND_FRAMES[b], BAND_RATES[b])
        out[f"odf{b}"] = odf
        out[f"pedf{b}"] = autocorrelation(odf)
    return out


def _wavelet_bands(x: np.ndarray, bands: tuple[int, ...]) -> list[np.ndarray | None]:
    """pywt.wavedec(x, "coif3", level=2) = [approximation 2, detail 2, detail 1], bit for bit, computing only
    what `bands` need: without band 2 the first level's detail (half of all the work) is skipped (None)."""
    if 2 in bands:
        approximation, detail_1 = pywt.dwt(x, "coif3")
    else:
        approximation, detail_1 = pywt.downcoef("a", x, "coif3", level=1), None
    return [*pywt.dwt(approximation, "coif3"), detail_1]


def to_44k_int16_scale(audio: np.ndarray, sr: int) -> np.ndarray:
    """Mono audio at `sr` Hz -> float32 at 44100 Hz, divided by its max abs and quantised like int16."""
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if sr != SR:
        from scipy.signal import resample_poly  # here: scipy.signal costs 0.3-0.6 s to import; inference passes 44100 Hz

        g = np.gcd(int(sr), SR)
        audio = resample_poly(audio, SR // g, int(sr) // g)
    pcm = np.round(np.clip(audio / max(np.abs(audio).max(), 1e-12), -1, 1) * 32767.0)
    peak = np.abs(pcm).max()
    return (pcm / peak if peak > 0 else pcm).astype(np.float32)


def excerpt_starts(n_samples: int, hop: int = EXCERPT // 2, max_excerpts: int | None = None) -> list[int]:
    """Start samples (44100 Hz) of EXCERPT-long windows spread over `n_samples` with step `hop`;
    evenly subsampled to at most `max_excerpts`."""
    if n_samples <= EXCERPT:
        return [0]
    starts = list(range(0, n_samples - EXCERPT + 1, hop))
    if max_excerpts is not None and len(starts) > max_excerpts:
        pick = np.linspace(0, len(starts) - 1, max_excerpts).round().astype(int)
        starts = [starts[i] for i in pick]
    return starts


def _trim_silence(x: np.ndarray, threshold: float = 1e-3, frame: int = 4410) -> np.ndarray:
    """Drop leading and trailing 0.1 s frames whose peak is below `threshold` (relative to full scale 1)."""
    n = len(x) // frame
    if n == 0:
        return x
    loud = np.flatnonzero(np.abs(x[:n * frame]).reshape(n, frame).max(axis=1) >= threshold)
    if len(loud) == 0:
        return x
    return x[loud[0] * frame:(loud[-1] + 1) * frame]


def song_excerpts(audio: np.ndarray, sr: int, hop_s: float = EXCERPT / SR / 2,
                  max_excerpts: int | None = 16, bands: tuple[int, ...] = (0, 1)) -> list[dict[str, np.ndarray]]:
    """Features of several 11.89 s excerpts spread over a whole song.

    audio: mono (or (n, channels)) float samples at `sr` Hz, any rate; hop_s: step between
    excerpts in seconds; max_excerpts: cap, evenly spread. Leading/trailing silence is skipped,
    clips shorter than one excerpt are zero-padded at the end. Returns one feature dict per excerpt
    (see `eball_excerpt_features`).
    """
    x = _trim_silence(to_44k_int16_scale(audio, sr))
    if len(x) < EXCERPT:
        x = np.pad(x, (0, EXCERPT - len(x)))
    starts = excerpt_starts(len(x), max(1, int(round(hop_s * SR))), max_excerpts)
    return [eball_excerpt_features(x[s:s + EXCERPT], bands) for s in starts]
