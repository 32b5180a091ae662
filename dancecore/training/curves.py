"""Training curves (thesis Fig. 4.2/4.3): loss and accuracy per epoch, training and validation."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def plot_curves(rows: list[dict[str, Any]], path: str | Path, title: str = "") -> Path:
    """Write a PNG of loss (left) and accuracy (right) per epoch from the training-log rows."""
    fig = Figure(figsize=(10, 3.8))
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = [r["epoch"] for r in rows]
    loss_ax.plot(epochs, [r["train_loss"] for r in rows], label="training")
    acc_ax.plot(epochs, [r["train_accuracy"] for r in rows], label="training (crops)")
    validated = [r for r in rows if r.get("val_loss") not in (None, "")]
    if validated:
        val_epochs = [r["epoch"] for r in validated]
        loss_ax.plot(val_epochs, [float(r["val_loss"]) for r in validated], "o-", label="validation (windows)")
        acc_ax.plot(val_epochs, [float(r["val_window_accuracy"]) for r in validated], "o-", label="validation, windows")
        acc_ax.plot(val_epochs, [float(r["val_song_accuracy"]) for r in validated], "s-", label="validation, songs (mean)")
    loss_ax.set(xlabel="epoch", ylabel="NLL loss", title="loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title="accuracy")
    for ax in (loss_ax, acc_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
