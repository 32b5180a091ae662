"""Real servers for the live adapter's tests, started in user space and stopped afterwards:
a PulseAudio daemon with a null sink, a JACK server on the dummy driver, an OSC receiver and a
JACK MIDI listener. A server whose program is missing makes the test skip with the package name."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]


def need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} not installed (apt-get install {package})")
    return path


def wait_for(check: Any, timeout_s: float, what: str) -> Any:
    """Poll `check()` until it returns something true; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")


class Pulse:
    """A private PulseAudio daemon (its own runtime folder) with a null sink `sink`; `env` points
    clients (pactl, paplay, PortAudio's ALSA `pulse` device) at it. `restart()` kills and restarts it."""

    def __init__(self, sink: str = "dc_test") -> None:
        self.pulseaudio = need("pulseaudio", "pulseaudio")
        need("pactl", "pulseaudio-utils")
        self.sink = sink
        self.folder = Path(tempfile.mkdtemp(prefix="dc-pulse-"))
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(self.folder), "PULSE_RUNTIME_PATH": str(self.folder / "pulse"),
                    "PULSE_SERVER": f"unix:{self.folder / 'pulse' / 'native'}", "HOME": str(self.folder)}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.pulseaudio, "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n", "--use-pid-file=no",
             f"--load=module-null-sink sink_name={self.sink}", "--load=module-native-protocol-unix"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: f"{self.sink}.monitor" in self.pactl("list", "short", "sources"), 30, "the PulseAudio null sink")

    def pactl(self, *args: str) -> str:
        proc = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=False)
        return proc.stdout if proc.returncode == 0 else ""

    def play(self, wav: Path, timeout_s: float) -> None:
        """Play a file into the null sink with paplay, returning when it has been played."""
        subprocess.run(["paplay", f"--device={self.sink}", str(wav)], env=self.env, check=True, timeout=timeout_s)

    def stop(self) -> None:
        end_process(self.proc)
        self.proc = None

    def restart(self, down_s: float) -> None:
        """The sound server goes away for `down_s` seconds, then comes back (devices vanish meanwhile)."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def end_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate a server process that is still running (kill it after 10 s) and reap it."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextlib.contextmanager
def pulse_server(sink: str = "dc_test") -> Iterator[Pulse]:
    need("paplay", "pulseaudio-utils")
    pulse = Pulse(sink)
    try:
        pulse.start()
        yield pulse
    finally:
        pulse.close()


class Jack:
    """A JACK server on the dummy driver under a unique name (`name`, for JACK_DEFAULT_SERVER);
    `stop()` and `start()` take it away and bring it back under the same name."""

    def __init__(self) -> None:
        self.jackd = need("jackd", "jackd2")
        self.name = f"dc_test_{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1", "JACK_NO_START_SERVER": "1"}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # -t: a generous client time-out (ms), so a loaded CI machine does not get the test clients dropped
        self.proc = subprocess.Popen([self.jackd, "--no-realtime", "-t", "5000", "-n", self.name, "-d", "dummy",
                                      "-r", "48000", "-p", "256"],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import rtmidi

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jackd exited with status {self.proc.returncode}")
            try:
                with quiet_c_stderr():
                    rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="probe").delete()
                return True
            except rtmidi.SystemError:
                return False

        with env_var("JACK_DEFAULT_SERVER", self.name):
            wait_for(up, 30, "the JACK server")

    def stop(self) -> None:
        end_process(self.proc)
        self.proc = None


@contextlib.contextmanager
def jack_server() -> Iterator[Jack]:
    """A running `Jack` (stopped afterwards)."""
    jack = Jack()
    try:
        jack.start()
        yield jack
    finally:
        jack.stop()


@contextlib.contextmanager
def env_var(key: str, value: str) -> Iterator[None]:
    saved = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = saved


@contextlib.contextmanager
def quiet_c_stderr() -> Iterator[None]:
    from adapters.devices import quiet_stderr

    with quiet_stderr():
        yield


class OscReceiver:
    """A python-osc UDP server on 127.0.0.1 (free port; one thread, so arrival order is kept) recording (monotonic time, address, args)."""

    def __init__(self) -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        self.messages: list[tuple[float, str, list[Any]]] = []
        self._lock = threading.Lock()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._record)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _record(self, address: str, *args: Any) -> None:
        with self._lock:
            self.messages.append((time.monotonic(), address, list(args)))

    def received(self) -> list[tuple[float, str, list[Any]]]:
        with self._lock:
            return list(self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class MidiListener:
    """A second JACK MIDI client reading from the first port whose name contains `port`.

    It polls instead of registering a Python callback: a callback runs Python on JACK's process
    thread, and closing the client can end that thread while it holds the GIL (a hang seen here).
    """

    def __init__(self, port: str = "dancecore", timeout_s: float = 30.0) -> None:
        import rtmidi

        with quiet_c_stderr():
            self.midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="listener")
        self.midi_in.ignore_types(sysex=True, timing=False, active_sense=True)
        index = wait_for(lambda: next((i + 1 for i, p in enumerate(self.midi_in.get_ports()) if port in p), 0),
                         timeout_s, f"a MIDI port named {port!r}") - 1
        self.messages: list[tuple[float, list[int]]] = []
        self.midi_in.open_port(index, "in")
        self._stop = threading.Event()
        self._poller = threading.Thread(target=poll_midi, args=(self.midi_in, self.messages, self._stop), daemon=True)
        self._poller.start()

    def close(self) -> None:
        self._stop.set()
        self._poller.join()
        self.midi_in.close_port()
        self.midi_in.delete()


def poll_midi(midi_in: Any, messages: list[tuple[float, list[int]]], stop: threading.Event) -> None:
    """Append (arrival time, message) from `midi_in` every half millisecond until `stop` is set."""
    while not stop.is_set():
        got = midi_in.get_message()
        if got is None:
            time.sleep(0.0005)
        else:
            messages.append((time.monotonic(), got[0]))


class Adapter:
    """`python -m dancecore live ARGS` as a child process; stdout and stderr lines collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "dancecore", "live", *args], cwd=REPO,
                                     env={**env, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(pipe, lines), daemon=True)
                         for pipe, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(pipe: Any, lines: list[str]) -> None:
        for line in pipe:
            lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout_s: float) -> None:
        """Wait until stderr shows `text`; fail with what it said if the adapter exits first."""
        def seen() -> bool:
            if self.proc.poll() is not None:
                for reader in self._readers:
                    reader.join(5)
                raise AssertionError(f"the adapter exited early ({self.proc.returncode}): {self.stderr}")
            return any(text in line for line in self.stderr)
        wait_for(seen, timeout_s, f"{text!r} from the adapter")

    def events(self) -> list[dict[str, Any]]:
        """The JSON events printed so far."""
        return [json.loads(line) for line in list(self.stdout) if line.startswith("{")]

    def interrupt(self, timeout_s: float = 60) -> tuple[int, list[dict[str, Any]]]:
        """Ctrl-C; the exit status and the JSON events it printed."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout_s)
        for reader in self._readers:
            reader.join(10)
        return self.proc.returncode, self.events()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
