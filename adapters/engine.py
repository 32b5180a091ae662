"""The live engine: a Source's audio -> ring buffer -> resampling -> the core's WindowStream (a window
every hop) -> the core's Tracker -> events for the announcers, on one worker thread so the audio callback
never waits. The analysis itself is `dancecore.stream`, which `dancecore classify --sections` runs too.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import soxr

from adapters.ring import RingBuffer
from adapters.sources import Source
from dancecore.stream.events import Event
from dancecore.stream.tracker import Tracker
from dancecore.stream.windows import WindowStream

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineStatus:
    """For the status line: stream time (s), tracker phase and dance, confidence (0..1), tempo (BPM),
    audio dropped in the ring (s) and its overruns, device overflows and reopens, source state."""

    stream_s: float
    phase: str
    dance: str | None
    confidence: float
    bpm: float
    dropped_s: float
    overruns: int
    overflows: int
    reopens: int
    source_state: str


class Engine:
    """Runs a Source through a WindowStream and a Tracker on a worker thread, handing events to
    `on_event` (which must not block for long: announcers queue their work)."""

    def __init__(self, source: Source, stream: WindowStream, tracker: Tracker,
                 on_event: Callable[[Event], None], ring_s: float = 20.0, lost_s: float = 2.0) -> None:
        self.source = source
        self.stream = stream
        self.tracker = tracker
        self.on_event = on_event
        self.ring_s = ring_s
        self.lost_s = lost_s
        self.ring: RingBuffer | None = None
        self._resampler: soxr.ResampleStream | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._samples = 0          # samples at the model rate processed
        self.error: BaseException | None = None

    def start(self) -> None:
        """Open the source and start the worker; raises the source's DancecoreError if it cannot open."""
        self.source.open()
        self.ring = RingBuffer(max(1, int(self.ring_s * self.source.rate)))
        self.source.start(self.ring)
        model_rate = self.stream.features.sr
        if self.source.rate != model_rate:
            self._resampler = soxr.ResampleStream(self.source.rate, model_rate, 1, dtype="float32", quality="HQ")
        self._thread = threading.Thread(target=self._work, name="dancecore-engine", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        """Read the ring, stream the audio, hand the tracker's events on; when no audio has come for
        `lost_s` seconds (device lost, pipe stalled) the tracker ends the song (input lost)."""
        assert self.ring is not None
        chunk = max(1, self.source.rate // 10)
        last_audio = time.monotonic()
        try:
            while not self._stop.is_set():
                samples = self.ring.read(chunk, timeout_s=0.1)
                if len(samples) == 0:
                    if self.source.finished and len(self.ring) == 0:
                        break
                    if time.monotonic() - last_audio >= self.lost_s:
                        for event in self.tracker.lost(self._samples / self.stream.features.sr):
                            self.on_event(event)
                        self.stream.music_start_s = self.tracker.song_start_s
                    continue
                last_audio = time.monotonic()
                if self._resampler is not None:
                    samples = self._resampler.resample_chunk(samples)
                self._samples += len(samples)
                for obs in self.stream.push(samples):
                    for event in self.tracker.update(obs):
                        self.on_event(event)
                    self.stream.music_start_s = self.tracker.song_start_s
        except BaseException as exc:  # re-raised by LiveAdapter.run(); the worker must not die silently
            self.error = exc
            log.debug("live engine stopped", exc_info=True)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the worker to end (source finished, or stopped); True if it ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Stop the source and the worker."""
        self._stop.set()
        self.source.stop()
        self.wait(5)

    def status(self) -> EngineStatus:
        ring = self.ring
        rate = max(1, self.source.rate)
        event = self.tracker.last_event
        return EngineStatus(
            stream_s=self._samples / self.stream.features.sr, phase=self.tracker.phase, dance=self.tracker.announced,
            confidence=self.tracker.confidence, bpm=event.tempo_bpm if event is not None else 0.0,
            dropped_s=(ring.dropped / rate) if ring else 0.0, overruns=ring.overruns if ring else 0,
            overflows=self.source.overflows, reopens=self.source.reopens, source_state=self.source.state)
