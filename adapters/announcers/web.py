"""The web marquee: each event goes to the EventHub behind /marquee, either in this process
(`dancecore live --serve HOST:PORT` runs the web app on a background thread) or over HTTP to a
running `dancecore serve` (`dancecore live --feed URL` POSTs to URL/api/live/events). Either way
the server's hub fans it out to the browsers. When the adapter stops the marquee says so.

Section `web`; flags --serve, --feed, --feed-token.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from adapters.announcers.base import Announcer
from adapters.announcers.registry import AnnouncerKind, BuildContext, Flag, register
from adapters.config import parse_host_port
from dancecore.errors import ConfigError
from dancecore.stream.events import DanceEvent, SilenceEvent, TempoEvent
from dancecore.stream.settings import SettingsSection
from dancecore.web.events import FEED_TOKEN_ENV, EventHub

if TYPE_CHECKING:
    from dancecore.classify import Classifier

EVENTS_PATH = "/api/live/events"
FEED_TIMEOUT_S = 3.0   # longest wait for the server per event (the announcer thread waits meanwhile)


def feed_url(text: str) -> str:
    """The events endpoint for --feed: a server's base URL ("http://host:8000") or the endpoint itself."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{text!r} is not the URL of a running `dancecore serve`; "
                          "give e.g. http://127.0.0.1:8000")
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


class WebAnnouncer(Announcer):
    """Puts each event on the marquee: into `hub` (same process; `server`, a bound but not yet started
    dancecore.web.server.WebServer, then serves the web app around it once `start` is called), or as
    an HTTP POST of the event's JSON to `url`. token: the server's feed token (sent as a bearer token,
    or required by the server this announcer starts)."""

    def __init__(self, hub: EventHub | None = None, url: str | None = None, token: str | None = None,
                 server: Any = None, timeout_s: float = FEED_TIMEOUT_S) -> None:
        if (hub is None) == (url is None):
            raise ValueError("give either an EventHub or a server URL")
        if server is not None and hub is None:
            raise ValueError("only an announcer with an EventHub can serve the marquee itself")
        self.hub = hub
        self.url = feed_url(url) if url is not None else None
        self.token = token
        self.server = server
        self.timeout_s = timeout_s
        self.name = f"web feed {self.url}" if self.url else "web marquee"
        self._revised = False       # the current song's call was a revision

    def start(self, classifier: Classifier) -> str:
        """Serve the web app (upload page, API, marquee) around this announcer's hub on a background
        thread of this process; returns its base URL. `close` stops it."""
        from dancecore.web.app import create_app

        self.server.start(create_app(classifier, hub=self.hub, feed_token=self.token))
        return self.server.url

    def open(self, classifier: Classifier) -> str | None:
        """Serve the marquee when this announcer has a server (`--serve`); where to find it."""
        return f"marquee at {self.start(classifier)}/marquee" if self.server is not None else None

    def dance(self, event: DanceEvent) -> None:
        self._revised = event.revised
        self.send(event.to_dict())

    def tempo(self, event: TempoEvent) -> None:
        """The marquee shows the song's call again with the new tempo and meter (as a dance event, which
        every marquee server takes)."""
        self.send({**event.to_dict(), "event": "dance", "revised": self._revised})

    def silence(self, event: SilenceEvent) -> None:
        self.send(event.to_dict())

    def close(self) -> None:
        """Tell the marquee the adapter stopped, then stop a server this announcer started."""
        try:
            self.send({"event": "stopped", "time": datetime.now().astimezone().isoformat(timespec="milliseconds")})
        finally:
            if self.server is not None:
                self.server.stop()

    def send(self, event: dict[str, Any]) -> None:
        """Publish one event dict; raises ConnectionError (one line) when the server cannot take it."""
        if self.hub is not None:
            self.hub.publish(event)
            return
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=json.dumps(event).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            self.problem = f"refused (HTTP {exc.code})"
            raise ConnectionError(f"{self.url} answered HTTP {exc.code}: {_message(exc)}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            self.problem = f"down ({reason})"
            raise ConnectionError(f"cannot reach {self.url} ({reason}); is `dancecore serve` running?") from None
        self.problem = None


def web_announcers(serve: str | None, feed: str | None, token: str | None = None) -> list[WebAnnouncer]:
    """The announcers for `dancecore live --serve HOST:PORT` (its port is taken at once, so a busy
    port fails before the model loads) and `--feed URL`; ConfigError for a bad flag. The --serve one
    serves the web app once `open` gets the adapter's classifier. token: the server's feed token
    (default: $DANCECORE_FEED_TOKEN)."""
    token = token or os.environ.get(FEED_TOKEN_ENV)
    announcers = []
    if serve is not None:
        try:
            host, port = parse_host_port(serve)
        except ValueError as exc:
            raise ConfigError(f"--serve: {exc}") from None
        try:
            from dancecore.web.server import WebServer
        except ImportError as exc:
            raise ConfigError(f"--serve needs the web extra ({exc.name} is missing): "
                              "pip install 'dancecore[web]'") from None
        shown = f"[{host}]" if ":" in host else host
        hint = f"give --serve another port, e.g. --serve {shown}:{port + 1 if port < 65535 else 8000}"
        announcers.append(WebAnnouncer(hub=EventHub(), token=token, server=WebServer(host, port, busy_hint=hint)))
    if feed is not None:
        announcers.append(WebAnnouncer(url=feed, token=token))
    return announcers


def _message(exc: urllib.error.HTTPError) -> str:
    """The server's one-line refusal from a JSON error body, else the HTTP reason."""
    try:
        return json.loads(exc.read().decode())["message"]
    except (ValueError, KeyError, TypeError, OSError):
        return str(exc.reason)


class WebConfig(SettingsSection):
    """The web marquee: served by this process and/or fed to a running `dancecore serve`."""

    serve: str | None = Field(None, description="HOST:PORT: serve the web page and the marquee (/marquee) from "
                              "this process (needs the web extra); null: no")
    feed: str | None = Field(None, description="URL of a running `dancecore serve` whose marquee shows each dance")
    feed_token: str | None = Field(None, description="that server's feed token; null: $DANCECORE_FEED_TOKEN")

    @field_validator("serve")
    @classmethod
    def _serve(cls, value: str | None) -> str | None:
        if value is not None:
            parse_host_port(value)
        return value

    @field_validator("feed")
    @classmethod
    def _feed(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                feed_url(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return value


def build(config: WebConfig, context: BuildContext) -> list[Announcer]:
    """The marquee announcers `serve` and `feed` ask for (its port is taken at once)."""
    return list(web_announcers(config.serve, config.feed, config.feed_token))


register(AnnouncerKind("web", WebConfig, build, title="web marquee", flags=(
    Flag("--serve", "serve", "also serve the web page and the full-screen marquee (/marquee) from this process "
         "(needs the web extra)", metavar="HOST:PORT"),
    Flag("--feed", "feed", "show each dance on the marquee of a running `dancecore serve` at URL", metavar="URL"),
    Flag("--feed-token", "feed_token", "the server's feed token (default $DANCECORE_FEED_TOKEN)", metavar="TOKEN"),
)))
