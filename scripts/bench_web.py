"""What the web layer adds, measured against the core in the same run.

1. Upload overhead: POST /api/classify to a real uvicorn server (multipart in memory, shared service,
   worker thread) against Classifier.classify on the same bytes in this process; prints both medians
   and their ratio.
2. Load: N clients at once against W workers and a queue of Q: how many answered, how many were
   told busy (503), and the slowest answer, against one clip's time.
3. Marquee latency: announcer -> event stream, in process (EventHub) and over HTTP (--feed), median
   and worst in milliseconds.
Usage: python scripts/bench_web.py [CLIP] [--repeats 5] [--clients 6] [--workers 1] [--queue 2]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import threading
import time
from pathlib import Path

import httpx

from adapters.announcers.web import WebAnnouncer
from dancecore.classify import Classifier
from dancecore.model import load_model
from dancecore.service import ClassificationService, ServiceLimits
from dancecore.web.app import create_app
from dancecore.web.events import EventHub
from dancecore.web.server import WebServer

DATA = Path(os.environ.get("DANCECORE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CLIP = DATA / "songs" / "samba" / "The_Modern_Ballroom_Dance_Band_Maria.opus"


def interleaved_medians_s(repeats: int, *fns) -> list[float]:
    """Median wall time (s) of each function, calling them in turn `repeats` times (so a change in
    machine load hits all of them alike)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def post(client: httpx.Client, url: str, data: bytes, name: str) -> httpx.Response:
    return client.post(url + "/api/classify", files={"file": (name, data, "application/octet-stream")})


async def load(url: str, data: bytes, name: str, clients: int) -> tuple[list[int], float]:
    """Status codes of `clients` simultaneous uploads and the slowest answer (s)."""
    async with httpx.AsyncClient(timeout=600) as client:
        async def one() -> tuple[int, float]:
            start = time.perf_counter()
            response = await client.post(url + "/api/classify",
                                         files={"file": (name, data, "application/octet-stream")})
            return response.status_code, time.perf_counter() - start
        results = await asyncio.gather(*[one() for _ in range(clients)])
    return [code for code, _ in results], max(t for _, t in results)


def marquee_latency_ms(announcer: WebAnnouncer, url: str, events: int) -> list[float]:
    """Milliseconds from `announcer.send` to the event arriving on /api/live/stream."""
    arrived: dict[int, float] = {}
    ready, done = threading.Event(), threading.Event()

    def listen() -> None:
        with httpx.Client(timeout=httpx.Timeout(10, read=60)) as client, \
                client.stream("GET", url + "/api/live/stream") as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    event = json.loads(line[6:])
                    if event["event"] == "waiting" or "bench" not in event:
                        ready.set()
                        continue
                    arrived[event["bench"]] = time.perf_counter()
                    if len(arrived) == events:
                        done.set()
                        return

    threading.Thread(target=listen, daemon=True).start()
    ready.wait(30)
    sent = {}
    for i in range(events):
        sent[i] = time.perf_counter()
        announcer.send({"event": "silence", "song": i, "bench": i})
        time.sleep(0.02)
    done.wait(30)
    return [1000 * (arrived[i] - sent[i]) for i in sorted(arrived)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", default=str(CLIP))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queue", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per network of the model (default 1)")
    args = parser.parse_args()
    model = load_model(threads=args.threads)
    classifier = Classifier(model)
    data, name = Path(args.clip).read_bytes(), Path(args.clip).name
    service = ClassificationService(classifier, ServiceLimits(cooldown_s=0, workers=args.workers,
                                                              queue_size=args.queue), timeline=False)
    server = WebServer("127.0.0.1", 0).start(create_app(service))
    try:
        classifier.classify(data, name)   # warm-up
        with httpx.Client(timeout=600) as client:
            assert post(client, server.url, data, name).status_code == 200
            direct, web = interleaved_medians_s(args.repeats, lambda: classifier.classify(data, name),
                                                lambda: post(client, server.url, data, name))
        print(f"clip: {name}, {len(data) / 1e6:.2f} MB, model {model.name} ({model.arch}), {args.threads} model "
              f"thread(s), median of {args.repeats}, interleaved")
        print(f"  Classifier.classify      {1000 * direct:8.1f} ms")
        print(f"  POST /api/classify       {1000 * web:8.1f} ms   ratio web/direct {web / direct:.3f} "
              f"({1000 * (web - direct):+.0f} ms)")
        codes, slowest = asyncio.run(load(server.url, data, name, args.clients))
        print(f"  {args.clients} clients at once, {args.workers} worker(s), queue {args.queue}: "
              f"{codes.count(200)} answered, {codes.count(503)} told busy (503), "
              f"others {len(codes) - codes.count(200) - codes.count(503)}; "
              f"slowest answer {slowest:.2f} s = {slowest / web:.1f} x one clip")
    finally:
        server.stop()
        service.close()
    hub_announcer = WebAnnouncer(hub=EventHub(), server=WebServer("127.0.0.1", 0))
    hub_url = hub_announcer.start(classifier)
    feed_server = WebServer("127.0.0.1", 0).start(create_app(classifier))
    try:
        for label, announcer, url in (("in process (live --serve)", hub_announcer, hub_url),
                                      ("HTTP feed (live --feed)", WebAnnouncer(url=feed_server.url), feed_server.url)):
            ms = marquee_latency_ms(announcer, url, 20)
            print(f"  marquee latency, {label:<26} median {statistics.median(ms):6.1f} ms, worst {max(ms):6.1f} ms "
                  f"({len(ms)} events)")
    finally:
        hub_announcer.server.stop()
        feed_server.stop()


if __name__ == "__main__":
    main()
