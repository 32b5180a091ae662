"""Pictures of results: the thesis's timeline (spectrogram above a stack plot of window probabilities)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dancecore.dances import BY_ID, DANCE_IDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib's "tab10" colours in DANCE_IDS order, written out so that the colours (the web page's) cost no
# matplotlib import (0.4 s, 20 MB); the drawing imports it when called.
DANCE_COLOURS = dict(zip(DANCE_IDS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")))


def plot_timeline(path: str | Path, times_s: np.ndarray, window_probs: np.ndarray,
                  spectrogram: np.ndarray | None = None, frame_rate: float = 22050 / 512,
                  title: str = "") -> Path:
    """Write a PNG: spectrogram (frames, n_mels) dB on top (if given), below a stack plot of the
    (n_windows, 10) probabilities over window start times in seconds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    timeline_figure(times_s, window_probs, spectrogram, frame_rate, title).savefig(path, dpi=110)
    return path


def timeline_png(times_s: np.ndarray, window_probs: np.ndarray, spectrogram: np.ndarray | None = None,
                 frame_rate: float = 22050 / 512, title: str = "", dpi: int = 110) -> bytes:
    """The `plot_timeline` picture as PNG bytes (for chat replies and web responses)."""
    buffer = io.BytesIO()
    timeline_figure(times_s, window_probs, spectrogram, frame_rate, title).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def timeline_figure(times_s: np.ndarray, window_probs: np.ndarray, spectrogram: np.ndarray | None = None,
                    frame_rate: float = 22050 / 512, title: str = "") -> Figure:
    """The timeline as a matplotlib Figure, built without pyplot so worker threads can draw at once."""
    from matplotlib.figure import Figure

    rows = 2 if spectrogram is not None else 1
    fig = Figure(figsize=(10, 2.6 * rows + 0.6))
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)
    if spectrogram is not None:
        top = axes[0, 0]
        duration = spectrogram.shape[0] / frame_rate
        top.imshow(spectrogram.T, origin="lower", aspect="auto", cmap="magma", extent=(0, duration, 0, spectrogram.shape[1]))
        top.set_ylabel("mel band")
        top.set_title(title)
    ax = axes[-1, 0]
    times = np.asarray(times_s, dtype=float)
    probs = np.asarray(window_probs, dtype=float)
    if len(times) == 1:  # a single window: draw it as a flat band
        times = np.array([times[0], times[0] + 5.2])
        probs = np.repeat(probs, 2, axis=0)
    ax.stackplot(times, probs.T, labels=[BY_ID[d].name for d in DANCE_IDS],
                 colors=[DANCE_COLOURS[d] for d in DANCE_IDS])
    ax.set_ylim(0, 1)
    ax.set_xlabel("time (s, window start)")
    ax.set_ylabel("probability")
    if spectrogram is None:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
