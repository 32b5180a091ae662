"""Run a CNN model over a dataset the way `dancecore classify` does (same windows, stride, mean
aggregation and "not sure" rule, via dancecore.classify.Classifier), optionally with noise mixed in."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from tqdm import tqdm

from dancecore.audio import Audio, load_audio
from dancecore.augment import NoiseBank, mix_noise
from dancecore.cache import FeatureCache
from dancecore.classify import Classifier
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.datasets import Item
from dancecore.errors import ConfigError, DancecoreError
from dancecore.evaluation import metrics
from dancecore.evaluation.report import Outcome
from dancecore.features import log_mel
from dancecore.model import DanceModel


def evaluate(classifier: Classifier, items: Sequence[Item], cache: FeatureCache | None = None,
             progress: bool = True) -> tuple[list[Outcome], list[tuple[str, str]]]:
    """Classify every item; spectrograms come from `cache` when given (computed and stored on a
    miss), else are decoded directly. Returns the outcomes and the (path, reason) of unreadable files."""
    outcomes: list[Outcome] = []
    failures: list[tuple[str, str]] = []
    features = classifier.model.features
    for item in tqdm(items, desc="evaluating", unit="file", disable=not progress):
        try:
            audio = None
            if cache is not None:
                spectrogram = np.asarray(cache.get(item.path, features), dtype=np.float32)
                if classifier.needs_audio:  # a rhythm branch reads the raw samples too
                    audio = _as_audio(_waveform(item, classifier, cache), features.sr)
            else:
                audio = load_audio(item.path, sr=features.sr, max_duration_s=classifier.max_duration_s,
                                   timeout_s=classifier.timeout_s)
                spectrogram = log_mel(audio.samples, features)
        except (DancecoreError, OSError) as exc:
            failures.append((str(item.path), str(exc)))
            continue
        analysis = classifier.analyse_spectrogram(spectrogram, str(item.path), audio)
        result = analysis.result
        outcomes.append(Outcome(item, np.array([result.probabilities[d] for d in DANCE_IDS]), analysis.window_probs,
                                result.not_sure, result.not_sure_reason))
    return outcomes, failures


def noise_sweep(classifier: Classifier, items: Sequence[Item], noise: np.ndarray, alphas: Sequence[float],
                noise_name: str, cache: FeatureCache | None = None, seed: int = 0,
                progress: bool = True) -> dict[str, Any]:
    """Top-1/top-2 accuracy (windows and aggregated) of the in-set `items` with `noise` (mono int16
    at the model's rate) mixed into each waveform by the thesis formula for every mixing ratio in
    `alphas`. Each recording gets one random stretch of the (looped) noise, the same for every ratio."""
    features = classifier.model.features
    bank = NoiseBank([noise])
    in_set = [i for i in items if i.dance in BY_ID]
    song_scores: dict[float, list[np.ndarray]] = {a: [] for a in alphas}
    window_scores: dict[float, list[np.ndarray]] = {a: [] for a in alphas}
    labels: list[int] = []
    bar = tqdm(total=len(in_set) * len(alphas), desc="noise sweep", unit="mix", disable=not progress)
    for index, item in enumerate(in_set):
        try:
            signal = _waveform(item, classifier, cache)
        except (DancecoreError, OSError):
            bar.update(len(alphas))
            continue  # already reported by `evaluate`
        stretch = bank.segment(len(signal), np.random.default_rng([seed, index]))
        labels.append(DANCE_IDS.index(item.dance))
        for alpha in alphas:
            mixed = mix_noise(signal, stretch, alpha)
            analysis = classifier.analyse_spectrogram(log_mel(mixed, features), str(item.path),
                                                      _as_audio(mixed, features.sr))
            window_scores[alpha].append(analysis.window_probs)
            song_scores[alpha].append(np.array([analysis.result.probabilities[d] for d in DANCE_IDS]))
            bar.update()
    bar.close()
    y = np.array(labels, dtype=np.int64)
    y_windows = [np.full(len(w), lab) for w, lab in zip(window_scores[alphas[0]], labels)] if labels else []

    def curve(level: str, k: int) -> list[float | None]:
        if not labels:
            return [None] * len(alphas)
        if level == "aggregated":
            return [metrics.top_k_accuracy(y, np.array(song_scores[a]), k) for a in alphas]
        return [metrics.top_k_accuracy(np.concatenate(y_windows), np.concatenate(window_scores[a]), k) for a in alphas]

    return {"noise": noise_name, "seed": seed, "n_recordings": len(labels), "alphas": [float(a) for a in alphas],
            "window_top1": curve("window", 1), "window_top2": curve("window", 2),
            "aggregated_top1": curve("aggregated", 1), "aggregated_top2": curve("aggregated", 2)}


def _waveform(item: Item, classifier: Classifier, cache: FeatureCache | None) -> np.ndarray:
    """Mono float32 samples at the model's rate, from the cache when given."""
    features = classifier.model.features
    if cache is not None:
        return np.asarray(cache.waveform(item.path, features), dtype=np.float32) / 32767.0
    return load_audio(item.path, sr=features.sr, max_duration_s=classifier.max_duration_s,
                      timeout_s=classifier.timeout_s).samples


def _as_audio(samples: np.ndarray, sr: int) -> Audio:
    """Samples already decoded (cache, noise mix) as an Audio for the Classifier."""
    return Audio(samples=np.asarray(samples, dtype=np.float32), sr=sr, source_duration_s=None, truncated=False)


def load_noise(path: str | Path, sr: int) -> np.ndarray:
    """A noise recording as mono int16 at `sr` Hz; AudioError when it is unreadable or silent."""
    samples = load_audio(path, sr=sr, name=f"noise {path}").samples
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def parse_alphas(text: str) -> list[float]:
    """Mixing ratios from "start:stop:step" (stop included) or "a,b,c"; all in [0, 1]."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if step <= 0:
                raise ValueError
            values = list(np.round(np.arange(start, stop + step / 2, step), 6))
        else:
            values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--alphas {text!r}: give start:stop:step (e.g. 0:1:0.1) or a list (e.g. 0,0.3,0.6)") from None
    if not values or any(not 0.0 <= a <= 1.0 for a in values):
        raise ConfigError(f"--alphas {text!r}: mixing ratios must lie between 0 and 1")
    return [float(a) for a in values]


def model_system(model: DanceModel, path: Path | None) -> dict[str, Any]:
    """The report's `system` block for a CNN model file: name, architecture, file, hash, provenance."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None
    return {"kind": "cnn", "name": model.name, "arch": model.arch, "path": None if path is None else str(path),
            "sha256": sha, "provenance": model.provenance, "metrics": model.metrics}


def protocol(classifier: Classifier) -> str:
    """The evaluation protocol in words, with the numbers actually used."""
    f, m = classifier.model.features, classifier.model
    return (f"Each recording is decoded to mono {f.sr} Hz (first {classifier.max_duration_s:.0f} s at most) and turned into "
            f"a {f.n_mels}-band log-mel spectrogram (n_fft {f.n_fft}, hop {f.hop_length}); the spectrogram is cut "
            f"into windows of {m.window_frames} frames ({m.window_frames / f.frame_rate:.1f} s) every "
            f"{classifier.stride_frames} frames ({classifier.stride_frames / f.frame_rate:.1f} s), exactly as "
            "`dancecore classify` does. Window level: every window counts once with its recording's label. "
            "Aggregated level: one prediction per recording from the mean of its window probabilities. "
            "Top-2: the true dance is one of the two most probable. Recordings labelled not_ballroom are "
            "out-of-set: they are left out of accuracy, recall and confusion; the rejection figures give the share "
            "of them the model calls 'not sure' (top probability < "
            f"{m.reject.min_top_probability:g} or beat clarity < {m.reject.min_beat_clarity:g}) and the share of "
            "in-set recordings it wrongly calls 'not sure'.")


def training_overlap(model: DanceModel, dataset_spec: str, held_out: float | None, seed: int) -> str | None:
    """A warning when the model was trained on `dataset_spec` and the evaluation is not restricted to
    the groups its training held out (figures on training songs are inflated), else None."""
    trained_on = str(model.provenance.get("dataset", {}).get("source", "")).split(" (")[0]
    if not trained_on or Path(trained_on).resolve() != Path(dataset_spec).resolve():
        return None
    config = model.provenance.get("config", {})
    fraction, trained_seed = config.get("val_fraction"), config.get("seed")
    if held_out is not None and (held_out, seed) == (fraction, trained_seed):
        return None
    how = (f"give --held-out {fraction} --seed {trained_seed} to test only on the groups it held out"
           if fraction and not config.get("val") else "evaluate it on another dataset")
    return f"{model.name} was trained on {dataset_spec}, so these figures include training songs; {how}"
