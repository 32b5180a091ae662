"""OSC over UDP (python-osc), one announcer per target.

Every value a desk binds is a float, and every float but the raw tempo is 0..1 (QLC+ ignores strings
and scales 0..1 to its 0..255):

- a call: PREFIX/silence 0.0 (after silence); PREFIX/dance "<id>"; PREFIX/dance/<previous id> 0.0;
  PREFIX/dance/<id> 1.0; then the song values: PREFIX/confidence 0..1, PREFIX/tempo BPM,
  PREFIX/tempo/normalized BPM / tempo_max_bpm (clipped to 0..1);
- a 'not sure' call: no dance (the previous dance's path goes to 0.0), the song values;
- a tempo update: PREFIX/tempo and PREFIX/tempo/normalized;
- silence: PREFIX/dance/<current id> 0.0, PREFIX/silence 1.0;
- every `resend_s` without an event: the current state again (the dance's two messages and the song
  values, or PREFIX/silence 1.0);
- stop: every float address the adapter set goes to 0.0.

Section `osc`; flags --osc (repeated: osc.targets) and --osc-prefix.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from adapters.announcers.base import Announcer
from adapters.announcers.registry import AnnouncerKind, BuildContext, Flag, register
from adapters.config import parse_host_port
from dancecore.stream.events import DanceEvent, SilenceEvent, SongEvent, TempoEvent
from dancecore.stream.settings import SettingsSection

if TYPE_CHECKING:
    from pythonosc.udp_client import SimpleUDPClient


class OscAnnouncer(Announcer):
    """Sends the messages to one HOST:PORT. The address is resolved at the first send, so an
    unknown or unreachable host fails that send (and is retried at the next event), not the adapter.
    resend_s: re-send the current state this often (None or 0: never); tempo_max_bpm: the BPM that
    PREFIX/tempo/normalized calls 1.0."""

    def __init__(self, host: str, port: int, prefix: str = "/dancecore", resend_s: float | None = None,
                 tempo_max_bpm: float = 300.0) -> None:
        from pythonosc.udp_client import (
            SimpleUDPClient,  # python-osc only where OSC is used
        )

        self._client_class = SimpleUDPClient
        self.host, self.port, self.prefix = host, port, prefix
        self.name = f"osc {host}:{port}"
        self.resend_s = resend_s or None
        self.tempo_max_bpm = tempo_max_bpm
        self._client: SimpleUDPClient | None = None
        self._dance: str | None = None          # the dance whose path is at 1.0
        self._song: SongEvent | None = None     # the last call or tempo update of the current song
        self._silent = False

    def _send(self, path: str, value: str | float) -> None:
        try:
            if self._client is None:
                self._client = self._client_class(self.host, self.port)
            self._client.send_message(self.prefix + path, value)
        except OSError as exc:      # unknown host, no route: shown on the status line until a send works
            self.problem = f"down ({getattr(exc, 'strerror', None) or exc})"
            raise
        self.problem = None

    def dance(self, event: DanceEvent) -> None:
        if self._silent:
            self._send("/silence", 0.0)
            self._silent = False
        if not event.not_sure:
            self._send("/dance", event.dance)
        if self._dance is not None and (event.not_sure or self._dance != event.dance):
            self._send(f"/dance/{self._dance}", 0.0)
        self._dance = None if event.not_sure else event.dance
        if self._dance is not None:
            self._send(f"/dance/{self._dance}", 1.0)
        self._song = event
        self._send_song_values(event)

    def tempo(self, event: TempoEvent) -> None:
        self._song = event
        self._send_tempo(event)

    def silence(self, event: SilenceEvent) -> None:
        if self._dance is not None:
            self._send(f"/dance/{self._dance}", 0.0)
        self._send("/silence", 1.0)
        self._dance, self._song, self._silent = None, None, True

    def resend(self) -> None:
        if self._silent:
            self._send("/silence", 1.0)
        if self._dance is not None:
            self._send("/dance", self._dance)
            self._send(f"/dance/{self._dance}", 1.0)
        if self._song is not None:
            self._send_song_values(self._song)

    def stop(self) -> None:
        if self._client is None:
            return               # nothing was ever sent
        if self._dance is not None:
            self._send(f"/dance/{self._dance}", 0.0)
        for path in ("/confidence", "/tempo", "/tempo/normalized", "/silence"):
            self._send(path, 0.0)
        self._dance, self._song, self._silent = None, None, False

    def _send_song_values(self, event: SongEvent) -> None:
        self._send("/confidence", float(event.confidence))
        self._send_tempo(event)

    def _send_tempo(self, event: SongEvent) -> None:
        self._send("/tempo", float(event.tempo_bpm))
        self._send("/tempo/normalized", min(1.0, max(0.0, float(event.tempo_bpm) / self.tempo_max_bpm)))


class OscConfig(SettingsSection):
    """OSC over UDP: every target gets every message."""

    targets: list[str] = Field(default_factory=list, description="HOST:PORT of each receiver")
    prefix: str = "/dancecore"
    resend_s: float = Field(5.0, ge=0, description="re-send the current state this often, seconds (a desk started "
                            "late learns it); 0: never")
    tempo_max_bpm: float = Field(300.0, gt=0, description="PREFIX/tempo/normalized = BPM / this (clipped to 0..1)")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for target in value:
            parse_host_port(target)
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value.startswith("/") or value.endswith("/") or " " in value:
            raise ValueError("must start with '/', not end with '/' and hold no spaces, e.g. /dancecore")
        return value


def build(config: OscConfig, context: BuildContext) -> list[Announcer]:
    """One announcer per target (none without targets)."""
    return [OscAnnouncer(*parse_host_port(target), config.prefix, config.resend_s, config.tempo_max_bpm)
            for target in config.targets]


register(AnnouncerKind("osc", OscConfig, build, title="OSC", flags=(
    Flag("--osc", "targets", "send OSC there (repeat for several targets)", action="append", metavar="HOST:PORT"),
    Flag("--osc-prefix", "prefix", "OSC address prefix (default /dancecore)", metavar="PATH"),
)))
