"""Training configuration: defaults = the thesis protocol, read from YAML and validated with clear errors."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


from dancecore.architectures import DEFAULT_ARCH, available_archs
from dancecore.augment import AugmentSettings
from dancecore.audio import DEFAULT_MAX_DURATION_S
from dancecore.configfile import read_yaml
from dancecore.errors import ConfigError
from dancecore.features import FeatureSettings
from dancecore.segments import DEFAULT_STRIDE_FRAMES

# keys a resumed run may change; every other key must equal the interrupted run's
RESUMABLE_CHANGES = frozenset({"epochs", "workers", "cache_workers", "threads", "device", "validate_every"})


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (units in names: seconds, frames).

    Thesis protocol: class-balanced crops of 224 frames, batch 8, Adam lr 5e-4, NLL on log-softmax,
    epochs of `batches_per_epoch` batches, validation every `validate_every` epochs, the best epoch
    by validation accuracy (`select_by`: song = mean over windows of stride `val_stride`, or window).
    val: a separate validation dataset (folder or CSV); without it `val_fraction` of the training
    groups are held out (0 = no validation: the last epoch is kept). `batch_size` is per process
    under torchrun. workers: data-loader processes (0 = prepare batches in the training process);
    threads: torch threads per process (0 = torch's default); device: auto, cpu, cuda, cuda:N or mps.
    init: a model file whose weights and input normalisation the run starts from (fine-tuning, e.g. the
    shipped model on your own library); its architecture and classes must match.
    ema_decay: 0 = off; otherwise the weights that are validated and saved are an exponential moving
    average of the trained weights (and batch-norm statistics), updated after every batch with this
    decay per batch (0.998: a memory of about 500 batches), which steadies the epoch-to-epoch swing.
    """

    arch: str = DEFAULT_ARCH
    pretrained: bool = False
    init: str | None = None
    batch_size: int = 8
    learning_rate: float = 5e-4
    ema_decay: float = 0.0
    epochs: int = 50
    batches_per_epoch: int = 250
    validate_every: int = 1
    select_by: str = "song"
    val: str | None = None
    val_fraction: float = 0.2
    val_stride: int = DEFAULT_STRIDE_FRAMES
    rules: str | None = None
    dances: tuple[str, ...] | None = None
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    normalisation_crops: int = 512
    seed: int = 0
    workers: int = 1
    cache_workers: int = 2
    threads: int = 0
    device: str = "auto"
    amp: bool = True
    features: FeatureSettings = field(default_factory=FeatureSettings)
    augment: AugmentSettings = field(default_factory=AugmentSettings)

    def __post_init__(self) -> None:
        if self.arch not in available_archs():
            raise ConfigError(f"unknown architecture {self.arch!r}; choose one of: {', '.join(available_archs())}")
        for name in ("batch_size", "epochs", "batches_per_epoch", "validate_every", "val_stride", "normalisation_crops"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("workers", "cache_workers", "threads"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be 0 or more, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ConfigError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.select_by not in ("song", "window"):
            raise ConfigError(f"select_by must be 'song' or 'window', got {self.select_by!r}")
        if self.max_duration_s <= 0:
            raise ConfigError(f"max_duration_s must be positive, got {self.max_duration_s}")
        if not (self.device in ("auto", "cpu", "cuda", "mps") or self.device.startswith("cuda:")):
            raise ConfigError(f"device must be auto, cpu, cuda, cuda:N or mps, got {self.device!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (YAML-ready) of every setting."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["dances"] = list(self.dances) if self.dances is not None else None
        out["features"] = self.features.to_dict()
        out["augment"] = self.augment.to_dict()
        return out

    def with_overrides(self, overrides: dict[str, Any], where: str = "command line") -> "TrainConfig":
        """A copy with some settings changed (same validation as a YAML file); None values are ignored."""
        merged = self.to_dict()
        for key, value in overrides.items():
            if value is None:
                continue
            if key == "augment":
                merged["augment"] = {**merged["augment"], **value}
            else:
                merged[key] = value
        return config_from_dict(merged, where)


_TYPES: dict[str, tuple[type, ...]] = {
    "arch": (str,), "pretrained": (bool,), "init": (str,), "batch_size": (int,), "learning_rate": (float, int),
    "ema_decay": (float, int),
    "epochs": (int,), "batches_per_epoch": (int,), "validate_every": (int,), "select_by": (str,),
    "val": (str,), "val_fraction": (float, int), "val_stride": (int,), "rules": (str,),
    "dances": (list, tuple), "max_duration_s": (float, int), "normalisation_crops": (int,), "seed": (int,),
    "workers": (int,), "cache_workers": (int,), "threads": (int,), "device": (str,), "amp": (bool,),
    "features": (dict,), "augment": (dict,),
}
_OPTIONAL = {"init", "val", "rules", "dances"}


def config_from_dict(values: dict[str, Any], where: str = "config") -> TrainConfig:
    """Validate a dict of settings (unknown keys, wrong types, bad values) into a TrainConfig."""
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a mapping of settings, got {type(values).__name__}")
    unknown = sorted(set(values) - set(_TYPES))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(_TYPES))}")
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if value is None and key in _OPTIONAL:
            kwargs[key] = None
            continue
        wanted = _TYPES[key]
        if isinstance(value, bool) and bool not in wanted or not isinstance(value, wanted):
            names = " or ".join(t.__name__ for t in wanted)
            raise ConfigError(f"{where}: {key} must be {names}, got {value!r}")
        kwargs[key] = value
    if "dances" in kwargs and kwargs["dances"] is not None:
        kwargs["dances"] = tuple(str(d) for d in kwargs["dances"])
    for key in ("learning_rate", "ema_decay", "val_fraction", "max_duration_s"):
        if key in kwargs:
            kwargs[key] = float(kwargs[key])
    if "features" in kwargs:
        kwargs["features"] = FeatureSettings.from_dict(kwargs["features"])
    if "augment" in kwargs:
        kwargs["augment"] = AugmentSettings.from_dict(kwargs["augment"])
    try:
        return TrainConfig(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_config(path: str | Path | None) -> TrainConfig:
    """Read a YAML training config; None gives the defaults (the thesis protocol)."""
    if path is None:
        return TrainConfig()
    values = read_yaml(path, "config file not found; check the --config path") or {}
    return config_from_dict(values, str(path))


def changed_keys(old: TrainConfig, new: TrainConfig) -> list[str]:
    """Settings that differ between two configs, other than those a resumed run may change."""
    a, b = old.to_dict(), new.to_dict()
    return sorted(k for k in a if k not in RESUMABLE_CHANGES and a[k] != b[k])

