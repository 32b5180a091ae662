"""On-disk cache of decoded waveforms and log-mel spectrograms, so audio is decoded once.

Entries are keyed by the file's content, not its name: the SHA-1 of its size, its first MiB and its
last MiB (the whole file when it is at most 2 MiB; a bigger file edited only in the middle while
keeping its size would wrongly hit the cache). A spectrogram is further keyed by the feature
settings and the decoding limit, a waveform by the sample rate and the limit.

Spectrograms are stored as float16 dB (at most 0.03 dB from the float32 values), waveforms as
int16 at the settings' rate; both are .npy files read back memory-mapped, so many processes (data
loader workers, distributed ranks) share one copy in the page cache.
Default folder: $DANCECORE_CACHE, else ~/.cache/dancecore/features.
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, Literal

import numpy as np
from tqdm import tqdm

from dancecore.audio import DEFAULT_MAX_DURATION_S, load_audio
from dancecore.errors import DancecoreError
from dancecore.features import FeatureSettings, log_mel

Kind = Literal["spectrogram", "waveform"]
HASH_EDGE_BYTES = 1 << 20  # bytes hashed at each end of a file


def default_cache_dir() -> Path:
    """$DANCECORE_CACHE, else ~/.cache/dancecore/features."""
    env = os.environ.get("DANCECORE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "dancecore" / "features"


def content_key(path: str | Path) -> str:
    """SHA-1 hex of a file's size, first MiB and last MiB (whole file when <= 2 MiB)."""
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest.update(str(size).encode())
        if size <= 2 * HASH_EDGE_BYTES:
            digest.update(f.read())
        else:
            digest.update(f.read(HASH_EDGE_BYTES))
            f.seek(size - HASH_EDGE_BYTES)
            digest.update(f.read(HASH_EDGE_BYTES))
    return digest.hexdigest()


@dataclass(frozen=True)
class Failure:
    """A file that could not be cached and the one-line reason."""

    path: str
    reason: str


class FeatureCache:
    """Spectrograms and waveforms of audio files, computed once and then read from `root`.

    max_duration_s: only the first seconds of each file are decoded (part of every key).
    """

    def __init__(self, root: str | Path | None = None, max_duration_s: float = DEFAULT_MAX_DURATION_S) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_duration_s = float(max_duration_s)

    def entry(self, path: str | Path, settings: FeatureSettings, kind: Kind = "spectrogram") -> Path:
        """Where the cache keeps `kind` of `path` under `settings` (the file may not exist yet)."""
        if kind == "spectrogram":
            params = {**settings.to_dict(), "max_duration_s": self.max_duration_s}
        else:
            params = {"sr": settings.sr, "max_duration_s": self.max_duration_s}
        tag = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
        key = content_key(path)
        return self.root / key[:2] / f"{key}.{kind}.{tag}.npy"

    def get(self, path: str | Path, settings: FeatureSettings = FeatureSettings()) -> np.ndarray:
        """(frames, n_mels) float16 dB spectrogram of a file (memory-mapped), computed if missing.
        Raises AudioError for files that cannot be decoded."""
        return self._get(path, settings, "spectrogram")

    def waveform(self, path: str | Path, settings: FeatureSettings = FeatureSettings()) -> np.ndarray:
        """Mono int16 samples at settings.sr (memory-mapped; divide by 32767 for [-1, 1])."""
        return self._get(path, settings, "waveform")

    def _get(self, path: str | Path, settings: FeatureSettings, kind: Kind) -> np.ndarray:
        entry = self.entry(path, settings, kind)
        if not entry.exists():
            self._compute(path, settings, (kind,))
        return np.load(entry, mmap_mode="r")

    def _compute(self, path: str | Path, settings: FeatureSettings, kinds: tuple[Kind, ...]) -> None:
        """Decode once and write the missing entries of `kinds` atomically. Spectrograms always come
        from the float decode (never from the int16 waveform), so they equal `log_mel` of the audio."""
        missing = [(k, e) for k in kinds if not (e := self.entry(path, settings, k)).exists()]
        if not missing:
            return
        samples = load_audio(path, sr=settings.sr, max_duration_s=self.max_duration_s).samples
        for kind, entry in missing:
            if kind == "waveform":
                array = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
            else:
                array = log_mel(samples, settings).astype(np.float16)
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                np.save(f, array)
            tmp.replace(entry)

    def fill(self, paths: Iterable[str | Path | object], settings: FeatureSettings = FeatureSettings(),
             workers: int = 1, kinds: tuple[Kind, ...] = ("spectrogram",), desc: str = "caching") -> list[Failure]:
        """Compute the missing entries of many files in `workers` processes, with a progress bar.

        `paths` may be paths or dataset Items (their `.path` is used). Returns the files that could
        not be decoded, with reasons, instead of raising; everything else is then in the cache.
        """
        files = [str(getattr(p, "path", p)) for p in paths]
        todo = [f for f in dict.fromkeys(files) if not all(self.entry(f, settings, k).exists() for k in kinds)]
        failures: list[Failure] = []
        if not todo:
            return failures
        bar = tqdm(total=len(todo), desc=desc, unit="file")
        if workers <= 1:
            for file in todo:
                failures += _work(self.root, self.max_duration_s, file, settings, kinds)
                bar.update()
        else:
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                jobs = [pool.submit(_work, self.root, self.max_duration_s, f, settings, kinds) for f in todo]
                for job in as_completed(jobs):
                    failures += job.result()
                    bar.update()
        bar.close()
        return sorted(failures, key=lambda x: x.path)


def _work(root: Path, max_duration_s: float, path: str, settings: FeatureSettings,
          kinds: tuple[Kind, ...]) -> list[Failure]:
    """The entries of one file (process-pool job); a decoding problem becomes a Failure."""
    try:
        FeatureCache(root, max_duration_s)._compute(path, settings, kinds)
    except (DancecoreError, OSError) as exc:
        return [Failure(path, str(exc))]
    return []
