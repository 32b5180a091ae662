"""The adapter's configuration: YAML (configs/adapter.yaml) validated on load, every option defaulted.

`load_config(path)` returns an `AdapterConfig`: the core's sections (source, model, engine, tracker,
status) and one section per announcer, which each protocol module declares (adapters.announcers.registry).
A wrong key, type or value raises ConfigError with one line naming the file, the option and what is allowed.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, create_model

from adapters.announcers.registry import AnnouncerKind, kinds
from dancecore.configfile import one_line, read_yaml
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


class CoreConfig(SettingsSection):
    """The sections of `dancecore live` that are not announcers; every field has a default."""

    source: SourceConfig = Field(default_factory=SourceConfig)
    model: str | None = Field(None, description="model file; null: the default model shipped with dancecore")
    engine: EngineConfig = Field(default_factory=EngineConfig)
    tracker: TrackerConfig = Field(default_factory=TrackerConfig)
    status: Literal["auto", "on", "off"] = Field("auto", description="status line; auto: when stderr is a terminal")


def config_model() -> type[CoreConfig]:
    """`AdapterConfig`: the core's sections plus one section per registered announcer (adapters.announcers.registry)
    under its name (osc, midi, console, web, ...)."""
    return _config_model(tuple(kinds()))


@functools.cache
def _config_model(announcers: tuple[AnnouncerKind, ...]) -> type[CoreConfig]:
    for kind in announcers:
        if kind.section in CoreConfig.model_fields:
            raise ValueError(f"announcer section {kind.section!r} is a section of the core")
    sections: dict[str, Any] = {kind.section: (kind.settings, Field(default_factory=kind.settings))
                                for kind in announcers}
    return create_model("AdapterConfig", __base__=CoreConfig, __doc__="Everything `dancecore live` needs; every "
                        "field has a default.", __module__=__name__, **sections)


def __getattr__(name: str) -> Any:
    """`AdapterConfig` is `config_model()`: built from the announcers registered when it is asked for."""
    if name == "AdapterConfig":
        return config_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_host_port(text: str) -> tuple[str, int]:
    """"HOST:PORT" (IPv6 as [::1]:PORT) -> (host, port); ValueError naming the expected form."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:7700)")
    return host, int(port)


def config_from_dict(data: dict[str, Any] | None, origin: str = "configuration") -> CoreConfig:
    """Validate a parsed YAML mapping; ConfigError (one line) naming `origin` and the option."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of sections (source, osc, midi, ...)")
    try:
        return config_model().model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {one_line(exc, _known_options)}") from None


def load_config(path: str | Path | None) -> CoreConfig:
    """Read and validate a YAML file; None gives the defaults."""
    if path is None:
        return config_model()()
    data = read_yaml(path, "configuration file not found; check the --config path")
    return config_from_dict(data, str(path))


def with_overrides(config: CoreConfig, overrides: dict[str, Any], origin: str = "command line") -> CoreConfig:
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
    cls: type[BaseModel] = config_model()
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
