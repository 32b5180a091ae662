"""scripts/average_models.py: the uniform weight average of model files of one architecture; and
scripts/recompute_batchnorm.py: the soup's batch-norm statistics recomputed on training crops."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dancecore.dances import DANCE_IDS
from dancecore.errors import ModelError
from dancecore.model import DanceModel, load_model
from dancecore.training import TrainConfig
from dancecore.training.sampler import BalancedSampler, EpochBatches

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from average_models import average_models  # noqa: E402
from recompute_batchnorm import recompute_batchnorm, training_crops  # noqa: E402


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


def test_recomputed_batchnorm_statistics_are_those_of_the_training_crops(tmp_path: Path, song_labels) -> None:
    """recompute_batchnorm.py replaces the (randomised) running statistics by the average, over the batches, of
    each batch's mean and unbiased variance of the first batch-norm layer's input, for augmented crops of real songs."""
    manifest = tmp_path / "train.csv"
    rows = [r for dance in ("jive", "slow_waltz") for r in [r for r in song_labels if r["dance"] == dance][:2]]
    manifest.write_text("path,dance\n" + "".join(f"{r['path']},{r['dance']}\n" for r in rows))
    config = TrainConfig().with_overrides({"max_duration_s": 30.0, "cache_workers": 1})
    source, labels = training_crops(str(manifest), config, tmp_path / "cache")
    assert len(labels) == 4 and set(labels) == {DANCE_IDS.index("jive"), DANCE_IDS.index("slow_waltz")}

    model = _model(1)
    first_norm = next(m for m in model.network.modules() if isinstance(m, torch.nn.BatchNorm2d))
    seen: list[torch.Tensor] = []
    handle = first_norm.register_forward_pre_hook(lambda _module, args: seen.append(args[0].detach().clone()))
    recompute_batchnorm(model, source, labels, batches=3, batch_size=4, seed=5)
    handle.remove()
    assert len(seen) == 3 and not model.network.training
    means = torch.stack([x.mean(dim=(0, 2, 3)) for x in seen]).mean(0)
    variances = torch.stack([x.transpose(0, 1).flatten(1).var(dim=1, unbiased=True) for x in seen]).mean(0)
    assert torch.allclose(first_norm.running_mean, means, atol=1e-4)
    assert torch.allclose(first_norm.running_var, variances, rtol=1e-3)
    # the batches are the sampler's, augmentation included: the same seed plans the same first batch
    plan = EpochBatches(source, BalancedSampler(labels, source.n_frames(), 4, 5), epoch=0, batches=3)
    with torch.no_grad():
        assert torch.allclose(model.network.frontend[0](model.to_input(plan[0][0])), seen[0], atol=1e-5)
