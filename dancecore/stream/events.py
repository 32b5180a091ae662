"""What the tracker tells the announcers: a dance called for the current song, its tempo or meter moving
as the song plays, or the end of the music.

Every event has `kind` ("dance", "tempo" or "silence", also its JSON "event"), so an announcer can
dispatch on it. A song is numbered from 1 (`song`); all events of one song carry its number, so a
revision or a tempo update is never a new song.

- `DanceEvent`: the song's first call (`revised` False) or a revision naming another dance (`revised`
  True). Its `result` is the core's decision on the song so far (`dancecore classify --json`'s object):
  the dance, `also_fits`, tempo (BPM in the dance's convention, bars/min, DJ BPM), meter (None until the
  beat network is sure of it: a TempoEvent gives it then). When the core
  is not sure after `tracker.unsure_after_s` of music, the song gets one call with `result.not_sure`
  True (`result.not_sure_reason` says why in words): name no dance then (no "Next dance", no dance
  light), but the tempo and meter are good to use; a later sure call of that song has `revised` False.
- `TempoEvent`: the called song's tempo moved by more than `tracker.tempo_change` or its meter changed;
  `result` is the song's decision now, with the same dance as the last call.
- `SilenceEvent`: the music of a called song stopped (`reason`: silence, talk, faded, input lost).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from dancecore.result import Result


@dataclass(frozen=True)
class SongEvent:
    """What the dance and tempo events share.

    result: the song so far in dancecore's Result schema; song: 1-based song counter;
    since_song_start_s: seconds since the song's music began; stream_s: seconds of audio since the
    adapter started; windows: windows behind the decision; wall_time: Unix time of the event.
    """

    kind: ClassVar[str] = "song"
    result: Result
    song: int
    since_song_start_s: float
    stream_s: float
    windows: int
    wall_time: float = field(default_factory=time.time, kw_only=True)

    @property
    def dance(self) -> str:
        """Id of the song's dance (the closest one when `not_sure`)."""
        return self.result.dance

    @property
    def not_sure(self) -> bool:
        """True when the core names no dance (see result.not_sure_reason)."""
        return self.result.not_sure

    @property
    def confidence(self) -> float:
        return self.result.confidence

    @property
    def tempo_bpm(self) -> float:
        """Beats per minute in the dance's convention (0 when no beat was heard)."""
        return self.result.tempo_bpm

    def to_dict(self) -> dict[str, Any]:
        """`dancecore classify --json`'s object plus the live fields (event, time, song, ...)."""
        return {"event": self.kind, "time": _iso(self.wall_time), "song": self.song,
                "since_song_start_s": round(self.since_song_start_s, 2), "stream_s": round(self.stream_s, 2),
                "windows": self.windows, **self._live_fields(), **self.result.to_dict()}

    def _live_fields(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class DanceEvent(SongEvent):
    """A call of the current song's dance: the first (revised False) or a revision (revised True)."""

    kind: ClassVar[str] = "dance"
    revised: bool = False

    def _live_fields(self) -> dict[str, Any]:
        return {"revised": self.revised}


@dataclass(frozen=True)
class TempoEvent(SongEvent):
    """The called song's tempo or meter changed; the dance is the one of the song's last DanceEvent."""

    kind: ClassVar[str] = "tempo"


@dataclass(frozen=True)
class SilenceEvent:
    """The music of song `song` stopped: `reason` silence (a silent gap), talk (talk after the music, without
    its beat), faded (sound far quieter than the song, without its beat) or input lost (no audio from the
    source)."""

    kind: ClassVar[str] = "silence"
    song: int
    stream_s: float
    reason: Literal["silence", "talk", "faded", "input lost"] = "silence"
    wall_time: float = field(default_factory=time.time, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, "time": _iso(self.wall_time), "song": self.song,
                "stream_s": round(self.stream_s, 2), "reason": self.reason}


Event = DanceEvent | TempoEvent | SilenceEvent


def _iso(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time).astimezone().isoformat(timespec="milliseconds")
