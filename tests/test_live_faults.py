"""Faults the adapter must survive while it runs: the sound server (the recorded device) vanishing
and coming back; bad command lines and configurations give one clear line and exit status 2."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dancecore.audio import load_audio
from dancecore.cli import main
from live_servers import Adapter, OscReceiver, pulse_server, wait_for

PLAY_SR = 44100


def test_the_sound_server_vanishing_is_survived(song_labels, model_path: Path, tmp_path: Path) -> None:
    """PulseAudio is killed under the recording adapter and started again: the adapter reopens the
    monitor with back-off, keeps running, and announces the song played afterwards."""
    row = next(r for r in song_labels if r["dance"] == "jive")
    clip = load_audio(row["path"], sr=PLAY_SR, max_duration_s=42).samples[30 * PLAY_SR:]
    wav = tmp_path / "song.wav"
    sf.write(wav, np.concatenate([clip, np.zeros(3 * PLAY_SR, np.float32)]), PLAY_SR, subtype="PCM_16")
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
    bad = tmp_path / "adapter.yaml"
    bad.write_text("tracker:\n  silence_dbfs: -50\n  min_windws: 3\n")
    assert main(["live", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"dancecore: error: {bad}: tracker.min_windws: unknown option; known here: silence_dbfs, "
                   "silence_gap_s, talk_gap_s, min_music_s, min_windows, stable_windows, min_confidence, min_beat_clarity, "
                   "max_low_energy_ratio, min_onset_variation, change_windows, revise_margin")
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
