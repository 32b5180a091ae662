"""Audio input devices through PyAudio (PortAudio): listing, choosing by name or index, loopback.

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


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C-level messages (ALSA/JACK probing chatter) written to file descriptor 2."""
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


def open_portaudio(module: ModuleType) -> Any:
    """A PyAudio instance (a fresh one rescans the devices), without PortAudio's probing chatter.
    JACK is not started just for probing."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    with quiet_stderr():
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


def describe_devices(pa: Any) -> str:
    """The `--list-devices` text: inputs with index, plus the monitor choices of this system."""
    lines = ["Input devices (use --source INDEX or --source NAME):"]
    for d in input_devices(pa):
        lines.append(f"  {d.index:>3}  {d.name}  [{d.host_api}, {d.channels} ch, {d.default_rate} Hz]")
    if len(lines) == 1:
        lines.append("  (none)")
    lines.append("Loopback of what is playing (--source monitor, or monitor:NAME):")
    lines += [f"  {line}" for line in _monitor_choices(pa)]
    return "\n".join(lines)


def resolve(pa: Any, spec: str) -> Device:
    """The device for a --source value: "default", "monitor", "monitor:NAME", an index or a name."""
    devices = input_devices(pa)
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
