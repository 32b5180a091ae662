"""Audio in, one Observation per hop out: the streaming analysis shared by `dancecore live` (adapters/engine.py
feeds it from a device) and `dancecore classify --sections` (fed from a file).

`WindowStream` is synchronous: window k covers spectrogram frames [k*hop, k*hop + 224), exactly what
`cut_windows(log_mel(audio), 224, hop)` gives offline, scored by the same model-unit methods. The
audio also streams through the model's beat network (one stream for the whole session, see
`WindowStream`), whose activations of the current song give each window the song's tempo and meter.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import soxr

from dancecore.beat.decode import RhythmFacts, decode
from dancecore.beat.features import FPS as BEAT_FPS
from dancecore.beat.features import SAMPLE_RATE as BEAT_RATE
from dancecore.classify import Classifier
from dancecore.features import StreamingLogMel
from dancecore.stream.settings import EngineConfig
from dancecore.stream.tracker import LEVEL_TOLERANCE, Observation, same_beat
from dancecore.tempo import Tempo, tempo_of_onsets

ONSET_SETTLE_S = 0.5   # the song's onset tempo skips its first half second: the step from silence into the music
                       # is one onset far above the others, which alone would hide the beat's periodicity
QUIET_FRACTION = 0.5   # a frame is "quiet" below this share of the recent mean RMS (Scheirer & Slaney 1997)
LEVEL_BLOCK_S = 0.1    # the window's level profile is measured in blocks of this length, seconds


class WindowStream:
    """Audio at the model's rate in, one Observation per hop out (once a full window exists).

    Keeps the last frames needed for a window, the tempo span and the talk span, the last
    `rhythm_audio_s` seconds of audio for the scorer, and the last `song_s` seconds of onset strength and
    beat activations for the song-level facts. `music_start_s` (stream seconds, set by the engine from the
    tracker) marks where the current song began (None between songs): the scorer's audio, the song's
    onset tempo and its beat facts never reach before it. Without it the rhythm branch's 11.9 s excerpt
    would mix the previous song, the gap and any talk into the new song's first windows, where offline
    analysis of the song alone sees only the song.

    The beat network (when the model has one) runs as one stream for the whole session, its LSTM state
    kept across songs, as BeatNet's online mode runs: the network is causal and was made to listen
    continuously, a song's start is known only seconds after it began (from the level profile, or
    after a crossfade from a change of dance), and the facts decode only the song's own activations
    (the decoder skips the leading frames without a beat). Measured on a slow waltz after 30 s of a
    jive and a 5 s gap, the song's facts from the carried state equal those of the song alone from a
    zero state (tests/test_live_engine.py).
    """

    def __init__(self, classifier: Classifier, config: EngineConfig) -> None:
        self.classifier = classifier
        model = classifier.model
        features = model.features
        self.features = features
        self.window_frames = model.window_frames
        self.hop_frames = max(1, round(config.hop_s * features.frame_rate))
        self.tempo_frames = round(config.tempo_s * features.frame_rate)
        self.talk_frames = round(config.talk_s * features.frame_rate)
        self.talk_now_frames = round(config.talk_now_s * features.frame_rate)
        self.song_frames = max(self.tempo_frames, round(config.song_s * features.frame_rate))
        self.keep_frames = max(self.window_frames, self.tempo_frames, self.talk_frames, self.talk_now_frames)
        self.window_samples = self.window_frames * features.hop_length
        self.keep_samples = max(round(config.rhythm_audio_s * features.sr), self.window_samples,
                                (self.hop_frames + 4) * features.hop_length)
        self.level_block = round(LEVEL_BLOCK_S * features.sr)
        self._logmel = StreamingLogMel(features)
        self._frames = np.zeros((0, features.n_mels), dtype=np.float32)
        self._first_frame = 0          # absolute index of self._frames[0]
        self._onsets = np.zeros(0, dtype=np.float32)   # spectral flux per frame (dancecore.tempo.onset_envelope)
        self._first_onset = 0          # absolute frame index of self._onsets[0]
        self._audio = np.zeros(0, dtype=np.float32)
        self._first_sample = 0         # absolute index of self._audio[0]
        self.windows = 0               # windows scored so far
        self.music_start_s: float | None = None
        self._beat = model.beat.stream() if model.beat is not None else None
        self._beat_resampler = (soxr.ResampleStream(features.sr, BEAT_RATE, 1, dtype="float32", quality="HQ")
                                if self._beat is not None and features.sr != BEAT_RATE else None)
        self._activations = np.zeros((0, 3), dtype=np.float32)
        self._first_activation = 0     # absolute beat frame index of self._activations[0]
        self.beat_keep = round(config.song_s * BEAT_FPS)
        self.beat_tempo = round(config.beat_tempo_s * BEAT_FPS)
        self.beat_recent = round(config.beat_recent_s * BEAT_FPS)

    @property
    def hop_s(self) -> float:
        """Seconds between windows (a whole number of frames)."""
        return self.hop_frames * self.features.hop_length / self.features.sr

    def push(self, samples: np.ndarray) -> list[Observation]:
        """Add mono float32 samples at the model's rate; return an Observation per completed window."""
        samples = np.asarray(samples, dtype=np.float32)
        self._audio = np.concatenate([self._audio, samples])
        frames = self._logmel.push(samples)
        self._add_onsets(frames)
        self._frames = np.concatenate([self._frames, frames])
        if self._beat is not None:
            beat_samples = samples if self._beat_resampler is None else self._beat_resampler.resample_chunk(samples)
            self._activations = np.concatenate([self._activations, self._beat.push(beat_samples)])
        out = []
        while self._next_end() <= self._first_frame + len(self._frames):
            out.append(self._observe(self._next_end()))
            self.windows += 1
        self._trim()
        return out

    def _add_onsets(self, frames: np.ndarray) -> None:
        """Append the spectral flux of new (n, n_mels) dB frames (the first frame of the stream gets 0)."""
        if len(frames) == 0:
            return
        previous = self._frames[-1:] if len(self._frames) else frames[:1]
        flux = np.maximum(np.diff(np.concatenate([previous, frames]), axis=0), 0.0).mean(axis=1)
        self._onsets = np.concatenate([self._onsets, flux.astype(np.float32)])

    def _next_end(self) -> int:
        return self.windows * self.hop_frames + self.window_frames

    def _observe(self, end: int) -> Observation:
        """Score the window ending at absolute frame `end`; measure level, tempo, talk and the song's facts."""
        local_end = end - self._first_frame
        window = self._frames[local_end - self.window_frames:local_end]
        audio_end = end * self.features.hop_length - self._first_sample   # the window's last sample
        recent_audio = self._audio[max(0, audio_end - self.keep_samples):audio_end]
        onset_end = end - self._first_onset
        onsets = self._onsets[max(0, onset_end - self.tempo_frames):onset_end]
        tempo = tempo_of_onsets(onsets, self.features)
        n_blocks = self.window_samples // self.level_block
        span = recent_audio[-n_blocks * self.level_block:]
        span = np.concatenate([np.zeros(n_blocks * self.level_block - len(span), np.float32), span])
        song_from = 0
        if self.music_start_s is not None:
            song_from = round(self.music_start_s * self.features.sr) - self._first_sample
        first = max(0, audio_end - self.keep_samples, song_from)
        probs, other = self.score(window, end - self.window_frames, self._audio[first:audio_end],
                                  self._first_sample + first)
        t_s = end * self.features.hop_length / self.features.sr
        song_tempo, facts, recent = self._song_facts(end, t_s)
        return Observation(
            t_s=t_s, probs=probs, other=other,
            rms_dbfs=float(level_dbfs(recent_audio[-self.hop_frames * self.features.hop_length:])),
            bpm=tempo.bpm, clarity=tempo.clarity, onset_variation=onset_variation(onsets),
            low_energy_ratio=low_energy_ratio(self._frames[max(0, local_end - self.talk_frames):local_end]),
            low_energy_ratio_now=low_energy_ratio(self._frames[max(0, local_end - self.talk_now_frames):local_end]),
            onset_variation_now=onset_variation(self._onsets[max(0, onset_end - self.talk_now_frames):onset_end]),
            levels_dbfs=level_dbfs(span.reshape(n_blocks, self.level_block)),
            level_block_s=self.level_block / self.features.sr,
            song_tempo=song_tempo, facts=facts, recent=recent)

    def _song_facts(self, end: int, t_s: float) -> tuple[Tempo | None, RhythmFacts | None, RhythmFacts | None]:
        """For the song whose music began at `music_start_s` (None between songs: nothing), up to frame `end`
        (stream time `t_s`): the onset tempo and beat clarity of its latest `song_s` seconds; the beat
        network's facts of the song: its meter from the latest `song_s` seconds, its tempo from the latest
        `beat_tempo_s` when that is within LEVEL_TOLERANCE of the longer span's (an octave apart allowed), else
        the longer span's (a meter needs long spans to be sure of; a tempo follows the music sooner on short
        ones, which also jump between metrical levels, 2:3 or 3:4, more often); and the beat network's facts
        of the latest `beat_recent_s` (None without a beat network)."""
        if self.music_start_s is None:
            return None, None, None
        start_frame = round((self.music_start_s + ONSET_SETTLE_S) * self.features.frame_rate)
        onset_end = end - self._first_onset
        onsets = self._onsets[max(0, start_frame - self._first_onset, onset_end - self.song_frames):onset_end]
        song_tempo = tempo_of_onsets(onsets, self.features)
        if self._beat is None:
            return song_tempo, None, None
        beat_end = min(self._first_activation + len(self._activations), int(t_s * BEAT_FPS)) - self._first_activation
        song_first = max(0, round(self.music_start_s * BEAT_FPS) - self._first_activation)
        spans = {}
        for span in (self.beat_keep, self.beat_tempo, self.beat_recent):
            first = max(song_first, beat_end - span)
            if first not in spans:
                spans[first] = decode(self._activations[first:beat_end])
        song, tempo, recent = (spans[max(song_first, beat_end - span)]
                               for span in (self.beat_keep, self.beat_tempo, self.beat_recent))
        if same_beat(tempo.bpm, song.bpm, LEVEL_TOLERANCE):   # the short span follows, at the song's metrical level
            song = replace(song, bpm=tempo.bpm, tempo_confidence=tempo.tempo_confidence)
        return song_tempo, song, recent

    def score(self, window: np.ndarray, start_frame: int, recent_audio: np.ndarray,
              first_sample: int) -> tuple[np.ndarray, float | None]:
        """(10,) probabilities over DANCE_IDS for one (224, n_mels) dB window starting at stream frame
        `start_frame`, and the rhythm branch's probability of another dance (None without one), from the same
        model-unit methods as offline. `recent_audio` (up to rhythm_audio_s seconds ending with the window,
        none from before the song began, at the model's rate; its first sample is stream sample
        `first_sample`) is where the rhythm branch gets its input."""
        model = self.classifier.model
        excerpts = None
        if model.needs_audio:
            excerpts = model.window_excerpts(recent_audio, np.array([start_frame]), first_sample)
        scores = model.score_windows(window[None], excerpts)
        return scores.probs[0], None if scores.other is None else float(scores.other[0])

    def _trim(self) -> None:
        """Drop frames, onsets, samples and activations no later window can need."""
        next_end = self._next_end()
        drop = max(0, next_end - self.keep_frames - self._first_frame)
        if drop:
            self._frames = self._frames[drop:]
            self._first_frame += drop
        drop = max(0, next_end - self.song_frames - self._first_onset)
        if drop:
            self._onsets = self._onsets[drop:]
            self._first_onset += drop
        keep_from = next_end * self.features.hop_length - self.keep_samples
        drop = max(0, keep_from - self._first_sample)
        if drop:
            self._audio = self._audio[drop:]
            self._first_sample += drop
        next_first = round(next_end * self.features.hop_length / self.features.sr * BEAT_FPS) - self.beat_keep
        drop = min(len(self._activations), max(0, next_first - self._first_activation))
        if drop:
            self._activations = self._activations[drop:]
            self._first_activation += drop


def level_dbfs(samples: np.ndarray) -> np.ndarray:
    """RMS level in dB full scale (a full-scale sine is -3 dB) over the last axis; -120 for digital silence."""
    power = np.mean(np.square(samples, dtype=np.float64), axis=-1)
    return 10.0 * np.log10(power + 1e-12)


def low_energy_ratio(frames_db: np.ndarray) -> float:
    """Share of frames whose RMS is below half the mean RMS of `frames_db` ((frames, n_mels) dB):
    speech, with its pauses between words, scores high; music, continuous, low."""
    if len(frames_db) == 0:
        return 0.0
    rms = np.sqrt((10.0 ** (frames_db.astype(np.float64) / 10.0)).sum(axis=1))
    return float(np.mean(rms < QUIET_FRACTION * rms.mean()))


def onset_variation(onsets: np.ndarray) -> float:
    """Coefficient of variation (std / mean) of an onset envelope (dancecore.tempo.onset_envelope of dB frames):
    steady sound (fans, hum, hiss, rain) stays near 0.1-0.2, music with its onsets above 0.25, speech higher still.
    Its own measure because a few seconds of steady noise can look periodic (beat clarity 0.1-0.17)."""
    flux = onsets[1:]
    mean = float(flux.mean()) if len(flux) else 0.0
    return float(flux.std() / mean) if mean > 1e-9 else 0.0
