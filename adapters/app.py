"""Wires a configuration into a running adapter: model, source, engine, tracker, announcers."""
from __future__ import annotations

import threading
import time
from typing import BinaryIO, Callable

from threadpoolctl import threadpool_limits

from adapters.announcers import Announcer, Announcers
from adapters.announcers.registry import BuildContext, kinds
from adapters.config import CoreConfig
from adapters.engine import Engine
from adapters.sources import Source, make_source
from dancecore.classify import Classifier
from dancecore.errors import DancecoreError
from dancecore.model import load_model
from dancecore.stream.events import Event
from dancecore.stream.tracker import Tracker
from dancecore.stream.windows import WindowStream


def build_announcers(config: CoreConfig, context: BuildContext) -> list[Announcer]:
    """The announcers the configuration turns on: each registered protocol's builder on its section. If one
    cannot be built (a busy port, a missing MIDI port), those built before it are closed."""
    announcers: list[Announcer] = []
    try:
        for kind in kinds():
            try:
                announcers += kind.build(getattr(config, kind.section), context)
            except ModuleNotFoundError as exc:
                raise DancecoreError(f"{kind.section} needs {exc.name}, which is not installed: run "
                                     "`pip install \"dancecore[live]\"`") from None
    except BaseException:
        Announcers(announcers).close()
        raise
    return announcers


class LiveAdapter:
    """The whole adapter. `start()` opens everything (clear errors if something cannot open),
    `run(duration_s)` blocks until the source ends, the time is up or `stop()` is called.
    The announcers are built first (a busy port or a missing MIDI port fails before the model loads).
    `extra` announcers (in-process listeners: tests, benchmarks) get every event too; `write` takes
    the console's lines (default: stdout)."""

    def __init__(self, config: CoreConfig, classifier: Classifier | None = None, source: Source | None = None,
                 stdin: BinaryIO | None = None, extra: list[Announcer] | None = None,
                 write: Callable[[str], None] | None = None) -> None:
        # numpy's BLAS threads fight the model's for the cores: 10x slower spectrogram frames on a busy machine
        threadpool_limits(config.engine.threads)
        self.config = config
        self.announcers = Announcers(build_announcers(config, BuildContext(write)) + list(extra or []))
        try:
            self.classifier = classifier or Classifier(load_model(config.model, threads=config.engine.threads))
            model = self.classifier.model
            self.source = source or make_source(config.source, model.features.sr, stdin)
        except BaseException:
            self.announcers.close()
            raise
        self.stream = WindowStream(self.classifier, config.engine)
        self.tracker = Tracker(config.tracker, self.stream.hop_s, model, label=self.source.label)
        self.events: list[Event] = []
        self.engine = Engine(self.source, self.stream, self.tracker, self._on_event, config.source.ring_s,
                             config.engine.lost_s)
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        self.announcers(event)

    def start(self) -> list[str]:
        """Open the announcers (those that need the model start it: the marquee's web app) and start the
        audio; returns the announcers' lines for the user (where the marquee is)."""
        try:
            notices = [notice for a in self.announcers.announcers if (notice := a.open(self.classifier))]
            self.engine.start()
        except BaseException:
            self.announcers.close()
            raise
        return notices

    def run(self, duration_s: float | None = None) -> None:
        """Block until the source finishes, `duration_s` passes or `request_stop()`; then shut down."""
        deadline = None if duration_s is None else time.monotonic() + duration_s
        try:
            while not self._stop_requested.wait(0.2):
                if self.engine.wait(0) or (deadline is not None and time.monotonic() >= deadline):
                    break
        finally:
            self.stop()
        if self.engine.error is not None:
            raise self.engine.error

    def request_stop(self) -> None:
        """Ask `run` to return (safe from a signal handler or another thread)."""
        self._stop_requested.set()

    def stop(self) -> None:
        """Stop audio, deliver the queued events, close the announcers (idempotent)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.engine.stop()
        self.announcers.close()
