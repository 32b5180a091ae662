"""Pydantic models that describe the web API in its OpenAPI document (/openapi.json).

The classification answer is `dancecore.result.Result.to_dict()` itself, the JSON of
`dancecore classify --json`; `ClassifyResult` documents it (and a test checks that real answers
fit it), it does not produce it.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TopDance(BaseModel):
    dance: str = Field(description="dance id")
    name: str = Field(description="display name")
    probability: float


class Tempo(BaseModel):
    bpm: float = Field(description="beats per minute, folded into the top dance's range when plausible")
    mpm: float = Field(description="bars (measures) per minute under the top dance's meter")
    dj_bpm: float = Field(description="the beat as DJ software counts it (about 128 for a tango at 32 bars/min)")
    beat_clarity: float = Field(description="0..1, how steady the beat is")
    confidence: float | None = Field(description="0..1, how sure the beat network is of the beat")


class Meter(BaseModel):
    beats_per_bar: Literal[3, 4] = Field(description="beats to the bar the beat network hears")
    confidence: float = Field(description="0..1, probability of that meter")


class AlsoFits(BaseModel):
    dance: str = Field(description="id of a second dance nearly as likely as the first")
    name: str


class TimelineWindow(BaseModel):
    start_s: float = Field(description="window start in seconds; each window is 224 frames = 5.2 s")
    probabilities: dict[str, float] = Field(description="dance id -> probability in this window")


class ClassifyResult(BaseModel):
    """The answer of POST /api/classify: the object `dancecore classify --json` prints (and `sections`)."""

    model_config = ConfigDict(extra="allow")
    path: str = Field(description="the uploaded file's name")
    dance: str = Field(description="id of the most likely dance (given even when not sure)")
    dance_name: str
    style: Literal["latin", "standard"]
    confidence: float = Field(description="probability of the top dance, 0..1")
    not_sure: bool
    not_sure_reason: str | None = Field(description="why not sure, in words: \"no steady beat\", \"sounds like "
                                                     "another dance, closest: Jive\", \"fits several dances: Rumba "
                                                     "or Cha Cha Cha\"")
    probabilities: dict[str, float] = Field(description="dance id -> probability, summing to 1")
    top2: list[TopDance]
    also_fits: AlsoFits | None = Field(description="a second dance the music fits nearly as well, if any")
    tempo: Tempo
    meter: Meter | None = Field(description="the meter heard, when the beat network found a beat")
    duration_s: float = Field(description="seconds analysed")
    source_duration_s: float | None = Field(description="length of the whole upload in seconds, if known")
    truncated: bool = Field(description="only the first max_duration_s seconds were analysed")
    incomplete: bool = Field(description="the file ends before its header says (damaged or cut off), so "
                                         "less was analysed than the recording should hold")
    padded: bool = Field(description="the clip was shorter than one window and was padded")
    timeline: list[TimelineWindow]
    model: dict[str, str]
    sections: list[SectionResult] | None = Field(
        default=None, description="the recording's songs one by one (as `dancecore classify --sections` finds "
        "them), when it is at least limits.sections_min_s long and holds more than one; each timeline counts from "
        "the song's start")


class SectionResult(ClassifyResult):
    """One song of a longer recording: the answer for its audio alone, and where it lies."""

    start_s: float = Field(description="where the song's music begins in the recording, seconds")
    end_s: float = Field(description="where it ends, seconds")


class Problem(BaseModel):
    """Any refusal: a stable machine-readable `error` and one friendly line for people."""

    error: str = Field(description="too_large, not_media, not_form, no_file, disconnected, empty, unreadable, "
                                   "silent, too_short, timeout, cooldown, busy, internal, bad_request, bad_event, "
                                   "unauthorised")
    message: str


class Checked(BaseModel):
    ok: bool = True


class DanceInfo(BaseModel):
    id: str
    name: str
    style: str
    meter: str
    bpm: tuple[float, float] = Field(description="competition tempo range in beats per minute")
    colour: str = Field(description="chart colour, #rrggbb (as in the timeline pictures)")


class LimitsInfo(BaseModel):
    max_bytes: int
    max_duration_s: float
    min_duration_s: float
    timeout_s: float
    workers: int
    queue_size: int
    cooldown_s: float
    sections_min_s: float


class Info(BaseModel):
    """What the page needs to know: the dances, the limits, the model and the accepted formats."""

    dances: list[DanceInfo]
    limits: LimitsInfo
    model: dict[str, str]
    formats: str = Field(description="accepted formats, in words")


class LiveEvent(BaseModel):
    """A live adapter's event: `dancecore.stream.events.DanceEvent.to_dict()` (the classify JSON plus event,
    time, song, ...), `SilenceEvent.to_dict()`, or {"event": "stopped"} when the adapter ends."""

    model_config = ConfigDict(extra="allow")
    event: Literal["dance", "silence", "stopped"]
    dance: str | None = Field(default=None, description="dance id, required for event \"dance\"")


class Accepted(BaseModel):
    seq: int = Field(description="number of the event since the server started")
    listeners: int = Field(description="marquee pages listening now")
