"""From audio to a Result: spectrogram -> windows -> model -> mean over windows -> tempo -> reject."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dancecore.aggregate import mean_probabilities
from dancecore.audio import DEFAULT_MAX_DURATION_S, DEFAULT_TIMEOUT_S, Audio, load_audio
from dancecore.dances import DANCE_IDS
from dancecore.features import log_mel
from dancecore.model import DanceModel
from dancecore.result import Result
from dancecore.segments import DEFAULT_STRIDE_FRAMES, cut_windows
from dancecore.tempo import estimate_tempo, fold_to_dance


@dataclass
class Analysis:
    """Intermediate arrays of one classification, for plots and evaluation.

    spectrogram: (frames, n_mels) dB; start_frames: (n_windows,); window_probs: (n_windows, 10)."""

    spectrogram: np.ndarray
    start_frames: np.ndarray
    window_probs: np.ndarray
    result: Result


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

    def classify(self, source: str | Path | bytes, name: str | None = None) -> Result:
        """Decode and classify a file path or bytes; raises AudioError for unusable input."""
        return self.analyse(source, name).result

    def analyse(self, source: str | Path | bytes, name: str | None = None) -> Analysis:
        """Like `classify` but keeps the spectrogram and window probabilities."""
        label = name or (str(source) if not isinstance(source, bytes) else "upload")
        audio = load_audio(source, sr=self.model.features.sr, max_duration_s=self.max_duration_s,
                           timeout_s=self.timeout_s, name=label)
        return self.analyse_audio(audio, label)

    def analyse_audio(self, audio: Audio, label: str) -> Analysis:
        """Classify decoded audio (mono float32 at the model's rate)."""
        return self.analyse_spectrogram(log_mel(audio.samples, self.model.features), label, audio)

    def analyse_spectrogram(self, spectrogram: np.ndarray, label: str, audio: Audio | None = None) -> Analysis:
        """Classify a (frames, n_mels) dB spectrogram made with the model's feature settings (e.g. read
        from the feature cache); `audio`, when given, supplies the durations and truncation flag."""
        spectrogram = np.asarray(spectrogram, dtype=np.float32)
        cut = cut_windows(spectrogram, self.model.window_frames, self.stride_frames, self.model.features.amin_db)
        window_probs = self.window_probabilities(cut.windows)
        song = mean_probabilities(window_probs)
        tempo = estimate_tempo(spectrogram, self.model.features)
        result = self._result(label, audio, song, cut.start_frames, window_probs, tempo.bpm, tempo.clarity)
        if audio is None:  # duration from the frame count (1 + n_samples // hop frames)
            result.duration_s = (len(spectrogram) - 1) / self.model.features.frame_rate
        result.padded = cut.padded
        return Analysis(spectrogram=spectrogram, start_frames=cut.start_frames, window_probs=window_probs,
                        result=result)

    def window_probabilities(self, windows: np.ndarray) -> np.ndarray:
        """(n, 10) probabilities over DANCE_IDS for (n, frames, n_mels) dB windows."""
        probs = self.model.predict_windows(windows)
        order = [self.model.classes.index(d) for d in DANCE_IDS]
        return probs[:, order]

    def _result(self, label: str, audio: Audio | None, song: np.ndarray, start_frames: np.ndarray,
                window_probs: np.ndarray, raw_bpm: float, clarity: float) -> Result:
        seconds_per_frame = self.model.features.hop_length / self.model.features.sr
        timeline = [{"start_s": round(float(s) * seconds_per_frame, 3),
                     "probabilities": {d: round(float(p), 6) for d, p in zip(DANCE_IDS, row)}}
                    for s, row in zip(start_frames, window_probs)]
        probabilities = {d: float(p) for d, p in zip(DANCE_IDS, song / song.sum())}
        top = max(probabilities, key=probabilities.__getitem__)
        result = Result(path=label, probabilities=probabilities, timeline=timeline,
                        tempo_bpm=fold_to_dance(raw_bpm, top), tempo_clarity=clarity,
                        duration_s=audio.duration_s if audio else 0.0,
                        model={"name": self.model.name, "arch": self.model.arch},
                        source_duration_s=audio.source_duration_s if audio else None,
                        truncated=audio.truncated if audio else False)
        result.not_sure_reason = self._doubt(result)
        result.not_sure = result.not_sure_reason is not None
        return result

    def _doubt(self, result: Result) -> str | None:
        """Why the evidence is too weak to name a dance, or None."""
        reject = self.model.reject
        if result.tempo_clarity < reject.min_beat_clarity:
            return f"no steady beat (clarity {result.tempo_clarity:.2f} < {reject.min_beat_clarity:.2f})"
        if result.confidence < reject.min_top_probability:
            return f"low confidence ({result.confidence:.2f} < {reject.min_top_probability:.2f})"
        return None
