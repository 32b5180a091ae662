"""Console: one line per event with a time stamp (text or JSON), and optionally a spoken
announcement through the system's text-to-speech (espeak-ng/espeak on Linux, say on macOS,
SAPI through PowerShell on Windows). Section `console`; flags --json, --speak, --quiet."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from typing import Callable

from pydantic import ConfigDict, Field

from adapters.announcers.base import Announcer
from adapters.announcers.registry import AnnouncerKind, BuildContext, Flag, register
from dancecore.dances import BY_ID
from dancecore.errors import ConfigError
from dancecore.stream.events import DanceEvent, SilenceEvent, TempoEvent
from dancecore.stream.settings import SettingsSection

_WINDOWS_SAPI = ["powershell", "-NoProfile", "-Command",
                 "Add-Type -AssemblyName System.Speech; "
                 "(New-Object System.Speech.Synthesis.SpeechSynthesizer).Speak('{text}')"]


def default_speak_command() -> list[str] | None:
    """The text-to-speech command of this system with a {text} placeholder, or None."""
    for program in ("espeak-ng", "espeak"):
        if shutil.which(program):
            return [program, "{text}"]
    if sys.platform == "darwin" and shutil.which("say"):
        return ["say", "{text}"]
    if sys.platform == "win32" and shutil.which("powershell"):
        return _WINDOWS_SAPI
    return None


def _stamp(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time).strftime("%H:%M:%S")


def format_dance(event: DanceEvent) -> str:
    """`20:14:03  Quickstep       87%  tempo 200 BPM = 50 bars/min  (song 2, 6.4 s in)`; a 'not sure'
    call: `20:14:03  not sure        41%  tempo ...  (song 2, 12.0 s in; REASON)`."""
    r = event.result
    what = "not sure" if event.not_sure else BY_ID[r.dance].name
    note = (f"; {r.not_sure_reason}" if event.not_sure and r.not_sure_reason else "") + (
        ", revised" if event.revised else "")
    return (f"{_stamp(event.wall_time)}  {what:<15} {100 * r.confidence:3.0f}%  tempo {r.tempo_bpm:.0f} BPM = "
            f"{r.tempo_mpm:.0f} bars/min  (song {event.song}, {event.since_song_start_s:.1f} s in{note})")


def format_tempo(event: TempoEvent) -> str:
    """`20:14:40    tempo 176 BPM = 44 bars/min  (song 2)`."""
    r = event.result
    return f"{_stamp(event.wall_time)}    tempo {r.tempo_bpm:.0f} BPM = {r.tempo_mpm:.0f} bars/min  (song {event.song})"


def format_silence(event: SilenceEvent) -> str:
    """`20:17:12  -- silence --` (or talk, input lost)."""
    return f"{_stamp(event.wall_time)}  -- {event.reason} --"


def print_line(line: str) -> None:
    """Write one line to stdout at once (a pipe reader gets whole lines)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class ConsoleAnnouncer(Announcer):
    """One line per event through `write` (default: stdout; the status line passes its own, which keeps
    the line above it). JSON lines are never wrapped: one event, one line."""

    name = "console"

    def __init__(self, json_lines: bool = False, speak: bool = False, speak_command: list[str] | None = None,
                 speak_template: str = "Next dance: {dance}", write: Callable[[str], None] | None = None) -> None:
        self.json_lines = json_lines
        self.write = write or print_line
        self.speak_template = speak_template
        self.speak_command = (speak_command or default_speak_command()) if speak else None
        if speak and self.speak_command is None:
            raise ConfigError("console.speak needs a text-to-speech program: install espeak-ng "
                              "or set console.speak_command")
        self._speaking: subprocess.Popen[bytes] | None = None

    def dance(self, event: DanceEvent) -> None:
        self.write(json.dumps(event.to_dict()) if self.json_lines else format_dance(event))
        if self.speak_command is not None and not event.not_sure:
            self.say(self.speak_template.format(dance=BY_ID[event.dance].name))

    def tempo(self, event: TempoEvent) -> None:
        self.write(json.dumps(event.to_dict()) if self.json_lines else format_tempo(event))

    def silence(self, event: SilenceEvent) -> None:
        self.write(json.dumps(event.to_dict()) if self.json_lines else format_silence(event))

    def say(self, text: str) -> None:
        """Start speaking `text` without waiting; a still-running previous announcement is cut off."""
        if self.speak_command is None:
            return
        if self._speaking is not None and self._speaking.poll() is None:
            self._speaking.terminate()
        command = [part.replace("{text}", text) for part in self.speak_command]
        self._speaking = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)

    def close(self) -> None:
        if self._speaking is not None:
            try:
                self._speaking.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._speaking.terminate()


class ConsoleConfig(SettingsSection):
    """Console lines (text or JSON) and spoken announcements."""

    enabled: bool = True
    json_lines: bool = Field(False, alias="json")
    speak: bool = False
    speak_command: list[str] | None = Field(
        None, description="command with a {text} argument; null: espeak-ng, espeak, say or Windows SAPI")
    speak_template: str = "Next dance: {dance}"

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)


def build(config: ConsoleConfig, context: BuildContext) -> list[Announcer]:
    """The console announcer, unless the console is off."""
    if not config.enabled:
        return []
    return [ConsoleAnnouncer(config.json_lines, config.speak, config.speak_command, config.speak_template,
                             context.write)]


register(AnnouncerKind("console", ConsoleConfig, build, title="console and speech", flags=(
    Flag("--json", "json", "print events as JSON lines (classify's schema + live fields)",
         action="store_const", const=True),
    Flag("--speak", "speak", "say each dance through text-to-speech (espeak-ng)", action="store_const", const=True),
    Flag("--quiet", "enabled", "print no event lines", action="store_const", const=False),
)))
