"""The rhythm branch: taken from a model file, or trained on the Extended Ballroom features; either way a
model archive holding the branch's members alone (rhythm.dcmodel). Its figures: the recipe's members
cross-validated (a step of its own, as it does not depend on where the members come from), or those the
reused file records."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from dancecore.build.archive import take
from dancecore.build.recipe import RhythmTraining, rhythm_members
from dancecore.errors import ConfigError
from dancecore.rhythm.data import CLASSES


def rhythm_rows(features: Path):
    """Every Extended Ballroom row (dancecore.rhythm.training.RhythmRows) of the feature folder `features`."""
    from dancecore.rhythm.data import load_eball, song_groups
    from dancecore.rhythm.training import RhythmRows, stacked_features

    if not (features / "eball_pedf_features.npz").is_file():
        raise ConfigError(f"{features}: no eball_pedf_features.npz (the Extended Ballroom rhythm features) there")
    data = load_eball(features.parent)
    odf, pedf = stacked_features(data.features)
    return RhythmRows(odf, pedf, data.y, data.bpm, song_groups(data.meta))


def cross_validation(training: RhythmTraining, features: Path) -> dict[str, Any]:
    """The members' grouped cross-validation figures (recall by class name)."""
    from dancecore.rhythm.training import cross_validate

    report, _ = cross_validate(rhythm_rows(features), rhythm_members(training), training.folds, training.workers,
                               final=False)
    report["ten_dance"]["recall"] = dict(zip(CLASSES, report["ten_dance"]["recall"]))
    return report


def reuse_rhythm(source: Path, out: Path) -> dict[str, Any]:
    """Write the rhythm members of model file `source` (graphs and weights unchanged) as `out`; facts: the
    cross-validation figures the file records (None when it records none)."""
    part = take(source, "rhythm")
    cv = (part.meta.get("metrics") or {}).get("rhythm_cv")
    part.meta.update(provenance={}, metrics={}, attributions=[])
    part.save(out)
    return {"reused_from": part.meta.get("name"), "members": len(part.meta["networks"]), "cross_validation": cv}


def train_rhythm(training: RhythmTraining, features: Path, out: Path) -> dict[str, Any]:
    """Train the members on every row and write them as `out`."""
    from dancecore.fusion import FusionSettings
    from dancecore.rhythm.training import FINAL, train_members
    from dancecore.training.torch_model import TorchModel, rhythm_net

    members = rhythm_members(training)
    trained = train_members(rhythm_rows(features), members, [(FINAL, j) for j in range(len(members))], [],
                            training.workers)
    nets = [trained[FINAL, j] for j in range(len(members))]
    branch = TorchModel(name="rhythm", fusion=FusionSettings(),
                        networks={f"rhythm_{i}": rhythm_net(n) for i, n in enumerate(nets)})
    branch.export(out)
    return {"members": len(nets), "cross_validation": None}
