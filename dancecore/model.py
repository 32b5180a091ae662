"""The model file: one torch checkpoint carrying network, classes, features, normalisation,
reject thresholds, training provenance and metrics. Loading it needs nothing else."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dancecore.architectures import build_model
from dancecore.dances import DANCE_IDS
from dancecore.errors import ModelError
from dancecore.features import FeatureSettings
from dancecore.segments import WINDOW_FRAMES

FORMAT = "dancecore-model/1"
DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "default.pt"


@dataclass
class RejectSettings:
    """When a result says "not sure": top probability below `min_top_probability`, beat clarity
    (0..1, see dancecore.tempo) below `min_beat_clarity`, or the rhythm branch's mean probability of
    another dance above `max_other_probability`."""

    min_top_probability: float = 0.5
    min_beat_clarity: float = 0.05
    max_other_probability: float = 1.0

    def to_dict(self) -> dict[str, float]:
        return {"min_top_probability": self.min_top_probability, "min_beat_clarity": self.min_beat_clarity,
                "max_other_probability": self.max_other_probability}

    def doubt(self, confidence: float, clarity: float, other: float | None) -> str | None:
        """Why a recording with this top probability, beat clarity and mean 'other dance' probability
        (None without a rhythm branch) is "not sure", or None when it names its dance."""
        if clarity < self.min_beat_clarity:
            return f"no steady beat (clarity {clarity:.2f} < {self.min_beat_clarity:.2f})"
        if other is not None and other > self.max_other_probability:
            return f"sounds like another dance ({other:.2f} > {self.max_other_probability:.2f})"
        if confidence < self.min_top_probability:
            return f"low confidence ({confidence:.2f} < {self.min_top_probability:.2f})"
        return None


@dataclass
class DanceModel:
    """A trained dance classifier over log-mel windows.

    normalisation: (mean, std) in dB applied to input windows; classes: output order of dance ids.
    rhythm: optional {"branch": RhythmBranch state, "fusion": FusionSettings dict} (dancecore.fusion),
    fused with the CNN per window.
    """

    arch: str
    network: nn.Module
    classes: list[str]
    features: FeatureSettings = field(default_factory=FeatureSettings)
    window_frames: int = WINDOW_FRAMES
    normalisation: tuple[float, float] = (-40.0, 20.0)
    reject: RejectSettings = field(default_factory=RejectSettings)
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    rhythm: dict[str, Any] | None = None
    name: str = "model"

    @classmethod
    def new(cls, arch: str, classes: list[str] | None = None, **kwargs: Any) -> "DanceModel":
        """An untrained model of `arch` over `classes` (default: the ten dances)."""
        classes = list(classes or DANCE_IDS)
        return cls(arch=arch, network=build_model(arch, len(classes), in_channels=1), classes=classes, **kwargs)

    def to_input(self, windows: np.ndarray) -> torch.Tensor:
        """(n, frames, n_mels) dB windows -> normalised (n, 1, n_mels, frames) tensor."""
        mean, std = self.normalisation
        x = torch.from_numpy(np.ascontiguousarray(windows, dtype=np.float32)).transpose(1, 2).unsqueeze(1)
        return (x - mean) / std

    @torch.inference_mode()
    def predict_windows(self, windows: np.ndarray, batch_size: int = 32) -> np.ndarray:
        """Class probabilities (n, n_classes) float64 for (n, frames, n_mels) dB windows. Inputs go in
        channels-last layout, like the network loaded from a file: on CPU the convolutions and pooling run
        about 3x faster that way (scripts/bench_classify.py), with the same results to float rounding."""
        self.network.eval()
        out = []
        for start in range(0, len(windows), batch_size):
            x = self.to_input(windows[start:start + batch_size]).contiguous(memory_format=torch.channels_last)
            logits = self.network(x)
            out.append(torch.softmax(logits.float(), dim=1).double().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)))

    def to_checkpoint(self) -> dict[str, Any]:
        """Plain dict (tensors, numbers, strings) that `torch.save` writes and `from_checkpoint` reads."""
        return {
            "format": FORMAT, "name": self.name, "arch": self.arch, "classes": list(self.classes),
            "features": self.features.to_dict(), "window_frames": self.window_frames,
            "normalisation": {"mean": float(self.normalisation[0]), "std": float(self.normalisation[1])},
            "reject": self.reject.to_dict(), "provenance": self.provenance, "metrics": self.metrics,
            "state_dict": {k: v.detach().cpu() for k, v in self.network.state_dict().items()},
            "rhythm": self.rhythm,
        }

    @classmethod
    def from_checkpoint(cls, ckpt: dict[str, Any]) -> "DanceModel":
        """Rebuild from `to_checkpoint`'s dict."""
        if ckpt.get("format") != FORMAT:
            raise ModelError(f"not a dancecore model file (format {ckpt.get('format')!r}, expected {FORMAT})")
        network = build_model(ckpt["arch"], len(ckpt["classes"]), in_channels=1)
        network.load_state_dict(ckpt["state_dict"])
        network.eval().to(memory_format=torch.channels_last)  # see predict_windows
        norm = ckpt["normalisation"]
        return cls(arch=ckpt["arch"], network=network, classes=list(ckpt["classes"]),
                   features=FeatureSettings.from_dict(ckpt["features"]), window_frames=ckpt["window_frames"],
                   normalisation=(norm["mean"], norm["std"]), reject=RejectSettings(**ckpt["reject"]),
                   provenance=ckpt.get("provenance", {}), metrics=ckpt.get("metrics", {}),
                   rhythm=ckpt.get("rhythm"), name=ckpt.get("name", "model"))

    def save(self, path: str | Path) -> None:
        """Write the model file atomically (a crash never leaves a half-written file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(self.to_checkpoint(), tmp)
        tmp.replace(path)


def load_model(path: str | Path | None = None) -> DanceModel:
    """Load a model file; None means the default model shipped inside the package."""
    if path is None:
        path = DEFAULT_MODEL_PATH
        if not path.exists():
            raise ModelError("no trained default model ships with this installation yet; "
                             "train one with `dancecore train` and pass it with --model PATH")
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: model file not found; check the --model path")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise ModelError(f"{path}: cannot read model file ({type(exc).__name__}); is it a dancecore model?") from None
    if not isinstance(ckpt, dict):
        raise ModelError(f"{path}: not a dancecore model file")
    model = DanceModel.from_checkpoint(ckpt)
    if model.name == "model":
        model.name = path.stem
    return model
