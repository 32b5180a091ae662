"""Console: one line per event with a time stamp (text or JSON), and optionally a spoken
announcement through the system's text-to-speech (espeak-ng/espeak on Linux, say on macOS,
SAPI through PowerShell on Windows)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime

from adapters.announcers.base import Announcer
from adapters.events import DanceEvent, SilenceEvent
from dancecore.dances import BY_ID
from dancecore.errors import ConfigError

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


def format_dance(event: DanceEvent) -> str:
    """`20:14:03  Quickstep       87%  tempo 200 BPM = 50 bars/min  (song 2, 6.4 s in)`."""
    r = event.result
    stamp = datetime.fromtimestamp(event.wall_time).strftime("%H:%M:%S")
    note = ", revised" if event.revised else ""
    return (f"{stamp}  {BY_ID[r.dance].name:<15} {100 * r.confidence:3.0f}%  tempo {r.tempo_bpm:.0f} BPM = "
            f"{r.tempo_mpm:.0f} bars/min  (song {event.song}, {event.since_song_start_s:.1f} s in{note})")


def format_silence(event: SilenceEvent) -> str:
    return f"{datetime.fromtimestamp(event.wall_time).strftime('%H:%M:%S')}  -- silence --"


class ConsoleAnnouncer(Announcer):
    """Prints to the current sys.stdout (so a live status display can keep it above itself)."""

    name = "console"

    def __init__(self, json_lines: bool = False, speak: bool = False, speak_command: list[str] | None = None,
                 speak_template: str = "Next dance: {dance}") -> None:
        self.json_lines = json_lines
        self.speak_template = speak_template
        self.speak_command = (speak_command or default_speak_command()) if speak else None
        if speak and self.speak_command is None:
            raise ConfigError("console.speak needs a text-to-speech program: install espeak-ng "
                              "or set console.speak_command")
        self._speaking: subprocess.Popen[bytes] | None = None

    def dance(self, event: DanceEvent) -> None:
        print(json.dumps(event.to_dict()) if self.json_lines else format_dance(event), file=sys.stdout, flush=True)
        if self.speak_command is not None:
            self.say(self.speak_template.format(dance=BY_ID[event.dance].name))

    def silence(self, event: SilenceEvent) -> None:
        print(json.dumps(event.to_dict()) if self.json_lines else format_silence(event), file=sys.stdout, flush=True)

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
