"""From window probabilities to events: announce a dance once it is stable, a new song after a
silence gap or a sustained change, nothing during silence, talk or unsure stretches.

Per scored window (one per hop) the tracker gets an Observation. A hop quieter than the silence
gate is skipped; `silence_gap_s` of them end the song (a SilenceEvent if a dance was announced). A
shorter gap, seen only in a later window's level profile, splits the songs without a SilenceEvent.
A window counts once it holds `min_music_s` of music. Windows with no steady beat (beat clarity
below `min_beat_clarity`), talk-like level patterns (many quiet frames) or steady sound without onsets
(fans, hum, hiss: onset variation below `min_onset_variation`) are doubtful:
before an announcement they restart the evidence, after it they are skipped. A dance is announced
when the song's mean probabilities have named it for `stable_windows` windows in a row with at
least `min_confidence` (the model's reject threshold unless set). Afterwards, once `change_windows`
of the song's windows named its dance, `change_windows` consecutive windows naming another confident
dance start a new song (no gap needed); a song mean that moves to another dance by `revise_margin`
for `stable_windows` windows revises the announcement.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from adapters.config import TrackerConfig
from adapters.events import DanceEvent, Event, SilenceEvent
from dancecore.aggregate import IncrementalAggregator
from dancecore.dances import DANCE_IDS
from dancecore.model import RejectSettings
from dancecore.result import Result
from dancecore.tempo import fold_to_dance


@dataclass(frozen=True)
class Observation:
    """One scored window. t_s: stream time at the window's end (s); probs: (10,) over DANCE_IDS;
    rms_dbfs: RMS level of the last hop (dB full scale); bpm, clarity: tempo and beat clarity (0..1)
    of the recent audio; low_energy_ratio: share of quiet frames in the recent audio (high for talk);
    levels_dbfs: RMS levels of consecutive blocks of `level_block_s` seconds ending at `t_s` (the window's
    level profile, oldest first), which tells where in the window the music began; other: the rhythm
    branch's probability that the window is another dance (None for models without one);
    onset_variation: std / mean of the spectral flux of the recent audio (low for steady noise or hum)."""

    t_s: float
    probs: np.ndarray
    rms_dbfs: float
    bpm: float
    clarity: float
    low_energy_ratio: float
    levels_dbfs: np.ndarray
    level_block_s: float
    other: float | None = None
    onset_variation: float = 1.0

    def gap_end_s(self, silence_dbfs: float, min_gap_s: float) -> float | None:
        """Stream time where the last silent stretch of at least `min_gap_s` inside the window ended
        (None if there is none, or it lasts to the window's end)."""
        silent = self.levels_dbfs < silence_dbfs
        end = None
        run = 0
        for i, quiet in enumerate(silent):
            run = run + 1 if quiet else 0
            if run * self.level_block_s >= min_gap_s - 1e-9 and i + 1 < len(silent) and not silent[i + 1]:
                end = i + 1
        return None if end is None else self.t_s - (len(silent) - end) * self.level_block_s

    def sound_start_s(self, silence_dbfs: float) -> float:
        """Stream time where the sound at the end of the window began (after its last silent block)."""
        silent = np.flatnonzero(self.levels_dbfs < silence_dbfs)
        blocks_of_sound = len(self.levels_dbfs) - (silent[-1] + 1 if len(silent) else 0)
        return self.t_s - blocks_of_sound * self.level_block_s


class Tracker:
    """Turns Observations (one per hop of `hop_s` seconds) into DanceEvents and SilenceEvents."""

    def __init__(self, config: TrackerConfig, hop_s: float, reject: RejectSettings,
                 model: dict[str, str], label: str = "live") -> None:
        self.config = config
        self.hop_s = hop_s
        self.min_confidence = reject.min_top_probability if config.min_confidence is None else config.min_confidence
        self.min_beat_clarity = reject.min_beat_clarity if config.min_beat_clarity is None else config.min_beat_clarity
        self.max_other = reject.max_other_probability
        self.model = model
        self.label = label
        self.songs = 0                      # songs announced so far
        self.phase = "silence"              # silence | listening | unsure | announced
        self.announced: str | None = None
        self.last_event: DanceEvent | None = None
        self._agg = IncrementalAggregator(len(DANCE_IDS))
        self._tops: deque[int] = deque(maxlen=config.stable_windows)
        self._recent: deque[Observation] = deque(maxlen=config.change_windows)
        self._song: list[Observation] = []
        self._lead = 0
        self._in_song = False
        self._song_start = 0.0
        self._silent_hops = 0
        self._doubtful_hops = 0
        # hops are whole frames, not exact seconds
        self._gap_hops = max(1, round(config.silence_gap_s / hop_s))
        self._talk_hops = max(1, round(config.talk_gap_s / hop_s))

    def update(self, obs: Observation) -> list[Event]:
        """Take one window's observation; return the events it causes (usually none)."""
        if obs.rms_dbfs < self.config.silence_dbfs:
            self._silent_hops += 1
            if self._in_song and self._silent_hops >= self._gap_hops:
                ended = self.announced is not None
                self._end_song()
                return [SilenceEvent(self.songs, obs.t_s)] if ended else []
            return []
        self._silent_hops = 0
        gap_end = obs.gap_end_s(self.config.silence_dbfs, self.config.silence_gap_s)
        # a gap too short for whole silent hops, seen in the level profile (a gap that ends later than
        # the song began by less than its own length is the one that began the song)
        if self._in_song and gap_end is not None and gap_end > self._song_start + self.config.silence_gap_s:
            self._end_song()
        if not self._in_song:
            self._in_song = True
            self._restart(obs.sound_start_s(self.config.silence_dbfs))
            self.phase = "listening"
        if obs.t_s - self._song_start < self.config.min_music_s:
            return []
        doubtful = (obs.clarity < self.min_beat_clarity or obs.low_energy_ratio > self.config.max_low_energy_ratio
                    or obs.onset_variation < self.config.min_onset_variation)
        self._doubtful_hops = self._doubtful_hops + 1 if doubtful else 0
        return self._listen(obs, doubtful) if self.announced is None else self._follow(obs, doubtful)

    def _listen(self, obs: Observation, doubtful: bool) -> list[Event]:
        """Before the song's first announcement: gather stable, confident evidence."""
        if doubtful:   # start over; the music counts from the last silence in this window, if any
            self._restart(max(self._song_start, obs.sound_start_s(self.config.silence_dbfs)))
            self.phase = "unsure"
            return []
        self.phase = "listening"
        mean = self._add(obs)
        top = int(np.argmax(mean))
        self._tops.append(top)
        stable = len(self._tops) == self._tops.maxlen and len(set(self._tops)) == 1
        if (self._agg.count >= self.config.min_windows and stable and mean[top] >= self.min_confidence
                and not self._other_dance_too_likely()):
            self.songs += 1
            return [self._announce(obs, mean, revised=False)]
        return []

    def _follow(self, obs: Observation, doubtful: bool) -> list[Event]:
        """After an announcement: watch for the end of the music, a new song or a revised decision."""
        if doubtful:
            if self._doubtful_hops < self._talk_hops:
                return []            # talk over the music, a break: the dance stays
            song = self.songs        # talk or beatless sound for talk_gap_s: the music has stopped
            self._end_song()
            self._in_song = True
            self._restart(obs.t_s)
            self.phase = "unsure"
            return [SilenceEvent(song, obs.t_s)]
        mean = self._add(obs)
        self._recent.append(obs)
        recent_tops = {int(np.argmax(o.probs)) for o in self._recent}
        current = DANCE_IDS.index(self.announced)
        # a new song needs an old one: change_windows windows that named the announced dance (else revise)
        established = sum(int(np.argmax(o.probs)) == current for o in self._song) >= self.config.change_windows
        if established and len(self._recent) == self._recent.maxlen and len(recent_tops) == 1:
            new = recent_tops.pop()
            short = np.mean([o.probs for o in self._recent], axis=0)
            if DANCE_IDS[new] != self.announced and short[new] >= self.min_confidence:
                first_end = obs.t_s - (len(self._recent) - 1) * self.hop_s
                recent = list(self._recent)
                self._restart(first_end - self.config.min_music_s)
                for o in recent:
                    self._add(o)
                self.songs += 1
                return [self._announce(obs, self._agg.mean, revised=False)]
        top = int(np.argmax(mean))
        self._lead = self._lead + 1 if top != current and mean[top] - mean[current] >= self.config.revise_margin else 0
        if self._lead >= self.config.stable_windows and mean[top] >= self.min_confidence:
            self._lead = 0
            return [self._announce(obs, mean, revised=True)]
        return []

    def _other_dance(self) -> float | None:
        """Song-mean probability of another dance from the rhythm branch (None without one)."""
        others = [o.other for o in self._song if o.other is not None]
        return float(np.mean(others)) if others else None

    def _other_dance_too_likely(self) -> bool:
        other = self._other_dance()
        return other is not None and other > self.max_other

    def _add(self, obs: Observation) -> np.ndarray:
        self._song.append(obs)
        return self._agg.add(obs.probs)

    def _announce(self, obs: Observation, mean: np.ndarray, revised: bool) -> DanceEvent:
        probabilities = mean / mean.sum()
        dance = DANCE_IDS[int(np.argmax(probabilities))]
        since = obs.t_s - self._song_start
        bpm = float(np.median([o.bpm for o in self._song]))
        clarity = float(np.median([o.clarity for o in self._song]))
        result = Result(path=self.label, probabilities={d: float(p) for d, p in zip(DANCE_IDS, probabilities)},
                        timeline=[], tempo_bpm=fold_to_dance(bpm, dance), tempo_clarity=clarity,
                        duration_s=since, model=self.model)
        other = self._other_dance()
        if other is not None:
            result.extra["other_dance_probability"] = round(other, 4)
        self.announced = dance
        self.phase = "announced"
        self._recent.clear()
        self.last_event = DanceEvent(result=result, song=self.songs, since_song_start_s=since, stream_s=obs.t_s,
                                     windows=self._agg.count, revised=revised)
        return self.last_event

    @property
    def song_start_s(self) -> float | None:
        """Stream time (s) where the current song's music began; None between songs."""
        return self._song_start if self._in_song else None

    @property
    def confidence(self) -> float:
        """Current song-mean probability of the announced dance (0 when none)."""
        if self.announced is None or self._agg.count == 0:
            return 0.0
        return float(self._agg.mean[DANCE_IDS.index(self.announced)])

    def _restart(self, song_start_s: float) -> None:
        """Forget the evidence of the current song; music counts from `song_start_s`."""
        self._song_start = song_start_s
        self._agg.reset()
        self._tops.clear()
        self._recent.clear()
        self._song = []
        self._lead = 0

    def _end_song(self) -> None:
        self._in_song = False
        self.announced = None
        self.phase = "silence"
        self._restart(0.0)
