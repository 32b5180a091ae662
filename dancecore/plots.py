"""Pictures of results: the thesis's timeline (spectrogram above a stack plot of window probabilities)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.wording import duration

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WINDOW_S = 224 * 512 / 22050   # one analysis window, seconds (5.2 s)
TICK_STEPS_S = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)   # time axis steps, seconds
MAX_TICKS = 10
# matplotlib's "tab10" colours in DANCE_IDS order, written out so that the colours (the web page's) cost no
# matplotlib import (0.4 s, 20 MB); the drawing imports it when called.
DANCE_COLOURS = dict(zip(DANCE_IDS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")))


def plot_timeline(path: str | Path, times_s: np.ndarray, window_probs: np.ndarray,
                  spectrogram: np.ndarray | None = None, frame_rate: float = 22050 / 512,
                  title: str = "") -> Path:
    """Write a PNG: spectrogram (frames, n_mels) dB on top (if given), below a stack plot of the
    (n_windows, 10) probabilities over window start times in seconds; times shown as m:ss. `title`: what the
    picture is of, with the verdict and its confidence (dancecore.wording.title)."""
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
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    rows = 2 if spectrogram is not None else 1
    fig = Figure(figsize=(10, 2.6 * rows + 0.6))
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)
    if spectrogram is not None:
        top = axes[0, 0]
        length_s = spectrogram.shape[0] / frame_rate
        top.imshow(spectrogram.T, origin="lower", aspect="auto", cmap="magma", extent=(0, length_s, 0, spectrogram.shape[1]))
        top.set_ylabel("pitch, low to high")
        top.set_yticks([])
        top.set_title(title)
    ax = axes[-1, 0]
    length_s = None if spectrogram is None else spectrogram.shape[0] / frame_rate
    times, probs = _to_the_end(np.asarray(times_s, dtype=float), np.asarray(window_probs, dtype=float), length_s)
    ax.stackplot(times, probs.T, labels=[BY_ID[d].name for d in DANCE_IDS],
                 colors=[DANCE_COLOURS[d] for d in DANCE_IDS])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda p, _: f"{100 * p:.0f}%"))
    end = float(times[-1])
    ax.xaxis.set_major_locator(MultipleLocator(tick_step(end)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda t, _: duration(t)))
    ax.set_xlim(0, end)
    ax.set_xlabel("time into the recording (m:ss)")
    ax.set_ylabel("how likely each dance")
    if spectrogram is None:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def tick_step(span_s: float) -> float:
    """The time axis step in seconds that gives at most MAX_TICKS ticks over `span_s` seconds."""
    return next((step for step in TICK_STEPS_S if span_s / step <= MAX_TICKS), TICK_STEPS_S[-1])


def _to_the_end(times: np.ndarray, probs: np.ndarray, length_s: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The (n,) window starts and (n, 10) probabilities with one more point, where the last window ends (at
    most `length_s`, the recording's length when known), holding the last window's probabilities."""
    last = float(times[-1])
    end = last + WINDOW_S if length_s is None or len(times) == 1 else max(last, min(length_s, last + WINDOW_S))
    return np.append(times, end), np.vstack([probs, probs[-1:]])
