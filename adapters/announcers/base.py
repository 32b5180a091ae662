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
    """Calls every announcer for each event on a thread of its own, so the engine never waits on a
    network or a MIDI port. Failures are logged once per announcer and counted in `failures`."""

    def __init__(self, announcers: list[Announcer]) -> None:
        self.announcers = announcers
        self.failures: dict[str, int] = {a.name: 0 for a in announcers}
        self.delivered = 0
        self._queue: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="dancecore-announce", daemon=True)
        self._thread.start()

    def __call__(self, event: Event) -> None:
        """Queue an event (returns at once)."""
        self._queue.put(event)

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            for announcer in self.announcers:
                try:
                    if isinstance(event, DanceEvent):
                        announcer.dance(event)
                    else:
                        announcer.silence(event)
                except Exception as exc:  # any protocol failure: count it, keep the others going
                    if self.failures[announcer.name] == 0:
                        log.warning("%s failed: %s: %s (it keeps being tried)", announcer.name, type(exc).__name__, exc)
                    self.failures[announcer.name] += 1
            self.delivered += 1

    def close(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued, then close every announcer."""
        self._queue.put(None)
        self._thread.join(timeout_s)
        for announcer in self.announcers:
            try:
                announcer.close()
            except Exception as exc:  # closing a broken port must not hide the others' closing
                log.warning("closing %s failed: %s", announcer.name, exc)
