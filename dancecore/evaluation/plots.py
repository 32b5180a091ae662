"""Evaluation pictures: confusion matrices (thesis Fig. 4.4) and accuracy against the noise mixing
ratio (thesis Fig. 4.7), drawn like dancecore.plots (pyplot-free Figures, same names and dpi)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from dancecore.dances import BY_ID, DANCE_IDS

DPI = 110


def plot_confusion(path: str | Path, matrix: Sequence[Sequence[int]], title: str = "",
                   classes: Sequence[str] = DANCE_IDS) -> Path:
    """Write a PNG of a confusion matrix (rows = true dance, columns = predicted): cells coloured
    by the share of the row (recall on the diagonal), annotated with percent and count."""
    counts = np.asarray(matrix, dtype=np.int64)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    names = [BY_ID[c].name for c in classes]
    fig = Figure(figsize=(8.2, 7.0))
    ax = fig.subplots()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    for (i, j), share in np.ndenumerate(shares):
        if counts[i, j]:
            ax.text(j, i, f"{100 * share:.0f}%\n{counts[i, j]}", ha="center", va="center", fontsize=7,
                    color="white" if share > 0.5 else "black")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), [f"{n} ({t})" for n, t in zip(names, totals[:, 0])], fontsize=8)
    ax.set_xlabel("predicted dance")
    ax.set_ylabel("true dance (count)")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true dance")
    fig.tight_layout()
    return _save(fig, path)


def plot_noise_sweep(path: str | Path, alphas: Sequence[float], curves: dict[str, Sequence[float | None]],
                     title: str = "") -> Path:
    """Write a PNG of accuracy (%) against the noise mixing ratio a (0 = clean, 1 = noise only),
    one line per curve (e.g. "top-1, aggregated")."""
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.subplots()
    for (label, values), marker in zip(curves.items(), "osD^v"):
        y = [np.nan if v is None else 100 * v for v in values]
        ax.plot(alphas, y, marker=marker, label=label)
    ax.set_xlim(min(alphas) - 0.02, max(alphas) + 0.02)
    ax.set_ylim(0, 100)
    ax.set_xlabel("noise mixing ratio a   (x = (1 - a) signal + a noise)")
    ax.set_ylabel("accuracy (%)")
    ax.axhline(100 / len(DANCE_IDS), color="grey", lw=0.8, ls=":", label="chance (1 in 10)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path
