"""OSC over UDP (python-osc), one announcer per target.

Per dance: PREFIX/dance "<id>"; PREFIX/dance/<previous id> 0.0; PREFIX/dance/<id> 1.0;
PREFIX/confidence <0..1>; PREFIX/tempo <BPM>. One float path per dance lets desks that ignore
strings (QLC+) bind a button to each dance. Silence: PREFIX/dance/<current id> 0.0 and
PREFIX/silence 1.0; the next dance first sends PREFIX/silence 0.0.
"""
from __future__ import annotations

from pythonosc.udp_client import SimpleUDPClient

from adapters.announcers.base import Announcer
from adapters.events import DanceEvent, SilenceEvent


class OscAnnouncer(Announcer):
    """Sends the dance messages to one HOST:PORT. The address is resolved at the first send, so an
    unknown or unreachable host fails that send (and is retried at the next event), not the adapter."""

    def __init__(self, host: str, port: int, prefix: str = "/dancecore") -> None:
        self.host, self.port, self.prefix = host, port, prefix
        self.name = f"osc {host}:{port}"
        self._client: SimpleUDPClient | None = None
        self._previous: str | None = None
        self._silent = False

    def _send(self, path: str, value: str | float) -> None:
        if self._client is None:
            self._client = SimpleUDPClient(self.host, self.port)
        self._client.send_message(self.prefix + path, value)

    def dance(self, event: DanceEvent) -> None:
        if self._silent:
            self._send("/silence", 0.0)
            self._silent = False
        self._send("/dance", event.dance)
        if self._previous is not None and self._previous != event.dance:
            self._send(f"/dance/{self._previous}", 0.0)
        self._send(f"/dance/{event.dance}", 1.0)
        self._previous = event.dance
        self._send("/confidence", float(event.confidence))
        self._send("/tempo", float(event.tempo_bpm))

    def silence(self, event: SilenceEvent) -> None:
        if self._previous is not None:
            self._send(f"/dance/{self._previous}", 0.0)
        self._send("/silence", 1.0)
        self._silent = True
