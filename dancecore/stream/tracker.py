"""From scored windows to events: where songs begin and end, and when to call the core's decision.

The tracker decides *when*, the core decides *what*: at every window the song so far (its windows'
probabilities and 'other dance' probabilities, its onset tempo and beat clarity, the beat network's
tempo and meter) goes to the model's song rule (`DanceModel.song_rule`, the same as offline, with its
"not sure" rule), and the tracker calls the decision when it has held.

Per window (one per hop; thresholds in TrackerConfig):

- **Silence** ends a song: `silence_gap_s` of blocks below `silence_dbfs` at the window's end, or such a
  gap inside a window (a gap shorter than whole hops, seen once the sound is back). A silent hop is skipped.
- **Music that stopped** ends a song: `talk_gap_s` of hops that sound like talk (many quiet frames and
  little beat clarity) or, once the song is called, are `level_drop_db` quieter than the song so far,
  unless the beat network still hears the song's beat (steady, at its tempo). Talk right after the music
  is found sooner, by measures of the last few seconds only (`engine.talk_now_s`; the ones above reach 4-8 s
  back into the music): `talk_now_hops` hops in a row that are talk-like there (many quiet frames and
  bursty onsets, `talk_now_onset_variation`) and `talk_now_drop_db` under the called song's level. Nothing
  else ends a song: a quiet, smooth or beat-less stretch inside a song (a breakdown, a soft verse) keeps it
  and its dance.
- **Doubtful** windows (talk-like, steady sound such as a fan or hum, no beat clarity, unless the beat
  network hears a steady beat) are not evidence; they never restart the song.
- **First call**: once the song has `min_windows` windows and its decision has named the same dance,
  sure, for `stable_windows` windows in a row, or `quick_windows` when its top probability reaches
  `quick_call_probability` (held while the beat network hears, with at least `meter_hold_confidence`,
  another meter than the dance's). After `unsure_after_s` of music the decision is called as it stands,
  sure or "not sure".
- **Revision** (same song): the decision names another dance, sure, ahead of the called one by
  `revise_margin`, for `stable_windows` windows in a row (twice as many to go back to a dance named
  earlier for this song). A "not sure" call becomes sure as a first call does (the same windows); that
  call names the song's first dance, so it is not a revision.
- **A change of dance**: `change_windows` windows in a row each naming another dance confidently
  (twice as many to go back). Within `new_song_after_s` of the song's start the first call was wrong:
  the song's evidence starts again at the change and the call is revised at once. Later it is a new song
  (a crossfade) when the called dance had been named by `change_windows` windows and the beat network
  hears another tempo or meter than before the change (without a beat network: the change alone);
  otherwise the song's decision over all its windows goes on deciding.
- **Tempo and meter follow the song**: a TempoEvent when the decision's tempo moves by more than
  `tempo_change` from the last one sent, for two windows in a row, or its meter is another than the last
  one sent for two windows in a row, the latest heard with confidence 0.8; a move to another metrical
  level (2:3, 3:4) or a small drift (over a quarter of `tempo_change`) once it held ten windows, another
  meter heard unsurely once it held twenty. A call names the meter only when it is heard with confidence 0.8 (else none, null,
  until such an event), and every event carries the meter last reported for the song until such a change
  (one window's reading of the song's P(3) often crosses 0.5 and back).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from dancecore.beat.decode import RhythmFacts
from dancecore.classify import song_result
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.model import DanceModel
from dancecore.song import SongDecision, SongEvidence
from dancecore.stream.events import (
    DanceEvent,
    Event,
    SilenceEvent,
    SongEvent,
    TempoEvent,
)
from dancecore.stream.settings import TrackerConfig
from dancecore.tempo import Tempo

TEMPO_HOLD_HOPS = 2          # a tempo or meter change is reported once it held for this many windows
TEMPO_SETTLE_HOPS = 10       # a smaller tempo move (a quarter of tempo_change), or one to another metrical level,
                             # once it held this long: after a change the tempo settles over several seconds
LEVEL_TOLERANCE = 0.1        # tempi within 10% of each other (octaves apart allowed) are at the same metrical level
METER_EVENT_CONFIDENCE = 0.8  # a change of meter is reported once the new one is this sure: the beat network's
                              # P(3) over a minute of a song may wander across 0.5 and back (a tango at 0.2-0.75)
METER_SETTLE_HOPS = 20       # ... or once it held this many windows, however sure (10: 4/4 songs were reported in
                             # 3/4 for 9% of the time, waltzes in 4/4 for 26%; 20: 7% and 15%, no meter 3-5 s longer)


@dataclass(frozen=True)
class Observation:
    """One scored window. t_s: stream time at the window's end (s); probs: (10,) over DANCE_IDS;
    rms_dbfs: RMS level of the last hop (dB full scale); bpm, clarity: onset tempo and beat clarity (0..1)
    of the recent audio; low_energy_ratio: share of quiet frames in the recent audio (high for talk);
    levels_dbfs: RMS levels of consecutive blocks of `level_block_s` seconds ending at `t_s` (the window's
    level profile, oldest first), which tells where in the window the music began; other: the rhythm
    branch's probability that the window is another dance (None for models without one);
    onset_variation: std / mean of the spectral flux of the recent audio (low for steady noise or hum);
    low_energy_ratio_now, onset_variation_now: the same two measures over the last few seconds only (engine
    talk_now_s), which find talk right after the music;
    song_tempo: onset tempo and beat clarity of the current song so far; facts: the beat network's facts of
    the song so far (meter over its latest `song_s`, tempo over its latest `beat_tempo_s`); recent: its facts
    of the last `beat_recent_s` (song_tempo, facts, recent: None between songs, facts and recent None
    without a beat network)."""

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
    low_energy_ratio_now: float = 0.0
    onset_variation_now: float = 1.0
    song_tempo: Tempo | None = None
    facts: RhythmFacts | None = None
    recent: RhythmFacts | None = None

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

    def silent_tail_s(self, silence_dbfs: float) -> float:
        """Seconds of silent blocks at the window's end."""
        sound = np.flatnonzero(self.levels_dbfs >= silence_dbfs)
        return (len(self.levels_dbfs) - (sound[-1] + 1 if len(sound) else 0)) * self.level_block_s


def same_beat(a: float, b: float, tolerance: float) -> bool:
    """True when two tempi (BPM, > 0) are within `tolerance` (a share) of each other, an octave apart allowed."""
    if a <= 0 or b <= 0:
        return False
    return min(abs(np.log2(a * factor / b)) for factor in (0.5, 1.0, 2.0)) <= np.log2(1.0 + tolerance)


class Tracker:
    """Turns Observations (one per hop of `hop_s` seconds) into DanceEvents, TempoEvents and SilenceEvents,
    with the song decisions of `model` (its song rule; `config.min_confidence` replaces its 'not sure'
    threshold on the top probability when set)."""

    def __init__(self, config: TrackerConfig, hop_s: float, model: DanceModel, label: str = "live") -> None:
        self.config = config
        self.hop_s = hop_s
        self.model = model
        self.label = label
        reject = model.reject if config.min_confidence is None else replace(
            model.reject, min_top_probability=config.min_confidence)
        self._judged_by = replace(model.info(), reject=reject)   # whose 'not sure' thresholds the rule applies
        self.min_beat_clarity = reject.min_beat_clarity if config.min_beat_clarity is None else config.min_beat_clarity
        self.songs = 0                      # songs called so far
        self.phase = "silence"              # silence | listening | unsure | not sure | announced
        self.announced: str | None = None   # the dance named for the current song
        self.last_event: SongEvent | None = None   # the current song's latest dance or tempo event
        # hops are whole frames, not exact seconds
        self._talk_hops = max(1, round(config.talk_gap_s / hop_s))
        self._stopped = 0                   # hops in a row that sound like the music stopped
        self._talking = 0                   # hops in a row of talk right after the music
        self._resume_s = 0.0                # no song starts before this (input lost until then)
        self._in_song = False
        self._start(0.0)
        self._in_song = False

    # ------------------------------------------------------------------ per window

    def update(self, obs: Observation) -> list[Event]:
        """Take one window's observation; return the events it causes (usually none)."""
        cfg = self.config
        gap_s = cfg.silence_gap_s - obs.level_block_s - 1e-9   # gaps are measured in whole level blocks
        if self._in_song and obs.silent_tail_s(cfg.silence_dbfs) >= gap_s:
            return self._end("silence", obs.t_s)
        if obs.rms_dbfs < cfg.silence_dbfs:
            return []
        events: list[Event] = []
        # a gap too short for the tail check, seen in the level profile once the sound is back (a gap
        # that ends later than the song began by less than its own length is the one that began the song)
        gap_end = obs.gap_end_s(cfg.silence_dbfs, gap_s)
        if self._in_song and gap_end is not None and gap_end > self._start_s + cfg.silence_gap_s:
            events += self._end("silence", obs.t_s)
        if not self._in_song:
            self._start(max(self._resume_s, obs.sound_start_s(cfg.silence_dbfs)))
            self.phase = "listening"
        # a window's talk and level measures reach min_music_s back: before that they hear the silence
        measured = obs.t_s >= self._measured_from_s
        talk_now = measured and self._talk_now(obs)
        self._talking = self._talking + 1 if talk_now else 0
        stopped = "talk" if talk_now else self._music_stopped(obs) if measured else None
        if stopped is not None:
            self._stopped += 1
            if self._stopped >= self._talk_hops or self._talking >= cfg.talk_now_hops:
                events += self._end(stopped, obs.t_s)   # talk or sound without music: a song from here on
                self._start(obs.t_s, measured_now=True)
                self._stopped = self._talk_hops - 1  # each further hop of it moves the song's start on
                self.phase = "unsure"
            return events
        if obs.t_s >= self._measured_from_s:
            self._stopped = 0
        if obs.t_s - self._start_s < cfg.min_music_s:
            return events
        if self._doubtful(obs):
            if self._call_event is None:
                self.phase = "unsure"
            return events
        self._song.append(obs)
        decision = self._decide(obs)
        if self._call_event is None:
            return events + self._first_call(obs, decision)
        return events + self._follow(obs, decision)

    def lost(self, t_s: float) -> list[Event]:
        """The source delivered no audio for a while (stream time `t_s`): the song, if any, has ended."""
        self._resume_s = t_s
        return self._end("input lost", t_s) if self._in_song else []

    # ------------------------------------------------------------------ what a window is

    def _beat_heard(self, obs: Observation) -> bool:
        """The beat network hears a steady, clear beat in the last few seconds."""
        return obs.recent is not None and obs.recent.tempo_confidence >= self.config.min_beat_confidence

    def _doubtful(self, obs: Observation) -> bool:
        """Talk-like, steady sound or no beat clarity, and no steady beat from the beat network: not evidence."""
        cfg = self.config
        unlike_music = (obs.clarity < self.min_beat_clarity or obs.low_energy_ratio > cfg.max_low_energy_ratio
                        or obs.onset_variation < cfg.min_onset_variation)
        return unlike_music and not self._beat_heard(obs)

    def _song_level_dbfs(self) -> float:
        """Median RMS level of the song's windows' last hops, dB full scale."""
        return float(np.median([o.rms_dbfs for o in self._song]))

    def _talk_now(self, obs: Observation) -> bool:
        """Talk right after the called song's music: its last few seconds talk-like (many quiet frames, bursty
        onsets) and the hop far quieter than the song. Speech is both; music, however sparse, is seldom both, and
        not while far quieter than itself (measured on the 29 songs of scripts/bench_live.py: no window)."""
        cfg = self.config
        if self._call_event is None or not self._song:
            return False
        return (obs.low_energy_ratio_now > cfg.max_low_energy_ratio and
                obs.onset_variation_now > cfg.talk_now_onset_variation and
                obs.rms_dbfs < self._song_level_dbfs() - cfg.talk_now_drop_db)

    def _music_stopped(self, obs: Observation) -> str | None:
        """"talk" (talk-like) or "faded" (far quieter than the called song so far) when the beat network does
        not hear the song's beat going on; None while the music plays."""
        cfg = self.config
        talk = obs.low_energy_ratio > cfg.max_low_energy_ratio and obs.clarity < cfg.talk_max_clarity
        called = self._call_event is not None and bool(self._song)
        dropped = called and obs.rms_dbfs < self._song_level_dbfs() - cfg.level_drop_db
        if not (talk or dropped):
            return None
        song_bpm = obs.facts.bpm if obs.facts is not None else 0.0
        goes_on = self._beat_heard(obs) and (song_bpm <= 0 or same_beat(obs.recent.bpm, song_bpm, cfg.tempo_change))
        return None if goes_on else "talk" if talk else "faded"

    # ------------------------------------------------------------------ decisions and calls

    def _decide(self, obs: Observation) -> SongDecision:
        """The core's decision on the song's windows so far, with its onset tempo and beat facts."""
        others = [o.other for o in self._song]
        evidence = SongEvidence(
            window_probs=np.array([o.probs for o in self._song]),
            window_other=None if any(o is None for o in others) else np.array(others, dtype=np.float64),
            tempo=obs.song_tempo or Tempo(obs.bpm, obs.clarity), facts=obs.facts)
        return self.model.song_rule.decide(evidence, self._judged_by)

    def _meter_fits(self, dance: str, obs: Observation) -> bool:
        """False when the beat network hears, confidently, another meter than the dance's (2/4 heard as 4)."""
        facts = obs.facts
        if facts is None or facts.bpm <= 0 or facts.meter_confidence < self.config.meter_hold_confidence:
            return True
        return facts.beats_per_bar == (3 if BY_ID[dance].beats_per_bar == 3 else 4)

    def _first_call(self, obs: Observation, decision: SongDecision) -> list[Event]:
        """Before the song's first call: call once the decision held, sure, or after unsure_after_s as it stands."""
        cfg = self.config
        sure = decision.not_sure_reason is None
        self._tops.append(decision.dance if sure else None)
        quick = sure and decision.probabilities[decision.dance] >= cfg.quick_call_probability
        needed = cfg.quick_windows if quick else cfg.stable_windows
        tops = list(self._tops)[-needed:]
        held = sure and len(tops) == needed and len(set(tops)) == 1
        enough = len(self._song) >= (cfg.quick_windows if quick else cfg.min_windows)
        if enough and held and self._meter_fits(decision.dance, obs):
            return [self._call(obs, decision)]
        if enough and obs.t_s - self._start_s >= cfg.unsure_after_s:
            return [self._call(obs, decision)]
        self.phase = "listening"
        return []

    def _follow(self, obs: Observation, decision: SongDecision) -> list[Event]:
        """After the song's first call: a new song without a gap, a revision, or its tempo moving."""
        cfg = self.config
        assert self._call_event is not None
        self._recent.append(obs)
        run = self._sustained_change()
        if run and run[0].t_s - self._start_s < cfg.new_song_after_s:
            self._song = run        # early in the song the first call was wrong: evidence from the change on
            decision = self._decide(obs)
            if decision.dance != self._call_event.dance:
                return [self._call(obs, decision)]
        elif run and self._new_song_begins(run, obs):
            self._start(run[0].t_s - cfg.min_music_s)
            self._song = run
            fresh = self._decide(obs)
            if fresh.not_sure_reason is None:          # the windows that made the change already agree
                self._tops.extend([fresh.dance] * (cfg.stable_windows - 1))
            return []                                  # called at the next window, with the new song's beat facts
        call = self._call_event
        sure = decision.not_sure_reason is None
        wanted: tuple[str, bool] | None = None
        needed = cfg.stable_windows
        if sure and decision.dance != call.dance:
            if decision.probabilities[decision.dance] - decision.probabilities[call.dance] >= cfg.revise_margin:
                wanted = (decision.dance, sure)
                needed *= 2 if decision.dance in self._named else 1
        elif sure and call.not_sure:
            wanted = (decision.dance, sure)
            if decision.probabilities[decision.dance] >= cfg.quick_call_probability:
                needed = cfg.quick_windows
        self._lead = self._lead + 1 if wanted is not None and wanted == self._wanted else int(wanted is not None)
        self._wanted = wanted
        if wanted is not None and self._lead >= needed and self._meter_fits(decision.dance, obs):
            return [self._call(obs, decision)]
        return self._tempo_update(obs, decision)

    def _sustained_change(self) -> list[Observation]:
        """The latest windows when each of the last change_windows names another dance than the call's,
        confidently (twice as many to go back to a dance named earlier for this song); else []."""
        cfg = self.config
        assert self._call_event is not None
        new = int(np.argmax(self._recent[-1].probs))
        if DANCE_IDS[new] == self._call_event.dance:
            return []
        needed = cfg.change_windows * (2 if DANCE_IDS[new] in self._named else 1)
        run = list(self._recent)[-needed:]
        if len(run) < needed or any(int(np.argmax(o.probs)) != new for o in run):
            return []
        confident = np.mean([o.probs[new] for o in run]) >= self._judged_by.reject.min_top_probability
        return run if confident else []

    def _new_song_begins(self, run: list[Observation], obs: Observation) -> bool:
        """A late change of dance in `run` is a new song when the called dance was named by change_windows
        windows before it and the beat changed with it (else the song's mean decides)."""
        assert self._call_event is not None
        before = self._song[:-len(run)]
        current = DANCE_IDS.index(self._call_event.dance)
        established = sum(int(np.argmax(o.probs)) == current for o in before) >= self.config.change_windows
        return established and self._beat_changed(before[-1], obs)

    def _beat_changed(self, before: Observation, now: Observation) -> bool:
        """The beat network hears another tempo or meter now (its recent span) than in the song before the
        change; True when it cannot tell (no beat network, no beat heard)."""
        old, new = before.facts, now.recent
        if old is None or new is None or old.bpm <= 0 or new.bpm <= 0:
            return True
        confident = min(old.meter_confidence, new.meter_confidence) >= self.config.meter_hold_confidence
        meter_changed = confident and old.beats_per_bar != new.beats_per_bar
        return meter_changed or not same_beat(old.bpm, new.bpm, self.config.tempo_change)

    def _tempo_update(self, obs: Observation, decision: SongDecision) -> list[Event]:
        """A TempoEvent when the called song's decision has a new meter, or a tempo off the last one sent by more
        than tempo_change for TEMPO_HOLD_HOPS windows, or by more than a quarter of it for TEMPO_SETTLE_HOPS."""
        last = self.last_event
        if last is None or decision.dance != last.dance:
            self._tempo_moves = self._tempo_drift = self._meter_moves = 0
            return []
        before = last.result
        if before.tempo_bpm > 0 and decision.tempo_bpm > 0:
            off = abs(decision.tempo_bpm / before.tempo_bpm - 1.0)
        else:
            off = 0.0 if before.tempo_bpm == decision.tempo_bpm else 1.0
        self._tempo_moves = self._tempo_moves + 1 if off > self.config.tempo_change else 0
        self._tempo_drift = self._tempo_drift + 1 if off > self.config.tempo_change / 4 else 0
        # another metrical level (2:3, 3:4 of the last tempo sent) is how the beat network's reading wavers
        # between levels of the same music: it must hold as long as a small drift
        level = same_beat(decision.tempo_bpm, before.tempo_bpm, LEVEL_TOLERANCE)
        tempo_due = (self._tempo_moves >= (TEMPO_HOLD_HOPS if level else TEMPO_SETTLE_HOPS)
                     or self._tempo_drift >= TEMPO_SETTLE_HOPS)
        # another meter: once it is heard surely for TEMPO_HOLD_HOPS windows, or at all for METER_SETTLE_HOPS
        new_meter = decision.beats_per_bar is not None and decision.beats_per_bar != before.beats_per_bar
        self._meter_moves = self._meter_moves + 1 if new_meter else 0
        sure_meter = new_meter and (decision.meter_confidence or 0.0) >= METER_EVENT_CONFIDENCE
        meter_due = self._meter_moves >= (TEMPO_HOLD_HOPS if sure_meter else METER_SETTLE_HOPS)
        if not (tempo_due or meter_due):
            return []
        self._tempo_moves = self._tempo_drift = self._meter_moves = 0
        since = obs.t_s - self._start_s
        self.last_event = TempoEvent(song_result(self._meter_held(decision, settled=meter_due), self.label,
                                                 self.model, since), self.songs, since, obs.t_s, len(self._song))
        return [self.last_event]

    def _meter_held(self, decision: SongDecision, settled: bool = False) -> SongDecision:
        """The decision with the meter to report: its own when heard surely (METER_EVENT_CONFIDENCE) or `settled`
        (another one than the last reported for METER_SETTLE_HOPS windows in a row); else the one this song last
        reported, none (null) before that. The beat network's P(3) of a song so far wanders across 0.5 and
        back on many songs, from one window to the next, and over a first call's few seconds it is often
        wrong: one window's unsure reading is no meter to announce."""
        before = None if self.last_event is None else self.last_event.result
        if decision.beats_per_bar is None or (decision.meter_confidence or 0.0) >= METER_EVENT_CONFIDENCE or settled:
            return decision
        if before is None:
            return replace(decision, beats_per_bar=None, meter_confidence=None)
        if decision.beats_per_bar == before.beats_per_bar:
            return decision
        return replace(decision, beats_per_bar=before.beats_per_bar, meter_confidence=before.meter_confidence)

    def _call(self, obs: Observation, decision: SongDecision) -> DanceEvent:
        """A DanceEvent for the song's decision now (a new song's first call counts the song); `revised` when an
        earlier call of this song named a dance."""
        if self._call_event is None:
            self.songs += 1
        since = obs.t_s - self._start_s
        revised = bool(self._named)
        sure = decision.not_sure_reason is None
        if sure:
            self._named.append(decision.dance)
        self.announced = decision.dance if sure else None
        self.phase = "announced" if sure else "not sure"
        self._recent.clear()
        self._lead, self._wanted, self._tempo_moves, self._tempo_drift, self._meter_moves = 0, None, 0, 0, 0
        self._call_event = DanceEvent(song_result(self._meter_held(decision), self.label, self.model, since),
                                      self.songs, since, obs.t_s, len(self._song), revised=revised)
        self.last_event = self._call_event
        return self._call_event

    # ------------------------------------------------------------------ song state

    @property
    def song_start_s(self) -> float | None:
        """Stream time (s) where the current song's music began; None between songs."""
        return self._start_s if self._in_song else None

    @property
    def confidence(self) -> float:
        """The latest event's probability of the song's dance (0 when nothing is called)."""
        return 0.0 if self.announced is None or self.last_event is None else self.last_event.confidence

    def _start(self, start_s: float, measured_now: bool = False) -> None:
        """A song whose music began at `start_s`: no evidence yet. Its windows tell talk from music from
        `min_music_s` on, or at once (`measured_now`) when it follows talk rather than silence."""
        self._in_song = True
        self._start_s = float(start_s)
        self._measured_from_s = start_s if measured_now else start_s + self.config.min_music_s
        self._song: list[Observation] = []
        self._tops: deque[str | None] = deque(maxlen=self.config.stable_windows)
        self._recent: deque[Observation] = deque(maxlen=2 * self.config.change_windows)   # windows since the call
        self._named: list[str] = []                    # dances named (sure) for this song, in order
        self._lead = 0                                 # windows in a row the decision wanted `_wanted`
        self._wanted: tuple[str, bool] | None = None   # the (dance, sure) the call should become
        self._tempo_moves = self._tempo_drift = 0      # windows the tempo was far / somewhat off the last sent
        self._meter_moves = 0                          # windows the meter was another than the last sent
        self._call_event: DanceEvent | None = None     # the song's standing call
        self.announced = None
        self.last_event = None

    def _end(self, reason: str, t_s: float) -> list[Event]:
        """The current song is over; a SilenceEvent when it was called."""
        events: list[Event] = [SilenceEvent(self.songs, t_s, reason)] if self._call_event is not None else []
        self._stopped = self._talking = 0
        self._start(0.0)
        self._in_song = False
        self.phase = "silence"
        return events
