"""Audio sources: an input device (PyAudio, with reopen and back-off), a file of any length played at
a set pace (decoded as it plays), decoded samples, raw PCM on stdin. Each writes mono float32 at its
own `rate` (Hz) into a RingBuffer; the engine resamples to the model's rate."""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, BinaryIO, Iterator

import numpy as np

from adapters.config import SourceConfig
from adapters.decode import AudioStream, stream_audio
from adapters.devices import Device, DeviceError, environment, is_jack_spec, open_portaudio, pyaudio_module, resolve
from adapters.ring import RingBuffer

log = logging.getLogger(__name__)

STDIN_DTYPES = {"s16le": ("<i2", 32768.0), "s32le": ("<i4", 2147483648.0), "f32le": ("<f4", 1.0)}


class Source(ABC):
    """Produces mono float32 samples at `rate` Hz into a ring buffer until stopped or finished."""

    label: str = "source"
    rate: int = 0
    overflows: int = 0        # input overflows reported by the device (audio lost before us)
    reopens: int = 0          # times a lost device was opened again
    state: str = "starting"   # human-readable, for the status line

    def open(self) -> None:
        """Open the input (sets `rate`); raises DancecoreError if it cannot. Nothing is written yet."""

    @abstractmethod
    def start(self, ring: RingBuffer) -> None:
        """Begin writing into `ring` (after `open`)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop writing and release the input."""

    @property
    def finished(self) -> bool:
        """True when no more audio will come (end of a file or of stdin)."""
        return False


class PacedSource(Source):
    """Blocks from `_blocks()` played into the ring: at `speed` x real time (1 = real time, writes may
    drop like a device), or with speed 0 as fast as the reader takes it (nothing dropped)."""

    def __init__(self, rate: int, label: str, speed: float = 1.0) -> None:
        self.rate = rate
        self.label = label
        self.speed = speed
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def _blocks(self) -> Iterator[np.ndarray]:
        """Mono float32 blocks at `rate` Hz, to the end."""

    def start(self, ring: RingBuffer) -> None:
        self.state = "playing"
        self._thread = threading.Thread(target=self._play, args=(ring,), name="dancecore-file", daemon=True)
        self._thread.start()

    def _play(self, ring: RingBuffer) -> None:
        begin = time.monotonic()
        played = 0
        blocks = self._blocks()
        try:
            for block in blocks:
                if self._stop.is_set():
                    break
                if self.speed > 0:
                    delay = begin + played / self.rate / self.speed - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                    ring.write(block)
                else:
                    ring.write_waiting(block, self._stop)
                played += len(block)
        except Exception as exc:  # a decoder failing mid-file: what was played stands, the source ends
            log.warning("%s: reading stopped: %s", self.label, exc)
        finally:
            close = getattr(blocks, "close", None)
            if close is not None:
                close()
            self.state = "stopped" if self._stop.is_set() else "finished"
            self._done.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def finished(self) -> bool:
        return self._done.is_set()


class ArraySource(PacedSource):
    """Decoded audio (mono float32 `samples` at `rate` Hz) played in blocks of `block_s`."""

    def __init__(self, samples: np.ndarray, rate: int, label: str, speed: float = 1.0, block_s: float = 0.05) -> None:
        super().__init__(rate, label, speed)
        self.samples = np.asarray(samples, dtype=np.float32)
        self.block = max(1, int(block_s * rate))

    def _blocks(self) -> Iterator[np.ndarray]:
        for start in range(0, len(self.samples), self.block):
            yield self.samples[start:start + self.block]


class FileSource(PacedSource):
    """A file of any length and any format dancecore reads, decoded as it plays (adapters.decode):
    a whole DJ set plays to its end. `open` checks the file (one-line AudioError)."""

    def __init__(self, path: str, rate: int, speed: float = 1.0, block_s: float = 0.05) -> None:
        super().__init__(rate, f"file:{path}", speed)
        self.path = path
        self.block_s = block_s
        self._stream: AudioStream | None = None

    def open(self) -> None:
        self._stream = stream_audio(self.path, self.rate, self.block_s)
        self.rate = self._stream.rate

    def _blocks(self) -> Iterator[np.ndarray]:
        assert self._stream is not None, "open() first"
        return self._stream.blocks


class StdinSource(Source):
    """Raw interleaved PCM from a byte stream (stdin): s16le, s32le or f32le at `rate` Hz. Reading
    waits for room in the ring, so a pipe is processed as fast as the engine goes."""

    def __init__(self, stream: BinaryIO, rate: int, channels: int, sample_format: str, block_s: float = 0.05) -> None:
        self.stream = stream
        self.rate = rate
        self.channels = channels
        self.dtype, self.scale = STDIN_DTYPES[sample_format]
        self.frame_bytes = np.dtype(self.dtype).itemsize * channels
        self.block_bytes = max(1, int(block_s * rate)) * self.frame_bytes
        self.label = f"stdin ({sample_format}, {rate} Hz, {channels} ch)"
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, ring: RingBuffer) -> None:
        self.state = "reading"
        self._thread = threading.Thread(target=self._read, args=(ring,), name="dancecore-stdin", daemon=True)
        self._thread.start()

    def _read(self, ring: RingBuffer) -> None:
        pending = b""
        while not self._stop.is_set():
            data = self.stream.read(self.block_bytes)
            if not data:
                break
            pending += data
            whole = len(pending) // self.frame_bytes * self.frame_bytes
            if whole:
                pcm = np.frombuffer(pending[:whole], dtype=self.dtype).astype(np.float32) / self.scale
                ring.write_waiting(pcm.reshape(-1, self.channels).mean(axis=1), self._stop)
                pending = pending[whole:]
        self.state = "stopped" if self._stop.is_set() else "finished"
        self._done.set()

    def stop(self) -> None:
        self._stop.set()  # a read blocked on an idle pipe ends with the process (daemon thread)

    @property
    def finished(self) -> bool:
        return self._done.is_set()


class DeviceSource(Source):
    """A PortAudio input chosen by --source (see adapters.devices.resolve). The callback only copies
    into the ring; a supervisor thread reopens the device with exponential back-off when it stops
    delivering (unplugged, server restarted) while the rest of the adapter keeps running.

    A JACK input (`jack:NAME`) cannot be reopened in this process once its server went away: its
    PortAudio instance is left as it is (terminating it would abort the process) and the state says
    to restart the adapter; everything else keeps running."""

    def __init__(self, spec: str, rate: int | None = None, channels: int | None = None, block_s: float = 0.05,
                 stall_s: float = 3.0, reopen_max_s: float = 10.0) -> None:
        self.spec = spec
        self.requested_rate = rate
        self.requested_channels = channels
        self.block_s = block_s
        self.stall_s = stall_s
        self.reopen_max_s = reopen_max_s
        self.label = f"device {spec}"
        self._module = pyaudio_module(loopback=spec.startswith("monitor"))
        self._jack = is_jack_spec(spec)
        self._abandoned: tuple[Any, Any] | None = None   # a lost JACK input's PortAudio, never closed
        self._pa: Any = None
        self._stream: Any = None
        self._channels = 1
        self._ring: RingBuffer | None = None
        self._last_audio = time.monotonic()
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None

    def open(self) -> None:
        self._open(start=False)

    def start(self, ring: RingBuffer) -> None:
        self._ring = ring
        self._last_audio = time.monotonic()
        self._stream.start_stream()
        self._supervisor = threading.Thread(target=self._supervise, name="dancecore-device", daemon=True)
        self._supervisor.start()

    def _open(self, start: bool) -> None:
        """Resolve the device afresh (indices change when devices come and go) and open the stream."""
        pa = open_portaudio(self._module, jack=self._jack)
        try:
            device = resolve(pa, self.spec)
            rate = self.rate or self.requested_rate or device.default_rate
            channels = self._pick_channels(pa, device, rate)
            with environment(device.env):
                stream = pa.open(format=self._module.paFloat32, channels=channels, rate=rate, input=True,
                                 input_device_index=device.index, frames_per_buffer=max(64, int(self.block_s * rate)),
                                 stream_callback=self._callback, start=False)
                self._channels = channels
                self._last_audio = time.monotonic()
                if start:
                    stream.start_stream()
        except (OSError, ValueError) as exc:
            pa.terminate()
            raise DeviceError(f"cannot open input {self.spec!r}: {exc}; check `dancecore live --list-devices`") from None
        except DeviceError:
            pa.terminate()
            raise
        self._pa, self._stream, self.rate = pa, stream, rate
        self.label = f"{device.name} ({rate} Hz)"
        self.state = "recording"

    def _pick_channels(self, pa: Any, device: Device, rate: int) -> int:
        """The requested channel count, else mono if the device offers it, else its (up to 2) channels."""
        candidates = [self.requested_channels] if self.requested_channels else [1, min(2, device.channels)]
        for channels in candidates:
            try:
                if pa.is_format_supported(rate, input_device=device.index, input_channels=channels,
                                          input_format=self._module.paFloat32):
                    return channels
            except ValueError:
                continue
        raise DeviceError(f"{device.name} cannot record {candidates[-1]} channel(s) at {rate} Hz; "
                          "set source.rate/channels to what it offers")

    def _callback(self, in_data: bytes, frame_count: int, time_info: Any, status: int) -> tuple[None, int]:
        """PortAudio thread: copy, downmix, hand over; never waits for the engine."""
        samples = np.frombuffer(in_data, dtype=np.float32)
        if self._channels > 1:
            samples = samples.reshape(-1, self._channels).mean(axis=1)
        self._ring.write(samples)  # type: ignore[union-attr]  # set before the stream starts
        if status & self._module.paInputOverflow:
            self.overflows += 1
        self._last_audio = time.monotonic()
        return None, self._module.paContinue

    def _alive(self) -> bool:
        try:
            active = self._stream is not None and self._stream.is_active()
        except OSError:
            return False
        return active and time.monotonic() - self._last_audio < self.stall_s

    def _supervise(self) -> None:
        delay = 0.5
        while not self._stop.wait(0.25):
            if self._alive():
                continue
            reason = "the device stopped delivering audio"
            if self._jack:
                self._abandoned, self._stream, self._pa = (self._pa, self._stream), None, None   # see the docstring
                self.state = "lost (JACK input gone); restart dancecore live to record from JACK again"
                log.warning("input %s lost: %s; a JACK input cannot be reopened: restart dancecore live",
                            self.spec, reason)
                return
            log.warning("input %s lost: %s; reopening", self.spec, reason)
            self._close()
            while not self._stop.is_set():
                self.state = f"lost ({reason}); retry in {delay:.1f} s"
                if self._stop.wait(delay):
                    return
                try:
                    self._open(start=True)
                except DeviceError as exc:
                    reason = str(exc)
                    delay = min(2 * delay, self.reopen_max_s)
                    continue
                self.reopens += 1
                log.warning("input %s reopened", self.spec)
                delay = 0.5
                break

    def _close(self) -> None:
        stream, pa = self._stream, self._pa
        self._stream = self._pa = None
        with contextlib.suppress(Exception):  # a vanished device fails in many ways on close
            if stream is not None:
                stream.stop_stream()
                stream.close()
        with contextlib.suppress(Exception):
            if pa is not None:
                pa.terminate()

    def stop(self) -> None:
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        self._close()
        self.state = "stopped"


def make_source(config: SourceConfig, model_rate: int, stdin: BinaryIO | None = None) -> Source:
    """The source a --source value names: file:PATH, stdin, or a device (monitor, default, index, name)."""
    name = config.name
    if name.startswith("file:"):
        return FileSource(name[5:], model_rate, config.speed, config.block_s)
    if name == "stdin":
        if stdin is None:
            raise DeviceError("--source stdin needs audio piped in")
        return StdinSource(stdin, config.rate or 44100, config.channels or 2, config.stdin_format, config.block_s)
    return DeviceSource(name, config.rate, config.channels, config.block_s, config.stall_s, config.reopen_max_s)
