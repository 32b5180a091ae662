"""The DANCECORE field: one line of JSON that makes tagging resumable and reversible.

It travels inside the file (no sidecar to lose when a library is copied or synced) and holds:
the model ("name version"), the findings (Facts), every key dancecore wrote with the value it wrote and
the value it replaced (null: the key was absent), whether dancecore created the tag block, and a stamp
(file size and modification time right after the write) that tells whether the file changed since.

The stamp has a fixed width, so the size it states does not change when the stamp is filled in.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from dancecore import __version__
from dancecore.dances import BY_ID

FORMAT = 1
STAMP_DIGITS = 13
MTIME_TOLERANCE_S = 2.0  # FAT file systems keep modification times to 2 s


@dataclass(frozen=True)
class Facts:
    """What the model found about one song. dance / also_fits: dance ids; bpm, mpm: beats and bars per
    minute under the dance's meter; dj_bpm: beats as DJ software counts them; beats_per_bar: the meter
    heard (None when the model has no beat network)."""

    dance: str
    confidence: float
    not_sure: bool
    bpm: float
    mpm: float
    dj_bpm: float
    also_fits: str | None = None
    beats_per_bar: int | None = None

    @classmethod
    def from_result(cls, result: Any) -> Facts:
        """From a dancecore.result.Result."""
        return cls(dance=result.dance, confidence=round(float(result.confidence), 4), not_sure=bool(result.not_sure),
                   bpm=round(float(result.tempo_bpm), 2), mpm=round(float(result.tempo_mpm), 2),
                   dj_bpm=round(float(result.dj_bpm), 2), also_fits=result.also_fits,
                   beats_per_bar=result.beats_per_bar)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        facts = cls(**data)
        if facts.dance not in BY_ID or (facts.also_fits is not None and facts.also_fits not in BY_ID):
            raise ValueError(f"unknown dance in {data}")
        return facts


@dataclass
class Record:
    """The parsed DANCECORE field. owned: key -> {"wrote": values, "before": values or None};
    size: bytes, mtime: whole seconds since the epoch, of the file right after dancecore wrote it."""

    model: str
    facts: Facts
    owned: dict[str, dict[str, list[str] | None]] = field(default_factory=dict)
    created: bool = False
    size: int = 0
    mtime: int = 0

    def to_json(self) -> str:
        stamp = f"size={self.size:0{STAMP_DIGITS}d} mtime={self.mtime:0{STAMP_DIGITS}d}"
        return json.dumps({"format": FORMAT, "model": self.model, "by": f"dancecore {__version__}",
                           "result": asdict(self.facts), "wrote": self.owned, "created": self.created,
                           "stamp": stamp}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def parse(cls, values: list[str] | None) -> Record | None:
        """The record in a field's values; None when absent, damaged or of another format."""
        if not values:
            return None
        try:
            data = json.loads(values[0])
            if data.get("format") != FORMAT:
                return None
            size, mtime = (int(part.split("=")[1]) for part in data["stamp"].split())
            owned = {str(k): {"wrote": list(v["wrote"]), "before": None if v["before"] is None else list(v["before"])}
                     for k, v in data["wrote"].items()}
            return cls(model=str(data["model"]), facts=Facts.from_dict(data["result"]), owned=owned,
                       created=bool(data["created"]), size=size, mtime=mtime)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None

    def unchanged(self, stat: os.stat_result) -> bool:
        """True when the file still has the size and modification time of dancecore's write."""
        return stat.st_size == self.size and abs(stat.st_mtime - self.mtime) <= MTIME_TOLERANCE_S
