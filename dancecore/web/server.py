"""Serving the web app with uvicorn on a socket bound first (so a taken port is a clear one-line
error, and port 0 picks a free one), in the foreground or on a background thread."""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import FrameType
from typing import Callable

import uvicorn
from fastapi import FastAPI

from dancecore.errors import DancecoreError

SHUTDOWN_GRACE_S = 2.0   # longest wait for running requests when stopping, seconds


SERVE_HINT = "pick another --port, or --host 0.0.0.0 for every network interface"


def bind(host: str, port: int, hint: str = SERVE_HINT) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port); DancecoreError ending with `hint`
    (what to do, in the words of the command's own flags) when it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)   # connections wait in the backlog until uvicorn serves them
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise DancecoreError(f"cannot listen on {host}:{port} ({reason}); {hint}") from None
    return sock


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    """uvicorn's server, calling `before_exit` (which ends the app's endless event streams) as soon
    as it is asked to stop, so that it need not wait for them."""

    def __init__(self, config: uvicorn.Config, before_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self.before_exit = before_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.before_exit()
        super().handle_exit(sig, frame)


class WebServer:
    """uvicorn on host:port, bound at once (so a taken port fails before anything else starts).
    `run(app)` blocks (Ctrl-C stops it); `start(app)`/`stop()` serve on a daemon thread, e.g. inside
    `dancecore live --serve` or a test."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning",
                 busy_hint: str = SERVE_HINT) -> None:
        self.socket = bind(host, port, busy_hint)
        self.host = host
        self.port: int = self.socket.getsockname()[1]
        self.log_level = log_level
        self.server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8000 (an unspecified host is shown as this machine's loopback)."""
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{shown}]:{self.port}" if ":" in shown else f"http://{shown}:{self.port}"

    def run(self, app: FastAPI) -> None:
        """Serve `app` until interrupted. An EventHub at `app.state.hub` is closed when stopping."""
        config = uvicorn.Config(app, log_config=None, log_level=self.log_level, access_log=False, lifespan="on",
                                timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
        hub = getattr(app.state, "hub", None)
        self.server = _Server(config, hub.close if hub is not None else lambda: None)
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def start(self, app: FastAPI, timeout_s: float = 30.0) -> "WebServer":
        """Serve `app` on a background thread; returns once it accepts connections (DancecoreError if
        it does not within `timeout_s`)."""
        self._thread = threading.Thread(target=self.run, args=(app,), name="dancecore-web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while self.server is None or not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise DancecoreError(f"the web server on {self.url} did not start; run with --debug for details")
            time.sleep(0.05)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the background server to finish and wait for it."""
        if self.server is not None:
            self.server.before_exit()
            self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.socket.close()
