"""`dancecore live`: listen to what is playing and announce the dance over OSC, MIDI and the console.

The adapter lives in the `adapters` package (extra `dancecore[live]`); it is imported only when
this command runs, so the core never depends on it. The announcers' flags come from their registry
(adapters.announcers.registry), which imports no protocol library, so `--help` needs no extra.
"""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from adapters.announcers import registry
from dancecore.errors import DancecoreError

DESCRIPTION = (
    "Listen to an input, the computer's own output (monitor), a file or stdin, and announce each song's "
    "dance a few seconds in. Options come from --config (see configs/adapter.yaml); flags override them. "
    "Ctrl-C stops.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore live`'s arguments on `p` and set its `run`."""
    p.add_argument("--config", metavar="YAML", help="adapter configuration (default: built-in defaults)")
    p.add_argument("--list-devices", action="store_true", help="list input devices and loopback choices, then exit")
    p.add_argument("--source", metavar="SRC", help="monitor (what this computer plays; monitor:SINK for another "
                   "output), default, a device NAME or INDEX, file:PATH (played in real time), or stdin (raw PCM)")
    p.add_argument("--status", choices=["auto", "on", "off"], help="status line (default: on a terminal)")
    p.add_argument("--model", metavar="PATH", help="model file (default: the model shipped in the package)")
    p.add_argument("--hop", type=float, metavar="S", help="score a new window every S seconds (default 1)")
    p.add_argument("--min-confidence", type=float, metavar="P", help="announce from this probability (default: the model's)")
    p.add_argument("--speed", type=float, metavar="X", help="file: pacing: 1 = real time, 0 = as fast as possible")
    p.add_argument("--rate", type=int, metavar="HZ", help="device rate to open, or the rate of PCM on stdin")
    p.add_argument("--channels", type=int, metavar="N", help="device channels to open, or channels of PCM on stdin")
    p.add_argument("--stdin-format", choices=["s16le", "s32le", "f32le"], help="sample format of PCM on stdin")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    registry.add_flags(p)
    p.set_defaults(run=run)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The configuration options the flags set (nested like the YAML)."""
    flags: dict[str, dict[str, Any]] = {"source": {}, "engine": {}, "tracker": {}}
    for flag, section, key in [("source", "source", "name"), ("hop", "engine", "hop_s"),
                               ("min_confidence", "tracker", "min_confidence"), ("speed", "source", "speed"),
                               ("rate", "source", "rate"), ("channels", "source", "channels"),
                               ("stdin_format", "source", "stdin_format")]:
        value = getattr(args, flag)
        if value is not None:
            flags[section][key] = value
    out: dict[str, Any] = {section: values for section, values in flags.items() if values}
    out.update(registry.flag_overrides(args))
    if args.model is not None:
        out["model"] = args.model
    if args.status is not None:
        out["status"] = args.status
    return out


def run(args: argparse.Namespace) -> int:
    try:
        from adapters.app import LiveAdapter
        from adapters.config import load_config, with_overrides
        from adapters.devices import describe_devices, pyaudio_module
        from adapters.status import StatusLine, format_status, wants_status_line
    except ImportError as exc:
        raise DancecoreError(f"dancecore live needs the live extras ({exc.name} is missing); "
                             "run `pip install \"dancecore[live]\"`") from None
    config = with_overrides(load_config(args.config), overrides(args))
    if args.list_devices:
        print(describe_devices(pyaudio_module(loopback=config.source.name.startswith("monitor"))))
        return 0
    if args.duration is not None and args.duration <= 0:
        raise DancecoreError(f"--duration must be a positive number of seconds, got {args.duration}")
    if config.source.name == "stdin" and sys.stdin.isatty():
        raise DancecoreError("--source stdin reads raw PCM from a pipe, e.g. "
                             "`ffmpeg -i song.mp3 -f s16le -ac 2 -ar 44100 - | dancecore live --source stdin`")
    status = StatusLine(wants_status_line(config.status, events_on_stdout=config.console.enabled))
    adapter = LiveAdapter(config, stdin=sys.stdin.buffer if config.source.name == "stdin" else None,
                          write=status.write)
    for notice in adapter.start():
        print(f"dancecore live: {notice}", file=sys.stderr, flush=True)
    print(f"dancecore live: listening to {adapter.source.label} with model {adapter.classifier.model.name} "
          f"(a window every {adapter.stream.hop_s:.2f} s); Ctrl-C stops", file=sys.stderr, flush=True)

    def line() -> str:
        return format_status(adapter.engine.status(), status.cpu.update(), adapter.announcers.problems())

    def on_signal(*_: Any) -> None:
        adapter.request_stop()
        signal.signal(signal.SIGINT, previous[signal.SIGINT])   # a second Ctrl-C interrupts at once

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    status.start(line)
    try:
        adapter.run(args.duration)
    finally:
        status.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    dances = sum(1 for e in adapter.events if e.kind == "dance" and not e.not_sure)
    failed = ", ".join(f"{name} failed {n}x" for name, n in adapter.announcers.failures.items() if n)
    print(f"dancecore live: stopped; {dances} announcement(s); {line()}" + (f"; {failed}" if failed else ""),
          file=sys.stderr, flush=True)
    return 0
