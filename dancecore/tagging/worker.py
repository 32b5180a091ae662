"""The classifier of one process, made on first use: a fully tagged library never loads the model.

In a worker process (`init`), numerical libraries get one thread each (the processes already fill the
cores) and Ctrl-C is left to the parent, which lets the files in progress finish and then stops.
With a cache folder, spectrograms and waveforms come from dancecore.cache (as `dancecore evaluate`
uses it), so a --dry-run followed by the real run decodes each file once.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from dancecore.tagging.job import JobOptions, Outcome, process
from dancecore.tagging.record import Facts

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_state: dict[str, Any] = {"classifier": None, "model_path": None, "cache_dir": None, "threads": 0}


def init(model_path: str | None, cache_dir: str | None, classifier: Any = None, threads: int = 0) -> None:
    """Set up this process; `classifier`: one already made (the parent's, when it works alone);
    threads: intra-op threads of a classifier made here (0: one per core)."""
    _state.update(classifier=classifier, model_path=model_path, cache_dir=cache_dir, threads=threads)


def init_worker(model_path: str | None, cache_dir: str | None) -> None:
    """Process-pool initializer: one thread per library (set before numpy is first imported, here in
    `classify`), Ctrl-C ignored, classifier made on first use."""
    for name in _THREAD_VARIABLES:
        os.environ[name] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    init(model_path, cache_dir, threads=1)


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """End this worker when the parent is gone (killed, not Ctrl-C): the pool would leave it waiting for work
    forever. A file being written then is left as it was (the rename had not happened) or finished."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)


def run(path: Path, options: JobOptions) -> Outcome:
    """One file with this process's classifier."""
    return process(path, options, classify)


def classify(path: Path) -> Facts:
    """The findings for one file (AudioError for audio that cannot be used)."""
    classifier = _classifier()
    if _state["cache_dir"] is None:
        return Facts.from_result(classifier.classify(path))
    import numpy as np

    from dancecore.audio import Audio
    from dancecore.cache import FeatureCache

    cache, features = FeatureCache(_state["cache_dir"] or None), classifier.model.features
    spectrogram = cache.get(path, features)
    audio = None
    if classifier.needs_audio:
        samples = np.asarray(cache.waveform(path, features), dtype=np.float32) / np.float32(32767.0)
        audio = Audio(samples=samples, sr=features.sr, source_duration_s=None, truncated=False)
    return Facts.from_result(classifier.analyse_spectrogram(spectrogram, str(path), audio).result)


def _classifier() -> Any:
    if _state["classifier"] is None:
        from dancecore.classify import Classifier
        from dancecore.model import load_model

        _state["classifier"] = Classifier(load_model(_state["model_path"], threads=_state["threads"]))
    return _state["classifier"]
