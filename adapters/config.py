"""The adapter's configuration: YAML (configs/adapter.yaml) validated on load, every option defaulted.

`load_config(path)` returns an `AdapterConfig`; a wrong key, type or value raises ConfigError
with one line naming the file, the option and what is allowed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dancecore.configfile import one_line, read_yaml
from dancecore.dances import DANCE_IDS, resolve
from dancecore.errors import ConfigError
from dancecore.stream.settings import EngineConfig, SettingsSection, TrackerConfig


class SourceConfig(SettingsSection):
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


class OscConfig(SettingsSection):
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


class MidiControl(SettingsSection):
    """A control change: controller number and value (0-127)."""

    number: int = Field(ge=0, le=127)
    value: int = Field(127, ge=0, le=127)


class MidiDance(SettingsSection):
    """What one dance sends: a note (on, then off), a program change and/or a control change."""

    note: int | None = Field(None, ge=0, le=127)
    program: int | None = Field(None, ge=0, le=127)
    control: MidiControl | None = None


SILENCE_NOTE = 59   # just below the dances' default notes 60-69


def _default_midi_dances() -> dict[str, MidiDance]:
    return {dance_id: MidiDance(note=60 + i) for i, dance_id in enumerate(DANCE_IDS)}


class MidiConfig(SettingsSection):
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


class ConsoleConfig(SettingsSection):
    """Console lines (text or JSON) and spoken announcements."""

    enabled: bool = True
    json_lines: bool = Field(False, alias="json")
    speak: bool = False
    speak_command: list[str] | None = Field(
        None, description="command with a {text} argument; null: espeak-ng, espeak, say or Windows SAPI")
    speak_template: str = "Next dance: {dance}"

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


class AdapterConfig(SettingsSection):
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
