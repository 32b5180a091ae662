"""The adapter's configuration: YAML (configs/adapter.yaml) validated on load, every option defaulted.

`load_config(path)` returns an `AdapterConfig`; a wrong key, type or value raises ConfigError
with one line naming the file, the option and what is allowed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dancecore.dances import DANCE_IDS, resolve
from dancecore.configfile import one_line, read_yaml
from dancecore.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SourceConfig(_Section):
    """Where audio comes from. name: monitor | monitor:SINK | default | file:PATH | stdin |
    a device name (or part of it) | a device index (see `dancecore live --list-devices`)."""

    name: str = "monitor"
    rate: int | None = Field(None, gt=0, description="Hz; device: rate to open (null: its default); "
                             "stdin: rate of the PCM (null: 44100)")
    channels: int | None = Field(None, gt=0, le=64, description="device: channels to open (null: mono if "
                                 "offered); stdin: interleaved channels of the PCM (null: 2)")
    block_s: float = Field(0.05, gt=0, le=1.0, description="device callback block, seconds")
    stdin_format: Literal["s16le", "s32le", "f32le"] = "s16le"
    speed: float = Field(1.0, ge=0, description="file sources: 1 = real time, 0 = as fast as possible")
    ring_s: float = Field(20.0, gt=0, le=600, description="ring buffer capacity, seconds of audio")
    stall_s: float = Field(3.0, gt=0, description="a device silent for this long (no callbacks) is reopened")
    reopen_max_s: float = Field(10.0, gt=0, description="longest wait between reopen attempts, seconds")


class EngineConfig(_Section):
    """How often and over what span the model and the beat tracker run."""

    hop_s: float = Field(1.0, gt=0.05, le=10, description="a new window is scored every hop, seconds")
    tempo_s: float = Field(6.0, ge=2.0, le=30, description="span of audio for tempo and beat clarity, seconds")
    talk_s: float = Field(4.0, ge=1.0, le=30, description="span for the low-energy (talk) measure, seconds")
    rhythm_audio_s: float = Field(12.0, ge=0, le=60, description="recent audio handed to the scorer, seconds")
    song_s: float = Field(60.0, ge=10, le=600, description="the song's latest audio kept for its onset tempo, beat "
                          "clarity and meter, seconds")
    beat_tempo_s: float = Field(20.0, ge=4, le=600, description="the song's tempo is the beat network's over its "
                                "latest audio of this length, seconds (shorter follows a tempo change sooner)")
    beat_recent_s: float = Field(8.0, ge=2, le=60, description="span of the beat network's 'steady beat heard now' "
                                 "and recent tempo, seconds")
    lost_s: float = Field(2.0, gt=0, description="no audio from the source for this long ends the song, seconds")
    threads: int = Field(1, ge=1, le=64, description="CPU threads of the model's networks")


class TrackerConfig(_Section):
    """When to call a dance, where songs begin and end. The dance is the core's decision on the song so far."""

    silence_dbfs: float = Field(-50.0, le=0, description="a hop quieter than this RMS (dB full scale) is silent")
    silence_gap_s: float = Field(2.0, gt=0, le=4, description="this much silence ends a song, seconds")
    talk_gap_s: float = Field(4.0, gt=0, description="this much talk, or sound far quieter than the song, without "
                              "the song's beat ends a song, seconds")
    min_music_s: float = Field(4.0, ge=0, description="music a window must hold before it counts, seconds")
    min_windows: int = Field(3, ge=1, description="windows of a song before its first call")
    stable_windows: int = Field(3, ge=1, description="consecutive windows the song's decision must name the dance")
    min_confidence: float | None = Field(None, ge=0, le=1, description="the decision's 'not sure' threshold on the "
                                         "top probability; null: the model's min_top_probability")
    min_beat_clarity: float | None = Field(
        0.05, ge=0, le=1, description="a window's last tempo_s of audio below this beat clarity is doubtful (a few "
        "seconds are less periodic than a whole song, so lower than the model's song-level min_beat_clarity); "
        "null: the model's")
    max_low_energy_ratio: float = Field(0.3, gt=0, le=1, description="talk: share of quiet frames above this")
    talk_max_clarity: float = Field(0.2, ge=0, le=1, description="talk that ends a song: beat clarity below this too")
    min_onset_variation: float = Field(0.22, ge=0, description="steady sound (noise, hum): onset variation "
                                       "(std / mean of the spectral flux) below this")
    min_beat_confidence: float = Field(0.6, ge=0, le=1, description="the beat network hears a steady beat when its "
                                       "tempo confidence over beat_recent_s reaches this: such a window is music")
    level_drop_db: float = Field(20.0, gt=0, description="a hop this far below the song's median level, without "
                                 "its beat, counts towards the song's end, dB")
    meter_hold_confidence: float = Field(0.9, ge=0.5, le=1, description="hold a call whose dance has another meter "
                                         "than the one heard with at least this confidence (until unsure_after_s)")
    unsure_after_s: float = Field(15.0, gt=0, description="after this much music the song's decision is called "
                                  "as it stands, sure or 'not sure', seconds")
    tempo_change: float = Field(0.04, gt=0, le=1, description="a tempo event when the song's tempo moves by more "
                                "than this share; also the tolerance of 'the same beat', 0.04 = 4%")
    change_windows: int = Field(6, ge=2, description="windows in a row each naming another dance: the song's evidence "
                                "starts again there (a revision), or with another beat a new song begins")
    new_song_after_s: float = Field(30.0, ge=0, description="a change of dance without a gap is a new song only after "
                                    "this much of the song, seconds (before: the first call was wrong)")
    revise_margin: float = Field(0.1, ge=0, le=1, description="lead over the called dance to revise it")


class OscConfig(_Section):
    """OSC over UDP: every target gets every message."""

    targets: list[str] = Field(default_factory=list, description="HOST:PORT of each receiver")
    prefix: str = "/dancecore"
    resend_s: float = Field(5.0, ge=0, description="re-send the current state this often, seconds (a desk started "
                            "late learns it); 0: never")
    tempo_max_bpm: float = Field(300.0, gt=0, description="PREFIX/tempo/normalized = BPM / this (clipped to 0..1)")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for target in value:
            parse_host_port(target)
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value.startswith("/") or value.endswith("/") or " " in value:
            raise ValueError("must start with '/', not end with '/' and hold no spaces, e.g. /dancecore")
        return value


class MidiControl(_Section):
    """A control change: controller number and value (0-127)."""

    number: int = Field(ge=0, le=127)
    value: int = Field(127, ge=0, le=127)


class MidiDance(_Section):
    """What one dance sends: a note (on, then off), a program change and/or a control change."""

    note: int | None = Field(None, ge=0, le=127)
    program: int | None = Field(None, ge=0, le=127)
    control: MidiControl | None = None


SILENCE_NOTE = 59   # just below the dances' default notes 60-69


def _default_midi_dances() -> dict[str, MidiDance]:
    return {dance_id: MidiDance(note=60 + i) for i, dance_id in enumerate(DANCE_IDS)}


class MidiConfig(_Section):
    """MIDI out: a virtual port or an existing one; per-dance mapping."""

    port: str | None = Field(None, description="null: no MIDI; else a port name (existing, or virtual)")
    virtual: Literal["auto", "always", "never"] = "auto"
    api: Literal["auto", "alsa", "jack", "coremidi", "winmm"] = "auto"
    channel: int = Field(1, ge=1, le=16)
    velocity: int = Field(100, ge=1, le=127)
    note_length_s: float = Field(0.5, ge=0, le=60, description="note off follows note on after this")
    confidence_cc: int | None = Field(None, ge=0, le=127, description="CC number carrying confidence x 127")
    clock: bool = Field(False, description="send MIDI clock (24 per beat) at the detected tempo")
    dances: dict[str, MidiDance] = Field(default_factory=_default_midi_dances)
    silence: MidiDance = Field(default_factory=lambda: MidiDance(note=SILENCE_NOTE),
                               description="sent when the music stops and when the adapter stops")

    @field_validator("dances", mode="before")
    @classmethod
    def _dance_ids(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for key, mapping in value.items():
            dance_id = resolve(str(key))
            if dance_id is None:
                raise ValueError(f"unknown dance {key!r}; known: {', '.join(DANCE_IDS)}")
            out[dance_id] = mapping if mapping is not None else {}
        return out


class ConsoleConfig(_Section):
    """Console lines (text or JSON) and spoken announcements."""

    enabled: bool = True
    json_lines: bool = Field(False, alias="json")
    speak: bool = False
    speak_command: list[str] | None = Field(
        None, description="command with a {text} argument; null: espeak-ng, espeak, say or Windows SAPI")
    speak_template: str = "Next dance: {dance}"

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class AdapterConfig(_Section):
    """Everything `dancecore live` needs; every field has a default."""

    source: SourceConfig = Field(default_factory=SourceConfig)
    model: str | None = Field(None, description="model file; null: the default model shipped with dancecore")
    engine: EngineConfig = Field(default_factory=EngineConfig)
    tracker: TrackerConfig = Field(default_factory=TrackerConfig)
    osc: OscConfig = Field(default_factory=OscConfig)
    midi: MidiConfig = Field(default_factory=MidiConfig)
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    status: Literal["auto", "on", "off"] = Field("auto", description="status line; auto: when stderr is a terminal")


def parse_host_port(text: str) -> tuple[str, int]:
    """"HOST:PORT" (IPv6 as [::1]:PORT) -> (host, port); ValueError naming the expected form."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:7700)")
    return host, int(port)


def config_from_dict(data: dict[str, Any] | None, origin: str = "configuration") -> AdapterConfig:
    """Validate a parsed YAML mapping; ConfigError (one line) naming `origin` and the option."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of sections (source, osc, midi, ...)")
    try:
        return AdapterConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {one_line(exc, _known_options)}") from None


def load_config(path: str | Path | None) -> AdapterConfig:
    """Read and validate a YAML file; None gives the defaults."""
    if path is None:
        return AdapterConfig()
    data = read_yaml(path, "configuration file not found; check the --config path")
    return config_from_dict(data, str(path))


def with_overrides(config: AdapterConfig, overrides: dict[str, Any], origin: str = "command line") -> AdapterConfig:
    """A copy of `config` with nested `overrides` ({"osc": {"targets": [...]}}) applied and validated."""
    def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for key, value in extra.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    return config_from_dict(merge(config.model_dump(by_alias=True), overrides), origin)


def _known_options(location: tuple) -> list[str]:
    """Options of the section at `location` (empty when there is none)."""
    section = _section_at(location)
    return list(section.model_fields) if section else []


def _section_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The section class at an option path (dict keys skipped), for listing its known options."""
    cls: type[BaseModel] = AdapterConfig
    parts = list(loc)
    while parts:
        field = cls.model_fields.get(str(parts.pop(0)))
        if field is None:
            return None
        annotation = field.annotation
        if get_origin(annotation) is dict:
            if not parts:
                return None
            parts.pop(0)
            annotation = get_args(annotation)[1]
        models = [a for a in (get_args(annotation) or (annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not models:
            return None
        cls = models[0]
    return cls
