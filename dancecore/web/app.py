"""The FastAPI app of `dancecore serve`: upload page, marquee page, JSON API, live event stream.

Every classification goes through a shared `ClassificationService` (the bot's limits, sniffing,
refusal messages and bounded pool), so the analysis runs in its worker threads, never on the event
loop, and a full pool answers 503 with Retry-After at once. Uploads are held in memory only. /docs is
Swagger UI served from this server (fastapi-offline's copy), so it works without internet; every request
gets an access log line (dancecore.web.access).
"""
from __future__ import annotations

import math
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, ServerSentEvent
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from dancecore import __version__
from dancecore.classify import Classifier
from dancecore.dances import DANCES
from dancecore.plots import DANCE_COLOURS
from dancecore.service import FORMATS_HINT, Answer, Busy, ClassificationService, Refusal, ServiceLimits, Slot
from dancecore.web.access import AccessLog, note_outcome
from dancecore.web.events import EventError, EventHub
from dancecore.web.schemas import Accepted, Checked, ClassifyResult, Info, LimitsInfo, LiveEvent, Problem
from dancecore.web.upload import UploadProblem, clean_name, read_upload

STATIC_DIR = Path(__file__).parent / "static"
UPLOAD_FIELD = "file"
WEB_LIMITS = ServiceLimits(cooldown_s=0.0)   # the shared limits; no per-address cool-down unless asked
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# HTTP status of each refusal kind (dancecore.service.Refusal.kind, web upload problems, busy)
STATUS = {"disconnected": 400, "too_large": 413, "not_media": 415, "not_form": 415, "no_file": 422, "empty": 422,
          "unreadable": 422, "silent": 422, "too_short": 422, "timeout": 422, "cooldown": 429, "internal": 500,
          "busy": 503}
ERRORS = {status: {"model": Problem} for status in sorted(set(STATUS.values()))}


def create_app(classifier_or_service: Classifier | ClassificationService, hub: EventHub | None = None,
               feed_token: str | None = None) -> FastAPI:
    """The web app around a Classifier (wrapped in a service with WEB_LIMITS, closed with the app) or
    an existing ClassificationService (kept open). hub: where live events come from (default: a new
    one, fed by POST /api/live/events); feed_token: when set, that POST needs "Authorization: Bearer
    <token>"."""
    owned = isinstance(classifier_or_service, Classifier)
    service = (ClassificationService(classifier_or_service, WEB_LIMITS, timeline=False) if owned
               else classifier_or_service)
    hub = hub or EventHub()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            service.close()

    app = FastAPIOffline(title="dancecore", version=__version__, lifespan=lifespan,
                         swagger_ui_parameters={"validatorUrl": None},   # no badge fetched from elsewhere
                         description="Says which of ten ballroom dances a recording is for. POST a recording to "
                                     "/api/classify; follow the live adapter at /api/live/stream.")
    app.state.service, app.state.hub = service, hub
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(AccessLog)

    def refused(request: Request, outcome: Refusal | Busy) -> JSONResponse:
        """The HTTP answer for a service Refusal or Busy; 429 and 503 say when to retry (seconds), as the
        message does."""
        headers = None
        if isinstance(outcome, Busy):
            headers = {"Retry-After": str(outcome.retry_after_s)}
        elif outcome.kind == "cooldown":
            headers = {"Retry-After": str(max(1, math.ceil(service.limits.cooldown_s)))}
        note_outcome(request, outcome.kind if isinstance(outcome, Busy) else f"refusal {outcome.kind}")
        return problem(outcome.kind, outcome.message, STATUS.get(outcome.kind, 422), headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        note_outcome(request, "refusal bad_request")
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "request"
        return problem("bad_request", f"{where}: {first.get('msg', 'invalid')}; see /openapi.json", 422)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    @app.get("/marquee", include_in_schema=False)
    async def marquee() -> FileResponse:
        return FileResponse(STATIC_DIR / "marquee.html", headers=PAGE_HEADERS)

    @app.get("/api/info", response_model=Info, summary="Dances, limits and model")
    async def info() -> dict[str, Any]:
        limits = service.limits
        model = service.classifier.model
        return {"dances": [{"id": d.id, "name": d.name, "style": d.style, "meter": d.meter, "bpm": d.bpm,
                            "colour": DANCE_COLOURS[d.id]} for d in DANCES],
                "limits": {name: getattr(limits, name) for name in LimitsInfo.model_fields},
                "model": {"name": model.name, "arch": model.arch}, "formats": FORMATS_HINT}

    @app.get("/api/check", response_model=Checked, responses={413: {"model": Problem}, 415: {"model": Problem}},
             summary="Would an upload of this size and type be taken?")
    async def check(request: Request, size: int = Query(ge=0, description="file size in bytes"),
                    media_type: str = Query("", alias="type", description="declared MIME type"),
                    name: str = Query("upload", description="file name, for the message")) -> Any:
        """Lets a page refuse a too large or non-media file before uploading it, with the shared message."""
        refusal = service.check_declared(size, media_type or None, clean_name(name))
        return refused(request, refusal) if refusal else {"ok": True}

    @app.post("/api/classify", response_model=ClassifyResult, responses=ERRORS,
              summary="Classify an uploaded recording",
              openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                  "type": "object", "required": [UPLOAD_FIELD], "properties": {UPLOAD_FIELD: {
                      "type": "string", "format": "binary",
                      "description": f"the recording: {FORMATS_HINT}"}}}}}}})
    async def classify(request: Request) -> JSONResponse:
        """Answers with the JSON of `dancecore classify --json`, or a Problem: 413 too large (refused from
        Content-Length before the body is read), 415 not audio/video, 422 unusable audio, 429 cool-down,
        503 busy (with Retry-After)."""
        client = request.client.host if request.client and service.limits.cooldown_s > 0 else None
        admitted = service.admit(client, None, None, "upload")
        if not isinstance(admitted, Slot):
            return refused(request, admitted)
        async with admitted as slot:
            try:
                upload = await read_upload(request, UPLOAD_FIELD, service.limits.max_bytes)
            except UploadProblem as exc:
                if exc.kind == "too_large":
                    return refused(request, service.check_declared(exc.n_bytes, None, "upload"))
                note_outcome(request, f"refusal {exc.kind}")
                return problem(exc.kind, str(exc), STATUS[exc.kind])
            refusal = service.check_declared(None, upload.content_type, upload.name)
            if refusal:
                return refused(request, refusal)
            slot.name = upload.name
            outcome = await slot.classify(upload.data)
        if isinstance(outcome, Answer):
            r = outcome.result
            note_outcome(request, f"result {r.dance} {r.confidence:.2f} ({'not sure' if r.not_sure else 'sure'}), "
                                  f"{r.duration_s:.0f} s analysed in {outcome.run_s:.1f} s")
            return JSONResponse(outcome.to_dict())
        return refused(request, outcome)

    @app.get("/api/live", summary="The live adapter's latest event")
    async def live_now() -> dict[str, Any]:
        latest = hub.latest
        return {"seq": latest.seq, **latest.event}

    @app.get("/api/live/stream", response_class=EventSourceResponse, summary="Live events (server-sent events)")
    async def live_stream() -> AsyncIterator[ServerSentEvent]:
        """The latest event at once, then every new one, as `data:` JSON lines (with `seq`)."""
        async for item in hub.listen():
            yield ServerSentEvent(data={"seq": item.seq, **item.event}, id=str(item.seq))

    bearer = HTTPBearer(auto_error=False, description="the server's --feed-token, when it has one")

    @app.post("/api/live/events", status_code=202, response_model=Accepted,
              responses={401: {"model": Problem}, 422: {"model": Problem}}, summary="Publish a live event")
    async def live_event(request: Request, event: LiveEvent,
                         credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Any:
        """What `dancecore live --feed URL` sends for each announcement; shown on /marquee at once."""
        if feed_token and not (credentials and secrets.compare_digest(credentials.credentials, feed_token)):
            note_outcome(request, "refusal unauthorised")
            return problem("unauthorised", "this server needs its feed token: pass --feed-token to the live "
                           "adapter", 401)
        try:
            item = hub.publish(event.model_dump(exclude_unset=True))
        except EventError as exc:
            note_outcome(request, "refusal bad_event")
            return problem("bad_event", str(exc), 422)
        note_outcome(request, f"live event {item.seq} ({item.event['event']})")
        return {"seq": item.seq, "listeners": hub.listeners}

    return app


def problem(kind: str, message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """A refusal as JSON {"error": kind, "message": one line}."""
    return JSONResponse({"error": kind, "message": message}, status_code=status, headers=headers)

