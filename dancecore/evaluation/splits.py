"""Train/test splits shared by `dancecore evaluate` and `dancecore baseline`, identical to the
group split `dancecore train` makes, so that a CNN and the baseline are tested on the same groups."""
from __future__ import annotations

from dancecore.dances import BY_ID
from dancecore.datasets import Dataset, Item, group_split
from dancecore.errors import ConfigError


def in_set(items: list[Item]) -> list[Item]:
    """The recordings labelled with one of the ten dances, in dataset order (what `train` loads)."""
    return [i for i in items if i.dance in BY_ID]


def held_out(dataset: Dataset, fraction: float, seed: int) -> tuple[list[Item], list[Item]]:
    """(training part, test part): the in-set recordings split by group exactly as `dancecore train
    --val-fraction FRACTION --seed SEED` does; out-of-set recordings all go to the test part."""
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"--held-out must be a fraction between 0 and 1, got {fraction}")
    train, test = group_split(in_set(dataset.items), (1 - fraction, fraction), seed)
    if not train or not test:
        raise ConfigError(f"{dataset.source}: too few groups to hold out {fraction:.0%}; give a larger dataset")
    return train, test + [i for i in dataset.items if i.dance not in BY_ID]
