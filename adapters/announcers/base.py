"""The announcer interface and the fan-out that keeps one failing protocol from stopping the others."""
from __future__ import annotations

import logging
import queue
import threading
from abc import ABC, abstractmethod

from adapters.events import DanceEvent, Event, SilenceEvent

log = logging.getLogger(__name__)


class Announcer(ABC):
    """Sends events out over one protocol. Called from the announcer thread, one event at a time;
    may raise on failure (the fan-out logs it and carries on)."""

    name: str = "announcer"

    @abstractmethod
    def dance(self, event: DanceEvent) -> None:
        """A dance was announced (new song, or a revision)."""

    @abstractmethod
    def silence(self, event: SilenceEvent) -> None:
        """The music stopped."""

    def close(self) -> None:
        """Release ports and threads."""


class Announcers:
    """Hands every event to every announcer, each on a thread of its own, so neither the engine nor
    the other announcers ever wait on a slow network or a stuck MIDI port. Failures are logged once
    per announcer and counted in `failures`; the announcer is tried again at the next event."""

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

    def _run(self, announcer: Announcer, lane: "queue.SimpleQueue[Event | None]") -> None:
        while (event := lane.get()) is not None:
            try:
                if isinstance(event, DanceEvent):
                    announcer.dance(event)
                elif isinstance(event, SilenceEvent):
                    announcer.silence(event)
            except Exception as exc:  # any protocol failure: count it, keep going
                if self.failures[announcer.name] == 0:
                    log.warning("%s failed: %s: %s (it keeps being tried)", announcer.name, type(exc).__name__, exc)
                self.failures[announcer.name] += 1

    def close(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued (waiting at most `timeout_s` per announcer), then close them."""
        for lane in self._queues:
            lane.put(None)
        for thread in self._threads:
            thread.join(timeout_s)
        for announcer in self.announcers:
            try:
                announcer.close()
            except Exception as exc:  # closing a broken port must not keep the others open
                log.warning("closing %s failed: %s", announcer.name, exc)
