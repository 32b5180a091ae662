"""The thesis's SVM baseline (§4.3): 72 hand-made features per recording, standardised, RBF SVM.

Features (librosa, frames of 2048 samples every 512 at 22050 Hz): zero-crossing rate, 12 chroma
bins, spectral centroid, bandwidth and roll-off, and 20 MFCCs, each summarised over the recording by
its mean and standard deviation: 36 x 2 = 72 values. A scikit-learn pipeline standardises them
(zero mean, unit variance on the training set) and fits an RBF-kernel SVC. Scores for ranking (top-2)
are the SVC's one-vs-rest decision values (one-vs-one votes plus confidences).

The model file is a joblib pickle holding the pipeline and its provenance: load only files you trust.
Features are cached as tiny .npy files in the feature cache folder, keyed by file content.
"""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Sequence

import joblib
import librosa
import numpy as np
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from tqdm import tqdm

from dancecore.audio import DEFAULT_MAX_DURATION_S, TARGET_SR, load_audio
from dancecore.cache import content_key, default_cache_dir
from dancecore.dances import DANCE_IDS
from dancecore.datasets import Item
from dancecore.errors import ConfigError, DancecoreError, ModelError
from dancecore.evaluation.report import Outcome

FORMAT = "dancecore-baseline/1"
N_FFT, HOP = 2048, 512
SVM_PARAMS: dict[str, Any] = {"kernel": "rbf", "C": 1.0, "gamma": "scale"}
_FRAME_FEATURES = (["zero_crossing_rate"] + [f"chroma_{i + 1}" for i in range(12)]
                   + ["spectral_centroid", "spectral_bandwidth", "spectral_rolloff"] + [f"mfcc_{i + 1}" for i in range(20)])
FEATURE_NAMES: tuple[str, ...] = tuple([f"{n}_mean" for n in _FRAME_FEATURES] + [f"{n}_std" for n in _FRAME_FEATURES])
FEATURES_VERSION = 1  # bump when the features change, so cached values are recomputed


def frame_features(samples: np.ndarray, sr: int = TARGET_SR) -> np.ndarray:
    """(36, n_frames) per-frame features of mono audio at `sr` Hz, in _FRAME_FEATURES order
    (centroid, bandwidth and roll-off in Hz; MFCCs from a 128-band mel power spectrogram in dB)."""
    y = np.asarray(samples, dtype=np.float32)
    magnitude = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    power = magnitude ** 2
    rows = [
        librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP),
        librosa.feature.chroma_stft(S=power, sr=sr, n_fft=N_FFT, hop_length=HOP),
        librosa.feature.spectral_centroid(S=magnitude, sr=sr, n_fft=N_FFT, hop_length=HOP),
        librosa.feature.spectral_bandwidth(S=magnitude, sr=sr, n_fft=N_FFT, hop_length=HOP),
        librosa.feature.spectral_rolloff(S=magnitude, sr=sr, n_fft=N_FFT, hop_length=HOP),
        librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr)), n_mfcc=20),
    ]
    n = min(r.shape[1] for r in rows)
    return np.concatenate([r[:, :n] for r in rows]).astype(np.float64)


def recording_features(samples: np.ndarray, sr: int = TARGET_SR) -> np.ndarray:
    """The 72 baseline values of a recording: per-frame features' means, then standard deviations."""
    frames = frame_features(samples, sr)
    return np.concatenate([frames.mean(axis=1), frames.std(axis=1)])


class FeatureStore:
    """Baseline features of audio files, computed once and kept under `root` (the feature cache
    folder by default); only the first `max_duration_s` seconds of each file are used."""

    def __init__(self, root: str | Path | None = None, max_duration_s: float = DEFAULT_MAX_DURATION_S,
                 enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_duration_s = float(max_duration_s)
        self.enabled = enabled

    def entry(self, path: str | Path) -> Path:
        """Where the features of `path` are kept."""
        params = {"sr": TARGET_SR, "n_fft": N_FFT, "hop": HOP, "max_duration_s": self.max_duration_s,
                  "version": FEATURES_VERSION}
        tag = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
        key = content_key(path)
        return self.root / key[:2] / f"{key}.baseline72.{tag}.npy"

    def get(self, path: str | Path) -> np.ndarray:
        """(72,) features of a file; AudioError when it cannot be decoded."""
        entry = self.entry(path) if self.enabled else None
        if entry is not None and entry.exists():
            return np.load(entry)
        samples = load_audio(path, sr=TARGET_SR, max_duration_s=self.max_duration_s).samples
        values = recording_features(samples, TARGET_SR)
        if entry is not None:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_name(f"{entry.name}.tmp{id(values)}")
            with open(tmp, "wb") as f:
                np.save(f, values)
            tmp.replace(entry)
        return values

    def matrix(self, items: Sequence[Item], workers: int = 1,
               desc: str = "baseline features") -> tuple[list[Item], np.ndarray, list[tuple[str, str]]]:
        """(usable items, (n, 72) features, (path, reason) of unreadable files), `workers` processes."""
        values: dict[str, np.ndarray] = {}
        failures: list[tuple[str, str]] = []
        paths = list(dict.fromkeys(str(i.path) for i in items))
        with tqdm(total=len(paths), desc=desc, unit="file", disable=len(paths) < 2) as bar:
            if workers <= 1:
                for path in paths:
                    _collect(path, _features_job(self, path), values, failures)
                    bar.update()
            else:
                with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                    jobs = {pool.submit(_features_job, self, p): p for p in paths}
                    for job in as_completed(jobs):
                        _collect(jobs[job], job.result(), values, failures)
                        bar.update()
        usable = [i for i in items if str(i.path) in values]
        x = np.array([values[str(i.path)] for i in usable]).reshape(len(usable), len(FEATURE_NAMES))
        return usable, x, sorted(failures)


def _features_job(store: FeatureStore, path: str) -> np.ndarray | str:
    """Features of one file, or the one-line reason it failed (process-pool job)."""
    try:
        return store.get(path)
    except (DancecoreError, OSError) as exc:
        return str(exc)


def _collect(path: str, result: np.ndarray | str, values: dict[str, np.ndarray],
             failures: list[tuple[str, str]]) -> None:
    if isinstance(result, str):
        failures.append((path, result))
    else:
        values[path] = result


@dataclass
class BaselineModel:
    """A fitted baseline: the scaler+SVC pipeline, the dances it was trained on, its provenance."""

    pipeline: Pipeline
    provenance: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(cls, items: Sequence[Item], x: np.ndarray, provenance: dict[str, Any] | None = None) -> "BaselineModel":
        """Standardise and fit the RBF SVC on (n, 72) features of in-set `items`."""
        labels = [i.dance for i in items]
        if len(set(labels)) < 2:
            raise ConfigError(f"the baseline needs recordings of at least two dances to train, got {sorted(set(labels))}")
        pipeline = make_pipeline(StandardScaler(), SVC(**SVM_PARAMS, decision_function_shape="ovr"))
        pipeline.fit(x, np.array([DANCE_IDS.index(d) for d in labels]))
        return cls(pipeline, {**(provenance or {}), "n_train": len(items), "svm": SVM_PARAMS,
                              "features": list(FEATURE_NAMES)})

    @property
    def dances(self) -> list[str]:
        """The dances seen in training (the others can never be predicted)."""
        return [DANCE_IDS[int(c)] for c in self.pipeline.classes_]

    def scores(self, x: np.ndarray) -> np.ndarray:
        """(n, 10) scores over DANCE_IDS, higher = more likely; argmax = the SVC's prediction.
        Dances absent from training score 1 below the row's lowest trained score."""
        decision = self.pipeline.decision_function(np.asarray(x, dtype=np.float64).reshape(-1, len(FEATURE_NAMES)))
        if decision.ndim == 1:  # two classes: one signed distance, positive for the second class
            decision = np.stack([-decision, decision], axis=1)
        out = np.repeat(decision.min(axis=1, keepdims=True) - 1.0, len(DANCE_IDS), axis=1)
        out[:, self.pipeline.classes_] = decision
        return out

    def outcomes(self, items: Sequence[Item], x: np.ndarray, fold: int | None = None) -> list[Outcome]:
        """Report outcomes (no windows, no rejection rule) for `items` with features `x`."""
        return [Outcome(item, row, fold=fold) for item, row in zip(items, self.scores(x))] if len(items) else []

    def save(self, path: str | Path) -> Path:
        """Write the model file (joblib pickle) atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump({"format": FORMAT, "pipeline": self.pipeline, "provenance": self.provenance}, tmp)
        tmp.replace(path)
        return path


def load_baseline(path: str | Path) -> BaselineModel:
    """Read a baseline model file written by `BaselineModel.save`; ModelError when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: baseline model file not found; check the --model path")
    try:
        data = joblib.load(path)
    except Exception as exc:  # pickle raises many types for damaged or foreign files
        raise ModelError(f"{path}: cannot read baseline model ({type(exc).__name__}); is it a dancecore baseline?") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"{path}: not a dancecore baseline model (expected format {FORMAT})")
    return BaselineModel(data["pipeline"], data.get("provenance", {}))
