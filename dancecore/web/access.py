"""One access log line per web request: who asked what, the status, the bytes in and out, how long it took,
and what came of it; never the file's content, its name or the query string (which holds the file name).

`AccessLog` is plain ASGI middleware. A route says what came of a request with `note_outcome(request, text)`
("result rumba 0.82 (sure)", "refusal too_large", "busy"); other requests log "-". The line goes to the
logger "dancecore.web.access" at INFO, so its level decides whether lines are written.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from starlette.requests import Request

from dancecore.service import human_size

ACCESS_LOGGER = "dancecore.web.access"
OUTCOME = "outcome"   # the key of request.state that holds a route's outcome

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(ACCESS_LOGGER)


def note_outcome(request: Request, text: str) -> None:
    """Say what came of this request, for its access log line."""
    setattr(request.state, OUTCOME, text)


class AccessLog:
    """ASGI middleware: after each HTTP request, one line such as
    `127.0.0.1 POST /api/classify 200 in 1.2 MB out 5 KB 3.41 s: result rumba 0.82 (sure)`."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        state = scope.setdefault("state", {})
        seen = {"status": 0, "in": 0, "out": 0}

        async def counting_receive() -> Message:
            message = await receive()
            seen["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            client = scope.get("client") or ("-", 0)
            log.info("%s %s %s %d in %s out %s %.2f s: %s", client[0], scope["method"], scope["path"],
                     seen["status"], human_size(seen["in"]), human_size(seen["out"]), time.monotonic() - started,
                     state.get(OUTCOME, "-"))


def log_to_stderr(level: str) -> None:
    """Write the web server's log lines (the access log at INFO) to stderr with a time stamp, from `level`
    ("debug", "info", "warning", "error") up."""
    web = logging.getLogger("dancecore.web")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    web.handlers[:] = [handler]
    web.setLevel(level.upper())
    web.propagate = False
