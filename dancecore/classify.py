"""From audio to a Result: decode within the limits, run the model unit (dancecore.model), report.

Importing this module loads neither ONNX Runtime nor scipy (they come with dancecore.model, which a caller
imports to load a model), so a front end can start decoding its first recording (dancecore.audio) while
they load.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soxr

from dancecore.audio import DEFAULT_MAX_DURATION_S, DEFAULT_TIMEOUT_S, Audio, load_audio
from dancecore.dances import DANCE_IDS
from dancecore.errors import DancecoreError
from dancecore.result import Result
from dancecore.segments import DEFAULT_STRIDE_FRAMES

if TYPE_CHECKING:
    from dancecore.model import DanceModel, SongAnalysis
    from dancecore.song import SongDecision


@dataclass
class Analysis:
    """Intermediate arrays of one classification, for plots and evaluation.

    spectrogram: (frames, n_mels) dB; start_frames: (n_windows,); window_probs: (n_windows, 10)."""

    spectrogram: np.ndarray
    start_frames: np.ndarray
    window_probs: np.ndarray
    result: Result
    window_other: np.ndarray | None = None


class Classifier:
    """Classifies recordings with one model; stride in spectrogram frames, limits in seconds."""

    def __init__(self, model: DanceModel, stride_frames: int = DEFAULT_STRIDE_FRAMES,
                 max_duration_s: float = DEFAULT_MAX_DURATION_S, timeout_s: float = DEFAULT_TIMEOUT_S,
                 min_top_probability: float | None = None) -> None:
        self.model = model
        self.stride_frames = stride_frames
        self.max_duration_s = max_duration_s
        self.timeout_s = timeout_s
        if min_top_probability is not None:
            model.reject.min_top_probability = min_top_probability

    @property
    def needs_audio(self) -> bool:
        """True when windows are scored from raw audio too (a model with a rhythm branch)."""
        return self.model.needs_audio

    def classify(self, source: str | Path | bytes, name: str | None = None) -> Result:
        """Decode and classify a file path or bytes; raises AudioError for unusable input."""
        return self.analyse(source, name).result

    def analyse(self, source: str | Path | bytes, name: str | None = None) -> Analysis:
        """Like `classify` but keeps the spectrogram and window probabilities."""
        label = name or (str(source) if not isinstance(source, bytes) else "upload")
        audio = load_audio(source, sr=self.model.features.sr, max_duration_s=self.max_duration_s,
                           timeout_s=self.timeout_s, name=label)
        return self.analyse_audio(audio, label)

    def at_model_rate(self, audio: Audio) -> Audio:
        """Decoded audio at the model's sample rate (resampled as load_audio does when it was decoded at another,
        e.g. at dancecore.audio.TARGET_SR before the model was loaded)."""
        sr = self.model.features.sr
        if audio.sr == sr:
            return audio
        samples = np.clip(soxr.resample(audio.samples, audio.sr, sr, quality="HQ"), -1.0, 1.0)
        return Audio(samples.astype(np.float32, copy=False), sr, audio.source_duration_s, audio.truncated,
                     audio.incomplete)

    def analyse_audio(self, audio: Audio, label: str) -> Analysis:
        """Classify decoded mono audio (`at_model_rate`)."""
        audio = self.at_model_rate(audio)
        spectrogram, song = self.model.analyse_audio(audio.samples, self.stride_frames)
        return self._analysis(spectrogram, song, label, audio)

    def analyse_spectrogram(self, spectrogram: np.ndarray, label: str, audio: Audio | None = None) -> Analysis:
        """Classify a (frames, n_mels) dB spectrogram made with the model's feature settings (e.g. read
        from the feature cache); `audio` supplies the durations and truncation flag, and the raw
        samples a rhythm branch needs (required then)."""
        if self.model.needs_audio and audio is None:
            raise DancecoreError(f"{label}: model {self.model.name} has a rhythm branch and needs the audio, "
                                 "not only a spectrogram")
        spectrogram = np.asarray(spectrogram, dtype=np.float32)
        song = self.model.analyse(spectrogram, None if audio is None else audio.samples, self.stride_frames)
        return self._analysis(spectrogram, song, label, audio)

    def _analysis(self, spectrogram: np.ndarray, song: SongAnalysis, label: str, audio: Audio | None) -> Analysis:
        result = self._result(label, audio, song)
        if audio is None:  # duration from the frame count (1 + n_samples // hop frames)
            result.duration_s = (len(spectrogram) - 1) / self.model.features.frame_rate
        return Analysis(spectrogram=spectrogram, start_frames=song.start_frames, window_probs=song.scores.probs,
                        result=result, window_other=song.scores.other)

    def _result(self, label: str, audio: Audio | None, song: SongAnalysis) -> Result:
        seconds_per_frame = self.model.features.hop_length / self.model.features.sr
        timeline = [{"start_s": round(float(s) * seconds_per_frame, 3),
                     "probabilities": {d: round(float(p), 6) for d, p in zip(DANCE_IDS, row)}}
                    for s, row in zip(song.start_frames, song.scores.probs)]
        result = song_result(song.decision, label, self.model, audio.duration_s if audio else 0.0, timeline)
        result.source_duration_s = audio.source_duration_s if audio else None
        result.truncated = audio.truncated if audio else False
        result.incomplete = audio.incomplete if audio else False
        result.padded = song.padded
        return result


def song_result(decision: SongDecision, label: str, model: DanceModel, duration_s: float,
                timeline: list[dict[str, Any]] | None = None) -> Result:
    """The Result of a song's decision (dancecore.song) over `duration_s` seconds of it: the same assembly
    for offline analysis and for the live adapter's song so far."""
    result = Result(path=label, probabilities=decision.probabilities, timeline=timeline or [],
                    tempo_bpm=decision.tempo_bpm, tempo_clarity=decision.tempo_clarity, duration_s=duration_s,
                    model={"name": model.name, "arch": model.arch},
                    not_sure=decision.not_sure_reason is not None, not_sure_reason=decision.not_sure_reason,
                    tempo_confidence=decision.tempo_confidence, beats_per_bar=decision.beats_per_bar,
                    meter_confidence=decision.meter_confidence, also_fits=decision.also_fits)
    if decision.other is not None:
        result.extra["other_dance_probability"] = decision.other
    return result
