"""`dancecore serve`: the web page, the JSON API and the live marquee (needs the `web` extra)."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from dancecore.classify import Classifier
from dancecore.errors import DancecoreError
from dancecore.model import load_model
from dancecore.segments import DEFAULT_STRIDE_FRAMES
from dancecore.service import ClassificationService, ServiceLimits
from dancecore.web.events import FEED_TOKEN_ENV

LOG_LEVELS = ("debug", "info", "warning", "error")


DESCRIPTION = (
    "Serve a page that classifies uploaded or recorded clips, the JSON API (POST /api/classify, "
    "described at /openapi.json) and a full-screen marquee (/marquee) showing what `dancecore live "
    "--feed URL` hears.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore serve`'s arguments on `p` and set its `run`."""
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every network)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--model", metavar="PATH", help="model file (default: the model shipped in the package)")
    p.add_argument("--stride", type=int, default=DEFAULT_STRIDE_FRAMES, metavar="FRAMES",
                   help=f"window stride in spectrogram frames (default {DEFAULT_STRIDE_FRAMES} = 4.6 s)")
    p.add_argument("--limits", metavar="YAML", help="file with a `limits:` section (as configs/bot.yaml) for "
                   "upload size, duration, time limit, workers, queue and cool-down "
                   "(default: the bot's, without cool-down)")
    p.add_argument("--workers", type=int, metavar="N", help="clips analysed at once (overrides --limits)")
    p.add_argument("--queue", type=int, metavar="N", help="clips that may wait before 'busy' (overrides --limits)")
    p.add_argument("--cooldown", type=float, metavar="S",
                   help="seconds one client address waits between uploads (default 0: none)")
    p.add_argument("--log-level", choices=LOG_LEVELS, default="info",
                   help="lowest level of the server's log lines on stderr (default info: one access line per "
                   "request, with status, sizes, duration and outcome; warning: problems only)")
    p.add_argument("--feed-token", metavar="TOKEN", default=os.environ.get(FEED_TOKEN_ENV),
                   help=f"require this bearer token for POST /api/live/events (default: ${FEED_TOKEN_ENV})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:  # only this command needs the web extra
        from dancecore.web.access import log_to_stderr
        from dancecore.web.app import WEB_LIMITS, create_app
        from dancecore.web.server import WebServer, is_loopback
    except ImportError as exc:
        raise DancecoreError(f"`dancecore serve` needs the web extra ({exc.name} is missing): "
                             "pip install 'dancecore[web]'") from None
    if args.stride <= 0:
        raise DancecoreError(f"--stride must be a positive number of frames, got {args.stride}")
    if not 0 <= args.port <= 65535:
        raise DancecoreError(f"--port must be between 0 and 65535, got {args.port}")
    limits = ServiceLimits.from_yaml(args.limits) if args.limits else WEB_LIMITS
    overrides = {name: value for name, value in (("workers", args.workers), ("queue_size", args.queue),
                                                 ("cooldown_s", args.cooldown)) if value is not None}
    limits = dataclasses.replace(limits, **overrides)
    log_to_stderr("debug" if args.debug else args.log_level)
    server = WebServer(args.host, args.port, log_level="debug" if args.debug else "warning")
    model = load_model(args.model, threads=max(1, (os.cpu_count() or 1) // limits.workers))
    classifier = Classifier(model, stride_frames=args.stride, max_duration_s=limits.max_duration_s,
                            timeout_s=limits.timeout_s)
    service = ClassificationService(classifier, limits, timeline=False)
    if not is_loopback(args.host) and not args.feed_token:
        print(f"dancecore: note: anyone who can reach {args.host}:{server.port} can post live events; "
              f"set --feed-token (or ${FEED_TOKEN_ENV}) to stop that", file=sys.stderr)
    print(f"dancecore: serving {server.url}/ (marquee {server.url}/marquee, API {server.url}/docs) "
          f"with model {model.name}; Ctrl-C stops", flush=True)
    try:
        server.run(create_app(service, feed_token=args.feed_token))
    finally:
        service.close()
    return 0
