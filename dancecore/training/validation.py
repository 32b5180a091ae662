"""Validation during training: accuracy per window and per recording (mean of window probabilities
over windows of stride `stride_frames`, as `dancecore classify` aggregates), shared over ranks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dancecore.dances import BY_ID
from dancecore.datasets import Dataset
from dancecore.segments import cut_windows
from dancecore.training.distributed import Runtime, all_sum
from dancecore.training.torch_model import TorchModel


@dataclass(frozen=True)
class ValSet:
    """Validation recordings: cached spectrogram files and the class index of each."""

    entries: list[Path]
    labels: list[int]


def coverage_warning(train_set: Dataset, val_set: Dataset) -> str | None:
    """A warning naming the trained dances the validation set has no recording of (its accuracy says
    nothing about them), or None when it covers every one."""
    missing = [d for d in train_set.dances if d not in set(val_set.dances)]
    if not missing:
        return None
    names = ", ".join(BY_ID[d].name for d in missing)
    return (f"warning: validation covers {len(train_set.dances) - len(missing)} of {len(train_set.dances)} trained "
            f"dances: none of {names}, so its accuracy says nothing about them; give more recordings (groups) of "
            "them, a larger --val-fraction, or a validation set of every dance with --val DATASET")


def validate(model: TorchModel, network: torch.nn.Module, val: ValSet, stride_frames: int,
             runtime: Runtime, batch_size: int = 32) -> dict[str, float]:
    """{"val_loss": mean NLL per window, "val_window_accuracy", "val_song_accuracy"} of `network`
    (the unwrapped module) on `val`; each rank scores every world_size-th recording."""
    network.eval()
    loss_sum = window_correct = windows = song_correct = 0.0
    with torch.inference_mode():
        for entry, label in list(zip(val.entries, val.labels))[runtime.rank::runtime.world_size]:
            spectrogram = np.load(entry, mmap_mode="r").astype(np.float32)
            cut = cut_windows(spectrogram, model.window_frames, stride_frames, model.features.amin_db)
            log_probs = []
            for start in range(0, len(cut.windows), batch_size):
                x = model.to_input(cut.windows[start:start + batch_size]).to(runtime.device)
                log_probs.append(F.log_softmax(network(x).float(), dim=1).cpu())
            lp = torch.cat(log_probs)
            target = torch.full((len(lp),), label, dtype=torch.long)
            loss_sum += float(F.nll_loss(lp, target, reduction="sum"))
            window_correct += float((lp.argmax(1) == label).sum())
            windows += len(lp)
            song_correct += float(int(lp.exp().mean(0).argmax()) == label)
    network.train()
    loss_sum, window_correct, windows, song_correct = all_sum(
        runtime, [loss_sum, window_correct, windows, song_correct])
    return {"val_loss": loss_sum / max(windows, 1), "val_window_accuracy": window_correct / max(windows, 1),
            "val_song_accuracy": song_correct / max(len(val.entries), 1)}
