"""A bounded ring buffer of mono float32 samples between an audio callback and a worker thread.

`write` never waits for the reader: what does not fit is dropped and counted. The lock is held
only for a copy, so the audio callback is never held up by slow processing.
"""
from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Single-producer single-consumer FIFO of float32 samples with a fixed capacity (samples)."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"ring capacity must be positive, got {capacity}")
        self._data = np.zeros(capacity, dtype=np.float32)
        self._read = 0          # total samples read
        self._written = 0       # total samples written
        self._lock = threading.Lock()
        self._readable = threading.Condition(self._lock)
        self.dropped = 0        # samples lost because the buffer was full
        self.overruns = 0       # writes that lost samples

    @property
    def capacity(self) -> int:
        """Samples the buffer holds when full."""
        return len(self._data)

    def __len__(self) -> int:
        with self._lock:
            return self._written - self._read

    def write(self, samples: np.ndarray) -> int:
        """Append samples without waiting; returns how many fitted (the rest is counted as dropped)."""
        samples = np.asarray(samples, dtype=np.float32).ravel()
        with self._lock:
            free = self.capacity - (self._written - self._read)
            n = min(len(samples), free)
            if n < len(samples):
                self.dropped += len(samples) - n
                self.overruns += 1
            self._copy_in(samples[:n])
            self._readable.notify()
        return n

    def write_waiting(self, samples: np.ndarray, stop: threading.Event) -> None:
        """Append all samples, waiting for room (for sources that can be paused: files, pipes)."""
        samples = np.asarray(samples, dtype=np.float32).ravel()
        while len(samples) and not stop.is_set():
            with self._lock:
                n = min(len(samples), self.capacity - (self._written - self._read))
                self._copy_in(samples[:n])
                self._readable.notify()
            samples = samples[n:]
            if len(samples):
                stop.wait(0.01)

    def read(self, max_samples: int, timeout_s: float) -> np.ndarray:
        """Up to `max_samples` samples, waiting at most `timeout_s` for any (empty array if none)."""
        with self._lock:
            if self._written == self._read:
                self._readable.wait(timeout_s)
            n = min(max_samples, self._written - self._read)
            start = self._read % self.capacity
            first = min(n, self.capacity - start)
            out = np.concatenate([self._data[start:start + first], self._data[:n - first]])
            self._read += n
        return out

    def _copy_in(self, samples: np.ndarray) -> None:
        """Copy samples (that fit) after the last written one; caller holds the lock."""
        n = len(samples)
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._data[start:start + first] = samples[:first]
        self._data[:n - first] = samples[first:]
        self._written += n
