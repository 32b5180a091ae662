"""CNN architectures: the thesis's torchvision models and `dancenet`, our CPU real-time default.

Input tensors are (batch, channels, n_mels, frames): frequency is the image height, time the width.
"""
from __future__ import annotations

import os
import re
import warnings
from typing import Any

import torch
from torch import nn

from dancecore.errors import ConfigError

THESIS_ARCHS = ("densenet161", "resnet18", "resnext50_32x4d", "vgg16")
FIRST_LAYER_VARIANTS = {"7x7": (7, 7), "16x3": (16, 3), "40x3": (40, 3)}  # (frequency, time) kernel
DEFAULT_ARCH = "dancenet"


def available_archs() -> list[str]:
    """Every architecture name `build_model` accepts."""
    names = [DEFAULT_ARCH, *THESIS_ARCHS]
    names += [f"{a}_{v}" for a in THESIS_ARCHS for v in FIRST_LAYER_VARIANTS]
    return names


class DanceNet(nn.Module):
    """Small CNN for real time on a laptop CPU.

    A 2-D front end reduces the mel axis (timbre, instrumentation) while keeping time resolution at
    2 frames (46 ms); a dilated 1-D temporal stack (receptive field ~ 3 s) then models rhythm and
    beat periodicity; mean+max pooling over time gives a per-window embedding.
    """

    def __init__(self, n_classes: int, in_channels: int = 1, width: int = 64, dropout: float = 0.3) -> None:
        super().__init__()
        self.settings = {"width": width, "dropout": dropout}  # what build_model needs to rebuild it

        def block(cin: int, cout: int, pool: tuple[int, int]) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                                 nn.ReLU(inplace=True), nn.MaxPool2d(pool))

        self.frontend = nn.Sequential(
            nn.Conv2d(in_channels, 16, (5, 3), stride=(2, 1), padding=(2, 1), bias=False), nn.BatchNorm2d(16),
            nn.ReLU(inplace=True), nn.MaxPool2d((2, 2)),           # 56 x 112
            block(16, 32, (2, 1)),                                   # 28 x 112
            block(32, 48, (2, 1)),                                   # 14 x 112
            block(48, width, (14, 1)),                               # 1 x 112
        )
        layers: list[nn.Module] = []
        for dilation in (1, 2, 4, 8, 16):
            layers.append(_TemporalResidual(width, dilation))
        self.temporal = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, channels, n_mels, frames) -> (batch, n_classes) logits."""
        h = self.frontend(x).squeeze(2)                              # (batch, width, time)
        h = self.temporal(h)
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled)


class _TemporalResidual(nn.Module):
    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm1d(channels), nn.ReLU(inplace=True),
            nn.Conv1d(channels, channels, 1, bias=False), nn.BatchNorm1d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.conv(x))


def build_model(arch: str, n_classes: int, in_channels: int = 1, pretrained: bool = False,
                **settings: Any) -> nn.Module:
    """Build an architecture by name (see `available_archs`) returning logits of `n_classes`.

    Thesis names with a `_7x7`, `_16x3` or `_40x3` suffix get a new first convolution with that
    (frequency x time) kernel over `in_channels`. `pretrained` loads ImageNet weights only when
    torchvision finds them in its local cache (they cannot be downloaded here); otherwise it warns.
    `settings`: DanceNet's width and dropout (`DanceNet.settings`); the thesis architectures take none.
    """
    if arch == DEFAULT_ARCH:
        return DanceNet(n_classes, in_channels, **settings)
    match = re.fullmatch(r"(densenet161|resnet18|resnext50_32x4d|vgg16)(?:_(7x7|16x3|40x3))?", arch)
    if not match:
        raise ConfigError(f"unknown architecture {arch!r}; choose one of: {', '.join(available_archs())}")
    if settings:
        raise ConfigError(f"architecture {arch} takes no settings, got {', '.join(sorted(settings))}")
    import torchvision  # imported here: it costs ~1 s and only the thesis architectures need it

    base, variant = match.groups()
    model = getattr(torchvision.models, base)(weights=_local_weights(base) if pretrained else None)
    _replace_head(model, n_classes)
    kernel = FIRST_LAYER_VARIANTS[variant] if variant else None
    if kernel is not None or in_channels != 3:
        _replace_first_conv(model, in_channels, kernel)
    return model


def _local_weights(base: str):  # -> torchvision WeightsEnum | None
    """ImageNet weights enum if its file is already in torch's cache, else None with a warning."""
    import torchvision

    weights = torchvision.models.get_model_weights(base).DEFAULT
    cache = torch.hub.get_dir() + "/checkpoints/" + weights.url.rsplit("/", 1)[-1]
    if os.path.exists(cache):
        return weights
    warnings.warn(f"ImageNet weights for {base} are not in {cache} and cannot be downloaded here; "
                  "training from random initialisation (copy the file there to use them)", stacklevel=3)
    return None


def _replace_head(model: nn.Module, n_classes: int) -> None:
    if isinstance(getattr(model, "fc", None), nn.Linear):                         # resnet, resnext
        model.fc = nn.Linear(model.fc.in_features, n_classes)
    elif isinstance(getattr(model, "classifier", None), nn.Linear):               # densenet
        model.classifier = nn.Linear(model.classifier.in_features, n_classes)
    else:                                                                          # vgg
        model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, n_classes)


def _replace_first_conv(model: nn.Module, in_channels: int, kernel: tuple[int, int] | None) -> None:
    """Swap the first Conv2d for one over `in_channels` with `kernel` (default: keep its size)."""
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.Conv2d):
                size = kernel or child.kernel_size
                padding = (size[0] // 2, size[1] // 2)
                setattr(parent, name, nn.Conv2d(in_channels, child.out_channels, size, stride=child.stride,
                                                padding=padding, bias=child.bias is not None))
                return
