"""The bot's settings (configs/bot.yaml), validated on load; every option has a default.

The token is never part of the configuration: it comes only from the DISCORD_TOKEN environment variable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dancecore.errors import ConfigError
from dancecore.segments import DEFAULT_STRIDE_FRAMES
from dancecore.service import ServiceLimits

DEFAULT_CONFIG_PATH = Path("configs/bot.yaml")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class BotConfig:
    """model: model file (None: the shipped default); stride_frames: window stride in spectrogram
    frames; limits: shared front-end limits; auto_reply_channels: channel ids whose audio and video
    attachments get an answer unasked (needs the message-content intent); direct_messages: answer
    clips sent in DMs; mentions: answer clips in messages that mention the bot; refusal_delete_after_s:
    seconds before a refusal posted as a channel reply is deleted (0: never); sync_commands: publish
    the slash and context-menu commands at start; command_guilds: guild ids that get them at once."""

    model: str | None = None
    stride_frames: int = DEFAULT_STRIDE_FRAMES
    limits: ServiceLimits = field(default_factory=ServiceLimits)
    auto_reply_channels: frozenset[int] = frozenset()
    direct_messages: bool = True
    mentions: bool = True
    refusal_delete_after_s: float = 60.0
    sync_commands: bool = True
    command_guilds: tuple[int, ...] = ()
    log_level: str = "INFO"

    @property
    def needs_message_content(self) -> bool:
        """Whether the privileged message-content intent is needed (for auto-reply channels)."""
        return bool(self.auto_reply_channels)


_TOP = {"model", "stride_frames", "limits", "auto_reply", "refusal_delete_after_s", "commands", "log_level"}
_AUTO_REPLY = {"channels", "direct_messages", "mentions"}
_COMMANDS = {"sync", "guilds"}


def load_config(path: str | Path | None = None) -> BotConfig:
    """Read and validate a bot config. None: configs/bot.yaml if it exists here, else all defaults."""
    if path is None:
        if not DEFAULT_CONFIG_PATH.exists():
            return BotConfig()
        path = DEFAULT_CONFIG_PATH
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; check --config (or leave it out for defaults)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}; check indentation and colons") from None
    return config_from_dict(document or {}, str(path))


def config_from_dict(document: Any, where: str = "config") -> BotConfig:
    """Validate a parsed YAML document; ConfigError names the file, the key and the fix."""
    top = _mapping(document, where, _TOP)
    auto = _mapping(top.get("auto_reply"), f"{where}: auto_reply", _AUTO_REPLY)
    cmds = _mapping(top.get("commands"), f"{where}: commands", _COMMANDS)
    defaults = BotConfig()
    model = top.get("model")
    if model is not None and not isinstance(model, str):
        raise ConfigError(f"{where}: model must be a file path or null (the shipped default), got {model!r}")
    log_level = str(top.get("log_level", defaults.log_level)).upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"{where}: log_level must be one of {', '.join(LOG_LEVELS)}, got {top['log_level']!r}")
    stride = _number(top, "stride_frames", defaults.stride_frames, where, whole=True)
    if stride <= 0:
        raise ConfigError(f"{where}: stride_frames must be a positive number of frames, got {stride}")
    delete_after = _number(top, "refusal_delete_after_s", defaults.refusal_delete_after_s, where)
    if delete_after < 0:
        raise ConfigError(f"{where}: refusal_delete_after_s must be 0 (keep) or more seconds, got {delete_after}")
    return BotConfig(
        model=model,
        stride_frames=int(stride),
        limits=ServiceLimits.from_dict(top.get("limits"), where=f"{where}: limits"),
        auto_reply_channels=frozenset(_ids(auto.get("channels"), f"{where}: auto_reply.channels")),
        direct_messages=_flag(auto, "direct_messages", defaults.direct_messages, f"{where}: auto_reply"),
        mentions=_flag(auto, "mentions", defaults.mentions, f"{where}: auto_reply"),
        refusal_delete_after_s=float(delete_after),
        sync_commands=_flag(cmds, "sync", defaults.sync_commands, f"{where}: commands"),
        command_guilds=tuple(_ids(cmds.get("guilds"), f"{where}: commands.guilds")),
        log_level=log_level,
    )


def _mapping(value: Any, where: str, known: set[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping (key: value lines), got {type(value).__name__}")
    unknown = sorted(str(k) for k in set(value) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return value


def _number(section: dict[str, Any], key: str, default: float, where: str, whole: bool = False) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and value != int(value)):
        raise ConfigError(f"{where}: {key} must be {'a whole number' if whole else 'a number'}, got {value!r}")
    return value


def _flag(section: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key} must be true or false, got {value!r}")
    return value


def _ids(value: Any, where: str) -> list[int]:
    """Discord ids (snowflakes) from a YAML list of numbers or digit strings."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list of ids, e.g. [123456789012345678], got {value!r}")
    ids = []
    for item in value:
        if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit())):
            raise ConfigError(f"{where}: {item!r} is not a Discord id; copy it with Developer Mode "
                              "(right-click the channel or server, Copy ID)")
        ids.append(int(item))
    return ids
