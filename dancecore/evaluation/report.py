"""The evaluation report: one JSON format (and its JSON Schema) for `dancecore evaluate` and
`dancecore baseline`, so a CNN and the SVM baseline are compared field by field.

Levels: `window` counts every window (224 frames = 5.2 s) with its recording's label; `aggregated`
counts recordings, each scored by the mean of its windows' probabilities (as `dancecore classify`)
or, for the baseline, by one prediction per recording (its `window` level is null). Recordings
labelled not_ballroom are out-of-set: they are left out of accuracy, recall and confusion and enter
only the rejection figures. Accuracies and shares are fractions in [0, 1].
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.datasets import Item
from dancecore.evaluation import metrics

FORMAT = "dancecore-evaluation/1"


@dataclass
class Outcome:
    """What a system said about one recording. scores: (10,) over DANCE_IDS, higher = more likely
    (probabilities for the CNN); window_scores: (n_windows, 10) or None; not_sure: the system's
    rejection verdict, None when it has no rejection rule; fold: cross-validation fold or None."""

    item: Item
    scores: np.ndarray
    window_scores: np.ndarray | None = None
    not_sure: bool | None = None
    not_sure_reason: str | None = None
    fold: int | None = None

    @property
    def in_set(self) -> bool:
        """True when the recording is labelled with one of the ten dances."""
        return self.item.dance in BY_ID


def build_report(outcomes: Sequence[Outcome], *, system: dict[str, Any], protocol: str, dataset: dict[str, Any],
                 settings: dict[str, Any], score_kind: str, failures: Sequence[tuple[str, str]] = (),
                 noise_sweep: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict (see REPORT_SCHEMA)."""
    in_set = [o for o in outcomes if o.in_set]
    labels = np.array([DANCE_IDS.index(o.item.dance) for o in in_set], dtype=np.int64)
    scores = np.array([o.scores for o in in_set], dtype=np.float64).reshape(len(in_set), len(DANCE_IDS))
    window = None
    if in_set and all(o.window_scores is not None for o in in_set):
        window_labels = np.concatenate([np.full(len(o.window_scores), lab) for o, lab in zip(in_set, labels)])
        window = metrics.summary(window_labels, np.concatenate([o.window_scores for o in in_set]))
    rejection = None
    if outcomes and all(o.not_sure is not None for o in outcomes):
        rejection = metrics.rejection(np.array([o.not_sure for o in outcomes]), np.array([not o.in_set for o in outcomes]))
    return {
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "protocol": protocol,
        "system": system,
        "dataset": {**dataset, "n_items": len(outcomes), "n_in_set": len(in_set),
                    "n_out_of_set": len(outcomes) - len(in_set), "n_failed": len(failures)},
        "settings": settings,
        "classes": list(DANCE_IDS),
        "score_kind": score_kind,
        "window": window,
        "aggregated": metrics.summary(labels, scores),
        "rejection": rejection,
        "noise_sweep": noise_sweep,
        "items": [_item(o) for o in outcomes],
        "failures": [{"path": str(p), "reason": r} for p, r in failures],
    }


def _item(o: Outcome) -> dict[str, Any]:
    order = np.argsort(-o.scores, kind="stable")
    predicted = DANCE_IDS[int(order[0])]
    window_top1 = None
    if o.window_scores is not None and o.in_set and len(o.window_scores):
        window_top1 = float(np.mean(np.argmax(o.window_scores, axis=1) == DANCE_IDS.index(o.item.dance)))
    return {"path": str(o.item.path), "dance": o.item.dance, "group": o.item.group, "fold": o.fold,
            "predicted": predicted, "top2": [DANCE_IDS[int(i)] for i in order[:2]],
            "correct": (predicted == o.item.dance) if o.in_set else None,
            "scores": {d: round(float(s), 6) for d, s in zip(DANCE_IDS, o.scores)},
            "not_sure": o.not_sure, "not_sure_reason": o.not_sure_reason,
            "n_windows": None if o.window_scores is None else int(len(o.window_scores)), "window_top1": window_top1}


def write_report(report: dict[str, Any], path: str | Path) -> Path:
    """Write the report as indented JSON (atomically: a crash never leaves half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def format_summary(report: dict[str, Any]) -> str:
    """Readable lines: accuracies per level, recall per dance, rejection, noise sweep."""
    def pct(x: float | None) -> str:
        return "   -  " if x is None else f"{100 * x:5.1f}%"

    d = report["dataset"]
    lines = [f"{report['system']['name']} on {d['source']}: {d['n_in_set']} in-set"
             + (f" + {d['n_out_of_set']} out-of-set" if d["n_out_of_set"] else "") + " recordings"
             + (f" ({d['n_failed']} could not be read)" if d["n_failed"] else "")]
    for level in ("window", "aggregated"):
        r = report[level]
        if r is not None:
            lines.append(f"  {level:<10} top-1 {pct(r['top1'])}  top-2 {pct(r['top2'])}  (n={r['n']})")
    recall = report["aggregated"]["per_dance_recall"]
    lines += [f"    {BY_ID[k].name:<15} recall {pct(v)}" for k, v in recall.items() if v is not None]
    rej = report["rejection"]
    if rej is not None:
        lines.append(f"  not sure: out-of-set rejected {pct(rej['out_of_set_rejected'])}, "
                     f"in-set falsely rejected {pct(rej['in_set_false_rejection'])}")
    sweep = report["noise_sweep"]
    if sweep is not None:
        lines.append("  noise a:      " + " ".join(f"{a:5.2f}" for a in sweep["alphas"]))
        lines.append("  top-1 (agg.): " + " ".join(f"{100 * x:5.1f}" for x in sweep["aggregated_top1"]))
    return "\n".join(lines)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
_LEVEL = {
    "type": "object",
    "required": ["n", "top1", "top2", "per_dance_recall", "confusion"],
    "additionalProperties": False,
    "properties": {
        "n": {"type": "integer", "minimum": 0},
        "top1": _nullable(_SHARE),
        "top2": _nullable(_SHARE),
        "per_dance_recall": {"type": "object", "propertyNames": {"enum": list(DANCE_IDS)},
                             "additionalProperties": _nullable(_SHARE)},
        "confusion": {"type": "array", "minItems": len(DANCE_IDS), "maxItems": len(DANCE_IDS),
                      "items": {"type": "array", "minItems": len(DANCE_IDS), "maxItems": len(DANCE_IDS),
                                "items": {"type": "integer", "minimum": 0}}},
    },
}
_CURVE = {"type": "array", "items": _nullable(_SHARE)}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://dancecore/schemas/evaluation-1.json",
    "title": "dancecore evaluation report",
    "type": "object",
    "required": ["format", "created", "protocol", "system", "dataset", "settings", "classes", "score_kind", "window",
                 "aggregated", "rejection", "noise_sweep", "items", "failures"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "created": {"type": "string"},
        "protocol": {"type": "string", "minLength": 1},
        "system": {"type": "object", "required": ["kind", "name"],
                   "properties": {"kind": {"enum": ["cnn", "svm_baseline"]}, "name": {"type": "string"},
                                  "arch": {"type": "string"}, "path": _nullable({"type": "string"}),
                                  "sha256": _nullable({"type": "string"}), "provenance": {"type": "object"}}},
        "dataset": {"type": "object", "required": ["source", "n_items", "n_in_set", "n_out_of_set", "n_failed"],
                    "properties": {"source": {"type": "string"}, "n_items": {"type": "integer", "minimum": 0},
                                   "n_in_set": {"type": "integer", "minimum": 0},
                                   "n_out_of_set": {"type": "integer", "minimum": 0},
                                   "n_failed": {"type": "integer", "minimum": 0}}},
        "settings": {"type": "object"},
        "classes": {"const": list(DANCE_IDS)},
        "score_kind": {"type": "string"},
        "window": _nullable(_LEVEL),
        "aggregated": _LEVEL,
        "rejection": _nullable({
            "type": "object", "additionalProperties": False,
            "required": ["n_out_of_set", "n_in_set", "out_of_set_rejected", "in_set_false_rejection"],
            "properties": {"n_out_of_set": {"type": "integer", "minimum": 0}, "n_in_set": {"type": "integer", "minimum": 0},
                           "out_of_set_rejected": _nullable(_SHARE), "in_set_false_rejection": _nullable(_SHARE)}}),
        "noise_sweep": _nullable({
            "type": "object",
            "required": ["noise", "seed", "n_recordings", "alphas", "window_top1", "window_top2", "aggregated_top1",
                         "aggregated_top2"],
            "properties": {"noise": {"type": "string"}, "seed": {"type": "integer"},
                           "n_recordings": {"type": "integer", "minimum": 0},
                           "alphas": {"type": "array", "minItems": 1, "items": _SHARE},
                           "window_top1": _CURVE, "window_top2": _CURVE,
                           "aggregated_top1": _CURVE, "aggregated_top2": _CURVE}}),
        "items": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["path", "dance", "group", "fold", "predicted", "top2", "correct", "scores", "not_sure",
                         "not_sure_reason", "n_windows", "window_top1"],
            "properties": {
                "path": {"type": "string"}, "dance": {"type": "string"}, "group": {"type": "string"},
                "fold": _nullable({"type": "integer", "minimum": 0}),
                "predicted": {"enum": list(DANCE_IDS)},
                "top2": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"enum": list(DANCE_IDS)}},
                "correct": _nullable({"type": "boolean"}),
                "scores": {"type": "object", "required": list(DANCE_IDS), "additionalProperties": False,
                           "properties": {d: {"type": "number"} for d in DANCE_IDS}},
                "not_sure": _nullable({"type": "boolean"}), "not_sure_reason": _nullable({"type": "string"}),
                "n_windows": _nullable({"type": "integer", "minimum": 0}), "window_top1": _nullable(_SHARE)}}},
        "failures": {"type": "array", "items": {"type": "object", "required": ["path", "reason"],
                                                "properties": {"path": {"type": "string"}, "reason": {"type": "string"}}}},
    },
}
