"""The classification result: one schema for the CLI, the bot, the web API and the live adapter."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dancecore.dances import BY_ID


@dataclass
class Result:
    """What dancecore says about one recording.

    probabilities: dance id -> probability (sums to 1); timeline: per window start time (s) and
    probabilities; tempo_bpm/tempo_mpm: beats and bars per minute under the top dance's meter;
    tempo_confidence: 0..1, how sure the beat network is of the beat (None without one);
    beats_per_bar / meter_confidence: the meter the beat network hears (3 or 4) and its probability;
    also_fits: id of a second dance that is nearly as likely (None when the top one stands out);
    duration_s: seconds analysed; not_sure: the evidence is too weak to name a dance (see reason, in words);
    truncated: only the first part was analysed (the front end's limit); incomplete: the file ends before its
    header says (damaged or cut off), so less was heard than the recording should hold.
    """

    path: str
    probabilities: dict[str, float]
    timeline: list[dict[str, Any]]
    tempo_bpm: float
    tempo_clarity: float
    duration_s: float
    model: dict[str, str]
    not_sure: bool = False
    not_sure_reason: str | None = None
    source_duration_s: float | None = None
    truncated: bool = False
    padded: bool = False
    tempo_confidence: float | None = None
    beats_per_bar: int | None = None
    meter_confidence: float | None = None
    also_fits: str | None = None
    incomplete: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ranked(self) -> list[tuple[str, float]]:
        """(dance id, probability) from most to least likely."""
        return sorted(self.probabilities.items(), key=lambda kv: kv[1], reverse=True)

    @property
    def dance(self) -> str:
        """Id of the most likely dance (reported even when not sure)."""
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        """Probability of the most likely dance."""
        return self.ranked[0][1]

    @property
    def tempo_mpm(self) -> float:
        """Bars per minute under the top dance's meter."""
        return self.tempo_bpm / BY_ID[self.dance].beats_per_bar

    @property
    def dj_bpm(self) -> float:
        """The beat as DJ software counts it (e.g. about 128 for a tango at 32 bars per minute)."""
        top = BY_ID[self.dance]
        return self.tempo_mpm * (top.dj_beats_per_bar or top.beats_per_bar)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of `dancecore classify --json`."""
        top = BY_ID[self.dance]
        return {
            "path": self.path,
            "dance": self.dance,
            "dance_name": top.name,
            "style": top.style,
            "confidence": round(self.confidence, 6),
            "not_sure": self.not_sure,
            "not_sure_reason": self.not_sure_reason,
            "probabilities": {k: round(v, 6) for k, v in self.probabilities.items()},
            "top2": [{"dance": d, "name": BY_ID[d].name, "probability": round(p, 6)} for d, p in self.ranked[:2]],
            "also_fits": None if self.also_fits is None else {"dance": self.also_fits,
                                                              "name": BY_ID[self.also_fits].name},
            "tempo": {"bpm": round(self.tempo_bpm, 1), "mpm": round(self.tempo_mpm, 1),
                      "dj_bpm": round(self.dj_bpm, 1), "beat_clarity": round(self.tempo_clarity, 3),
                      "confidence": None if self.tempo_confidence is None else round(self.tempo_confidence, 3)},
            "meter": None if self.beats_per_bar is None else {
                "beats_per_bar": self.beats_per_bar, "confidence": round(float(self.meter_confidence or 0.0), 3)},
            "duration_s": round(self.duration_s, 2),
            "source_duration_s": None if self.source_duration_s is None else round(self.source_duration_s, 2),
            "truncated": self.truncated,
            "incomplete": self.incomplete,
            "padded": self.padded,
            "timeline": self.timeline,
            "model": self.model,
            **self.extra,
        }
