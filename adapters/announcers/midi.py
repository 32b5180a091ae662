"""MIDI out (python-rtmidi): per dance a note (on, then off), a program change and/or a control
change; optionally a CC carrying confidence and MIDI clock (24 per beat) at the detected tempo.

The port is a virtual output (`virtual: always`, or `auto` when no existing port matches) or an
existing port whose name contains `port`. Windows has no virtual ports: create one with loopMIDI
and give its name. A send that fails closes the port; the next event reopens it.
"""
from __future__ import annotations

import logging
import sys
import threading
import time

import rtmidi

from adapters.announcers.base import Announcer
from adapters.config import MidiConfig
from adapters.devices import quiet_stderr
from adapters.events import DanceEvent, SilenceEvent
from dancecore.errors import DancecoreError

log = logging.getLogger(__name__)

APIS = {"alsa": rtmidi.API_LINUX_ALSA, "jack": rtmidi.API_UNIX_JACK, "coremidi": rtmidi.API_MACOSX_CORE,
        "winmm": rtmidi.API_WINDOWS_MM}
NOTE_ON, NOTE_OFF, CONTROL, PROGRAM = 0x90, 0x80, 0xB0, 0xC0
CLOCK, START, STOP = 0xF8, 0xFA, 0xFC
CLOCKS_PER_BEAT = 24


class MidiError(DancecoreError):
    """A MIDI port that cannot be found or opened."""


def open_midi_out(config: MidiConfig, client_name: str = "dancecore") -> rtmidi.MidiOut:
    """An open MidiOut for `config.port` on the configured API (auto: the first that works here)."""
    if config.port is None:
        raise MidiError("no MIDI port configured; set midi.port or --midi NAME")
    apis = [APIS[config.api]] if config.api != "auto" else list(rtmidi.get_compiled_api())
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
    cannot) and reopens it after a failure."""

    def __init__(self, config: MidiConfig) -> None:
        self.config = config
        self.name = f"midi {config.port}"
        self.channel = config.channel - 1
        self._lock = threading.Lock()
        self._out: rtmidi.MidiOut | None = open_midi_out(config)
        self._bpm = 0.0
        self._stop = threading.Event()
        self._clock: threading.Thread | None = None
        self._timers: list[threading.Timer] = []

    def _send(self, message: list[int]) -> None:
        with self._lock:
            if self._out is None:
                self._out = open_midi_out(self.config)
            try:
                self._out.send_message(message)
            except Exception:  # a port that vanished: reopen at the next send
                self._out.delete()
                self._out = None
                raise

    def dance(self, event: DanceEvent) -> None:
        mapping = self.config.dances.get(event.dance)
        if mapping is not None and mapping.program is not None:
            self._send([PROGRAM | self.channel, mapping.program])
        if mapping is not None and mapping.control is not None:
            self._send([CONTROL | self.channel, mapping.control.number, mapping.control.value])
        if self.config.confidence_cc is not None:
            self._send([CONTROL | self.channel, self.config.confidence_cc, round(127 * event.confidence)])
        if mapping is not None and mapping.note is not None:
            self._send([NOTE_ON | self.channel, mapping.note, self.config.velocity])
            self._note_off_later(mapping.note)
        if self.config.clock:
            self._start_clock(event.tempo_bpm)

    def silence(self, event: SilenceEvent) -> None:
        if self.config.clock and self._bpm > 0:
            self._bpm = 0.0
            self._send([STOP])

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

    def _start_clock(self, bpm: float) -> None:
        if bpm <= 0:
            return
        if self._bpm <= 0:
            self._send([START])
        self._bpm = bpm
        if self._clock is None:
            self._clock = threading.Thread(target=self._run_clock, name="dancecore-midi-clock", daemon=True)
            self._clock.start()

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

    def close(self) -> None:
        self._stop.set()
        for timer in self._timers:
            if timer.is_alive():
                timer.cancel()
                self._note_off(timer.args[0])
        if self._clock is not None:
            self._clock.join(timeout=2)
        with self._lock:
            if self._out is not None:
                self._out.close_port()
                self._out.delete()
                self._out = None
