"""scripts/average_models.py: the uniform weight average of model files of one architecture."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dancecore.errors import ModelError
from dancecore.model import DanceModel, load_model

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from average_models import average_models  # noqa: E402


def _model(seed: int, arch: str = "dancenet") -> DanceModel:
    torch.manual_seed(seed)
    model = DanceModel.new(arch, name=f"m{seed}")
    for module in model.network.modules():   # give batch norm statistics of their own too
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
    return model


def test_soup_is_the_mean_of_parameters_and_statistics(tmp_path: Path) -> None:
    """Written by the command line, the soup's every float tensor is the mean of the ingredients',
    batch counters come from the first, and it still classifies windows."""
    paths = []
    for seed in (1, 2, 3):
        paths.append(tmp_path / f"m{seed}.pt")
        _model(seed).save(paths[-1])
    out = tmp_path / "soup.pt"
    subprocess.run([sys.executable, str(REPO / "scripts" / "average_models.py"), *map(str, paths), "--out", str(out)],
                   check=True, capture_output=True, cwd=REPO)
    soup = load_model(out)
    states = [load_model(p).network.state_dict() for p in paths]
    changed = 0
    for key, value in soup.network.state_dict().items():
        if value.is_floating_point():
            assert torch.allclose(value, torch.stack([s[key] for s in states]).mean(0), atol=1e-6), key
            changed += not torch.allclose(value, states[0][key])
        else:
            assert torch.equal(value, states[0][key]), key
    assert changed > 20   # convolutions, the head and the randomised statistics moved
    assert soup.provenance["averaged_files"] == [str(p) for p in paths]
    probs = soup.predict_windows(torch.randn(2, 224, 224).numpy() * 10 - 40)
    assert probs.shape == (2, 10) and abs(probs.sum() - 2) < 1e-6


def test_models_of_different_architectures_are_refused() -> None:
    with pytest.raises(ModelError, match="architecture"):
        average_models([_model(1), _model(2, arch="resnet18")])
