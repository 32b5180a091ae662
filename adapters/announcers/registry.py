"""The announcer registry: each protocol module declares, in one `register(AnnouncerKind(...))` call, its
configuration section, its `dancecore live` flags and its builder. The adapter's configuration
(adapters.config), its wiring (adapters.app) and `dancecore live`'s flags come from here, so a new
protocol is one file: a module in adapters/announcers/ is found and imported by `kinds()`, and a module
elsewhere (a plug-in, a test) calls `register` before `dancecore live` parses its flags.

Importing this module and the protocol modules is cheap (no pyaudio, rtmidi or python-osc: each protocol
imports its library where it opens it), so `dancecore live --help` works without the live extra.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from dancecore.stream.settings import SettingsSection

if TYPE_CHECKING:
    from adapters.announcers.base import Announcer

PACKAGE = "adapters.announcers"


class Flag:
    """A `dancecore live` flag that sets one option of its announcer's section. `argparse`: the rest of
    argparse's `add_argument` (metavar, type, choices, action="append" for a list, or action="store_const"
    with const=VALUE for a flag without an argument). A flag not given leaves the option as configured."""

    def __init__(self, name: str, option: str, help: str, **argparse: Any) -> None:
        self.name, self.option, self.help, self.argparse = name, option, help, argparse


@dataclass(frozen=True)
class BuildContext:
    """What a builder gets besides its section. write: where console lines go (None: stdout)."""

    write: Callable[[str], None] | None = None


@dataclass(frozen=True, eq=False)
class AnnouncerKind:
    """One protocol. section: its YAML key and configuration attribute (e.g. "osc"); settings: the pydantic
    model of that section (every option defaulted); build(settings, context): the announcers the section
    turns on (none when it is off); flags: its `dancecore live` flags; title: their heading in --help."""

    section: str
    settings: type[SettingsSection]
    build: Callable[[Any, BuildContext], list[Announcer]]
    flags: tuple[Flag, ...] = ()
    title: str = ""


_registered: dict[str, AnnouncerKind] | None = None    # by section; None until the package's modules are imported


def register(kind: AnnouncerKind) -> AnnouncerKind:
    """Add a protocol (call it at a module's top level); ValueError when its section or a flag is taken."""
    registered = _kinds_by_section()
    flags = {flag.name for other in registered.values() for flag in other.flags}
    if kind.section in registered:
        raise ValueError(f"announcer section {kind.section!r} is registered twice")
    if taken := flags & {flag.name for flag in kind.flags}:
        raise ValueError(f"announcer {kind.section!r}: flag {', '.join(sorted(taken))} is taken")
    registered[kind.section] = kind
    return kind


def kinds() -> list[AnnouncerKind]:
    """Every registered protocol, in the order they registered (the first call imports the modules of
    adapters/announcers/, which register themselves)."""
    return list(_kinds_by_section().values())


def _kinds_by_section() -> dict[str, AnnouncerKind]:
    global _registered
    if _registered is None:
        _registered = {}
        package = importlib.import_module(PACKAGE)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{PACKAGE}.{module.name}")    # each protocol module registers itself
    return _registered


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Every protocol's flags on `parser`, a group per protocol."""
    for kind in kinds():
        group = parser.add_argument_group(kind.title or kind.section)
        for flag in kind.flags:
            group.add_argument(flag.name, dest=_dest(kind, flag), help=flag.help, **flag.argparse)


def flag_overrides(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The options the protocols' flags set, nested like the YAML ({"osc": {"targets": [...]}})."""
    out: dict[str, dict[str, Any]] = {}
    for kind in kinds():
        for flag in kind.flags:
            value = getattr(args, _dest(kind, flag), None)
            if value is not None:
                out.setdefault(kind.section, {})[flag.option] = value
    return out


def _dest(kind: AnnouncerKind, flag: Flag) -> str:
    return f"announcer:{kind.section}.{flag.option}"
