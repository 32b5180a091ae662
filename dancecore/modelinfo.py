"""What a model file says about its model besides the networks: classes, spectrogram settings,
normalisation, fusion, "not sure" thresholds, decision settings, provenance, measured figures and
attributions. Shared by the inference model (dancecore.model) and the training side's torch model."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from dancecore import __version__
from dancecore.dances import DANCE_IDS
from dancecore.errors import ModelError
from dancecore.features import FeatureSettings
from dancecore.fusion import FusionSettings
from dancecore.modelfile import FORMAT, FORMAT_VERSION
from dancecore.segments import WINDOW_FRAMES


@dataclass
class RejectSettings:
    """When a result says "not sure": top probability below `min_top_probability`, beat clarity
    (0..1, see dancecore.tempo) below `min_beat_clarity`, or the rhythm branch's mean probability of
    another dance above `max_other_probability`."""

    min_top_probability: float = 0.5
    min_beat_clarity: float = 0.05
    max_other_probability: float = 1.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def doubt(self, confidence: float, clarity: float, other: float | None) -> str | None:
        """Why a recording with this top probability, beat clarity and mean 'other dance' probability
        (None without a rhythm branch) is "not sure", as a code ("no_beat", "other_dance",
        "low_confidence"; dancecore.song says it in words), or None when it names its dance."""
        if clarity < self.min_beat_clarity:
            return "no_beat"
        if other is not None and other > self.max_other_probability:
            return "other_dance"
        if confidence < self.min_top_probability:
            return "low_confidence"
        return None


@dataclass
class ModelInfo:
    """Everything about a model but its networks.

    classes: the CNN's output order of dance ids; normalisation: (mean, std) in dB applied to input
    windows; fusion: weights of the CNN and the rhythm branch (None: no rhythm branch); decision: settings
    of the song-level decision (dancecore.decision); attributions: licence and credit of weights from
    elsewhere, one dict each.
    """

    name: str = "model"
    version: str = "1"
    classes: list[str] = field(default_factory=lambda: list(DANCE_IDS))
    features: FeatureSettings = field(default_factory=FeatureSettings)
    window_frames: int = WINDOW_FRAMES
    normalisation: tuple[float, float] = (-40.0, 20.0)
    reject: RejectSettings = field(default_factory=RejectSettings)
    fusion: FusionSettings | None = None
    decision: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    attributions: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> ModelInfo:
        """This object's ModelInfo fields as a plain ModelInfo (drops a subclass's networks)."""
        return ModelInfo(**{f.name: getattr(self, f.name) for f in fields(ModelInfo)})

    def network_input(self, windows: np.ndarray) -> np.ndarray:
        """(n, frames, n_mels) dB windows -> normalised (n, 1, n_mels, frames) float32, the CNN's input."""
        mean, std = self.normalisation
        x = np.asarray(windows, dtype=np.float32).transpose(0, 2, 1)[:, None]
        return np.ascontiguousarray((x - np.float32(mean)) / np.float32(std))

    def to_meta(self, networks: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The model.json dict, with `networks` (name -> entry with "file", "weights", "kind", settings)."""
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "name": self.name, "version": self.version,
                "created_by": f"dancecore {__version__}", "classes": list(self.classes),
                "features": self.features.to_dict(), "window_frames": self.window_frames,
                "normalisation": {"mean": float(self.normalisation[0]), "std": float(self.normalisation[1])},
                "networks": networks, "fusion": None if self.fusion is None else self.fusion.to_dict(),
                "reject": self.reject.to_dict(), "decision": self.decision, "provenance": self.provenance,
                "metrics": self.metrics, "attributions": self.attributions}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> ModelInfo:
        """Read a model.json dict (already checked by dancecore.modelfile.check_meta)."""
        try:
            norm = meta["normalisation"]
            return cls(name=meta["name"], version=str(meta.get("version", "1")), classes=list(meta["classes"]),
                       features=FeatureSettings.from_dict(meta["features"]), window_frames=int(meta["window_frames"]),
                       normalisation=(float(norm["mean"]), float(norm["std"])),
                       reject=RejectSettings(**meta["reject"]),
                       fusion=None if meta.get("fusion") is None else FusionSettings(**meta["fusion"]),
                       decision=dict(meta.get("decision") or {}), provenance=meta.get("provenance", {}),
                       metrics=meta.get("metrics", {}), attributions=list(meta.get("attributions", [])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {meta.get('name', '?')}: model.json lacks or mangles {exc}; "
                             "the file is damaged or was not written by dancecore") from None
