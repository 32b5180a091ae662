"""End to end on real servers: real songs played with paplay into a PulseAudio null sink, whose
monitor `dancecore live --source monitor` records; an OSC server on 127.0.0.1 and a second JACK MIDI
client receive the announcements; an unreachable OSC target fails alongside without harm."""
from __future__ import annotations

import json
import time
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
)

from adapters.announcers.midi import SILENCE_NOTE
from dancecore.audio import Audio, load_audio
from dancecore.classify import Classifier
from dancecore.dances import DANCE_IDS

SR = 22050
PLAY_SR = 44100
EXCERPT_S, GAP_S, TAIL_S = 16.0, 5.0, 3.0
CANDIDATES = ("jive", "slow_waltz", "samba", "tango", "quickstep")


@pytest.fixture(scope="module")
def songs(classifier: Classifier, song_labels: list[dict[str, str]]) -> tuple[list[tuple[np.ndarray, object]], bool]:
    """Two excerpts of different dances at PLAY_SR with their offline Results, and whether the model
    is sure of them. A trained model gets the two it is surest of; a model sure of nothing (untrained)
    gets a jive and a slow waltz and runs with --min-confidence 0 to exercise the plumbing."""
    found = []
    for dance in CANDIDATES:
        row = next(r for r in song_labels if r["dance"] == dance)
        audio = load_audio(row["path"], sr=PLAY_SR, max_duration_s=30 + EXCERPT_S)
        clip = audio.samples[30 * PLAY_SR:]
        result = classifier.analyse_audio(Audio(load_audio_rate(clip), SR, None, False), dance).result
        found.append((clip, result))
    sure = [(c, r) for c, r in found if not r.not_sure]
    sure.sort(key=lambda cr: -cr[1].confidence)
    first = sure[0] if sure else None
    second = next((cr for cr in sure[1:] if first and cr[1].dance != first[1].dance), None)
    if first is not None and second is not None:
        return [first, second], True
    return [found[0], found[1]], False


def collapse(items: list[str]) -> list[str]:
    """The items without consecutive repeats."""
    return [x for i, x in enumerate(items) if i == 0 or x != items[i - 1]]


def load_audio_rate(clip: np.ndarray) -> np.ndarray:
    """The clip at the model's rate, as the monitor path delivers it (resampled by soxr)."""
    import soxr

    return soxr.resample(clip, PLAY_SR, SR, quality="HQ").astype(np.float32)


@pytest.fixture(scope="module")
def servers():
    with pulse_server() as pulse, jack_server() as jack:
        yield pulse, jack.name


def test_two_songs_through_pulseaudio_osc_and_jack_midi(servers, songs, model_path: Path, tmp_path: Path) -> None:
    pulse, jack = servers
    (clips, sure) = songs
    gap = np.zeros(int(GAP_S * PLAY_SR), np.float32)
    program = np.concatenate([clips[0][0], gap, clips[1][0], gap[: int(TAIL_S * PLAY_SR)]])
    wav = tmp_path / "program.wav"
    sf.write(wav, program, PLAY_SR, subtype="PCM_16")
    a_end = len(clips[0][0]) / PLAY_SR
    b_start = a_end + GAP_S

    osc = OscReceiver()
    args = ["--source", "monitor", "--osc", f"127.0.0.1:{osc.port}", "--osc", "nonexistent.invalid:9000",
            "--midi", "dancecore", "--midi-api", "jack", "--json", "--status", "off", "--model", str(model_path)]
    if not sure:
        args += ["--min-confidence", "0"]
    adapter = Adapter(args, {**pulse.env, "JACK_DEFAULT_SERVER": jack})
    listener = None
    try:
        adapter.wait_for_line("listening to", 120)
        with env_var("JACK_DEFAULT_SERVER", jack):
            listener = MidiListener("dancecore")
        t0 = time.monotonic()
        pulse.play(wav, timeout_s=len(program) / PLAY_SR + 60)
        time.sleep(2.0)
        status, events = adapter.interrupt()
    finally:
        adapter.kill()
        osc.close()
        if listener is not None:
            listener.close()

    assert status == 0, adapter.stderr
    assert adapter.stderr[-1].startswith("dancecore live: stopped;"), adapter.stderr
    assert "osc nonexistent.invalid:9000 failed" in adapter.stderr[-1]

    dance_events = [e for e in events if e["event"] == "dance"]
    assert sorted({e["song"] for e in dance_events}) == [1, 2], events
    silence_events = [e for e in events if e["event"] == "silence"]
    first_of_2 = next(i for i, e in enumerate(events) if e["event"] == "dance" and e["song"] == 2)
    assert any(e["song"] == 1 for e in silence_events[:1]) and events.index(silence_events[0]) < first_of_2
    assert all(e["song"] == 1 for e in events[:first_of_2] if e["event"] == "dance")

    received = [(t - t0, address, args) for t, address, args in osc.received()]
    calls = [e for e in dance_events if not e["not_sure"]]
    strings = [(t, args[0]) for t, address, args in received if address == "/dancecore/dance"]
    announced = [s for i, s in enumerate(strings) if i == 0 or s[1] != strings[i - 1][1]]   # without re-sends
    assert [d for _, d in announced] == collapse([e["dance"] for e in calls])
    silence_at = [t for t, address, args in received if address == "/dancecore/silence" and args == [1.0]]
    first_1 = announced[0][0]
    first_2 = next(t for t, _ in strings if silence_at and t > silence_at[0])
    assert silence_at and first_1 < silence_at[0] < first_2
    assert 0 < first_1 < a_end and b_start < first_2 < b_start + EXCERPT_S + TAIL_S
    assert not [t for t, _ in strings if silence_at[0] < t < b_start], "a dance sent during the silence"
    for dance in {d for _, d in announced}:
        assert (f"/dancecore/dance/{dance}", [1.0]) in [(a, v) for _, a, v in received]
    assert len([a for _, a, _ in received if a == "/dancecore/confidence"]) >= len(dance_events)
    assert len([a for _, a, _ in received if a == "/dancecore/tempo/normalized"]) >= len(dance_events)

    notes_on = [m[1] for _, m in listener.messages if m[0] == 0x90]
    assert [n for n in notes_on if n != SILENCE_NOTE] == [60 + DANCE_IDS.index(e["dance"]) for e in calls]
    assert notes_on.count(SILENCE_NOTE) >= 2                  # the silence between the songs, and Ctrl-C
    assert len([m for _, m in listener.messages if m[0] == 0x80]) == len(notes_on)
    assert [0xB0, 123, 0] in [m for _, m in listener.messages]   # All Notes Off on Ctrl-C

    if sure:   # a trained model: live agrees with offline classify of the same excerpts
        for song, (_, result) in zip((1, 2), clips):
            final = [e for e in dance_events if e["song"] == song][-1]
            assert final["dance"] == result.dance, (song, final["dance"], result.dance)


def run_on_a_terminal(command: str, timeout_s: float) -> str:
    """Run a shell command whose stdin, stdout and stderr are a pseudo-terminal (as typed in one);
    everything the terminal showed, line ends as the terminal sends them (\\r\\n)."""
    import os
    import pty
    import select
    import subprocess

    from live_servers import REPO

    main_fd, terminal = pty.openpty()
    proc = subprocess.Popen(["bash", "-c", command], stdin=terminal, stdout=terminal, stderr=terminal, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if select.select([main_fd], [], [], 0.5)[0]:
                try:
                    data = os.read(main_fd, 65536)
                except OSError:          # the terminal closed: every program on it ended
                    break
                if not data:
                    break
                shown += data
            elif proc.poll() is not None:
                break
        proc.wait(max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main_fd)
    assert proc.returncode == 0, shown.decode(errors="replace")
    return shown.decode(errors="replace")


@pytest.mark.parametrize("status", ["auto", "on"])
def test_json_lines_through_tee_on_a_terminal(status: str, song_labels, model_path: Path, tmp_path: Path) -> None:
    """`dancecore live --json | tee log.jsonl` typed in a terminal: the log holds the events as whole
    JSON lines and nothing else. The status line is off (auto), as the events come back to this terminal
    through tee and would land in it: the terminal shows them unbroken. Forced on, it is drawn on stderr
    and still never gets into the log."""
    import shlex
    import sys

    row = next(r for r in song_labels if r["dance"] == "jive")
    wav = tmp_path / "jive.wav"
    sf.write(wav, load_audio(row["path"], sr=SR, max_duration_s=70).samples[30 * SR:], SR, subtype="PCM_16")
    log = tmp_path / "log.jsonl"
    live = [sys.executable, "-m", "dancecore", "live", "--source", f"file:{wav}", "--speed", "8", "--json",
            "--min-confidence", "0", "--model", str(model_path), "--status", status]
    shown = run_on_a_terminal(f"{shlex.join(live)} | tee {shlex.quote(str(log))}", timeout_s=300)

    lines = log.read_text().splitlines()
    events = [json.loads(line) for line in lines]                   # every line is one JSON object
    assert [e["event"] for e in events if e["event"] == "dance"], shown
    on_screen = shown.replace("\r\n", "\n")
    assert on_screen.count("dancecore live: stopped;") == 1
    drawn = on_screen.count("| CPU ") - 1        # status lines drawn besides the summary
    if status == "auto":
        assert drawn == 0, on_screen
        for line in lines:
            assert f"\n{line}\n" in on_screen, "an event line broken on the terminal"
    else:
        assert drawn > 0, on_screen
