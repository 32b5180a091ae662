"""The announcer interface and the fan-out that keeps one failing protocol from stopping the others."""
from __future__ import annotations

import logging
import queue
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Callable

from dancecore.stream.events import DanceEvent, Event, SilenceEvent, TempoEvent

if TYPE_CHECKING:
    from dancecore.classify import Classifier

log = logging.getLogger(__name__)


class Announcer(ABC):
    """Sends events out over one protocol. Called from the announcer's own thread, one call at a time;
    may raise on failure (the fan-out logs it and carries on).

    resend_s: seconds between re-sends of the current state (`resend`) while no event comes; None: never.
    problem: why the protocol is down right now, in a few words (the status line shows it); None when up.
    """

    name: str = "announcer"
    resend_s: float | None = None
    problem: str | None = None

    def open(self, classifier: Classifier) -> str | None:
        """The adapter's model is loaded and audio is about to flow: start what needs the model (the
        marquee's web app). Returns a line telling the user where to look, or None."""
        return None

    @abstractmethod
    def dance(self, event: DanceEvent) -> None:
        """A dance was called for the song (its first call, a revision, or a 'not sure' call)."""

    @abstractmethod
    def silence(self, event: SilenceEvent) -> None:
        """The music stopped."""

    def tempo(self, event: TempoEvent) -> None:
        """The called song's tempo or meter moved (same dance as its last call)."""

    def resend(self) -> None:
        """Send the current state again (a receiver started late learns it)."""

    def stop(self) -> None:
        """The adapter stops: turn off what this protocol turned on."""

    def close(self) -> None:
        """Release ports and threads."""


def deliver(announcer: Announcer, event: Event) -> None:
    """Call the announcer's method for the event's kind."""
    if isinstance(event, DanceEvent):
        announcer.dance(event)
    elif isinstance(event, TempoEvent):
        announcer.tempo(event)
    elif isinstance(event, SilenceEvent):
        announcer.silence(event)


class Announcers:
    """Hands every event to every announcer, each on a thread of its own, so neither the engine nor
    the other announcers ever wait on a slow network or a stuck MIDI port. Failures are logged once
    per announcer and counted in `failures`; the announcer is tried again at the next event. An
    announcer with `resend_s` gets `resend()` whenever that long passes without an event."""

    def __init__(self, announcers: list[Announcer]) -> None:
        self.announcers = announcers
        self.failures: dict[str, int] = {a.name: 0 for a in announcers}
        self._queues: list[queue.SimpleQueue[Event | None]] = []
        self._threads: list[threading.Thread] = []
        for announcer in announcers:
            lane: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
            thread = threading.Thread(target=self._run, args=(announcer, lane), daemon=True,
                                      name=f"dancecore-{announcer.name}")
            thread.start()
            self._queues.append(lane)
            self._threads.append(thread)

    def __call__(self, event: Event) -> None:
        """Queue an event for every announcer (returns at once)."""
        for lane in self._queues:
            lane.put(event)

    def problems(self) -> list[str]:
        """`NAME: PROBLEM` for each announcer that is down now."""
        return [f"{a.name}: {a.problem}" for a in self.announcers if a.problem]

    def _run(self, announcer: Announcer, lane: "queue.SimpleQueue[Event | None]") -> None:
        while True:
            try:
                event = lane.get(timeout=announcer.resend_s)
            except queue.Empty:
                self._guarded(announcer, announcer.resend)
                continue
            if event is None:
                self._guarded(announcer, announcer.stop)
                return
            self._guarded(announcer, lambda: deliver(announcer, event))

    def _guarded(self, announcer: Announcer, call: Callable[[], None]) -> None:
        try:
            call()
        except Exception as exc:  # any protocol failure: count it, keep going
            if self.failures[announcer.name] == 0:
                log.warning("%s failed: %s: %s (it keeps being tried)", announcer.name, type(exc).__name__, exc)
            self.failures[announcer.name] += 1

    def close(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued and let each announcer turn its outputs off (waiting at most
        `timeout_s` per announcer), then close them."""
        for lane in self._queues:
            lane.put(None)
        for thread in self._threads:
            thread.join(timeout_s)
        for announcer in self.announcers:
            try:
                announcer.close()
            except Exception as exc:  # closing a broken port must not keep the others open
                log.warning("closing %s failed: %s", announcer.name, exc)
