"""The marquee's event hub: the latest live event, and a queue per listening browser.

`publish` may be called from any thread (the live adapter's announcer thread, or the web server's
event loop for events POSTed by a separate `dancecore live --feed`). Each listener gets the current
state first, then every later event; a listener that falls behind loses its oldest events, never
the newest (the marquee only needs the latest).
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator

from dancecore.dances import DANCE_IDS

FEED_TOKEN_ENV = "DANCECORE_FEED_TOKEN"   # environment variable with the token for POSTing live events
LISTENER_QUEUE = 32           # events buffered per listener before the oldest are dropped
LIVE_EVENTS = ("dance", "silence", "stopped")
WAITING: dict[str, Any] = {"event": "waiting"}   # the state before any live event arrived


class EventError(ValueError):
    """A live event that is not a dict with a known `event` (and, for "dance", a known dance id)."""


def check_event(event: Any) -> dict[str, Any]:
    """The event if it is one the marquee understands, else EventError with a one-line reason."""
    if not isinstance(event, dict):
        raise EventError("a live event must be a JSON object")
    kind = event.get("event")
    if kind not in LIVE_EVENTS:
        raise EventError(f"unknown live event {kind!r}; expected one of {', '.join(LIVE_EVENTS)}")
    if kind == "dance" and event.get("dance") not in DANCE_IDS:
        raise EventError(f"a dance event needs \"dance\" set to one of {', '.join(DANCE_IDS)}, "
                         f"got {event.get('dance')!r}")
    return event


@dataclass(frozen=True)
class Published:
    """An event as sent to listeners: `seq` counts events since the hub started (0: the waiting state);
    `received` is the Unix time the hub got it."""

    seq: int
    event: dict[str, Any]
    received: float


class _Listener:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Published | None] = asyncio.Queue(maxsize=LISTENER_QUEUE)

    def offer(self, item: Published | None) -> None:
        """On the listener's loop: enqueue (None: the end), dropping the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(item)


class EventHub:
    """Latest live event plus fan-out to listeners on any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._latest = Published(0, WAITING, time.time())
        self._listeners: set[_Listener] = set()
        self._closed = False
        self.published = 0

    @property
    def latest(self) -> Published:
        """The most recent event (the waiting state before any)."""
        with self._lock:
            return self._latest

    @property
    def listeners(self) -> int:
        """Browsers (or other clients) listening now."""
        with self._lock:
            return len(self._listeners)

    def publish(self, event: dict[str, Any]) -> Published:
        """Check an event (EventError if malformed), keep it as the latest and send it to every listener.
        Thread-safe and non-blocking."""
        check_event(event)
        with self._lock:
            item = Published(next(self._seq), event, time.time())
            self._latest = item
            self.published += 1
            listeners = list(self._listeners)
        self._offer(listeners, item)
        return item

    def close(self) -> None:
        """End every listener's stream (the server is stopping: open streams would hold it up).
        Thread-safe; later `listen` calls give the current state and end."""
        with self._lock:
            self._closed = True
            listeners = list(self._listeners)
        self._offer(listeners, None)

    async def listen(self) -> AsyncIterator[Published]:
        """The current state, then each new event, until the caller stops iterating or the hub closes."""
        listener = _Listener(asyncio.get_running_loop())
        with self._lock:
            self._listeners.add(listener)
            first, closed = self._latest, self._closed
        try:
            yield first
            while not closed and (item := await listener.queue.get()) is not None:
                yield item
        finally:
            self._remove(listener)

    def _offer(self, listeners: list[_Listener], item: Published | None) -> None:
        for listener in listeners:
            try:
                listener.loop.call_soon_threadsafe(listener.offer, item)
            except RuntimeError:  # that listener's loop has closed: it is gone
                self._remove(listener)

    def _remove(self, listener: _Listener) -> None:
        with self._lock:
            self._listeners.discard(listener)
