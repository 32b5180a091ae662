"""Cut a spectrogram into fixed windows (224 frames = 5.2 s at the thesis settings) with a stride."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_FRAMES = 224
DEFAULT_STRIDE_FRAMES = 200  # 4.6 s, the thesis's offline stride


@dataclass(frozen=True)
class Windows:
    """windows: (n, window_frames, n_mels) float32; start_frames: (n,) first frame of each window;
    padded: True when the clip was shorter than one window and was padded at the end."""

    windows: np.ndarray
    start_frames: np.ndarray
    padded: bool


def window_starts(n_frames: int, window_frames: int = WINDOW_FRAMES,
                  stride_frames: int = DEFAULT_STRIDE_FRAMES) -> np.ndarray:
    """First frame of every full window of a spectrogram with `n_frames` frames (at least one)."""
    if stride_frames <= 0:
        raise ValueError(f"stride must be a positive number of frames, got {stride_frames}")
    if n_frames <= window_frames:
        return np.zeros(1, dtype=np.int64)
    return np.arange(0, n_frames - window_frames + 1, stride_frames, dtype=np.int64)


def cut_windows(spectrogram: np.ndarray, window_frames: int = WINDOW_FRAMES,
                stride_frames: int = DEFAULT_STRIDE_FRAMES, pad_value: float = -100.0) -> Windows:
    """Windows of a (frames, n_mels) spectrogram; a clip shorter than one window is padded with
    `pad_value` (the dB floor, i.e. silence) and flagged."""
    n_frames = spectrogram.shape[0]
    padded = n_frames < window_frames
    if padded:
        filler = np.full((window_frames - n_frames, spectrogram.shape[1]), pad_value, dtype=spectrogram.dtype)
        spectrogram = np.concatenate([spectrogram, filler])
    starts = window_starts(spectrogram.shape[0], window_frames, stride_frames)
    view = np.lib.stride_tricks.sliding_window_view(spectrogram, window_frames, axis=0)  # (T-w+1, n_mels, w)
    windows = np.ascontiguousarray(view[starts].transpose(0, 2, 1))
    return Windows(windows=windows, start_frames=starts, padded=padded)
