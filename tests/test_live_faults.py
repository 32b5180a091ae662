"""Faults the adapter must survive while it runs: the sound server (the recorded device) vanishing
and coming back, the JACK server going away and coming back under a running adapter (no abort, MIDI
back); bad command lines and configurations give one clear line and exit status 2; a file source
plays past the offline 30-minute cap."""
from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from live_servers import (
    Adapter,
    MidiListener,
    OscReceiver,
    env_var,
    jack_server,
    pulse_server,
    wait_for,
)

from dancecore.audio import DEFAULT_MAX_DURATION_S, load_audio
from dancecore.cli import main

PLAY_SR = 44100


def jive_wav(song_labels: list[dict[str, str]], folder: Path, seconds: float = 12.0) -> Path:
    """A jive excerpt from 0:30 followed by 3 s of silence, as a wav at PLAY_SR."""
    row = next(r for r in song_labels if r["dance"] == "jive")
    clip = load_audio(row["path"], sr=PLAY_SR, max_duration_s=30 + seconds).samples[30 * PLAY_SR:]
    wav = folder / "song.wav"
    sf.write(wav, np.concatenate([clip, np.zeros(3 * PLAY_SR, np.float32)]), PLAY_SR, subtype="PCM_16")
    return wav


def test_the_sound_server_vanishing_is_survived(song_labels, model_path: Path, tmp_path: Path) -> None:
    """PulseAudio is killed under the recording adapter and started again: the adapter reopens the
    monitor with back-off, keeps running, and announces the song played afterwards."""
    wav = jive_wav(song_labels, tmp_path)
    with pulse_server() as pulse:
        osc = OscReceiver()
        adapter = Adapter(["--source", "monitor", "--osc", f"127.0.0.1:{osc.port}", "--json", "--status", "off",
                           "--model", str(model_path), "--min-confidence", "0"], pulse.env)
        try:
            adapter.wait_for_line("listening to", 120)
            pulse.restart(down_s=3.0)
            adapter.wait_for_line("reopened", 60)
            pulse.play(wav, timeout_s=60)
            wait_for(lambda: any(a == "/dancecore/dance" for _, a, _ in osc.received()), 30, "an announcement")
            status, events = adapter.interrupt()
        finally:
            adapter.kill()
            osc.close()
    assert status == 0, adapter.stderr
    assert any("lost" in line for line in adapter.stderr)
    assert [e["event"] for e in events][:1] == ["dance"]
    assert "reopened 1x" in adapter.stderr[-1]


def test_jack_going_away_and_coming_back_is_survived(song_labels, model_path: Path, tmp_path: Path) -> None:
    """JACK runs when the adapter starts (recording the PulseAudio monitor, MIDI on JACK). JACK is
    stopped and PulseAudio restarted (the device reopens, which used to abort the process in PortAudio's
    JACK host API), JACK comes back: the adapter keeps running, says MIDI is down and back, a new
    JACK MIDI receiver gets the next announcement, and Ctrl-C ends cleanly with MIDI turned off."""
    wav = jive_wav(song_labels, tmp_path)
    with pulse_server() as pulse, jack_server() as jack:
        osc = OscReceiver()
        adapter = Adapter(["--source", "monitor", "--midi", "dancecore", "--midi-api", "jack", "--osc",
                           f"127.0.0.1:{osc.port}", "--json", "--status", "off", "--model", str(model_path),
                           "--min-confidence", "0"], {**pulse.env, "JACK_DEFAULT_SERVER": jack.name})
        listener = None
        try:
            adapter.wait_for_line("listening to", 120)
            jack.stop()
            adapter.wait_for_line("MIDI down: the JACK server went away", 30)
            pulse.restart(down_s=3.0)
            adapter.wait_for_line("input monitor reopened", 60)
            jack.start()
            adapter.wait_for_line("MIDI reconnected", 30)
            assert adapter.proc.poll() is None
            with env_var("JACK_DEFAULT_SERVER", jack.name):
                listener = MidiListener("dancecore")
            pulse.play(wav, timeout_s=60)
            wait_for(lambda: [m for _, m in listener.messages if m[0] == 0x90 and m[1] != 59], 30,
                     "a dance's note at the new MIDI receiver")
            status, events = adapter.interrupt()
            wait_for(lambda: [0xB0, 123, 0] in [m for _, m in listener.messages], 10, "All Notes Off on Ctrl-C")
        finally:
            adapter.kill()
            osc.close()
            if listener is not None:
                listener.close()
    assert status == 0, adapter.stderr
    assert not [line for line in adapter.stderr if "Assertion" in line], adapter.stderr
    assert [e["event"] for e in events if e["event"] == "dance"], events
    final = {address: args[0] for _, address, args in osc.received() if address != "/dancecore/dance"}
    assert any(a.startswith("/dancecore/dance/") for a in final) and set(final.values()) == {0.0}, final  # all off


def test_a_jack_input_losing_its_server_is_survived(model_path: Path) -> None:
    """Recording a JACK input (PortAudio's JACK host API), the JACK server goes away: no abort, the input
    says to restart the adapter, Ctrl-C ends cleanly."""
    import os

    with jack_server() as jack:
        adapter = Adapter(["--source", "jack", "--json", "--status", "off", "--model", str(model_path)],
                          {**os.environ, "JACK_DEFAULT_SERVER": jack.name})
        try:
            adapter.wait_for_line("listening to system", 120)
            jack.stop()
            adapter.wait_for_line("a JACK input cannot be reopened: restart dancecore live", 30)
            assert adapter.proc.poll() is None
            status, _ = adapter.interrupt()
        finally:
            adapter.kill()
    assert status == 0, adapter.stderr
    assert adapter.stderr[-1].startswith("dancecore live: stopped;"), adapter.stderr


def test_a_file_source_plays_past_the_offline_cap(tmp_path: Path) -> None:
    """--source file: has no 30-minute cap: a 31-minute mp3 (a DJ set) plays to its end."""
    from adapters.ring import RingBuffer
    from adapters.sources import FileSource

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg)")
    seconds = DEFAULT_MAX_DURATION_S + 60
    mp3 = tmp_path / "set.mp3"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:sample_rate=8000:duration={seconds}", "-ac", "1", "-b:a", "8k", str(mp3)],
                   check=True, timeout=120)
    source = FileSource(str(mp3), rate=8000, speed=0)
    source.open()
    ring = RingBuffer(8000 * 10)
    source.start(ring)
    played = 0
    while not (source.finished and len(ring) == 0):
        played += len(ring.read(80000, timeout_s=0.5))
    assert source.state == "finished"
    assert played / 8000 == pytest.approx(seconds, abs=1.0)


def test_a_busy_serve_port_names_lives_own_flag(model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("uvicorn", reason="the web extra is not installed")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        assert main(["live", "--serve", f"127.0.0.1:{port}", "--model", str(model_path)]) == 2
    finally:
        taken.close()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert f"--serve 127.0.0.1:{port + 1}" in err and "--port" not in err and "--host" not in err


@pytest.mark.parametrize("argv, message", [
    (["--osc", "localhost"], "osc.targets: 'localhost' is not HOST:PORT"),
    (["--midi-channel", "17"], "midi.channel: Input should be less than or equal to 16"),
    (["--hop", "0"], "engine.hop_s: Input should be greater than 0.05"),
    (["--config", "/nonexistent/adapter.yaml"], "configuration file not found"),
    (["--duration", "-1"], "--duration must be a positive number of seconds"),
])
def test_bad_options_are_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_bad_yaml_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dancecore.stream.settings import TrackerConfig

    bad = tmp_path / "adapter.yaml"
    bad.write_text("tracker:\n  silence_dbfs: -50\n  min_windws: 3\n")
    assert main(["live", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"dancecore: error: {bad}: tracker.min_windws: unknown option; known here: "
                   + ", ".join(TrackerConfig.model_fields))
    assert "silence_dbfs, silence_gap_s" in err
    bad.write_text("osc: [unclosed\n")
    assert main(["live", "--config", str(bad)]) == 2
    assert "not valid YAML at line" in capsys.readouterr().err


def test_missing_file_source_and_device(model_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["live", "--source", "file:/nonexistent/song.mp3", "--model", str(model_path)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["live", "--source", "no such device", "--model", str(model_path), "--status", "off"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dancecore: error:") and "device" in err
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse/native")    # no sound server to ask
    assert main(["live", "--source", "monitor", "--model", str(model_path), "--status", "off"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dancecore: error:"), err


def test_the_shipped_yaml_holds_the_defaults() -> None:
    from adapters.config import AdapterConfig, load_config

    assert load_config(Path(__file__).resolve().parents[1] / "configs" / "adapter.yaml") == AdapterConfig()
