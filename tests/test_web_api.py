"""The web API of `dancecore serve`: real clips give Classifier's JSON, bad input gets the shared
service's refusals with the right HTTP status, oversized uploads are refused before they are read,
a full pool answers 503 with Retry-After, analysis stays off the event loop, nothing is written to
disk, and live events reach /api/live/stream through the real announcer, in process and over HTTP."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import numpy as np
import pytest
import soundfile as sf

from bot_clips import bad_inputs, cut, first_half_mp3, phone_video, two_hour_mp3
from conftest import song
from dancecore.classify import Classifier
from dancecore.cli import main
from dancecore.errors import ConfigError, DancecoreError
from dancecore.result import Result
from dancecore.service import Busy, ClassificationService, ServiceLimits
from dancecore.web.access import ACCESS_LOGGER
from dancecore.web.app import WEB_LIMITS, create_app
from dancecore.web.events import EventHub
from dancecore.web.schemas import ClassifyResult
from dancecore.web.server import WebServer

pytest.importorskip("adapters.announcers.web")
from adapters.announcers.web import WebAnnouncer, feed_url, web_announcers  # noqa: E402
from dancecore.stream.events import DanceEvent, SilenceEvent  # noqa: E402

MB = 1024 * 1024


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> dict[str, Path]:
    """Real songs and cuts of them, and bad inputs, made in a temporary folder."""
    folder = tmp_path_factory.mktemp("web_media")
    samba = song(song_labels, "samba")
    files = {"song": song(song_labels, "tango"),
             "clip": cut(song(song_labels, "cha_cha_cha"), folder / "clip.mp3", 40, 12, "-b:a", "96k"),
             "video": phone_video(samba, folder / "phone.mp4"),
             "short": cut(samba, folder / "short.wav", 30, 1.0),
             "two_hours": two_hour_mp3(samba, folder / "two_hours.mp3"),
             "half": first_half_mp3(song(song_labels, "jive"), folder)[1]}
    files.update(bad_inputs(folder / "bad", samba))
    silent = folder / "silence.wav"
    sf.write(silent, np.zeros(22050 * 8, dtype=np.float32), 22050)
    files["silent"] = silent
    return files


def web_service(classifier: Classifier, **limits: Any) -> ClassificationService:
    """The shared service as `dancecore serve` makes it, with some limits changed."""
    return ClassificationService(classifier, ServiceLimits(**{**WEB_LIMITS.__dict__, **limits}), timeline=False)


def client_for(service: ClassificationService, **app_options: Any) -> httpx.AsyncClient:
    app = create_app(service, **app_options)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web.test", timeout=120)


def upload(path: Path, content_type: str = "application/octet-stream", name: str | None = None) -> dict[str, Any]:
    return {"files": {"file": (name or path.name, path.read_bytes(), content_type)}}


def assert_same_result(answer: dict[str, Any], expected: Result) -> None:
    """The API's JSON is Result.to_dict() of the same analysis (floats to 1e-5)."""
    want = expected.to_dict()
    assert answer.keys() == want.keys()
    for key in ("path", "dance", "dance_name", "style", "not_sure", "truncated", "padded", "model"):
        assert answer[key] == want[key], key
    assert answer["probabilities"] == pytest.approx(want["probabilities"], abs=1e-5)
    assert answer["tempo"] == pytest.approx(want["tempo"], abs=0.05)
    assert [w["start_s"] for w in answer["timeline"]] == [w["start_s"] for w in want["timeline"]]
    for got, exp in zip(answer["timeline"], want["timeline"]):
        assert got["probabilities"] == pytest.approx(exp["probabilities"], abs=1e-5)
    ClassifyResult.model_validate(answer)   # the OpenAPI description fits real answers


# --- answers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, content_type", [("song", "audio/ogg"), ("clip", "audio/mpeg"), ("video", "video/mp4")])
async def test_real_recording_gives_classifiers_json(classifier: Classifier, media: dict[str, Path], key: str,
                                                     content_type: str) -> None:
    path = media[key]
    service = web_service(classifier)
    async with client_for(service) as client:
        response = await client.post("/api/classify", **upload(path, content_type))
    service.close()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert_same_result(response.json(), classifier.classify(path.read_bytes(), name=path.name))


async def test_answer_equals_cli_json(classifier: Classifier, media: dict[str, Path], model_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`dancecore classify --json` and the API name the same dance for the same clip."""
    assert main(["classify", "--json", "--model", str(model_path), str(media["clip"])]) == 0
    printed = json.loads(capsys.readouterr().out)
    service = web_service(classifier)
    async with client_for(service) as client:
        answer = (await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))).json()
    service.close()
    assert answer["dance"] == printed["dance"]
    assert answer["probabilities"] == pytest.approx(printed["probabilities"], abs=1e-5)


async def test_two_hour_file_is_cut_to_the_limit(classifier: Classifier, media: dict[str, Path]) -> None:
    service = web_service(classifier, max_duration_s=60)
    async with client_for(service) as client:
        response = await client.post("/api/classify", **upload(media["two_hours"], "audio/mpeg"))
    service.close()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["truncated"] is True
    assert body["duration_s"] == pytest.approx(60, abs=1)
    assert body["source_duration_s"] == pytest.approx(7200, rel=0.05)


async def test_first_half_of_an_mp3_is_flagged_incomplete(classifier: Classifier, media: dict[str, Path]) -> None:
    """Issue 19 item 7: `head -c` half an mp3: analysed, and the answer says the file ends early."""
    service = web_service(classifier)
    async with client_for(service) as client:
        response = await client.post("/api/classify", **upload(media["half"], "audio/mpeg"))
    service.close()
    body = response.json()
    assert response.status_code == 200 and body["incomplete"] is True and body["truncated"] is False
    assert body["source_duration_s"] == pytest.approx(120, abs=1) and body["duration_s"] < 70
    ClassifyResult.model_validate(body)


# --- refusals --------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, content_type, status, kind", [
    ("text", "audio/mpeg", 415, "not_media"),          # text renamed .mp3, declared as mp3
    ("text", "text/plain", 415, "not_media"),          # declared as what it is
    ("empty", "audio/mpeg", 422, "empty"),
    ("truncated_m4a", "audio/mp4", 422, "unreadable"),
    ("stub_mp3", "audio/mpeg", 422, "too_short"),
    ("silent", "audio/wav", 422, "silent"),
    ("short", "audio/wav", 422, "too_short"),
])
async def test_bad_input_gets_the_shared_refusal(classifier: Classifier, media: dict[str, Path], key: str,
                                                 content_type: str, status: int, kind: str) -> None:
    path = media[key]
    service = web_service(classifier)
    async with client_for(service) as client:
        response = await client.post("/api/classify", **upload(path, content_type))
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == kind
    # the very message the Discord bot sends for the same bytes (the same service code)
    if content_type == "text/plain":
        expected = service.check_declared(None, content_type, path.name)
    else:
        expected = await service.submit(path.read_bytes(), path.name, content_type=content_type)
    service.close()
    assert body["message"] == expected.message
    assert "\n" not in body["message"] and path.name in body["message"]


async def test_not_a_form_and_no_file_field(classifier: Classifier, media: dict[str, Path]) -> None:
    service = web_service(classifier)
    async with client_for(service) as client:
        raw = await client.post("/api/classify", content=media["clip"].read_bytes(),
                                headers={"content-type": "audio/mpeg"})
        wrong_field = await client.post("/api/classify", files={"audio": ("clip.mp3", b"ID3", "audio/mpeg")})
    service.close()
    assert (raw.status_code, raw.json()["error"]) == (415, "not_form")
    assert (wrong_field.status_code, wrong_field.json()["error"]) == (422, "no_file")
    assert "field named 'file'" in wrong_field.json()["message"]


async def test_oversized_upload_is_refused_without_reading_it(classifier: Classifier) -> None:
    """Sent without Content-Length (chunked), the body is read only until it passes the limit."""
    service = web_service(classifier, max_bytes=1 * MB)
    boundary = "dancecoreboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp3\"\r\n"
            "Content-Type: audio/mpeg\r\n\r\n").encode()
    chunk, total_chunks, sent = b"\xff\xfb" * 32768, 200, []   # 64 KB chunks, 12.5 MB in all

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(total_chunks):
            sent.append(len(chunk))
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    async with client_for(service) as client:
        response = await client.post("/api/classify", content=body(),
                                     headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    service.close()
    assert response.status_code == 413
    body = response.json()
    shared = service.check_declared(2 * MB, None, "upload").message   # "upload is 2 MB; I take files up to 1 MB..."
    assert body["error"] == "too_large" and body["message"].startswith("upload is ")
    assert body["message"].split(";", 1)[1] == shared.split(";", 1)[1]
    assert sum(sent) < 2 * MB < total_chunks * len(chunk)
    assert service.held == 0


async def test_client_leaving_mid_upload_frees_its_place(classifier: Classifier) -> None:
    service = web_service(classifier, workers=1, queue_size=0)
    app = create_app(service)
    head = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.mp3"\r\n\r\n' + b"\xff\xfb" * 1000)
    incoming = [{"type": "http.request", "body": head, "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/classify", "raw_path": b"/api/classify", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"multipart/form-data; boundary=b")], "client": ("127.0.0.1", 5000),
             "server": ("test", 80)}
    await app(scope, receive, send)
    service.close()
    assert sent[0]["status"] == 400 and json.loads(sent[1]["body"])["error"] == "disconnected"
    assert service.held == 0


def test_declared_oversized_body_is_refused_before_it_is_sent(classifier: Classifier) -> None:
    """A real server answers 413 to the headers alone when Content-Length is over the limit."""
    server = WebServer("127.0.0.1", 0).start(create_app(classifier))
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"POST /api/classify HTTP/1.1\r\nHost: test\r\n"
                         b"Content-Type: multipart/form-data; boundary=x\r\n"
                         + f"Content-Length: {100 * MB}\r\n\r\n".encode())
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                reply += data
    finally:
        server.stop()
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), reply[:200]
    message = json.loads(rest.split(b"\r\n\r\n", 1)[1])["message"]
    assert message.startswith("upload is 100 MB; I take files up to 25 MB")


async def test_check_before_upload_uses_the_shared_messages(classifier: Classifier) -> None:
    service = web_service(classifier)
    async with client_for(service) as client:
        big = await client.get("/api/check", params={"size": 80 * MB, "type": "video/mp4", "name": "party.mp4"})
        text = await client.get("/api/check", params={"size": 1000, "type": "application/pdf", "name": "a.pdf"})
        fine = await client.get("/api/check", params={"size": 1000, "type": "audio/mpeg", "name": "a.mp3"})
        bad = await client.get("/api/check", params={"size": -5})
    shared = service.check_declared(80 * MB, "video/mp4", "party.mp4").message
    assert (big.status_code, big.json()["message"]) == (413, shared)
    assert (text.status_code, text.json()["error"]) == (415, "not_media")
    assert (fine.status_code, fine.json()) == (200, {"ok": True})
    assert bad.status_code == 422 and bad.json()["error"] == "bad_request"
    service.close()


# --- load --------------------------------------------------------------------------------------------

async def test_busy_server_answers_503_with_retry_after(classifier: Classifier, media: dict[str, Path]) -> None:
    service = web_service(classifier, workers=1, queue_size=0)
    async with client_for(service) as client:
        slot = service.admit()                       # another request holds the only place
        busy = await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
        slot.release()
        after = await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
    service.close()
    assert busy.status_code == 503
    retry = int(busy.headers["retry-after"])
    assert busy.json() == {"error": "busy", "message": Busy(retry).message}
    assert retry >= 1 and busy.json()["message"].endswith(f"please try again in about {retry} s.")   # item 5
    assert after.status_code == 200
    async with client_for(service) as client:    # the wait follows the analyses the server has timed
        slot = service.admit()
        again = await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
        slot.release()
    assert int(again.headers["retry-after"]) == service.run_times.retry_after_s()
    assert f"about {again.headers['retry-after']} s" in again.json()["message"]


async def test_concurrent_uploads_beyond_capacity_are_refused_not_queued(classifier: Classifier,
                                                                         media: dict[str, Path]) -> None:
    service = web_service(classifier, workers=1, queue_size=1)
    async with client_for(service) as client:
        responses = await asyncio.gather(*[client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
                                           for _ in range(4)])
    service.close()
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 503, 503]
    assert service.peak_held == 2


async def test_analysis_runs_off_the_event_loop(classifier: Classifier, media: dict[str, Path]) -> None:
    """While a whole song is analysed, the same event loop keeps answering other requests."""
    service = web_service(classifier)
    async with client_for(service) as client:
        task = asyncio.create_task(client.post("/api/classify", **upload(media["song"], "audio/ogg")))
        while service.held == 0:
            await asyncio.sleep(0.01)
        info = await client.get("/api/info")
        assert not task.done()
        assert info.status_code == 200 and len(info.json()["dances"]) == 10
        assert (await task).status_code == 200
    service.close()


async def test_cooldown_per_address_answers_429(classifier: Classifier, media: dict[str, Path]) -> None:
    service = web_service(classifier, cooldown_s=30)
    async with client_for(service) as client:
        first = await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
        second = await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
    service.close()
    assert first.status_code == 200
    assert second.status_code == 429 and second.json()["error"] == "cooldown"
    assert 1 <= int(second.headers["retry-after"]) <= 30


async def test_no_upload_is_written_to_disk(classifier: Classifier, media: dict[str, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads larger than Starlette's 1 MB spooling threshold stay in memory; the mp3 path's private
    decoding file is gone when the answer comes."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert media["song"].stat().st_size > MB
    service = web_service(classifier)
    async with client_for(service) as client:
        for key, content_type in (("song", "audio/ogg"), ("clip", "audio/mpeg")):
            assert (await client.post("/api/classify", **upload(media[key], content_type))).status_code == 200
            assert list(scratch.iterdir()) == []
    service.close()


# --- access log -------------------------------------------------------------------------------------

async def test_every_request_gets_one_access_log_line(classifier: Classifier, media: dict[str, Path],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Issue 19 item 6: status, sizes, duration and outcome for answers, refusals and busy; never the file's
    content, name or query string."""
    service = web_service(classifier, workers=1, queue_size=0)
    secret_name = "my secret song.mp3"
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        async with client_for(service) as client:
            answer = await client.post("/api/classify", **upload(media["clip"], "audio/mpeg", name=secret_name))
            await client.post("/api/classify", **upload(media["text"], "audio/mpeg", name=secret_name))
            await client.get("/api/check", params={"size": 80 * MB, "type": "audio/mpeg", "name": secret_name})
            slot = service.admit()
            await client.post("/api/classify", **upload(media["clip"], "audio/mpeg"))
            slot.release()
            await client.get("/api/info")
    service.close()
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 5, lines
    result = answer.json()
    size = media["clip"].stat().st_size
    assert re.fullmatch(rf"127\.0\.0\.1 POST /api/classify 200 in \d+ KB out \d+ KB \d+\.\d\d s: result "
                        rf"{result['dance']} {result['confidence']:.2f} \((not )?sure\), \d+ s analysed in "
                        rf"\d+\.\d s", lines[0]), lines[0]
    assert f"in {size // 1024}" in lines[0] or f"in {size // 1024 + 1}" in lines[0]
    assert lines[1].startswith("127.0.0.1 POST /api/classify 415 ") and lines[1].endswith(": refusal not_media")
    assert lines[2].startswith("127.0.0.1 GET /api/check 413 ") and lines[2].endswith(": refusal too_large")
    assert lines[3].startswith("127.0.0.1 POST /api/classify 503 ") and lines[3].endswith(": busy")
    assert lines[4].startswith("127.0.0.1 GET /api/info 200 ") and lines[4].endswith(": -")
    assert not any("secret" in line or "?" in line for line in lines)


async def test_access_log_level_is_settable(classifier: Classifier, caplog: pytest.LogCaptureFixture) -> None:
    service = web_service(classifier)
    with caplog.at_level(logging.WARNING, logger=ACCESS_LOGGER):
        async with client_for(service) as client:
            assert (await client.get("/api/info")).status_code == 200
    service.close()
    assert not [r for r in caplog.records if r.name == ACCESS_LOGGER]


# --- description and pages ------------------------------------------------------------------------

async def test_openapi_describes_the_api(classifier: Classifier) -> None:
    service = web_service(classifier)
    async with client_for(service) as client:
        spec = (await client.get("/openapi.json")).json()
        index = await client.get("/")
        marquee = await client.get("/marquee")
        script = await client.get("/static/app.js")
        docs = await client.get("/docs")
        assets = [await client.get(url) for url in re.findall(r'(?:src|href)="([^"]+)"', docs.text)]
    service.close()
    classify = spec["paths"]["/api/classify"]["post"]
    form = classify["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    assert {"200", "413", "415", "422", "429", "503"} <= set(classify["responses"])
    assert classify["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ClassifyResult")
    assert {"/api/info", "/api/check", "/api/live", "/api/live/stream", "/api/live/events"} <= set(spec["paths"])
    assert index.status_code == 200 and 'id="timeline"' in index.text
    assert "Content-Security-Policy" in index.headers
    assert marquee.status_code == 200 and "marquee.js" in marquee.text
    assert script.status_code == 200 and "/api/classify" in script.text
    # issue 19 item 1: Swagger UI from this server, nothing from another host
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text and "/openapi.json" in docs.text
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", docs.text), docs.text
    assert '"validatorUrl": null' in docs.text
    assert [a.status_code for a in assets] == [200] * len(assets) and len(assets) >= 3


# --- live events -------------------------------------------------------------------------------------

def live_result(classifier: Classifier, path: Path, top: str | None = None) -> Result:
    """A real classification, optionally with its probabilities rolled so that `top` comes first."""
    result = classifier.classify(path)
    if top is not None:
        order = sorted(result.probabilities, key=result.probabilities.__getitem__, reverse=True)
        values = [result.probabilities[d] for d in order]
        rest = [d for d in order if d != top]
        result.probabilities = dict(zip([top, *rest], values))
    return result


async def test_posted_events_become_the_live_state(classifier: Classifier, media: dict[str, Path]) -> None:
    service = web_service(classifier)
    event = DanceEvent(live_result(classifier, media["clip"]), song=1, since_song_start_s=8.0, stream_s=9.0, windows=4)
    async with client_for(service, feed_token="s3cret") as client:
        assert (await client.get("/api/live")).json() == {"seq": 0, "event": "waiting"}
        refused = await client.post("/api/live/events", json=event.to_dict())
        accepted = await client.post("/api/live/events", json=event.to_dict(),
                                     headers={"Authorization": "Bearer s3cret"})
        now = (await client.get("/api/live")).json()
        wrong = await client.post("/api/live/events", json={"event": "dance", "dance": "polka"},
                                  headers={"Authorization": "Bearer s3cret"})
    service.close()
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorised"
    assert accepted.status_code == 202 and accepted.json()["seq"] == 1
    assert now == {"seq": 1, **json.loads(json.dumps(event.to_dict()))}
    assert wrong.status_code == 422 and "polka" in wrong.json()["message"]


class StreamReader:
    """Reads /api/live/stream of a real server on a thread; `events` fills as they arrive."""

    def __init__(self, url: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        try:
            with self._client.stream("GET", url + "/api/live/stream") as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        with self.arrived:
                            self.events.append(json.loads(line[6:]))
                            self.arrived.notify_all()
        except httpx.HTTPError:
            pass   # closed by the test or the server

    def wait_for(self, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.events) >= count, timeout_s), self.events
            return list(self.events)

    def join(self, timeout_s: float) -> None:
        """Wait for the server to end the stream."""
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the event stream was not ended"

    def close(self) -> None:
        self._client.close()


@pytest.mark.parametrize("transport", ["in_process", "http_feed"])
def test_announcer_events_reach_the_stream_in_order(classifier: Classifier, media: dict[str, Path],
                                                    transport: str) -> None:
    """`dancecore live --serve` (hub in this process) and `--feed URL` (POST to a running server) both
    deliver dance, silence and stopped to the marquee's event stream."""
    if transport == "in_process":
        web = WebAnnouncer(hub=EventHub(), server=WebServer("127.0.0.1", 0))
        url, server = web.start(classifier), None
    else:
        server = WebServer("127.0.0.1", 0).start(create_app(classifier, feed_token="tok"))
        url = server.url
        [web] = web_announcers(None, url, token="tok")
    reader = StreamReader(url)
    try:
        assert reader.wait_for(1)[0]["event"] == "waiting"
        first = live_result(classifier, media["clip"], top="quickstep")
        web.dance(DanceEvent(first, song=1, since_song_start_s=6.0, stream_s=6.5, windows=3))
        web.silence(SilenceEvent(song=1, stream_s=190.0))
        second = live_result(classifier, media["clip"], top="slow_waltz")
        web.dance(DanceEvent(second, song=2, since_song_start_s=7.0, stream_s=200.0, windows=3))
        reader.wait_for(4)
        web.close()                                  # "stopped"; the in-process server stops too
        events = reader.wait_for(5)
        if server is None:                           # its open stream was ended, not left hanging
            reader.join(30)
    finally:
        reader.close()
        if server is not None:
            server.stop()
    assert [e["event"] for e in events[:4]] == ["waiting", "dance", "silence", "dance"]
    assert [e["seq"] for e in events[:4]] == [0, 1, 2, 3]
    assert events[1]["dance"] == "quickstep" and events[3]["dance"] == "slow_waltz"
    assert events[1]["probabilities"] == pytest.approx(first.to_dict()["probabilities"])
    assert events[4]["event"] == "stopped"


def test_live_serve_flag_serves_the_app_in_process(classifier: Classifier) -> None:
    """What `dancecore live --serve HOST:PORT` does: the port is taken at once, the app starts later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    announcers = web_announcers(f"127.0.0.1:{port}", None)
    with pytest.raises(DancecoreError, match=f"cannot listen on 127.0.0.1:{port}"):
        web_announcers(f"127.0.0.1:{port}", None)      # taken by the first one
    url = announcers[0].start(classifier)
    try:
        assert url == f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/api/live", timeout=30).json() == {"seq": 0, "event": "waiting"}
        assert httpx.get(url + "/", timeout=30).status_code == 200
    finally:
        announcers[0].close()
    assert announcers[0].hub.latest.event["event"] == "stopped"


def test_feed_problems_are_one_line_errors(classifier: Classifier) -> None:
    assert feed_url("http://10.0.0.5:8000/") == "http://10.0.0.5:8000/api/live/events"
    assert feed_url("https://host/api/live/events") == "https://host/api/live/events"
    with pytest.raises(ConfigError, match="not the URL"):
        feed_url("10.0.0.5:8000")
    with pytest.raises(ConfigError, match="--serve"):
        web_announcers("nowhere", None)
    with socket.socket() as sock:                 # a port where nothing answers
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(ConnectionError, match="is `dancecore serve` running"):
        WebAnnouncer(url=dead).send({"event": "silence", "song": 1})
    server = WebServer("127.0.0.1", 0).start(create_app(classifier, feed_token="right"))
    try:
        with pytest.raises(ConnectionError, match="HTTP 401: this server needs its feed token"):
            WebAnnouncer(url=server.url, token="wrong").send({"event": "silence", "song": 1})
    finally:
        server.stop()


# --- the command --------------------------------------------------------------------------------------

def test_serve_refuses_a_taken_port_in_one_line(model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status = main(["serve", "--port", str(taken.getsockname()[1]), "--model", str(model_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("dancecore: error: cannot listen on 127.0.0.1:")


@pytest.mark.parametrize("argv, problem", [(["--port", "70000"], "--port must be between 0 and 65535"),
                                           (["--workers", "0"], "limits.workers must be positive"),
                                           (["--limits", "/nonexistent.yaml"], "cannot read")])
def test_serve_bad_options_in_one_line(argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err
