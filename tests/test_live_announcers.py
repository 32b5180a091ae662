"""Announcers against real receivers: OSC to a python-osc server on 127.0.0.1, MIDI to a second
client of a JACK server (jackd -d dummy), the console and text-to-speech; a failing target never
stops the others."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from live_servers import (
    MidiListener,
    OscReceiver,
    env_var,
    jack_server,
    poll_midi,
    wait_for,
)

from adapters.announcers import Announcers
from adapters.announcers.console import ConsoleAnnouncer, format_dance
from adapters.announcers.osc import OscAnnouncer
from adapters.announcers.midi import MidiConfig
from dancecore.dances import DANCE_IDS
from dancecore.result import Result
from dancecore.stream.events import DanceEvent, SilenceEvent, TempoEvent
from dancecore.tempo import fold_to_dance


def song_result(dance: str, confidence: float = 0.8, bpm: float = 120.0, not_sure: bool = False) -> Result:
    p = {d: (1 - confidence) / 9 for d in DANCE_IDS}
    p[dance] = confidence
    return Result(path="test", probabilities=p, timeline=[], tempo_bpm=fold_to_dance(bpm, dance), tempo_clarity=0.5,
                  duration_s=6.0, model={"name": "test", "arch": "none"}, not_sure=not_sure,
                  not_sure_reason="the top dance is below 50%" if not_sure else None)


def dance_event(dance: str, confidence: float = 0.8, bpm: float = 120.0, song: int = 1,
                not_sure: bool = False) -> DanceEvent:
    return DanceEvent(result=song_result(dance, confidence, bpm, not_sure), song=song, since_song_start_s=6.0,
                      stream_s=30.0, windows=3)


def tempo_event(dance: str, bpm: float, song: int = 1) -> TempoEvent:
    """`bpm` folded to the dance's range, like every event's tempo."""
    return TempoEvent(result=song_result(dance, bpm=bpm), song=song, since_song_start_s=40.0, stream_s=70.0, windows=35)


@pytest.fixture
def osc() -> OscReceiver:
    receiver = OscReceiver()
    yield receiver
    receiver.close()


def messages(receiver: OscReceiver, count: int) -> list[tuple[str, list]]:
    wait_for(lambda: len(receiver.received()) >= count, 10, f"{count} OSC messages")
    time.sleep(0.2)
    return [(address, args) for _, address, args in receiver.received()]


def dance_strings(receiver: OscReceiver, prefix: str = "/dancecore") -> list[str]:
    return [args[0] for _, address, args in receiver.received() if address == f"{prefix}/dance"]


# ---------------------------------------------------------------- OSC

def test_osc_messages_for_dances_and_silence(osc: OscReceiver) -> None:
    announcer = OscAnnouncer("127.0.0.1", osc.port, "/dancecore")
    quickstep = dance_event("quickstep", 0.75, bpm=100.0)
    announcer.dance(quickstep)
    announcer.silence(SilenceEvent(song=1, stream_s=40.0))
    tango = dance_event("tango", 0.6, bpm=128.0, song=2)
    announcer.dance(tango)
    got = messages(osc, 13)
    assert got == [
        ("/dancecore/dance", ["quickstep"]), ("/dancecore/dance/quickstep", [1.0]),
        ("/dancecore/confidence", [pytest.approx(0.75)]), ("/dancecore/tempo", [pytest.approx(quickstep.tempo_bpm)]),
        ("/dancecore/tempo/normalized", [pytest.approx(quickstep.tempo_bpm / 300)]),
        ("/dancecore/dance/quickstep", [0.0]), ("/dancecore/silence", [1.0]),
        ("/dancecore/silence", [0.0]), ("/dancecore/dance", ["tango"]), ("/dancecore/dance/tango", [1.0]),
        ("/dancecore/confidence", [pytest.approx(0.6)]),
        ("/dancecore/tempo", [pytest.approx(tango.tempo_bpm)]),
        ("/dancecore/tempo/normalized", [pytest.approx(tango.tempo_bpm / 300)]),
    ]


def test_osc_follows_the_tempo_and_a_not_sure_call_names_no_dance(osc: OscReceiver) -> None:
    announcer = OscAnnouncer("127.0.0.1", osc.port, "/dc", tempo_max_bpm=200.0)
    announcer.dance(dance_event("jive", bpm=170.0))
    announcer.tempo(tempo_event("jive", 176.0))
    unsure = dance_event("rumba", 0.4, bpm=100.0, song=2, not_sure=True)
    announcer.dance(unsure)
    got = messages(osc, 11)[5:]
    assert got == [
        ("/dc/tempo", [pytest.approx(176.0)]), ("/dc/tempo/normalized", [pytest.approx(176.0 / 200)]),
        ("/dc/dance/jive", [0.0]),                      # the 'not sure' call turns the last dance off, names none
        ("/dc/confidence", [pytest.approx(0.4)]), ("/dc/tempo", [pytest.approx(unsure.tempo_bpm)]),
        ("/dc/tempo/normalized", [pytest.approx(unsure.tempo_bpm / 200)]),
    ]


def test_osc_resends_the_state_and_turns_everything_off_on_stop(osc: OscReceiver) -> None:
    """A desk started late learns the dance from the periodic re-send; on stop every float goes to 0.0;
    every value a desk binds is a float in 0..1 (only /tempo is raw BPM), as QLC+ needs."""
    fanout = Announcers([OscAnnouncer("127.0.0.1", osc.port, resend_s=0.3)])
    fanout(dance_event("samba", 0.9, bpm=400.0))         # folded to samba's range, still clipped below 1
    time.sleep(1.1)
    fanout.close()
    time.sleep(0.3)
    got = [(address, args) for _, address, args in osc.received()]
    first = got.index(("/dancecore/tempo/normalized", [pytest.approx(min(1.0, fold_to_dance(400.0, "samba") / 300))]))
    resent = got[first + 1:]
    assert resent.count(("/dancecore/dance/samba", [1.0])) >= 2, got
    assert resent.count(("/dancecore/dance", ["samba"])) >= 2
    assert got[-5:] == [("/dancecore/dance/samba", [0.0]), ("/dancecore/confidence", [0.0]),
                        ("/dancecore/tempo", [0.0]), ("/dancecore/tempo/normalized", [0.0]),
                        ("/dancecore/silence", [0.0])]
    for address, args in got:
        if address != "/dancecore/dance":
            assert len(args) == 1 and isinstance(args[0], float), (address, args)
            assert address == "/dancecore/tempo" or 0.0 <= args[0] <= 1.0, (address, args)


def test_several_targets_and_an_unreachable_one_never_stop_the_others() -> None:
    receivers = [OscReceiver(), OscReceiver()]
    try:
        bad = OscAnnouncer("nonexistent.invalid", 9000)
        fanout = Announcers([OscAnnouncer("127.0.0.1", receivers[0].port, "/a"), bad,
                             OscAnnouncer("127.0.0.1", receivers[1].port, "/b")])
        for dance in ("jive", "samba"):
            fanout(dance_event(dance))
        fanout.close()
        assert fanout.failures == {"osc 127.0.0.1:%d" % receivers[0].port: 0, bad.name: 2,
                                   "osc 127.0.0.1:%d" % receivers[1].port: 0}
        assert [p.split(" (")[0] for p in fanout.problems()] == [f"{bad.name}: down"]   # on the status line
        for receiver, prefix in zip(receivers, ("/a", "/b")):
            wait_for(lambda: dance_strings(receiver, prefix) == ["jive", "samba"], 10, f"both dances at {prefix}")
    finally:
        for receiver in receivers:
            receiver.close()


# ---------------------------------------------------------------- MIDI on JACK

@pytest.fixture(scope="module")
def jack() -> str:
    with jack_server() as server, env_var("JACK_DEFAULT_SERVER", server.name):
        yield server.name


def test_midi_virtual_port_sends_the_mapping(jack: str) -> None:
    from adapters.announcers.midi import MidiAnnouncer

    config = MidiConfig(port="dancecore", api="jack", channel=3, velocity=90, note_length_s=0.2, confidence_cc=20,
                        dances={"jive": {"note": 61, "program": 5, "control": {"number": 30, "value": 64}},
                                "tango": {"note": 68}})
    announcer = MidiAnnouncer(config)
    listener = MidiListener("dancecore")
    try:
        announcer.dance(dance_event("jive", 0.5))
        announcer.dance(dance_event("tango", 1.0))
        announcer.dance(dance_event("rumba"))          # not mapped: sends only the confidence CC
        wait_for(lambda: len(listener.messages) >= 9, 10, "the MIDI messages")
        time.sleep(0.3)
        got = [m for _, m in listener.messages]
        assert got[:4] == [[0xC2, 5], [0xB2, 30, 64], [0xB2, 20, 64], [0x92, 61, 90]]
        assert [0xB2, 20, 127] in got and [0x92, 68, 90] in got
        assert sorted(m for m in got if m[0] == 0x82) == [[0x82, 61, 0], [0x82, 68, 0]]  # note offs
        on = next(t for t, m in listener.messages if m == [0x92, 61, 90])
        off = next(t for t, m in listener.messages if m == [0x82, 61, 0])
        assert off > on
        assert got.count([0xB2, 20, round(127 * 0.8)]) == 1
    finally:
        announcer.close()
        listener.close()


def clock_rate(messages: list[tuple[float, list[int]]], start: float, end: float) -> float:
    """MIDI clock messages per second between two times."""
    clocks = [t for t, m in messages if m == [0xF8] and start <= t <= end]
    assert len(clocks) >= 24, "at least a beat of clock messages"
    return (len(clocks) - 1) / (clocks[-1] - clocks[0])


def test_midi_clock_follows_the_tempo_and_stops_on_silence(jack: str) -> None:
    from adapters.announcers.midi import MidiAnnouncer

    announcer = MidiAnnouncer(MidiConfig(port="dancecore", api="jack", clock=True))
    listener = MidiListener("dancecore")
    assert announcer.jack_port == "dancecore:dancecore"
    try:
        announcer.dance(dance_event("samba", bpm=100.0))    # folded to samba's range: 100 BPM
        time.sleep(1.5)
        changed = time.monotonic()
        announcer.tempo(tempo_event("samba", 120.0))        # the song's tempo moved
        time.sleep(1.5)
        announcer.silence(SilenceEvent(song=1, stream_s=10.0))
        time.sleep(0.3)
        got = [m for _, m in listener.messages]
        assert got[0] == [0x90, 65, 100]                         # samba's note, then the clock starts
        assert got.index([0xFA]) < got.index([0xF8]) < got.index([0xFC])
        assert [0x90, 59, 100] in got[got.index([0xFC]):]        # the silence note follows the clock's stop
        before = clock_rate(listener.messages, 0.0, changed)
        after = clock_rate(listener.messages, changed + 0.1, time.monotonic())
        assert before == pytest.approx(100 * 24 / 60, rel=0.5)   # loose: the machine may be busy
        assert after / before == pytest.approx(120 / 100, rel=0.15)
    finally:
        announcer.close()
        listener.close()


def test_midi_stop_turns_everything_off(jack: str) -> None:
    """When the adapter stops: the pending note off, the silence note, All Notes Off and the clock's Stop."""
    from adapters.announcers.midi import MidiAnnouncer

    fanout = Announcers([MidiAnnouncer(MidiConfig(port="dancecore", api="jack", channel=2, clock=True,
                                                  note_length_s=30))])
    listener = MidiListener("dancecore")
    try:
        fanout(dance_event("jive", bpm=176.0))
        wait_for(lambda: [0xFA] in [m for _, m in listener.messages], 10, "the clock's start")
        fanout.close()
        time.sleep(0.3)
        got = [m for _, m in listener.messages if m != [0xF8]]
        assert got == [[0x91, 61, 100], [0xFA], [0x81, 61, 0], [0xFC], [0x91, 59, 100], [0x81, 59, 0],
                       [0xB1, 123, 0]]
    finally:
        listener.close()


def test_midi_comes_back_after_jack_restarts(osc: OscReceiver) -> None:
    """JACK goes away under the announcer and comes back: the port is down (said, not silently lost),
    nothing hangs, OSC carries on, and the port is back with the current dance once JACK is."""
    from adapters.announcers.midi import MidiAnnouncer

    with jack_server() as server, env_var("JACK_DEFAULT_SERVER", server.name):
        midi = MidiAnnouncer(MidiConfig(port="dancecore", api="jack", clock=True))
        fanout = Announcers([midi, OscAnnouncer("127.0.0.1", osc.port)])
        try:
            fanout(dance_event("tango", bpm=128.0))
            server.stop()
            wait_for(lambda: midi.problem, 10, "the MIDI port to be down")
            assert "JACK server went away" in fanout.problems()[0]
            fanout(dance_event("rumba", song=2))               # sent while JACK is away: dropped, no hang
            time.sleep(1.0)                                    # the clock ticks into nothing meanwhile
            wait_for(lambda: "rumba" in dance_strings(osc), 10, "OSC carrying on")
            server.start()
            wait_for(lambda: midi.problem is None, 20, "the MIDI port to come back")
            listener = MidiListener("dancecore")
            try:
                fanout(dance_event("samba", song=3))
                wait_for(lambda: [0x90, 65, 100] in [m for _, m in listener.messages], 10,
                         "samba's note after the restart")
                assert [0xF8] in [m for _, m in listener.messages]          # the clock runs again
            finally:
                listener.close()
        finally:
            fanout.close()
    assert midi.dropped > 0 and fanout.failures[midi.name] == 0


def test_midi_existing_port_by_name(jack: str) -> None:
    import rtmidi

    from adapters.announcers.midi import MidiAnnouncer

    synth = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="synth")
    synth.open_virtual_port("synth in")
    received: list[tuple[float, list[int]]] = []
    stop = threading.Event()
    poller = threading.Thread(target=poll_midi, args=(synth, received, stop), daemon=True)
    poller.start()
    announcer = MidiAnnouncer(MidiConfig(port="synth in", api="jack", virtual="never"))
    try:
        announcer.dance(dance_event("cha_cha_cha"))
        wait_for(lambda: [0x90, 60, 100] in [m for _, m in received], 10, "the note on at the existing port")
        assert announcer.jack_port == "dancecore:synth in"     # watched: dropped by JACK, it would go down
    finally:
        announcer.close()
        stop.set()
        poller.join()
        synth.close_port()
        synth.delete()


def test_midi_missing_port_is_a_clear_error(jack: str) -> None:
    from adapters.announcers.midi import MidiAnnouncer, MidiError

    with pytest.raises(MidiError, match="no MIDI port named 'no such synth'"):
        MidiAnnouncer(MidiConfig(port="no such synth", api="jack", virtual="never"))


def test_a_dead_midi_server_never_stops_osc(osc: OscReceiver) -> None:
    from adapters.announcers.midi import MidiAnnouncer

    with jack_server() as server, env_var("JACK_DEFAULT_SERVER", server.name):
        midi = MidiAnnouncer(MidiConfig(port="dancecore", api="jack"))
        fanout = Announcers([midi, OscAnnouncer("127.0.0.1", osc.port)])
        fanout(dance_event("rumba"))
    fanout(dance_event("paso_doble"))         # the JACK server is gone now
    fanout(SilenceEvent(song=2, stream_s=50.0))
    fanout.close()
    wait_for(lambda: ("/dancecore/silence", [1.0]) in [(a, args) for _, a, args in osc.received()], 10, "silence")
    assert dance_strings(osc) == ["rumba", "paso_doble"]


# ---------------------------------------------------------------- web marquee

def test_the_marquee_follows_the_tempo() -> None:
    """A tempo update reaches the marquee as the song's call with the new tempo (a dance event, which
    every marquee server takes), keeping 'corrected' when the call was a revision."""
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    from adapters.announcers.web import WebAnnouncer
    from dancecore.web.events import EventHub, check_event

    hub = EventHub()
    web = WebAnnouncer(hub=hub)
    call = dance_event("jive", bpm=170.0)
    web.dance(DanceEvent(result=call.result, song=1, since_song_start_s=9.0, stream_s=30.0, windows=5, revised=True))
    web.tempo(tempo_event("jive", 178.0))
    shown = hub.latest.event
    assert check_event(shown) == shown
    assert shown["event"] == "dance" and shown["dance"] == "jive" and shown["revised"] is True
    assert shown["tempo"] == tempo_event("jive", 178.0).result.to_dict()["tempo"]


# ---------------------------------------------------------------- console and speech

def test_console_lines_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    event = dance_event("viennese_waltz", 0.87, bpm=174.0, song=2)
    ConsoleAnnouncer().dance(event)
    ConsoleAnnouncer().silence(SilenceEvent(song=2, stream_s=99.0))
    ConsoleAnnouncer(json_lines=True).dance(event)
    ConsoleAnnouncer().tempo(tempo_event("viennese_waltz", 180.0, song=2))
    ConsoleAnnouncer().dance(dance_event("rumba", 0.4, song=3, not_sure=True))
    ConsoleAnnouncer().silence(SilenceEvent(song=3, stream_s=120.0, reason="talk"))
    ConsoleAnnouncer(json_lines=True).tempo(tempo_event("viennese_waltz", 180.0, song=2))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == format_dance(event)
    assert "Viennese Waltz" in lines[0] and "87%" in lines[0] and "174 BPM" in lines[0] and "song 2" in lines[0]
    assert lines[1].endswith("-- silence --")
    parsed = json.loads(lines[2])
    assert parsed["event"] == "dance" and parsed["dance"] == "viennese_waltz" and parsed["song"] == 2
    assert set(event.result.to_dict()) <= set(parsed)
    assert "tempo 180 BPM = 60 bars/min  (song 2)" in lines[3]
    assert "not sure" in lines[4] and "the top dance is below 50%" in lines[4] and "Rumba" not in lines[4]
    assert lines[5].endswith("-- talk --")
    assert json.loads(lines[6])["event"] == "tempo" and len(lines) == 7


def test_status_line_keeps_events_on_stdout_and_itself_on_stderr() -> None:
    """Event lines go to stdout whole; the status line is drawn (and cleared around them) on stderr only;
    it shows where stderr is a terminal, but not when stdout is a pipe carrying the events (| tee)."""
    import io
    import os

    from adapters.status import StatusLine, wants_status_line

    out, err = io.StringIO(), io.StringIO()
    status = StatusLine(True, out, err)
    status.start(lambda: "Jive 90% 176 BPM | CPU 5%")
    time.sleep(1.2)
    status.write('{"event": "dance"}')
    status.stop()
    assert out.getvalue() == '{"event": "dance"}\n'
    assert "\rJive 90% 176 BPM | CPU 5%" in err.getvalue() and "event" not in err.getvalue()

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    read, write = os.pipe()
    try:
        with os.fdopen(write, "w", closefd=False) as pipe:
            assert not wants_status_line("auto", True, pipe, Tty())       # --json | tee on a terminal
            assert wants_status_line("auto", False, pipe, Tty())          # --quiet: nothing on stdout
            assert wants_status_line("on", True, pipe, io.StringIO())
    finally:
        os.close(read)
        os.close(write)
    assert wants_status_line("auto", True, Tty(), Tty()) and not wants_status_line("auto", True, Tty(), io.StringIO())


def test_spoken_announcement_through_espeak(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng)")
    wav = tmp_path / "said.wav"
    announcer = ConsoleAnnouncer(speak=True, speak_command=["espeak-ng", "-w", str(wav), "{text}"])
    announcer.dance(dance_event("quickstep"))
    announcer.close()      # waits for the speech to finish
    audio, sr = sf.read(wav)
    assert len(audio) / sr > 0.8 and np.abs(audio).max() > 0.05   # about a second of speech


def test_speaking_without_a_speech_program_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dancecore.errors import ConfigError

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="install espeak-ng"):
        ConsoleAnnouncer(speak=True)
