"""What the tracker tells the announcers: a dance (with the song's Result) or the start of silence."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dancecore.result import Result


@dataclass(frozen=True)
class DanceEvent:
    """A dance announced for the current song.

    result: the song so far in dancecore's Result schema (probabilities, tempo folded to the dance);
    song: 1-based song counter; since_song_start_s: seconds of music heard in this song;
    stream_s: seconds of audio since the adapter started; windows: windows behind the decision;
    revised: True when more of the song changed the dance announced earlier for it;
    wall_time: Unix time of the event.
    """

    result: Result
    song: int
    since_song_start_s: float
    stream_s: float
    windows: int
    revised: bool = False
    wall_time: float = field(default_factory=time.time)

    @property
    def dance(self) -> str:
        return self.result.dance

    @property
    def confidence(self) -> float:
        return self.result.confidence

    @property
    def tempo_bpm(self) -> float:
        return self.result.tempo_bpm

    def to_dict(self) -> dict[str, Any]:
        """`dancecore classify --json`'s object plus the live fields (event, time, song, ...)."""
        return {"event": "dance", "time": _iso(self.wall_time), "song": self.song,
                "since_song_start_s": round(self.since_song_start_s, 2), "stream_s": round(self.stream_s, 2),
                "windows": self.windows, "revised": self.revised, **self.result.to_dict()}


@dataclass(frozen=True)
class SilenceEvent:
    """The music stopped after song `song` (after `silence_gap_s` of silence)."""

    song: int
    stream_s: float
    wall_time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {"event": "silence", "time": _iso(self.wall_time), "song": self.song,
                "stream_s": round(self.stream_s, 2)}


Event = DanceEvent | SilenceEvent


def _iso(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time).astimezone().isoformat(timespec="milliseconds")
