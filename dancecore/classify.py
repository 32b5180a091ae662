"""From audio to a Result: spectrogram -> windows -> model -> mean over windows -> tempo -> reject."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dancecore.aggregate import mean_probabilities
from dancecore.audio import DEFAULT_MAX_DURATION_S, DEFAULT_TIMEOUT_S, Audio, load_audio
from dancecore.dances import DANCE_IDS
from dancecore.errors import DancecoreError
from dancecore.features import log_mel
from dancecore.fusion import RhythmScorer
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
        self.rhythm = RhythmScorer(model.rhythm) if model.rhythm else None

    @property
    def needs_audio(self) -> bool:
        """True when windows are scored from raw audio too (a model with a rhythm branch)."""
        return self.rhythm is not None

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
        from the feature cache); `audio` supplies the durations and truncation flag, and the raw
        samples a rhythm branch needs (required then)."""
        spectrogram = np.asarray(spectrogram, dtype=np.float32)
        cut = cut_windows(spectrogram, self.model.window_frames, self.stride_frames, self.model.features.amin_db)
        excerpts = None
        if self.rhythm is not None:
            if audio is None:
                raise DancecoreError(f"{label}: model {self.model.name} has a rhythm branch and needs the audio, "
                                     "not only a spectrogram")
            ends = (cut.start_frames + self.model.window_frames) * self.model.features.hop_length
            excerpts = [RhythmScorer.excerpt(audio.samples, int(end), audio.sr) for end in ends]
        window_probs, window_other = self.window_scores(cut.windows, excerpts)
        song = mean_probabilities(window_probs)
        tempo = estimate_tempo(spectrogram, self.model.features)
        other = None if window_other is None else float(window_other.mean())
        result = self._result(label, audio, song, cut.start_frames, window_probs, tempo.bpm, tempo.clarity, other)
        if audio is None:  # duration from the frame count (1 + n_samples // hop frames)
            result.duration_s = (len(spectrogram) - 1) / self.model.features.frame_rate
        result.padded = cut.padded
        return Analysis(spectrogram=spectrogram, start_frames=cut.start_frames, window_probs=window_probs,
                        result=result, window_other=window_other)

    def window_probabilities(self, windows: np.ndarray, excerpts: list[np.ndarray] | None = None) -> np.ndarray:
        """(n, 10) probabilities over DANCE_IDS for (n, frames, n_mels) dB windows; with a rhythm
        branch, `excerpts` are the raw samples (model rate) of the 11.89 s ending with each window."""
        return self.window_scores(windows, excerpts)[0]

    def window_scores(self, windows: np.ndarray,
                      excerpts: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Window probabilities (n, 10) and, with a rhythm branch, its (n,) probability that each
        window is another dance (None without one). The rhythm branch works on a thread of its own
        while the CNN runs (both release the GIL), so the two overlap on a multi-core machine."""
        if self.rhythm is None:
            return self._cnn_probabilities(windows), None
        if excerpts is None or len(excerpts) != len(windows):
            raise ValueError("a model with a rhythm branch needs one audio excerpt per window")
        with ThreadPoolExecutor(max_workers=1) as pool:
            rhythm = pool.submit(self.rhythm.probabilities, excerpts, self.model.features.sr)
            probs = self._cnn_probabilities(windows)
            return self.rhythm.fuse(probs, rhythm.result())

    def _cnn_probabilities(self, windows: np.ndarray) -> np.ndarray:
        """(n, 10) CNN probabilities over DANCE_IDS."""
        probs = self.model.predict_windows(windows)
        return probs[:, [self.model.classes.index(d) for d in DANCE_IDS]]

    def _result(self, label: str, audio: Audio | None, song: np.ndarray, start_frames: np.ndarray,
                window_probs: np.ndarray, raw_bpm: float, clarity: float, other: float | None) -> Result:
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
        if other is not None:
            result.extra["other_dance_probability"] = round(other, 4)
        result.not_sure_reason = self.model.reject.doubt(result.confidence, result.tempo_clarity,
                                                         result.extra.get("other_dance_probability"))
        result.not_sure = result.not_sure_reason is not None
        return result
