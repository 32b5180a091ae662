"""Song-level aggregation of window probabilities: the thesis's mean, offline and incremental."""
from __future__ import annotations

import numpy as np


def mean_probabilities(window_probs: np.ndarray) -> np.ndarray:
    """Mean over windows of (n_windows, n_classes) probabilities -> (n_classes,)."""
    if len(window_probs) == 0:
        raise ValueError("no windows to aggregate")
    return np.asarray(window_probs, dtype=np.float64).mean(axis=0)


class IncrementalAggregator:
    """Running mean of window probabilities, window by window; after the k-th `add` its `mean`
    equals `mean_probabilities` of the first k windows. `reset()` starts a new song."""

    def __init__(self, n_classes: int) -> None:
        self.n_classes = n_classes
        self.reset()

    def reset(self) -> None:
        self._sum = np.zeros(self.n_classes, dtype=np.float64)
        self.count = 0

    def add(self, probs: np.ndarray) -> np.ndarray:
        """Add one window's (n_classes,) probabilities; return the mean so far."""
        self._sum += np.asarray(probs, dtype=np.float64)
        self.count += 1
        return self.mean

    @property
    def mean(self) -> np.ndarray:
        """Mean of the windows added since the last reset."""
        if self.count == 0:
            raise ValueError("no windows added yet")
        return self._sum / self.count
