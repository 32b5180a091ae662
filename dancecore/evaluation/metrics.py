"""Classification figures over the ten dances: top-k accuracy, per-dance recall, confusion matrix,
and the rejection shares of the model's "not sure" verdict on out-of-set and in-set recordings.

Labels are indices into `classes` (DANCE_IDS by default); scores are (n, n_classes) arrays where a
higher score means more likely (probabilities, or an SVM's decision values).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from dancecore.dances import DANCE_IDS


def top_k_accuracy(labels: np.ndarray, scores: np.ndarray, k: int = 1) -> float | None:
    """Share (0..1) of rows whose label is among the k highest scores; None for no rows.
    Ties are broken towards the lower class index, as argmax does."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return None
    ranked = np.argsort(-np.asarray(scores), axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(ranked == labels[:, None], axis=1)))


def confusion(labels: np.ndarray, predicted: np.ndarray, n_classes: int = len(DANCE_IDS)) -> np.ndarray:
    """(n_classes, n_classes) int counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def per_class_recall(matrix: np.ndarray, classes: Sequence[str] = DANCE_IDS) -> dict[str, float | None]:
    """Recall (0..1) of each class from a confusion matrix; None for a class with no examples."""
    totals = matrix.sum(axis=1)
    return {c: (float(matrix[i, i] / totals[i]) if totals[i] else None) for i, c in enumerate(classes)}


def summary(labels: np.ndarray, scores: np.ndarray, classes: Sequence[str] = DANCE_IDS) -> dict[str, Any]:
    """n, top1, top2, per-dance recall and the confusion matrix (as lists) for one level
    (windows or whole recordings)."""
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64).reshape(len(labels), len(classes))
    matrix = confusion(labels, np.argmax(scores, axis=1), len(classes))
    return {"n": int(len(labels)), "top1": top_k_accuracy(labels, scores, 1), "top2": top_k_accuracy(labels, scores, 2),
            "per_dance_recall": per_class_recall(matrix, classes), "confusion": matrix.tolist()}


def rejection(not_sure: np.ndarray, out_of_set: np.ndarray) -> dict[str, Any]:
    """Shares (0..1) of out-of-set recordings the model rejects ("not sure": good) and of in-set
    recordings it rejects (false rejection: bad); None where there are no such recordings."""
    not_sure = np.asarray(not_sure, dtype=bool)
    out_of_set = np.asarray(out_of_set, dtype=bool)
    n_out, n_in = int(out_of_set.sum()), int((~out_of_set).sum())
    return {"n_out_of_set": n_out, "n_in_set": n_in,
            "out_of_set_rejected": float(not_sure[out_of_set].mean()) if n_out else None,
            "in_set_false_rejection": float(not_sure[~out_of_set].mean()) if n_in else None}
