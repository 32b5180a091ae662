"""An announcer is one file. tests/event_log_announcer.py declares a new protocol (an event log: each
event as a JSON line appended to a file) in one module; with it imported, `dancecore live` has its YAML
section and its flag, builds it and hands it the events of a real song. The built-in protocols come from
the same registry, whose import needs no protocol library."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adapters.announcers.registry import (
    AnnouncerKind,
    BuildContext,
    Flag,
    kinds,
    register,
)
from adapters.announcers.web import WebAnnouncer
from adapters.app import build_announcers
from adapters.config import config_from_dict, with_overrides
from dancecore.audio import load_audio
from dancecore.cli import build_parser
from dancecore.cli.live import overrides
from dancecore.errors import ConfigError

TESTS = Path(__file__).resolve().parent
SR = 22050
# what the live extra, the web extra and inference bring: none is needed to list `dancecore live`'s flags
PROTOCOL_LIBRARIES = ("pyaudio", "rtmidi", "pythonosc", "psutil", "rich", "threadpoolctl", "onnxruntime", "fastapi",
                      "uvicorn")


def dancecore(*argv: str, prelude: str = "import event_log_announcer", timeout_s: float = 300
              ) -> subprocess.CompletedProcess[str]:
    """`dancecore ARGV` in a fresh Python that runs `prelude` first (by default: imports the one-file
    event-log announcer, which registers it, as a plug-in would)."""
    code = f"import sys; {prelude}; from dancecore.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=TESTS, capture_output=True, text=True,
                          timeout=timeout_s, env={**os.environ, "PYTHONPATH": str(TESTS)})


def test_a_one_file_announcer_gets_its_section_its_flag_and_the_events(song_labels, model_path: Path,
                                                                       tmp_path: Path) -> None:
    """The YAML section picks the events (no tempo), the flag names the file; the log holds exactly the
    dance and silence events `--json` prints, then the announcer's own last line from its stop()."""
    row = next(r for r in song_labels if r["dance"] == "samba")
    music = load_audio(row["path"], sr=SR, max_duration_s=60).samples[30 * SR:]
    wav = tmp_path / "samba.wav"
    sf.write(wav, np.concatenate([music, np.zeros(4 * SR, np.float32)]), SR, subtype="PCM_16")
    config = tmp_path / "adapter.yaml"
    config.write_text("event_log:\n  events: [dance, silence]\n")
    log = tmp_path / "events.jsonl"
    run = dancecore("live", "--config", str(config), "--event-log", str(log), "--source", f"file:{wav}",
                    "--speed", "0", "--json", "--min-confidence", "0", "--status", "off", "--model", str(model_path))
    assert run.returncode == 0, run.stderr

    printed = [json.loads(line) for line in run.stdout.splitlines()]
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert "dance" in [e["event"] for e in printed] and "silence" in [e["event"] for e in printed], printed
    assert logged == [e for e in printed if e["event"] in ("dance", "silence")] + [{"event": "stopped"}]
    assert "event log failed" not in run.stderr


def test_the_one_file_announcer_is_in_help_and_its_options_are_checked(tmp_path: Path) -> None:
    shown = dancecore("live", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "event log:\n  --event-log PATH" in shown.stdout
    assert "append each event as a JSON line to PATH" in shown.stdout

    bad = tmp_path / "adapter.yaml"
    bad.write_text("event_log:\n  paht: x.jsonl\n")
    refused = dancecore("live", "--config", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"dancecore: error: {bad}: event_log.paht: unknown option; "
                                      "known here: path, events")
    bad.write_text("event_log:\n  events: [dance, talk]\n")
    refused = dancecore("live", "--config", str(bad))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert refused.stderr.startswith(f"dancecore: error: {bad}: event_log.events.1: Input should be 'dance'")


def test_live_help_needs_no_protocol_library() -> None:
    """The registry and the protocol modules import their libraries only where a port opens, so
    `dancecore live --help` lists every protocol's flags even where none of them is installed."""
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in PROTOCOL_LIBRARIES)   # import fails
    shown = dancecore("live", "--help", prelude=blocked, timeout_s=60)
    assert shown.returncode == 0, shown.stderr
    for heading, flags in [("console and speech", "--json"), ("MIDI", "--midi PORT"), ("OSC", "--osc HOST:PORT"),
                           ("web marquee", "--serve HOST:PORT")]:
        assert f"\n{heading}:\n  {flags}" in shown.stdout, shown.stdout


def test_the_built_in_flags_set_the_options_they_always_set() -> None:
    argv = ["live", "--osc", "127.0.0.1:7700", "--osc", "[::1]:9000", "--osc-prefix", "/desk", "--midi", "dancecore",
            "--midi-api", "jack", "--midi-channel", "3", "--midi-clock", "--json", "--speak", "--quiet",
            "--serve", "127.0.0.1:8080", "--feed", "http://10.0.0.5:8000", "--feed-token", "tok", "--hop", "0.5"]
    assert overrides(build_parser(argv).parse_args(argv)) == {
        "osc": {"targets": ["127.0.0.1:7700", "[::1]:9000"], "prefix": "/desk"},
        "midi": {"port": "dancecore", "api": "jack", "channel": 3, "clock": True},
        "console": {"json": True, "speak": True, "enabled": False},
        "web": {"serve": "127.0.0.1:8080", "feed": "http://10.0.0.5:8000", "feed_token": "tok"},
        "engine": {"hop_s": 0.5}}
    assert overrides(build_parser(["live"]).parse_args(["live"])) == {}
    config = with_overrides(config_from_dict({}), overrides(build_parser(argv).parse_args(argv)))
    assert config.console.json_lines and not config.console.enabled and config.midi.clock
    assert config.web.feed_token == "tok" and config.osc.targets[1] == "[::1]:9000"


def test_the_marquee_is_an_announcer_configured_like_the_others() -> None:
    """`web:` in the YAML (or --feed) builds the feed announcer; a bad address names its option."""
    config = config_from_dict({"console": {"enabled": False}, "web": {"feed": "http://127.0.0.1:8000/"}})
    [web] = build_announcers(config, BuildContext())
    assert isinstance(web, WebAnnouncer) and web.url == "http://127.0.0.1:8000/api/live/events"
    assert build_announcers(config_from_dict({"console": {"enabled": False}}), BuildContext()) == []
    with pytest.raises(ConfigError, match=r"^adapter.yaml: web.serve: 'nowhere' is not HOST:PORT"):
        config_from_dict({"web": {"serve": "nowhere"}}, "adapter.yaml")
    with pytest.raises(ConfigError, match=r"^adapter.yaml: web.feed: '10.0.0.5:8000' is not the URL"):
        config_from_dict({"web": {"feed": "10.0.0.5:8000"}}, "adapter.yaml")


def test_a_taken_section_or_flag_is_refused() -> None:
    osc = next(kind for kind in kinds() if kind.section == "osc")
    with pytest.raises(ValueError, match="'osc' is registered twice"):
        register(AnnouncerKind("osc", osc.settings, osc.build))
    with pytest.raises(ValueError, match="flag --osc is taken"):
        register(AnnouncerKind("osc2", osc.settings, osc.build, flags=(Flag("--osc", "targets", "again"),)))
    assert sorted(kind.section for kind in kinds()) == ["console", "midi", "osc", "web"]
