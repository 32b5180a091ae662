"""The songs of a long recording, one by one (`dancecore classify --sections`): where each begins and ends, and
its dance, tempo and meter.

Where: the live adapter's rule, shared code. The recording plays through the same `dancecore.stream` analysis as
`dancecore live` (a WindowStream scoring a window every hop, a Tracker deciding where songs begin and end and
calling their dance), fed one hop at a time as fast as the machine goes, with the tracker's song start handed back
to the stream after every window as the live engine does. Every song the tracker called is a section; a stretch it
never called (talk, a jingle too short for a call) is none.

The tracker's times are refined here to what a cue list needs (the tracker itself is left as live uses it). A
"pause" is at least MIN_PAUSE_S of consecutive `LEVEL_BLOCK_S` blocks of the recording below the tracker's
`silence_dbfs` (RMS, `level_dbfs`, as the tracker measures its windows' level profile):

- a song's start is the tracker's (after silence: where its sound began, from the window's level profile, to
  0.1 s), moved past sound shorter than SNAP_S that a pause follows (talk or a jingle between silences);
- a song that ended in silence ends where the pause that ended it began, moved back before sound shorter than
  SNAP_S between pauses (talk between two silences belongs to neither song);
- a song that ended in talk or a fade ends STOP_LAG_S before the tracker said so (measured: talk 15 dB under the
  song right after it ends it 1.9-2.1 s later; talk nearer the song's level only after its `talk_gap_s`, or at
  the silence after it), or at a pause before that;
- two songs that meet without a silence the tracker counts (a crossfade, or talk between silences too short for
  it: the tracker saw a confident change of dance with another beat) meet where the new dance's evidence began:
  among the windows since the old song's call (at most CHANGE_SEARCH_S before the new song's call), the window k
  that maximises the sum over windows k..call of log p(new dance) - log p(old dance) (a change point of the window
  probabilities), less half a window (a window names the new dance once the new song fills about half of it).
  Pauses within SNAP_S of that point take over: the old song ends at the first, the new one starts after the
  last. Measured on 28 crossfades of song endings into song starts (research/sections/report.md): within 5 s of
  the fade's middle for 22, median error 2.5 s; where the old dance's evidence ended, or the old song's beat,
  did worse.

What: each section's answer is the offline classification (`Classifier.analyse_audio`) of its audio alone, so it
equals `dancecore classify` of that song cut out. A recording in which the tracker calls at most one song is one
section: the whole recording, answered as `dancecore classify` answers it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable

import numpy as np

from dancecore import __version__, wording
from dancecore.audio import Audio
from dancecore.classify import Classifier
from dancecore.dances import DANCE_IDS
from dancecore.errors import DancecoreError
from dancecore.result import Result
from dancecore.stream.events import DanceEvent, Event, SilenceEvent
from dancecore.stream.settings import EngineConfig, TrackerConfig
from dancecore.stream.tracker import Tracker
from dancecore.stream.windows import LEVEL_BLOCK_S, WindowStream, level_dbfs

STOP_LAG_S = 2.0          # a song ended by talk or a fade: its music stopped this long before the tracker's event
CHANGE_SEARCH_S = 30.0    # a crossfade's change point is sought this far before the new song's first call, seconds
MIN_PAUSE_S = 1.0         # silence this long (seconds) at a boundary is where one song ends and the next begins
SNAP_S = 8.0              # a boundary moves to such a pause within this many seconds of it, seconds
MIN_SECTION_S = 1.0       # a refined section shorter than this (seconds) is no section
PROBABILITY_FLOOR = 1e-6  # window probabilities are floored here before their logarithm
CUE_FPS = 75              # a CUE sheet counts time in frames of 1/75 s (CD sectors)
CUE_MAX_TRACKS = 99
CUE_FILE_TYPES = {".mp3": "MP3", ".aif": "AIFF", ".aiff": "AIFF"}   # by the audio's suffix; any other: WAVE


@dataclass(frozen=True)
class Section:
    """One song of a recording: its music from `start_s` to `end_s` (seconds from the recording's start) and
    `result`, the classification of that stretch alone (durations and timeline times count from `start_s`)."""

    start_s: float
    end_s: float
    result: Result

    def to_dict(self) -> dict[str, Any]:
        """`dancecore classify --json`'s object of the section's audio, with its start_s and end_s first."""
        return {"start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2), **self.result.to_dict()}


@dataclass
class TrackedSong:
    """A song the tracker called. start_s / end_s: where its music began and stopped (end None: it ran into the
    next song or to the recording's end); ended: the SilenceEvent's reason, "change" (the next song began
    without a gap) or "end"; first_dance / dance: its first and latest called dance; call_hop: index of the
    window of its first call."""

    start_s: float
    first_dance: str
    call_hop: int
    dance: str = ""
    end_s: float | None = None
    ended: str = "end"


@dataclass(frozen=True)
class Tracking:
    """What the streaming analysis of a recording gave: the songs called, and per window (n,) `times` (window
    end, s) and (n, 10) `probs` over DANCE_IDS."""

    songs: list[TrackedSong]
    times: np.ndarray
    probs: np.ndarray


def find_sections(classifier: Classifier, audio: Audio, label: str, engine: EngineConfig | None = None,
                  tracking: TrackerConfig | None = None, progress: Callable[[float], None] | None = None,
                  whole: Result | None = None) -> list[Section]:
    """The sections of `audio` (mono at the model's rate), each classified on its own; one section, the whole
    recording (`whole` when its result is already at hand), when the tracker calls at most one song.
    `progress(seconds)` is called after each hop with the seconds of audio streamed so far (it may raise to stop
    the analysis)."""
    tracking = tracking or TrackerConfig()
    tracked = track(classifier, audio.samples, engine or EngineConfig(), tracking, label, progress)
    if len(tracked.songs) <= 1:
        return [Section(0.0, audio.duration_s, whole or classifier.analyse_audio(audio, label).result)]
    model = classifier.model
    spans = refine(tracked, audio.samples, audio.sr, tracking,
                   model.window_frames * model.features.hop_length / model.features.sr)
    sections = []
    for start_s, end_s in spans:
        cut = audio.samples[round(start_s * audio.sr):round(end_s * audio.sr)]
        part = Audio(samples=cut, sr=audio.sr, source_duration_s=None, truncated=False)
        sections.append(Section(start_s, end_s, classifier.analyse_audio(part, label).result))
    return sections


def track(classifier: Classifier, samples: np.ndarray, engine: EngineConfig, tracking: TrackerConfig,
          label: str, progress: Callable[[float], None] | None = None) -> Tracking:
    """Stream mono `samples` (model rate) through a WindowStream and a Tracker one hop at a time, handing the
    tracker's song start to the stream after each window (as adapters/engine.py does); the songs it called."""
    stream = WindowStream(classifier, engine)
    tracker = Tracker(tracking, stream.hop_s, classifier.model, label)
    hop = stream.hop_frames * stream.features.hop_length
    songs: dict[int, TrackedSong] = {}
    times: list[float] = []
    probs: list[np.ndarray] = []
    for first in range(0, len(samples), hop):
        for obs in stream.push(samples[first:first + hop]):
            for event in tracker.update(obs):
                _note(event, songs, len(times))
            stream.music_start_s = tracker.song_start_s
            times.append(obs.t_s)
            probs.append(obs.probs)
        if progress is not None:
            progress(min(first + hop, len(samples)) / stream.features.sr)
    return Tracking([songs[n] for n in sorted(songs)], np.array(times),
                    np.array(probs).reshape(len(probs), len(DANCE_IDS)))


def _note(event: Event, songs: dict[int, TrackedSong], hop: int) -> None:
    """Record what a tracker event says of its song (`hop`: index of the window that caused it)."""
    if isinstance(event, SilenceEvent):
        songs[event.song].end_s, songs[event.song].ended = event.stream_s, event.reason
        return
    if not isinstance(event, DanceEvent):
        return
    song = songs.get(event.song)
    if song is None:
        before = songs.get(event.song - 1)
        if before is not None and before.end_s is None:
            before.ended = "change"
        song = songs[event.song] = TrackedSong(event.stream_s - event.since_song_start_s, event.dance, hop)
    song.dance = event.dance


def refine(tracked: Tracking, samples: np.ndarray, sr: int, tracking: TrackerConfig,
           window_s: float) -> list[tuple[float, float]]:
    """(start_s, end_s) of each tracked song's music in mono `samples` at rate `sr`, refined as the module says;
    `window_s`: the span of a window, seconds."""
    pauses = find_pauses(samples, sr, tracking.silence_dbfs)
    duration = len(samples) / sr
    songs = tracked.songs
    starts = [after_pauses(song.start_s, pauses, tracked.times[song.call_hop]) for song in songs]
    ends = []
    for k, song in enumerate(songs):
        after = songs[k + 1] if k + 1 < len(songs) else None
        if song.ended in ("change", "talk", "faded") and after is not None:
            if song.ended == "change":
                end = start = change_point(tracked, song, after, window_s)
                stopped = tracked.times[after.call_hop]
            else:   # the music stopped before the tracker said so
                end, start, stopped = song.end_s - STOP_LAG_S, starts[k + 1], song.end_s
            near = [p for p in pauses if p[1] > end - SNAP_S and p[0] < start + SNAP_S
                    and song.start_s < p[0] < stopped and p[1] < tracked.times[after.call_hop]]
            if near:
                end, start = near[0][0], near[-1][1]
            ends.append(end)
            starts[k + 1] = after_pauses(start, pauses, tracked.times[after.call_hop])
        elif song.ended in ("talk", "faded"):
            ends.append(song.end_s - STOP_LAG_S)
        else:   # ended in silence (or input lost): where that silence began; else at the recording's end
            ends.append(before_pauses(duration if song.end_s is None else song.end_s, pauses, song.start_s))
    spans: list[tuple[float, float]] = []
    for k, (start, end) in enumerate(zip(starts, ends)):
        start = max(0.0, start, spans[-1][1] if spans else 0.0)
        end = min(duration, end, starts[k + 1] if k + 1 < len(starts) else duration)
        if end - start >= MIN_SECTION_S:
            spans.append((start, end))
    return spans


def find_pauses(samples: np.ndarray, sr: int, silence_dbfs: float) -> list[tuple[float, float]]:
    """(start_s, end_s), in order, of every stretch of at least MIN_PAUSE_S of consecutive LEVEL_BLOCK_S blocks of
    mono `samples` (rate `sr`) whose RMS level is below `silence_dbfs` (the end of the recording ends the last)."""
    block = round(LEVEL_BLOCK_S * sr)
    n_blocks = len(samples) // block
    silent = level_dbfs(samples[:n_blocks * block].reshape(n_blocks, block)) < silence_dbfs
    edges = np.flatnonzero(np.diff(np.concatenate([[0], silent.astype(np.int8), [0]])))
    block_s = block / sr
    return [(float(a) * block_s, float(b) * block_s) for a, b in zip(edges[::2], edges[1::2])
            if (b - a) * block_s >= MIN_PAUSE_S - 1e-9]


def after_pauses(start_s: float, pauses: list[tuple[float, float]], call_s: float) -> float:
    """A song's start moved past sound shorter than SNAP_S that a pause follows (talk, a jingle), pause after
    pause, but not past its first call at `call_s` (seconds)."""
    for pause_start, pause_end in pauses:
        if start_s < pause_start and pause_start - start_s < SNAP_S and pause_end < call_s:
            start_s = pause_end
    return start_s


def before_pauses(anchor_s: float, pauses: list[tuple[float, float]], start_s: float) -> float:
    """Where a song that began at `start_s` ended before the silence that ended it at `anchor_s` (the start of the
    last pause before that), moved back before sound shorter than SNAP_S between pauses (talk, a jingle)."""
    before = [p for p in pauses if start_s < p[0] <= anchor_s]
    if not before:
        return anchor_s
    end = before[-1][0]
    for pause_start, pause_end in reversed(before[:-1]):
        if end - pause_end >= SNAP_S:
            break
        end = pause_start
    return end


def change_point(tracked: Tracking, old: TrackedSong, new: TrackedSong, window_s: float) -> float:
    """Where `new` took over from `old` without a gap (seconds): of the windows from `old`'s call (at most
    CHANGE_SEARCH_S before `new`'s call) to `new`'s call, the window k maximising the sum over k..call of
    log p(new dance) - log p(old dance), its end time less half a window (`window_s`, seconds); the tracker's start
    of `new` when both name the same dance (a 'not sure' call's closest)."""
    if new.first_dance == old.dance:
        return new.start_s
    times, probs = tracked.times, tracked.probs
    first = max(old.call_hop + 1, int(np.searchsorted(times, times[new.call_hop] - CHANGE_SEARCH_S)))
    first = min(first, new.call_hop)
    p = np.log(np.maximum(probs[first:new.call_hop + 1], PROBABILITY_FLOOR))
    ratio = p[:, DANCE_IDS.index(new.first_dance)] - p[:, DANCE_IDS.index(old.dance)]
    return float(times[first + int(np.argmax(np.cumsum(ratio[::-1])[::-1]))] - window_s / 2)


def sections_dict(sections: list[Section], audio: Audio, label: str) -> dict[str, Any]:
    """`dancecore classify --sections --json`'s object of one recording: its path, what was analysed (duration_s,
    source_duration_s, truncated, incomplete, as in the classify object), the model, and `sections`, each
    `Section.to_dict()`."""
    return {"path": label, "duration_s": round(audio.duration_s, 2),
            "source_duration_s": None if audio.source_duration_s is None else round(audio.source_duration_s, 2),
            "truncated": audio.truncated, "incomplete": audio.incomplete, "model": sections[0].result.model,
            "sections": [section.to_dict() for section in sections]}


def cue_sheet(sections: list[Section], media: str) -> str:
    """A CUE sheet of the sections of the recording at `media` (its path as the sheet should name it): one
    `TRACK nn AUDIO` per section, TITLE the dance as the answer's heading says it ("Rumba", "Not sure"), a REM
    COMMENT with the verdict, tempo and meter, and `INDEX 01 mm:ss:ff` at its start (75 frames a second)."""
    if len(sections) > CUE_MAX_TRACKS:
        raise DancecoreError(f"{media}: {len(sections)} songs, but a CUE sheet holds at most {CUE_MAX_TRACKS} "
                             "tracks; use --csv for the whole cue list")
    model = sections[0].result.model.get("name", "?")
    lines = [f'REM COMMENT "{_cue_text(f"dancecore {__version__} --sections, model {model}")}"',
             f'TITLE "{_cue_text(PurePath(media).stem)}"',
             f'FILE "{_cue_text(media)}" {CUE_FILE_TYPES.get(PurePath(media).suffix.lower(), "WAVE")}']
    for number, section in enumerate(sections, 1):
        r = section.result.to_dict()
        facts = "; ".join(x for x in (wording.verdict(r), wording.tempo(r), wording.meter(r)) if x)
        lines += [f"  TRACK {number:02d} AUDIO", f'    TITLE "{_cue_text(wording.headline(r))}"',
                  f'    REM COMMENT "{_cue_text(facts)}"', f"    INDEX 01 {cue_time(section.start_s)}"]
    return "\n".join(lines) + "\n"


def cue_time(seconds: float) -> str:
    """Seconds as a CUE sheet's mm:ss:ff (minutes may pass 99; ff: frames of 1/75 s)."""
    frames = max(0, round(seconds * CUE_FPS))
    return f"{frames // (60 * CUE_FPS):02d}:{frames // CUE_FPS % 60:02d}:{frames % CUE_FPS:02d}"


def _cue_text(text: str) -> str:
    """Text for a quoted CUE field: CUE has no escape for a double quote, so it becomes a single one."""
    return text.replace('"', "'").replace("\n", " ")
