"""The status line: current dance, confidence, tempo, CPU use and dropped audio, redrawn in place
on a terminal (rich), with event lines printed above it."""
from __future__ import annotations

import sys
import time

import psutil
from rich.console import Console
from rich.live import Live
from rich.text import Text

from adapters.engine import Engine, EngineStatus
from dancecore.dances import BY_ID


class CpuMeter:
    """CPU use of this process in % of one core, averaged over at least `min_interval_s`."""

    def __init__(self, min_interval_s: float = 1.0) -> None:
        self._process = psutil.Process()
        self._min_interval_s = min_interval_s
        self._last_time = time.monotonic()
        self._last_cpu = self._cpu_s()
        self.percent = 0.0

    def _cpu_s(self) -> float:
        times = self._process.cpu_times()
        return times.user + times.system

    def update(self) -> float:
        """The latest average (recomputed when enough time has passed)."""
        now = time.monotonic()
        if now - self._last_time >= self._min_interval_s:
            cpu = self._cpu_s()
            self.percent = 100.0 * (cpu - self._last_cpu) / (now - self._last_time)
            self._last_time, self._last_cpu = now, cpu
        return self.percent


def format_status(status: EngineStatus, cpu_percent: float) -> str:
    """One line: `quickstep 87% 200 BPM | CPU 6% | dropped 0.0 s (0) | recording | 0:42`."""
    if status.dance is not None:
        what = f"{BY_ID[status.dance].name} {100 * status.confidence:.0f}% {status.bpm:.0f} BPM"
    else:
        what = {"silence": "silence", "listening": "listening...", "unsure": "no steady beat / talk"}.get(
            status.phase, status.phase)
    minutes, seconds = divmod(int(status.stream_s), 60)
    lost = f", overflows {status.overflows}" if status.overflows else ""
    reopened = f", reopened {status.reopens}x" if status.reopens else ""
    return (f"{what} | CPU {cpu_percent:.0f}% | dropped {status.dropped_s:.1f} s ({status.overruns}{lost}) | "
            f"{status.source_state}{reopened} | {minutes}:{seconds:02d}")


class StatusLine:
    """Context manager showing the engine's status on stderr while it runs (only on a terminal
    unless forced); event lines written to stdout appear above it."""

    def __init__(self, engine: Engine, mode: str = "auto") -> None:
        self.engine = engine
        self.cpu = CpuMeter()
        self.enabled = mode == "on" or (mode == "auto" and sys.stderr.isatty())
        self._live: Live | None = None

    def render(self) -> Text:
        return Text(format_status(self.engine.status(), self.cpu.update()), style="bold")

    def __enter__(self) -> "StatusLine":
        if self.enabled:
            self._live = Live(get_renderable=self.render, console=Console(stderr=True), refresh_per_second=2,
                              transient=True, redirect_stdout=True, redirect_stderr=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
