"""Audio input devices through PyAudio (PortAudio): listing, choosing by name or index, loopback.

PortAudio's JACK host API stays off unless the source is a JACK input (`jack`, `jack:NAME`): once
initialised it holds a JACK client, and PortAudio aborts the whole process (pa_jack.c: assertion in
Terminate) when that client's server has gone away by the time the instance is terminated, which
every reopen of a lost device and every stop does.

"monitor" means what the computer is playing:
- Linux: the `.monitor` source of the default PulseAudio/PipeWire sink (`pactl`), recorded through
  the ALSA `pulse` device (libasound2-plugins, or pipewire-alsa) with PULSE_SOURCE set;
- macOS: a BlackHole input device (the output must go to a Multi-Output Device holding it);
- Windows: WASAPI loopback of the default output through PyAudioWPatch.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Iterator

from dancecore.errors import DancecoreError


class DeviceError(DancecoreError):
    """An audio device that cannot be found or opened."""


@dataclass(frozen=True)
class Device:
    """A PortAudio input: index, name, host API, input channels, default rate (Hz), and the environment
    variables (e.g. PULSE_SOURCE) that must be set while it is opened."""

    index: int
    name: str
    host_api: str
    channels: int
    default_rate: int
    env: dict[str, str] = field(default_factory=dict)


JACK_HOST_API = "JACK Audio Connection Kit"
_NO_JACK_SERVER = f"dancecore-no-jack-{os.getpid()}"   # a JACK server name nobody runs
_NATIVE = threading.RLock()   # one native audio/MIDI set-up at a time: they share fd 2 and the environment


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C-level messages (ALSA/JACK probing chatter) written to file descriptor 2. Holds the
    lock that serialises native set-ups (PortAudio, rtmidi, libjack clients) across threads."""
    with _NATIVE:
        try:
            saved = os.dup(2)
        except OSError:
            yield
            return
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def pyaudio_module(loopback: bool = False) -> ModuleType:
    """PyAudio, or on Windows PyAudioWPatch when installed (required for loopback)."""
    if sys.platform == "win32":
        try:
            import pyaudiowpatch
            return pyaudiowpatch
        except ImportError:
            if loopback:
                raise DeviceError("recording what Windows plays needs PyAudioWPatch; "
                                  "run `pip install PyAudioWPatch`") from None
    try:
        import pyaudio
    except ImportError:
        raise DeviceError("live audio needs PyAudio; run `pip install \"dancecore[live]\"`") from None
    return pyaudio


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables (e.g. PULSE_SOURCE) for the duration of the block, holding the lock
    of native set-ups (no other thread opens a device or a MIDI port meanwhile)."""
    with _NATIVE:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def is_jack_spec(spec: str) -> bool:
    """True for the --source values naming a JACK input: `jack` or `jack:NAME`."""
    return spec == "jack" or spec.startswith("jack:")


def open_portaudio(module: ModuleType, jack: bool = False) -> Any:
    """A PyAudio instance (a fresh one rescans the devices), without PortAudio's probing chatter.
    jack: let PortAudio's JACK host API connect to a running JACK server; otherwise it is pointed at
    a server name nobody runs, so it holds no JACK client (see the module's docstring). JACK is never
    started just for probing."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    with quiet_stderr(), environment({} if jack else {"JACK_DEFAULT_SERVER": _NO_JACK_SERVER}):
        return module.PyAudio()


def input_devices(pa: Any) -> list[Device]:
    """Every device with at least one input channel."""
    out = []
    for i in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(i)
        if int(info["maxInputChannels"]) > 0:
            api = pa.get_host_api_info_by_index(info["hostApi"])["name"]
            out.append(Device(i, str(info["name"]), str(api), int(info["maxInputChannels"]),
                              int(info["defaultSampleRate"])))
    return out


def describe_devices(module: ModuleType) -> str:
    """The `--list-devices` text: inputs with index, the JACK inputs when a JACK server runs, and the
    monitor choices of this system."""
    pa = open_portaudio(module)
    try:
        lines = ["Input devices (use --source INDEX or --source NAME):"]
        lines += [f"  {d.index:>3}  {d.name}  [{d.host_api}, {d.channels} ch, {d.default_rate} Hz]"
                  for d in input_devices(pa)] or ["  (none)"]
        lines.append("Loopback of what is playing (--source monitor, or monitor:NAME):")
        lines += [f"  {line}" for line in _monitor_choices(pa)]
    finally:
        pa.terminate()
    pa = open_portaudio(module, jack=True)
    try:
        jack = [d for d in input_devices(pa) if d.host_api == JACK_HOST_API]
    finally:
        pa.terminate()
    lines.append("JACK inputs (--source jack:NAME):")
    lines += ([f"  jack:{d.name}  [{d.channels} ch, {d.default_rate} Hz]" for d in jack]
              or ["  (no JACK server running)"])
    return "\n".join(lines)


def resolve(pa: Any, spec: str) -> Device:
    """The device for a --source value: "default", "monitor", "monitor:NAME", "jack", "jack:NAME" (from
    a PortAudio opened with `jack=True`), an index or a name."""
    devices = input_devices(pa)
    if is_jack_spec(spec):
        jack = [d for d in devices if d.host_api == JACK_HOST_API]
        if not jack:
            raise DeviceError("PortAudio finds no JACK inputs: start the JACK server first, or pick another --source")
        name = spec.partition(":")[2]
        return _by_name(jack, name) if name else jack[0]
    if not devices:
        raise DeviceError("no audio input devices found; connect one, or use --source file:PATH or --source stdin")
    if spec == "default":
        try:
            index = int(pa.get_default_input_device_info()["index"])
        except (OSError, IOError):
            raise DeviceError("there is no default input device; pick one from `dancecore live --list-devices`") from None
        return _by_index(devices, index)
    if spec == "monitor" or spec.startswith("monitor:"):
        return _monitor(pa, devices, spec.partition(":")[2] or None)
    if spec.isdigit():
        return _by_index(devices, int(spec))
    return _by_name(devices, spec)


def _by_index(devices: list[Device], index: int) -> Device:
    for d in devices:
        if d.index == index:
            return d
    raise DeviceError(f"no input device with index {index}; see `dancecore live --list-devices`")


def _by_name(devices: list[Device], name: str) -> Device:
    """Exact name (case-insensitive) first, else the only device whose name contains `name`."""
    exact = [d for d in devices if d.name.lower() == name.lower()]
    if exact:
        return exact[0]
    partial = [d for d in devices if name.lower() in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = "; ".join(f"{d.index}: {d.name}" for d in partial)
        raise DeviceError(f"{name!r} matches several input devices ({names}); give the index or the full name")
    raise DeviceError(f"no input device named {name!r}; see `dancecore live --list-devices`")


def _monitor(pa: Any, devices: list[Device], name: str | None) -> Device:
    if sys.platform == "win32":
        return _wasapi_loopback(pa, name)
    if sys.platform == "darwin":
        matches = [d for d in devices if "blackhole" in d.name.lower() or (name and name.lower() in d.name.lower())]
        if not matches:
            raise DeviceError("no BlackHole device found: install BlackHole and send the output to a "
                              "Multi-Output Device that includes it (see docs/LIVE.md)")
        return matches[0]
    source = _pulse_monitor_source(name)
    pulse = [d for d in devices if d.name == "pulse"]
    if not pulse:
        raise DeviceError("PortAudio has no ALSA 'pulse' device to record the monitor through; "
                          "install libasound2-plugins (PulseAudio) or pipewire-alsa (PipeWire)")
    return Device(pulse[0].index, f"{source} (via pulse)", pulse[0].host_api, min(2, pulse[0].channels),
                  pulse[0].default_rate, env={"PULSE_SOURCE": source})


def _pactl(*args: str) -> str:
    """Output of a pactl command; DeviceError when there is no PulseAudio/PipeWire server."""
    pactl = shutil.which("pactl")
    if pactl is None:
        raise DeviceError("--source monitor needs pactl (pulseaudio-utils) to find the output's monitor; "
                          "install it or give a device with --source")
    proc = subprocess.run([pactl, *args], capture_output=True, text=True, timeout=10, check=False)
    if proc.returncode != 0:
        raise DeviceError("no PulseAudio/PipeWire server answers (pactl failed); start it or give a device with --source")
    return proc.stdout


def _pulse_monitor_source(name: str | None) -> str:
    """Source name of the monitor of sink `name` (or of the default sink), checked to exist."""
    sources = [line.split("\t")[1] for line in _pactl("list", "short", "sources").splitlines() if "\t" in line]
    if name is None:
        name = _pactl("get-default-sink").strip()
        if not name:
            raise DeviceError("the sound server has no default output (sink); give one with --source monitor:SINK")
    source = name if name.endswith(".monitor") else f"{name}.monitor"
    if source not in sources:
        monitors = ", ".join(s for s in sources if s.endswith(".monitor")) or "none"
        raise DeviceError(f"no monitor source {source!r}; monitors here: {monitors}")
    return source


def _wasapi_loopback(pa: Any, name: str | None) -> Device:
    """A WASAPI loopback device of PyAudioWPatch: the default output's, or the one named."""
    try:
        if name is None:
            info = pa.get_default_wasapi_loopback()
        else:
            found = [i for i in pa.get_loopback_device_info_generator() if name.lower() in i["name"].lower()]
            if not found:
                raise DeviceError(f"no WASAPI loopback device named {name!r}; see `dancecore live --list-devices`")
            info = found[0]
    except AttributeError:
        raise DeviceError("loopback needs PyAudioWPatch; run `pip install PyAudioWPatch`") from None
    except OSError:
        raise DeviceError("WASAPI offers no loopback of the default output; check the sound settings") from None
    return Device(int(info["index"]), str(info["name"]), "Windows WASAPI", int(info["maxInputChannels"]),
                  int(info["defaultSampleRate"]))


def _monitor_choices(pa: Any) -> list[str]:
    """Human lines naming the loopback choices on this system."""
    if sys.platform == "win32":
        try:
            return [f"monitor:{i['name']}" for i in pa.get_loopback_device_info_generator()] or ["(none)"]
        except AttributeError:
            return ["install PyAudioWPatch for WASAPI loopback"]
    if sys.platform == "darwin":
        return [d.name for d in input_devices(pa) if "blackhole" in d.name.lower()] or ["(no BlackHole device)"]
    try:
        default = _pactl("get-default-sink").strip()
        sources = [line.split("\t")[1] for line in _pactl("list", "short", "sources").splitlines() if "\t" in line]
    except DeviceError as exc:
        return [f"(unavailable: {exc})"]
    return [f"monitor:{s.removesuffix('.monitor')}{'  (default output: --source monitor)' if s == default + '.monitor' else ''}"
            for s in sources if s.endswith(".monitor")] or ["(no monitor sources)"]
