"""A whole announcer in one file, as a new protocol is added: an event log that appends each event as a JSON
line to a file. Importing this module registers it: its section `event_log` (YAML), its flag
`--event-log PATH` and its builder. tests/test_announcer_registry.py runs `dancecore live` with it."""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from adapters.announcers.base import Announcer
from adapters.announcers.registry import AnnouncerKind, BuildContext, Flag, register
from dancecore.stream.events import DanceEvent, SilenceEvent, TempoEvent
from dancecore.stream.settings import SettingsSection

EventKind = Literal["dance", "tempo", "silence"]


class EventLogConfig(SettingsSection):
    """Which events go to which file."""

    path: str | None = Field(None, description="append each event as a JSON line to this file; null: off")
    events: list[EventKind] = Field(default_factory=lambda: ["dance", "tempo", "silence"])


class EventLogAnnouncer(Announcer):
    """Appends `events` (event.to_dict(), one line each) to `path`; a last line {"event": "stopped"}."""

    name = "event log"

    def __init__(self, path: str, events: list[EventKind]) -> None:
        self.events = set(events)
        self.file = open(path, "a", encoding="utf-8")

    def dance(self, event: DanceEvent) -> None:
        self._log(event.to_dict())

    def tempo(self, event: TempoEvent) -> None:
        self._log(event.to_dict())

    def silence(self, event: SilenceEvent) -> None:
        self._log(event.to_dict())

    def stop(self) -> None:
        self.file.write(json.dumps({"event": "stopped"}) + "\n")

    def close(self) -> None:
        self.file.close()

    def _log(self, event: dict[str, Any]) -> None:
        if event["event"] in self.events:
            self.file.write(json.dumps(event) + "\n")
            self.file.flush()


def build(config: EventLogConfig, context: BuildContext) -> list[Announcer]:
    return [EventLogAnnouncer(config.path, config.events)] if config.path else []


register(AnnouncerKind("event_log", EventLogConfig, build, title="event log", flags=(
    Flag("--event-log", "path", "append each event as a JSON line to PATH", metavar="PATH"),
)))
