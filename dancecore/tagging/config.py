"""What `dancecore tag` writes where: configs/tag.yaml, validated on load, every option defaulted.

A field is a value template (Python format syntax over the names in TEMPLATE_NAMES) and the keys it
is written to in each tag format: ID3 frame ids (`TIT1`, `TXXX:DESCRIPTION`, `COMM:DESCRIPTION:LNG`),
Vorbis comment names (`GROUPING`) and MP4 atoms (`©grp`, `tmpo`, `----:MEAN:NAME`). A YAML file only
names what it changes: its fields are merged into the defaults below, new field names add fields.
"""
from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Literal

from mutagen.id3 import Frames, TextFrame
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from dancecore.dances import BY_ID, resolve
from dancecore.configfile import one_line, read_yaml
from dancecore.errors import ConfigError

# Names a value template may use, with an example of each (used to check templates on load).
TEMPLATE_NAMES: dict[str, Any] = {
    "dance": "Rumba", "dance_id": "rumba", "style": "latin", "confidence": 0.91, "bpm": 104.2, "mpm": 26.05,
    "dj_bpm": 104.2, "also_fits": "Cha Cha Cha", "meter": "4/4", "model": "dancecore-default 1",
}
_VORBIS_NAME = re.compile(r"^[\x20-\x3c\x3e-\x7d]+$")  # printable ASCII but '=' (Vorbis comment spec)
_TEXT_FRAMES = {fid for fid, cls in Frames.items() if issubclass(cls, TextFrame)} - {"TXXX", "COMM"}


def check_id3_key(key: str) -> str:
    """`TIT1` (a text frame), `TXXX:DESCRIPTION` or `COMM:DESCRIPTION:LNG`; ValueError otherwise."""
    head, _, rest = key.partition(":")
    if head == "TXXX" and rest:
        return key
    if head == "COMM" and re.fullmatch(r"[^:]*:[a-z]{3}", rest):
        return key
    if head in _TEXT_FRAMES and not rest:
        return key
    raise ValueError(f"{key!r} is not an ID3 text frame (e.g. TIT1, TBPM), TXXX:NAME or COMM:DESCRIPTION:eng")


def check_vorbis_key(key: str) -> str:
    if not _VORBIS_NAME.match(key):
        raise ValueError(f"{key!r} is not a Vorbis comment name (printable ASCII without '=')")
    return key


def check_mp4_key(key: str) -> str:
    if key == "tmpo" or re.fullmatch(r"©[a-z]{3}", key) or re.fullmatch(r"----:[^:]+:[^:]+", key):
        return key
    raise ValueError(f"{key!r} is not an MP4 text atom (e.g. ©grp), tmpo or ----:MEAN:NAME")


KEY_CHECKS = {"id3": check_id3_key, "vorbis": check_vorbis_key, "mp4": check_mp4_key}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldSpec(_Section):
    """One thing written into the tags: `value` rendered from the findings, into every listed key."""

    write: bool = True
    value: str = Field("{dance}", description="format template over TEMPLATE_NAMES; an empty result writes nothing")
    id3: list[str] = Field(default_factory=list)
    vorbis: list[str] = Field(default_factory=list)
    mp4: list[str] = Field(default_factory=list)

    @field_validator("value")
    @classmethod
    def _template(cls, value: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        unknown = sorted(n for n in names if n.split(".")[0].split("[")[0] not in TEMPLATE_NAMES)
        if unknown:
            raise ValueError(f"unknown name {{{unknown[0]}}}; known: {', '.join(TEMPLATE_NAMES)}")
        try:
            value.format(**TEMPLATE_NAMES)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise ValueError(f"not a valid template ({exc})") from None
        return value

    @field_validator("id3", "vorbis", "mp4")
    @classmethod
    def _keys(cls, keys: list[str], info: ValidationInfo) -> list[str]:
        return [KEY_CHECKS[info.field_name](key) for key in keys]


class RecordSpec(_Section):
    """Where the DANCECORE record (JSON: findings, model, what was written and what it replaced) lives."""

    id3: str = "TXXX:DANCECORE"
    vorbis: str = "DANCECORE"
    mp4: str = "----:com.apple.iTunes:DANCECORE"

    @field_validator("id3", "vorbis", "mp4")
    @classmethod
    def _key(cls, key: str, info: ValidationInfo) -> str:
        return KEY_CHECKS[info.field_name](key)


def _field(write: bool, value: str, id3: list[str], vorbis: list[str], mp4: list[str]) -> dict[str, Any]:
    return {"write": write, "value": value, "id3": id3, "vorbis": vorbis, "mp4": mp4}


DEFAULT_FIELDS: dict[str, dict[str, Any]] = {
    "grouping": _field(True, "{dance}", ["TIT1", "GRP1"], ["GROUPING"], ["©grp"]),
    "dance": _field(True, "{dance}", ["TXXX:DANCE"], ["DANCE"], ["----:com.apple.iTunes:DANCE"]),
    "bpm": _field(True, "{dj_bpm:.0f}", ["TBPM"], ["BPM"], ["tmpo"]),
    "mpm": _field(True, "{mpm:.1f}", ["TXXX:MPM"], ["MPM"], ["----:com.apple.iTunes:MPM"]),
    "genre": _field(False, "{dance}", ["TCON"], ["GENRE"], ["©gen"]),
    "comment": _field(False, "{dance} {mpm:.0f} MPM", ["COMM::eng"], ["COMMENT"], ["©cmt"]),
}


class TagConfig(_Section):
    """Everything `dancecore tag` writes; every option has a default (configs/tag.yaml lists them)."""

    fields: dict[str, FieldSpec] = Field(default_factory=lambda: {k: FieldSpec(**v) for k, v in DEFAULT_FIELDS.items()})
    record: RecordSpec = Field(default_factory=RecordSpec)
    names: dict[str, str] = Field(default_factory=dict, description="dance id -> name written (default: display names)")
    not_sure: Literal["skip", "write"] = Field(
        "skip", description="skip: a song the model is not sure about gets only the DANCECORE record")
    id3_version: Literal[3, 4] = Field(3, description="ID3v2 version of tags dancecore creates; "
                                                      "existing tags keep theirs")

    @field_validator("names")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, written in value.items():
            dance_id = resolve(name)
            if dance_id is None:
                raise ValueError(f"unknown dance {name!r}; known: {', '.join(BY_ID)}")
            if not str(written).strip():
                raise ValueError(f"the name written for {name} is empty")
            out[dance_id] = str(written)
        return out

    @model_validator(mode="after")
    def _one_writer_per_key(self) -> "TagConfig":
        for kind in KEY_CHECKS:
            keys = self.keys(kind)
            twice = sorted({k for k in keys if keys.count(k) > 1})
            if twice:
                raise ValueError(f"{kind} key {twice[0]} is written by two enabled fields; give each key to one field")
            if getattr(self.record, kind) in keys:
                raise ValueError(f"{kind} key {getattr(self.record, kind)} is the record's; a field cannot write it")
        return self

    def dance_name(self, dance_id: str) -> str:
        """The name written for a dance id."""
        return self.names.get(dance_id, BY_ID[dance_id].name)

    def keys(self, kind: str) -> list[str]:
        """Every key the enabled fields write in tag format `kind` ("id3", "vorbis", "mp4")."""
        return [key for spec in self.fields.values() if spec.write for key in getattr(spec, kind)]


def config_from_dict(data: Any, origin: str = "configuration") -> TagConfig:
    """Validate a parsed YAML mapping merged into the defaults; ConfigError (one line) naming the option."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping (fields, record, names, ...)")
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise ConfigError(f"{origin}: fields must be a mapping of field name -> settings")
    merged = {name: {**DEFAULT_FIELDS.get(name, {}), **(spec or {})} if isinstance(spec, dict) or spec is None
              else spec for name, spec in fields.items()}
    try:
        return TagConfig.model_validate({**data, "fields": {**DEFAULT_FIELDS, **merged}})
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {one_line(exc)}") from None


def load_config(path: str | Path | None) -> TagConfig:
    """Read and validate a YAML file; None gives the defaults."""
    if path is None:
        return TagConfig()
    data = read_yaml(path, "configuration file not found; check the --config path")
    return config_from_dict(data, str(path))
