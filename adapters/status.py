"""The status line: current dance, confidence, tempo, CPU use, dropped audio, the input's state and any
protocol that is down, redrawn in place on stderr; event lines go to stdout and log lines to stderr
above it, never into it.

Where it shows (`status: auto`): only when stderr is a terminal, and not when stdout is a pipe that
carries event lines (`dancecore live --json | tee log.jsonl` echoes them onto the same terminal, into
the status line). `on` forces it, `off` hides it. Events always go to stdout, one line each.
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
import threading
import time
from typing import Callable, TextIO

import psutil

from adapters.engine import EngineStatus
from dancecore.dances import BY_ID

REFRESH_S = 0.5


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


def format_status(status: EngineStatus, cpu_percent: float, problems: list[str] | None = None) -> str:
    """One line: `Quickstep 87% 200 BPM | CPU 6% | dropped 0.0 s (0) | recording | 0:42`, with
    `midi dancecore: down (...) | ` after the dance for each protocol that is down (first, so that a
    narrow terminal does not cut it off)."""
    if status.dance is not None:
        what = f"{BY_ID[status.dance].name} {100 * status.confidence:.0f}% {status.bpm:.0f} BPM"
    else:
        what = {"silence": "silence", "listening": "listening...", "unsure": "no steady beat / talk"}.get(
            status.phase, status.phase)
    minutes, seconds = divmod(int(status.stream_s), 60)
    lost = f", overflows {status.overflows}" if status.overflows else ""
    reopened = f", reopened {status.reopens}x" if status.reopens else ""
    down = "".join(f" | {p}" for p in problems or [])
    return (f"{what}{down} | CPU {cpu_percent:.0f}% | dropped {status.dropped_s:.1f} s ({status.overruns}{lost}) | "
            f"{status.source_state}{reopened} | {minutes}:{seconds:02d}")


def wants_status_line(mode: str, events_on_stdout: bool, stdout: TextIO | None = None,
                      stderr: TextIO | None = None) -> bool:
    """Whether to show the status line (see the module's docstring)."""
    if mode != "auto":
        return mode == "on"
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if not _isatty(stderr):
        return False
    if not events_on_stdout or _isatty(stdout):
        return True
    try:
        mode_bits = os.fstat(stdout.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return not (stat.S_ISFIFO(mode_bits) or stat.S_ISSOCK(mode_bits))   # a file: nothing comes back here


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, AttributeError):
        return False


class StatusLine:
    """Draws `render()` on stderr every REFRESH_S while started (when `enabled`). `write(line)` puts an
    event line on stdout and log lines go to stderr, both above the status line (it is cleared first
    and drawn again after), so neither stream ever holds part of it."""

    def __init__(self, enabled: bool, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.cpu = CpuMeter()
        self._render: Callable[[], str] | None = None
        self._lock = threading.RLock()
        self._shown = 0                     # characters of the status line on the screen now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handlers: list[tuple[logging.StreamHandler, TextIO]] = []

    def write(self, line: str) -> None:
        """One event line to stdout (thread-safe)."""
        with self._lock:
            self._clear()
            self.stdout.write(line + "\n")
            self.stdout.flush()
            self._draw()

    def start(self, render: Callable[[], str]) -> None:
        """Begin drawing `render()` (no-op when not enabled); log lines on stderr go above it."""
        if not self.enabled:
            return
        self._render = render
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is self.stderr:
                self._handlers.append((handler, handler.setStream(_Above(self, self.stderr))))
        self._thread = threading.Thread(target=self._run, name="dancecore-status", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop drawing and clear the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        with self._lock:
            self._clear()
            self._render = None
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self._handlers = []

    def _run(self) -> None:
        while not self._stop.wait(REFRESH_S):
            with self._lock:
                self._draw()

    def _width(self) -> int:
        """Columns of the terminal on stderr (80 when it does not say)."""
        try:
            columns = os.get_terminal_size(self.stderr.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        return columns or shutil.get_terminal_size().columns or 80

    def _draw(self) -> None:
        if self._render is None:
            return
        text = self._render()[: max(1, self._width() - 1)]   # never wraps: one line to redraw
        self.stderr.write("\r" + text.ljust(self._shown))
        self.stderr.flush()
        self._shown = len(text)

    def _clear(self) -> None:
        if self._shown:
            self.stderr.write("\r" + " " * self._shown + "\r")
            self.stderr.flush()
            self._shown = 0


class _Above:
    """A stderr stand-in for log handlers: clears the status line before a log line, draws it after."""

    def __init__(self, status: StatusLine, stream: TextIO) -> None:
        self.status, self.stream = status, stream

    def write(self, text: str) -> int:
        with self.status._lock:
            self.status._clear()
            written = self.stream.write(text)
            if text.endswith("\n"):
                self.stream.flush()
                self.status._draw()
            return written

    def flush(self) -> None:
        self.stream.flush()
