"""The live engine on real audio: ring buffer, streaming windows equal to offline, songs separated
by silence announced in order, raw PCM on stdin through `dancecore live`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from adapters.announcers import Announcer
from adapters.app import LiveAdapter
from adapters.config import EngineConfig, config_from_dict
from adapters.engine import WindowStream, level_dbfs, low_energy_ratio, onset_variation
from adapters.events import DanceEvent, SilenceEvent
from adapters.ring import RingBuffer
from adapters.sources import ArraySource
from adapters.tracker import Tracker
from dancecore.audio import Audio, load_audio
from dancecore.classify import Classifier
from dancecore.tempo import onset_envelope

REPO = Path(__file__).resolve().parents[1]
SR = 22050


class Recorder(Announcer):
    """Keeps every event, as an in-process announcer."""

    name = "recorder"

    def __init__(self) -> None:
        self.events: list[DanceEvent | SilenceEvent] = []

    def dance(self, event: DanceEvent) -> None:
        self.events.append(event)

    def silence(self, event: SilenceEvent) -> None:
        self.events.append(event)


def excerpt(path: str, start_s: float = 30.0, length_s: float = 22.0) -> np.ndarray:
    audio = load_audio(path, max_duration_s=start_s + length_s)
    return audio.samples[int(start_s * SR):]


@pytest.fixture(scope="module")
def two_songs(song_labels: list[dict[str, str]]) -> list[tuple[str, np.ndarray]]:
    """22 s excerpts of a jive and a slow waltz (different dances, tempo and meter)."""
    picks = [next(r for r in song_labels if r["dance"] == d) for d in ("jive", "slow_waltz")]
    return [(r["dance"], excerpt(r["path"])) for r in picks]


# ---------------------------------------------------------------- ring buffer

def test_ring_keeps_order_across_the_wrap_and_counts_what_did_not_fit() -> None:
    ring = RingBuffer(10)
    assert ring.write(np.arange(6, dtype=np.float32)) == 6
    assert ring.read(4, 0.1).tolist() == [0, 1, 2, 3]
    assert ring.write(np.arange(6, 14, dtype=np.float32)) == 8          # wraps around the end
    assert ring.write(np.arange(100, 103, dtype=np.float32)) == 0       # full: dropped, not blocked
    assert (ring.dropped, ring.overruns, len(ring)) == (3, 1, 10)
    assert ring.read(100, 0.1).tolist() == [4, 5, *range(6, 14)]
    assert ring.read(5, 0.05).size == 0                                  # empty: returns after the timeout


def test_ring_write_never_waits_for_a_stalled_reader() -> None:
    ring = RingBuffer(1000)
    done = threading.Event()

    def producer() -> None:
        for _ in range(1000):
            ring.write(np.ones(100, np.float32))
        done.set()

    threading.Thread(target=producer, daemon=True).start()
    assert done.wait(30), "the writer was held up by a reader that never reads"
    assert ring.dropped == 1000 * 100 - 1000


# ---------------------------------------------------------------- streaming = offline

def test_streamed_windows_equal_offline_windows(classifier: Classifier, two_songs) -> None:
    samples = two_songs[0][1][: 15 * SR]
    stream = WindowStream(classifier, EngineConfig(hop_s=1.0))
    rng = np.random.default_rng(0)
    observations, i = [], 0
    while i < len(samples):
        n = int(rng.integers(50, 6000))           # chunk sizes as a device or a pipe gives them
        observations += stream.push(samples[i:i + n])
        i += n
    # offline at a stride of one hop: the same windows, scored by the same Classifier code (CNN and,
    # when the model has one, the rhythm branch on the audio ending with each window)
    offline = Classifier(classifier.model, stride_frames=stream.hop_frames).analyse_audio(
        Audio(samples=samples, sr=SR, source_duration_s=None, truncated=False), "excerpt")
    expected = offline.window_probs
    assert len(observations) == len(expected) == 1 + (1 + len(samples) // 512 - 224) // stream.hop_frames
    np.testing.assert_allclose(np.array([o.probs for o in observations]), expected, atol=1e-5)
    ends = [o.t_s for o in observations]
    np.testing.assert_allclose(np.diff(ends), stream.hop_s)
    assert all(np.isfinite([o.bpm, o.clarity, o.rms_dbfs]).all() for o in observations)


def test_rhythm_audio_stays_inside_the_song(classifier: Classifier, two_songs) -> None:
    """A new song's windows give the scorer no audio from before the song began (the previous song,
    the gap, talk): the rhythm branch hears the song alone, as offline analysis of the song does."""
    before, song = two_songs[0][1][: 8 * SR], two_songs[1][1][: 12 * SR]
    stream = WindowStream(classifier, EngineConfig(hop_s=1.0, rhythm_audio_s=12.0))
    heard: list[np.ndarray] = []
    score = stream.score

    def listening(window: np.ndarray, start: int, audio: np.ndarray, first: int) -> tuple[np.ndarray, float | None]:
        heard.append(audio.copy())
        return score(window, start, audio, first)

    stream.score = listening
    stream.push(before)
    stream.music_start_s = len(before) / SR
    heard.clear()
    observations = stream.push(song)
    assert observations and len(heard) == len(observations)
    for obs, audio in zip(observations, heard):
        end = round(obs.t_s * SR) - len(before)       # the window's end, in the song's samples
        np.testing.assert_array_equal(audio, song[max(0, end - 12 * SR):end])


def test_level_and_talk_measures() -> None:
    t = np.arange(SR) / SR
    assert level_dbfs(np.sin(2 * np.pi * 440 * t)) == pytest.approx(-3.01, abs=0.05)
    assert level_dbfs(np.zeros(100)) < -100
    steady = np.full((100, 224), -30.0)
    gappy = steady.copy()
    gappy[::3] = -90.0                      # a third of the frames are pauses
    assert low_energy_ratio(steady) == 0.0
    assert low_energy_ratio(gappy) == pytest.approx(34 / 100)


def test_steady_noise_and_hum_are_not_announced(classifier: Classifier, two_songs) -> None:
    """20 s of white noise, brown noise and mains hum, each through a fresh stream and tracker: no
    announcement (the shipped model calls such sound a slow waltz, and a few seconds of noise can
    look periodic); the same tracker announces the jive excerpt, whose windows vary far more."""
    rng = np.random.default_rng(5)
    t = np.arange(20 * SR) / SR
    brown = np.cumsum(rng.normal(size=len(t)))
    brown -= np.convolve(brown, np.ones(2205) / 2205, mode="same")      # keep it from drifting
    sounds = {"white noise": rng.normal(size=len(t)), "brown noise": brown,
              "hum": sum(np.sin(2 * np.pi * 50 * h * t) / h for h in (1, 2, 3)) + 0.01 * rng.normal(size=len(t)),
              "jive": two_songs[0][1]}
    config = config_from_dict({"console": {"enabled": False}})
    announced, variation = {}, {}
    for name, x in sounds.items():
        x = (0.3 * x / np.abs(x).max()).astype(np.float32)
        stream = WindowStream(classifier, config.engine)
        tracker = Tracker(config.tracker, stream.hop_s, classifier.model.reject, {"name": "m", "arch": "a"})
        observations = stream.push(x)
        variation[name] = max(o.onset_variation for o in observations)
        announced[name] = [e for o in observations for e in tracker.update(o) if isinstance(e, DanceEvent)]
    assert not announced["white noise"] and not announced["brown noise"] and not announced["hum"], announced
    assert max(variation[n] for n in ("white noise", "brown noise", "hum")) < config.tracker.min_onset_variation
    assert announced["jive"] and variation["jive"] > 2 * config.tracker.min_onset_variation


def test_onset_variation_of_steady_and_pulsed_frames() -> None:
    steady = np.full((200, 224), -30.0)
    pulsed = steady.copy()
    pulsed[::20] = -10.0                    # an onset every 20 frames
    assert onset_variation(onset_envelope(steady)) == 0.0   # no flux at all
    assert onset_variation(onset_envelope(pulsed)) > 2.0


# ---------------------------------------------------------------- whole engine

def offline(classifier: Classifier, samples: np.ndarray, label: str):
    return classifier.analyse_audio(Audio(samples, SR, None, False), label).result


def test_two_songs_with_silence_between_are_announced_in_order(classifier: Classifier, two_songs) -> None:
    gap = np.zeros(5 * SR, np.float32)
    (_, a), (_, b) = two_songs
    program = np.concatenate([a, gap, b, gap[: 3 * SR]])
    results = [offline(classifier, x, f"song {i + 1}") for i, x in enumerate((a, b))]
    sure = not any(r.not_sure for r in results)
    # an untrained model is sure of nothing: then announce its best guess, to exercise the plumbing
    config = config_from_dict({"console": {"enabled": False}, "tracker": {} if sure else {"min_confidence": 0.0}})
    recorder = Recorder()
    adapter = LiveAdapter(config, classifier, source=ArraySource(program, SR, "program", speed=0), extra=[recorder])
    adapter.start()
    adapter.run(duration_s=300)
    events = recorder.events
    dance_events = [e for e in events if isinstance(e, DanceEvent)]
    a_end, b_start = len(a) / SR, (len(a) + len(gap)) / SR
    assert sorted({e.song for e in dance_events}) == [1, 2]
    first = {song: next(e for e in dance_events if e.song == song) for song in (1, 2)}
    assert first[1].stream_s < a_end and b_start < first[2].stream_s
    # the time since the song started comes from where the sound began (within a level block or two)
    assert first[2].since_song_start_s == pytest.approx(first[2].stream_s - b_start, abs=0.6)
    assert not [e for e in dance_events if a_end + 1.0 < e.stream_s <= b_start + 1.0], "announced during silence"
    silences = [e for e in events if isinstance(e, SilenceEvent)]
    assert [s.song for s in silences] == [1, 2]
    assert first[1].stream_s < silences[0].stream_s < first[2].stream_s
    assert events.index(silences[0]) < events.index(first[2])
    for song, result in zip((1, 2), results):
        final = [e for e in dance_events if e.song == song][-1]
        assert set(result.to_dict()) <= set(final.to_dict())
        if sure:
            assert final.dance == result.dance, f"song {song}: live {final.dance}, offline {result.dance}"
    assert adapter.engine.status().dropped_s == 0.0


def test_stdin_pcm_through_the_command(model_path: Path, two_songs) -> None:
    """`dancecore live --source stdin` reads raw s16le stereo PCM and prints JSON events."""
    samples = np.concatenate([two_songs[0][1][: 14 * SR], np.zeros(4 * SR, np.float32)])
    stereo = np.repeat((samples * 32767).astype("<i2")[:, None], 2, axis=1)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "dancecore", "live", "--source", "stdin", "--rate", str(SR), "--channels", "2",
         "--stdin-format", "s16le", "--model", str(model_path), "--min-confidence", "0", "--json", "--status", "off"],
        input=stereo.tobytes(), capture_output=True, timeout=240, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    events = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [e["event"] for e in events] == ["dance", "silence"]
    assert events[0]["song"] == 1 and events[0]["dance"] in events[0]["probabilities"]
    assert {"tempo", "confidence", "since_song_start_s", "time"} <= set(events[0])
    assert proc.stderr.decode().strip().splitlines()[-1].startswith("dancecore live: stopped; 1 announcement(s)")
