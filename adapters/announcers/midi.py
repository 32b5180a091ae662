"""MIDI out (python-rtmidi): per dance a note (on, then off), a program change and/or a control
change; optionally a CC carrying confidence and MIDI clock (24 per beat) at the song's tempo.

Silence (the music stopped) sends the `silence` mapping (default: note 59) and, with the clock, Stop
(0xFC). When the adapter stops it sends the pending note offs, the `silence` mapping, All Notes Off
(CC 123) and, with the clock, Stop.

The port is a virtual output (`virtual: always`, or `auto` when no existing port matches) or an
existing port whose name contains `port`. Windows has no virtual ports: create one with loopMIDI
and give its name. A send that fails closes the port; the next event reopens it.

On JACK a watch (adapters.jack) notices the server going away, or the server dropping our port: the
port is then down (logged, shown on the status line, messages dropped rather than handed to a dead
client, where rtmidi would spin forever once its buffer is full) and is opened again as soon as a
JACK server answers, with the current dance sent again.

Section `midi`; flags --midi (midi.port), --midi-api, --midi-channel, --midi-clock. python-rtmidi is
imported where a port is opened.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from adapters.announcers.base import Announcer
from adapters.announcers.registry import AnnouncerKind, BuildContext, Flag, register
from adapters.devices import quiet_stderr
from adapters.jack import JackWatch, server_up
from dancecore.dances import DANCE_IDS, resolve
from dancecore.errors import DancecoreError
from dancecore.stream.events import DanceEvent, SilenceEvent, TempoEvent
from dancecore.stream.settings import SettingsSection

if TYPE_CHECKING:
    import rtmidi

log = logging.getLogger(__name__)

APIS = {"alsa": "API_LINUX_ALSA", "jack": "API_UNIX_JACK", "coremidi": "API_MACOSX_CORE",
        "winmm": "API_WINDOWS_MM"}      # midi.api -> the rtmidi constant's name
NOTE_ON, NOTE_OFF, CONTROL, PROGRAM = 0x90, 0x80, 0xB0, 0xC0
CLOCK, START, STOP = 0xF8, 0xFA, 0xFC
ALL_NOTES_OFF = 123
CLOCKS_PER_BEAT = 24
WATCH_S = 0.5        # how often the JACK watch is looked at, seconds
RECONNECT_S = 1.0    # how often a down JACK port tries to come back, seconds
SILENCE_NOTE = 59    # just below the dances' default notes 60-69


class MidiControl(SettingsSection):
    """A control change: controller number and value (0-127)."""

    number: int = Field(ge=0, le=127)
    value: int = Field(127, ge=0, le=127)


class MidiDance(SettingsSection):
    """What one dance sends: a note (on, then off), a program change and/or a control change."""

    note: int | None = Field(None, ge=0, le=127)
    program: int | None = Field(None, ge=0, le=127)
    control: MidiControl | None = None


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


class MidiError(DancecoreError):
    """A MIDI port that cannot be found or opened."""


def open_midi_out(config: MidiConfig, client_name: str = "dancecore") -> rtmidi.MidiOut:
    """An open MidiOut for `config.port` on the configured API (auto: the first that works here)."""
    import rtmidi

    if config.port is None:
        raise MidiError("no MIDI port configured; set midi.port or --midi NAME")
    apis = [getattr(rtmidi, APIS[config.api])] if config.api != "auto" else list(rtmidi.get_compiled_api())
    problems = []
    for api in apis:
        try:
            with quiet_stderr():  # ALSA/JACK print their own errors when they are absent
                out = rtmidi.MidiOut(api, name=client_name)
        except rtmidi.SystemError:
            problems.append(f"{rtmidi.get_api_name(api)} unavailable")
            continue
        try:
            _open_port(out, api, config.port, config.virtual)
        except MidiError:
            out.delete()
            if config.api != "auto" or api == apis[-1]:
                raise
            continue
        return out
    raise MidiError(f"no MIDI system available ({'; '.join(problems)}); on Linux start JACK or load "
                    "snd-seq, or set midi.api")


def _open_port(out: rtmidi.MidiOut, api: int, port: str, virtual: str) -> None:
    """Open the existing port whose name contains `port`, or a virtual port of that name."""
    import rtmidi

    ports = out.get_ports()
    matches = [i for i, name in enumerate(ports) if port.lower() in name.lower()]
    if virtual != "always" and matches:
        out.open_port(matches[0], name=port)
        return
    if virtual == "never":
        raise MidiError(f"no MIDI port named {port!r}; ports: {', '.join(ports) or 'none'}")
    if api == rtmidi.API_WINDOWS_MM or sys.platform == "win32":
        raise MidiError(f"Windows has no virtual MIDI ports: create {port!r} with loopMIDI "
                        "(see docs/LIVE.md) and start again")
    try:
        out.open_virtual_port(port)
    except (rtmidi.SystemError, NotImplementedError) as exc:
        raise MidiError(f"cannot create virtual MIDI port {port!r} on {rtmidi.get_api_name(api)}: {exc}") from None


class MidiAnnouncer(Announcer):
    """Sends each dance's mapping on `config.channel`; opens the port at once (a clear error if it
    cannot). Off JACK a failed send closes the port and the next send reopens it; on JACK a watch
    thread takes the port down and back up with the server (see the module's docstring)."""

    def __init__(self, config: MidiConfig) -> None:
        import rtmidi

        self.config = config
        self.name = f"midi {config.port}"
        self.channel = config.channel - 1
        self.dropped = 0               # messages not sent while the port was down
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._bpm = 0.0                # the clock's tempo; 0: stopped
        self._current: DanceEvent | None = None   # the song's call, sent again after a reconnection
        self._clock: threading.Thread | None = None
        self._timers: list[threading.Timer] = []
        self._watch: JackWatch | None = None
        self.jack_port: str | None = None         # our JACK port ("client:port"), when on JACK and found
        self._out: rtmidi.MidiOut | None = self._open()
        self._watcher: threading.Thread | None = None
        if self._out.get_current_api() == rtmidi.API_UNIX_JACK:
            if self._watch is None:
                log.warning("%s: libjack not found, so a JACK restart goes unnoticed and MIDI does not come "
                            "back; restart dancecore live after restarting JACK", self.name)
            else:
                self._watcher = threading.Thread(target=self._supervise, name="dancecore-midi-watch", daemon=True)
                self._watcher.start()

    def _open(self) -> rtmidi.MidiOut:
        """Open the port; when it is on JACK, also the watch of its server (self._watch, self.jack_port)."""
        import rtmidi

        port = self.config.port or ""
        watch = None
        if self.config.api in ("auto", "jack"):
            try:
                watch = JackWatch()
            except OSError:
                watch = None        # no JACK server (or no libjack): nothing to watch
        before = watch.midi_outputs(port) if watch is not None else set()
        try:
            out = open_midi_out(self.config)
        except BaseException:
            if watch is not None:
                watch.close()
            raise
        if watch is not None and out.get_current_api() != rtmidi.API_UNIX_JACK:
            watch.close()
            watch = None
        if watch is not None:
            new = watch.midi_outputs(port) - before
            self.jack_port = new.pop() if len(new) == 1 else None
        self._watch = watch
        return out

    # ---------------------------------------------------------------- events

    def dance(self, event: DanceEvent) -> None:
        self._current = None if event.not_sure else event
        if not event.not_sure:
            self._send_call(event)
        if self.config.clock:
            self._start_clock(event.tempo_bpm)

    def tempo(self, event: TempoEvent) -> None:
        if self.config.clock:
            self._start_clock(event.tempo_bpm)   # a running clock takes the new tempo at its next tick

    def silence(self, event: SilenceEvent) -> None:
        self._current = None
        self._stop_clock()
        self._send_mapping(self.config.silence)

    def stop(self) -> None:
        self._current = None
        self._flush_note_offs()
        self._stop_clock()
        self._send_mapping(self.config.silence, note_off_now=True)
        self._send([CONTROL | self.channel, ALL_NOTES_OFF, 0])

    # ---------------------------------------------------------------- sending

    def _send(self, message: list[int]) -> None:
        with self._lock:
            if self._out is None:
                if self._watcher is not None:     # JACK down: the watch thread brings it back
                    self.dropped += 1
                    return
                self._out = open_midi_out(self.config)
            try:
                self._out.send_message(message)
            except Exception:  # a port that vanished: reopen at the next send
                self._out.delete()
                self._out = None
                raise

    def _send_call(self, event: DanceEvent) -> None:
        """The dance's mapping with the confidence CC before its note."""
        confidence = ([[CONTROL | self.channel, self.config.confidence_cc, round(127 * event.confidence)]]
                      if self.config.confidence_cc is not None else [])
        self._send_mapping(self.config.dances.get(event.dance), before_note=confidence)

    def _send_mapping(self, mapping: MidiDance | None, note_off_now: bool = False,
                      before_note: list[list[int]] | None = None) -> None:
        """A dance's (or silence's) program change, control change, `before_note` and note on (its note
        off `note_length_s` later, or at once)."""
        messages = []
        if mapping is not None and mapping.program is not None:
            messages.append([PROGRAM | self.channel, mapping.program])
        if mapping is not None and mapping.control is not None:
            messages.append([CONTROL | self.channel, mapping.control.number, mapping.control.value])
        for message in messages + (before_note or []):
            self._send(message)
        if mapping is not None and mapping.note is not None:
            self._send([NOTE_ON | self.channel, mapping.note, self.config.velocity])
            if note_off_now:
                self._note_off(mapping.note)
            else:
                self._note_off_later(mapping.note)

    def _note_off_later(self, note: int) -> None:
        timer = threading.Timer(self.config.note_length_s, self._note_off, args=(note,))
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def _note_off(self, note: int) -> None:
        try:
            self._send([NOTE_OFF | self.channel, note, 0])
        except Exception as exc:  # runs on a timer thread: log, never raise into nowhere
            log.warning("%s: note off failed: %s", self.name, exc)

    def _flush_note_offs(self) -> None:
        """Send the note offs still waiting on their timers now."""
        for timer in self._timers:
            if timer.is_alive():
                timer.cancel()
                self._note_off(timer.args[0])
        self._timers = []

    # ---------------------------------------------------------------- clock

    def _start_clock(self, bpm: float) -> None:
        if bpm <= 0:
            return
        if self._bpm <= 0:
            self._send([START])
        self._bpm = bpm
        if self._clock is None:
            self._clock = threading.Thread(target=self._run_clock, name="dancecore-midi-clock", daemon=True)
            self._clock.start()

    def _stop_clock(self) -> None:
        if self.config.clock and self._bpm > 0:
            self._bpm = 0.0
            self._send([STOP])

    def _run_clock(self) -> None:
        """24 clock messages per beat at the current tempo, on a drift-free schedule."""
        due = time.perf_counter()
        while not self._stop.is_set():
            bpm = self._bpm
            if bpm <= 0:
                self._stop.wait(0.05)
                due = time.perf_counter()
                continue
            due += 60.0 / (bpm * CLOCKS_PER_BEAT)
            delay = due - time.perf_counter()
            if delay > 0 and self._stop.wait(delay):
                break
            if delay < -0.1:
                due = time.perf_counter()  # fell behind (machine busy): resynchronise, do not burst
            try:
                self._send([CLOCK])
            except Exception as exc:
                log.debug("%s: clock send failed: %s", self.name, exc)

    # ---------------------------------------------------------------- JACK watch

    def _supervise(self) -> None:
        """Take the port down when its JACK server (or our port in it) goes away; bring it back."""
        while not self._stop.wait(WATCH_S if self.problem is None else RECONNECT_S):
            if self.problem is None:
                watch = self._watch
                if watch is None or (not watch.gone.is_set()
                                     and (self.jack_port is None or watch.has_port(self.jack_port))):
                    continue
                self._down("the JACK server went away" if watch.gone.is_set() else "JACK dropped our port")
            elif server_up():
                self._reconnect()

    def _down(self, reason: str) -> None:
        with self._lock:
            out, self._out = self._out, None
            watch, self._watch = self._watch, None
            self.problem = f"down ({reason}); reconnecting"
        log.warning("%s: MIDI down: %s; it reconnects when JACK is back", self.name, reason)
        with quiet_stderr():      # the dead client complains on stderr while it is closed
            if out is not None:
                out.delete()
        if watch is not None:
            watch.close()

    def _reconnect(self) -> None:
        try:
            out = self._open()
        except Exception as exc:  # JACK half up, port name taken, ...: the next try may work
            log.debug("%s: reconnection failed: %s", self.name, exc)
            return
        with self._lock:
            self._out = out
            self.problem = None
        log.warning("%s: MIDI reconnected to JACK (%d message(s) dropped while down)", self.name, self.dropped)
        if self.config.clock and self._bpm > 0:
            self._send([START])        # the clock thread goes on ticking at the song's tempo
        current = self._current
        if current is not None:
            self._send_call(current)

    def close(self) -> None:
        self._stop.set()
        self._flush_note_offs()
        for thread in (self._clock, self._watcher):
            if thread is not None:
                thread.join(timeout=2)
        with self._lock:
            out, self._out = self._out, None
            watch, self._watch = self._watch, None
        if out is not None:
            out.close_port()
            out.delete()
        if watch is not None:
            watch.close()


def build(config: MidiConfig, context: BuildContext) -> list[Announcer]:
    """The MIDI announcer when a port is set (it opens the port: a clear error when it cannot)."""
    return [MidiAnnouncer(config)] if config.port is not None else []


register(AnnouncerKind("midi", MidiConfig, build, title="MIDI", flags=(
    Flag("--midi", "port", "MIDI out: a virtual port of that name, or an existing port containing it", metavar="PORT"),
    Flag("--midi-api", "api", "MIDI system", choices=["auto", *APIS]),
    Flag("--midi-channel", "channel", "MIDI channel 1-16", type=int, metavar="N"),
    Flag("--midi-clock", "clock", "send MIDI clock at the detected tempo", action="store_const", const=True),
)))
