"""The model unit: one object that owns a model file's networks, the fusion and the song-level decision.

Given a spectrogram (and the audio it came from, when the model has a rhythm branch) and the window
positions, `DanceModel.analyse` returns the window scores and the song's decision; live audio scores one
window at a time through the same `window_excerpts` and `score_windows`. Networks run on ONNX Runtime
(dancecore.runtime); nothing here imports PyTorch. A model file is a `.dcmodel` archive
(dancecore.modelfile); `load_model` also takes a training checkpoint (`.pt`) when PyTorch is installed.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dancecore.dances import DANCE_IDS
from dancecore.errors import DancecoreError, ModelError
from dancecore.features import log_mel
from dancecore.fusion import excerpt, excerpt_features, fuse
from dancecore.modelfile import ModelArchive, is_torch_checkpoint, read_archive
from dancecore.modelinfo import ModelInfo, RejectSettings
from dancecore.rhythm.data import CLASSES as RHYTHM_CLASSES
from dancecore.rhythm.inputs import cross_correlation, stack_inputs
from dancecore.runtime import Network, OnnxNetwork
from dancecore.segments import cut_windows
from dancecore.song import SongDecision, SongEvidence, SongRule, rule_for
from dancecore.tempo import estimate_tempo

if TYPE_CHECKING:
    from dancecore.beat.decode import RhythmFacts
    from dancecore.beat.runtime import BeatNetwork

DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "default.dcmodel"
CNN = "cnn"
BEAT = "beat"
__all__ = ["DEFAULT_MODEL_PATH", "DanceModel", "RejectSettings", "SongAnalysis", "WindowScores", "load_model"]


@dataclass(frozen=True)
class WindowScores:
    """Scores of n windows. probs: (n, 10) fused probabilities over DANCE_IDS (the CNN's alone without a
    rhythm branch); other: (n,) rhythm probability of another dance; cnn: (n, 10) the CNN's over DANCE_IDS;
    rhythm: (n, 11) the rhythm branch's over its classes (other and rhythm None without a rhythm branch)."""

    probs: np.ndarray
    other: np.ndarray | None
    cnn: np.ndarray
    rhythm: np.ndarray | None


@dataclass(frozen=True)
class SongAnalysis:
    """One recording through the unit: start_frames (n,) of its windows, padded (shorter than one window),
    the window scores and the song's decision."""

    start_frames: np.ndarray
    padded: bool
    scores: WindowScores
    decision: SongDecision


@dataclass
class DanceModel(ModelInfo):
    """A model file ready to run. networks: name -> runnable network ("cnn"; "rhythm_0".. the rhythm
    branch's members, averaged; "beat" the beat/downbeat network); specs: each network's model.json entry
    (file, weights, kind, settings); song_rule: the song-level decision (dancecore.song), from the model
    file's decision settings, replaceable."""

    networks: dict[str, Network] = field(default_factory=dict)
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    song_rule: SongRule = field(default_factory=lambda: rule_for({}))

    @classmethod
    def from_archive(cls, archive: ModelArchive, threads: int = 0) -> DanceModel:
        """Open every network of a model archive in an ONNX Runtime session of `threads` intra-op threads
        (0: one per core); the beat network, an LSTM that runs frame after frame, on one."""
        from dancecore.beat.runtime import THREADS as BEAT_THREADS

        specs = archive.meta.get("networks") or {}
        info = ModelInfo.from_meta(archive.meta)
        broken = [name for name, spec in specs.items() if not isinstance(spec, dict) or "file" not in spec]
        if broken:
            raise ModelError(f"model {info.name}: network entry {broken[0]} names no file; the model file is damaged")
        networks = {name: OnnxNetwork(archive.member(spec["file"]), BEAT_THREADS if name == BEAT else threads, name)
                    for name, spec in specs.items()}
        return cls.with_networks(info, specs, networks)

    @classmethod
    def with_networks(cls, info: ModelInfo, specs: dict[str, dict[str, Any]],
                      networks: dict[str, Network]) -> DanceModel:
        """The unit of `info` running `networks` (any Network: ONNX sessions, or the training side's torch
        modules); ModelError when the networks do not make a dancecore model."""
        model = cls(**vars(info.info()), networks=networks, specs=specs)
        model.song_rule = rule_for(info.decision)
        if CNN not in specs or CNN not in networks:
            raise ModelError(f"model {info.name}: no '{CNN}' network in the model file")
        for name in model.rhythm_members:
            if list(specs[name].get("classes", [])) != list(RHYTHM_CLASSES):
                raise ModelError(f"model {info.name}: rhythm network {name} has classes {specs[name].get('classes')}, "
                                 f"expected {list(RHYTHM_CLASSES)}")
        if model.rhythm_members and info.fusion is None:
            raise ModelError(f"model {info.name}: a rhythm branch without fusion settings")
        return model

    @property
    def arch(self) -> str:
        """The CNN's architecture name (dancecore.architectures)."""
        return self.specs[CNN]["settings"]["arch"]

    @property
    def rhythm_members(self) -> list[str]:
        """Names of the rhythm branch's networks, in order (empty without a rhythm branch)."""
        return sorted(n for n, s in self.specs.items() if s.get("kind") == "rhythm")

    @cached_property
    def beat(self) -> BeatNetwork | None:
        """The beat/downbeat network (dancecore.beat), None when the model file has none."""
        if BEAT not in self.networks:
            return None
        from dancecore.beat.runtime import BeatNetwork
        from dancecore.beat.spec import check_settings

        check_settings(self.specs[BEAT].get("settings", {}))
        return BeatNetwork(self.networks[BEAT])

    def rhythm_facts(self, samples: np.ndarray) -> RhythmFacts | None:
        """Tempo, meter and beats of mono audio at the model's rate, from the beat network (None without one)."""
        if self.beat is None:
            return None
        from dancecore.beat.decode import decode
        from dancecore.beat.features import SAMPLE_RATE

        if self.features.sr != SAMPLE_RATE:
            import soxr
            samples = soxr.resample(np.asarray(samples, dtype=np.float32), self.features.sr, SAMPLE_RATE)
        return decode(self.beat.song(samples))

    @property
    def needs_audio(self) -> bool:
        """True when windows are scored from raw audio too (a model with a rhythm branch)."""
        return bool(self.rhythm_members)

    def predict_windows(self, windows: np.ndarray, batch_size: int = 32) -> np.ndarray:
        """The CNN's class probabilities (n, len(classes)) float64, in `classes` order, for
        (n, frames, n_mels) dB windows."""
        net = self.networks[CNN]
        out = [_softmax(net.run({net.inputs[0]: self.network_input(windows[start:start + batch_size])})[0])
               for start in range(0, len(windows), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)))

    def cnn_probabilities(self, windows: np.ndarray) -> np.ndarray:
        """(n, 10) CNN probabilities over DANCE_IDS."""
        return self.predict_windows(windows)[:, [self.classes.index(d) for d in DANCE_IDS]]

    def rhythm_probabilities(self, excerpts: list[np.ndarray]) -> np.ndarray:
        """(n, 11) rhythm-branch probabilities over its classes for audio excerpts at the model's rate (the
        mean of its members'). Excerpts are featurised on a thread per core: the wavelet and FFT code
        releases the GIL."""
        def featurise(audio: np.ndarray) -> dict[str, np.ndarray]:
            return excerpt_features(audio, self.features.sr)

        if len(excerpts) < 2:
            features = [featurise(x) for x in excerpts]
        else:
            with ThreadPoolExecutor(max_workers=min(len(excerpts), os.cpu_count() or 1)) as pool:
                features = list(pool.map(featurise, excerpts))
        pedf, odf = stack_inputs(features)
        inputs = {"pedf": pedf, "odf": odf}
        probs = []
        for name in self.rhythm_members:
            net = self.networks[name]
            if "xcorr" in net.inputs and "xcorr" not in inputs:
                inputs["xcorr"] = cross_correlation(odf)
            probs.append(_softmax(net.run({k: inputs[k] for k in net.inputs})[0]))
        return np.mean(probs, axis=0)

    def window_excerpts(self, samples: np.ndarray, start_frames: np.ndarray, first_sample: int = 0) -> list[np.ndarray]:
        """The audio the rhythm branch hears for each window: the up to 11.89 s of `samples` (mono, model
        rate; samples[0] is sample `first_sample` of the recording) that end where the window that starts
        at spectrogram frame start_frames[i] ends."""
        ends = (np.asarray(start_frames) + self.window_frames) * self.features.hop_length - first_sample
        return [excerpt(samples, int(end), self.features.sr) for end in ends]

    def score_windows(self, windows: np.ndarray, excerpts: list[np.ndarray] | None = None) -> WindowScores:
        """Scores of (n, frames, n_mels) dB windows; with a rhythm branch, `excerpts` are `window_excerpts`
        of the same windows. The rhythm branch works on a thread of its own while the CNN runs (both
        release the GIL), so the two overlap on a multi-core machine."""
        if not self.needs_audio:
            cnn = self.cnn_probabilities(windows)
            return WindowScores(probs=cnn, other=None, cnn=cnn, rhythm=None)
        if excerpts is None or len(excerpts) != len(windows):
            raise ValueError("a model with a rhythm branch needs one audio excerpt per window")
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(self.rhythm_probabilities, excerpts)
            cnn = self.cnn_probabilities(windows)
            rhythm = pending.result()
        assert self.fusion is not None  # with_networks checks it
        probs, other = fuse(cnn, rhythm, self.fusion)
        return WindowScores(probs=probs, other=other, cnn=cnn, rhythm=rhythm)

    def analyse_audio(self, samples: np.ndarray, stride_frames: int) -> tuple[np.ndarray, SongAnalysis]:
        """Mono audio at the model's rate -> its (frames, n_mels) dB spectrogram and `analyse` of it. The beat
        network hears the audio on a thread of its own while the spectrogram is computed (both release the
        GIL), so on two cores its cost hides behind the spectrogram's."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            facts = pool.submit(self.rhythm_facts, samples)
            spectrogram = log_mel(samples, self.features)
            return spectrogram, self.analyse(spectrogram, samples, stride_frames, facts)

    def analyse(self, spectrogram: np.ndarray, samples: np.ndarray | None, stride_frames: int,
                facts: RhythmFacts | Future | None = None) -> SongAnalysis:
        """A recording's (frames, n_mels) dB spectrogram (the model's feature settings) cut into windows every
        `stride_frames` frames, scored, and decided; `samples` is the mono audio at the model's rate it was
        made from (required with a rhythm branch, else unused); `facts` its rhythm facts when already computed
        or being computed (a Future of `rhythm_facts`; None: computed here from `samples`)."""
        if self.needs_audio and samples is None:
            raise DancecoreError(f"model {self.name} has a rhythm branch and needs the audio, not only a spectrogram")
        cut = cut_windows(spectrogram, self.window_frames, stride_frames, self.features.amin_db)
        excerpts = self.window_excerpts(samples, cut.start_frames) if self.needs_audio else None
        scores = self.score_windows(cut.windows, excerpts)
        if isinstance(facts, Future):
            facts = facts.result()
        elif facts is None and samples is not None:
            facts = self.rhythm_facts(samples)
        evidence = SongEvidence(scores.probs, scores.other, estimate_tempo(spectrogram, self.features), facts)
        return SongAnalysis(cut.start_frames, cut.padded, scores, self.decide(evidence))

    def decide(self, evidence: SongEvidence) -> SongDecision:
        """The song's answer from its evidence, by `song_rule`."""
        return self.song_rule.decide(evidence, self)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) logits, float64."""
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def load_model(path: str | Path | None = None, threads: int = 0) -> DanceModel:
    """Load a model file (.dcmodel; None: the default model shipped in the package) with `threads` intra-op
    threads per network (0: one per core). A training checkpoint (.pt from `dancecore train`) is converted
    in memory when PyTorch is installed."""
    if path is None:
        path = DEFAULT_MODEL_PATH
        if not path.exists():
            raise ModelError(f"no default model at {path}; reinstall dancecore or pass --model PATH")
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found; check the --model path")
    archive = _checkpoint_archive(path) if is_torch_checkpoint(path) else read_archive(path)
    model = DanceModel.from_archive(archive, threads)
    if model.name == "model":
        model.name = path.stem
    return model


def _checkpoint_archive(path: Path) -> ModelArchive:
    """A training checkpoint exported in memory (needs PyTorch, the train extra)."""
    try:
        from dancecore.training.torch_model import load_torch_model
    except ImportError:
        raise ModelError(f"{path}: a PyTorch training checkpoint; convert it with `dancecore export {path} "
                         "OUT.dcmodel` where the train extra is installed (pip install -e '.[train]')") from None
    return load_torch_model(path).to_archive()
