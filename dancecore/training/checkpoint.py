"""Training-state files for --resume (`last.pt`) and provenance for the saved model file."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from dancecore.errors import ConfigError

STATE_FORMAT = "dancecore-train-state/1"


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write a training state atomically: a crash or Ctrl-C during the write keeps the previous file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": STATE_FORMAT, **state}, tmp)
    tmp.replace(path)


def load_state(path: str | Path) -> dict[str, Any]:
    """Read a training state written by `save_state`; ConfigError when missing or foreign."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no training state to resume from; start a new run without --resume")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a damaged file
        raise ConfigError(f"{path}: cannot read the training state ({type(exc).__name__}); start a new run") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ConfigError(f"{path}: not a dancecore training state ({STATE_FORMAT}); start a new run")
    return state


def git_commit() -> str | None:
    """Commit of the dancecore source tree, with "+dirty" when it has uncommitted changes; None outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "dancecore"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def provenance(config: dict[str, Any], dataset: dict[str, Any], val_dataset: dict[str, Any] | None,
               device: str, world_size: int, command: list[str] | None = None) -> dict[str, Any]:
    """What a model file records about how it was trained (epochs are added when it is saved)."""
    return {"command": " ".join(command if command is not None else sys.argv), "config": config,
            "dataset": dataset, "val_dataset": val_dataset, "git_commit": git_commit(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "device": device,
            "world_size": world_size, "torch": str(torch.__version__)}
