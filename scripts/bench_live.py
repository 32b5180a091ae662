"""Benchmark of the live adapter: a practice social replayed from real songs, and the adapter at real-time pace.

Part 1, the social (as fast as the machine goes, nothing dropped): the in-set songs of DATA/songs, the
first `--song-s` seconds of each, in a fixed shuffled order, joined into one set with 5 s silences
between songs and four special joins: a 2 s gap; 2.5 s of silence, 8 s of talk (espeak-ng) and 2 s of
silence; talk right after the music (8 s, then 3 s of silence); and a 6 s crossfade. The set plays
through the adapter (`LiveAdapter` on an ArraySource: the WindowStream and Tracker of `--source stdin`)
once per start offset (`--offsets`, seconds of silence before the set, against the 1 s hop). Printed per
offset and for all: songs, calls per song, songs with more than one call and with at most one revision
(two calls, a 'not sure' one counted), songs whose dance changed and changed back, false song ends (a
silence or a new song inside a song), the song counter at the end, first-call accuracy against the final
call and the label, latency (median, 90th percentile, worst) of the first call of any kind, named or
'not sure' (the issue's target is on it), and of the first call naming a dance, `since_song_start_s`
against the true time, song ends detected within 4 s of the music's end, calls during silence or talk,
the meter at the song's end and over the time from the first call (waltzes in 3/4, 2/4 and 4/4 songs in
3), the final call, meter and tempo against offline `dancecore classify` of the same excerpt, tempo
events, and CPU per second of audio.

Part 2 (real time): CPU in % of one core and dropped audio while the set plays at real-time pace, and
the process's memory at the end and at its peak. Targets: under 15% of one core, nothing dropped,
at most 350 MB after 10 minutes (`--realtime-s 600`).

    .venv/bin/python scripts/bench_live.py                          # 4 offsets, 2 minutes real time
    .venv/bin/python scripts/bench_live.py --offsets '' --realtime-s 600      # the 10-minute run alone
    .venv/bin/python scripts/bench_live.py --adapters /tmp/old      # another version's adapters/ package
"""
from __future__ import annotations

import argparse
import csv
import gc
import itertools
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from threadpoolctl import threadpool_limits
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
SR = 22050
TALK = ("Thank you, that was lovely. Before the next dance, a quick announcement: the bar is open until "
        "eleven, and there is a beginners class on Tuesday at eight. Please find your partners now.")
WALTZES = ("slow_waltz", "viennese_waltz")


@dataclass
class Song:
    """One song of the set: label, stream seconds [start_s, end_s) of its music, the join that follows it."""

    label: str
    path: str
    start_s: float
    end_s: float
    samples: np.ndarray
    join: str = "gap 5 s"
    region_end_s: float = 0.0          # where the next song's stretch begins (its start, or mid-crossfade)


@dataclass
class Figures:
    """What one replay measured, per song where it is a list."""

    calls: list[int] = field(default_factory=list)
    revisions: list[int] = field(default_factory=list)
    changed_back: int = 0
    false_ends: int = 0
    counter: int = 0
    first_is_final: int = 0
    first_is_label: int = 0
    final_is_offline: int = 0
    final_is_label: int = 0
    latency: list[float] = field(default_factory=list)          # first named call, s after the music began
    first_event: list[float] = field(default_factory=list)      # first call of any kind (a 'not sure' too)
    start_error: list[float] = field(default_factory=list)      # since_song_start_s minus the true time, s
    ends: list[float] = field(default_factory=list)             # song end to its silence event, s (inf: none)
    crossfade_new_song: int = 0
    in_gaps: int = 0
    tempo_events: int = 0
    meters: list[tuple[str, int | None, int | None]] = field(default_factory=list)   # label, live at the end, offline
    tempos: list[tuple[float, float]] = field(default_factory=list)   # live at the end, offline (the same dance)
    meter_time: list[tuple[str, float, float, float]] = field(default_factory=list)   # label, s reported: in 3,
    #                                                                          with a meter, in all (from the call)
    cpu_per_s: float = 0.0
    rows: list[str] = field(default_factory=list)              # one line per song, for --verbose


def cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def speech(seconds: float) -> np.ndarray:
    """`seconds` of synthetic talk from espeak-ng at SR (repeated when shorter)."""
    if shutil.which("espeak-ng") is None:
        sys.exit("bench_live: espeak-ng is needed for the talk gaps (apt-get install espeak-ng)")
    from dancecore.audio import load_audio

    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "talk.wav"
        subprocess.run(["espeak-ng", "-s", "160", "-w", str(wav), TALK], check=True, capture_output=True)
        talk = load_audio(wav, sr=SR).samples
    talk = np.tile(talk, int(np.ceil(seconds * SR / len(talk))))[: int(seconds * SR)]
    return talk * np.float32(0.5 / max(1e-6, float(np.abs(talk).max())))


def build_set(rows: list[dict[str, str]], song_s: float
              ) -> tuple[np.ndarray, list[Song], list[tuple[str, float, float]]]:
    """The set's samples, its songs and its stretches without music (kind, start_s, end_s)."""
    from dancecore.audio import load_audio

    joins = ["gap 2 s", "silence + talk", "talk at once", "crossfade 6 s"]
    special = {round((k + 1) * len(rows) / (len(joins) + 1)) - 1: join for k, join in enumerate(joins)}
    talk = speech(8.0)
    parts: list[np.ndarray] = []
    songs: list[Song] = []
    quiet: list[tuple[str, float, float]] = []
    t = 0.0
    for i, row in enumerate(tqdm(rows, desc="decoding songs", unit="song", file=sys.stderr)):
        samples = load_audio(row["path"], sr=SR, max_duration_s=song_s).samples
        song = Song(row["dance"], row["path"], t, t + len(samples) / SR, samples, special.get(i, "gap 5 s"))
        if songs and songs[-1].join == "crossfade 6 s":
            fade = int(6.0 * SR)
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            parts[-1] = parts[-1].copy()
            parts[-1][-fade:] = parts[-1][-fade:] * (1 - ramp) + samples[:fade] * ramp
            samples = samples[fade:]
            song.start_s, song.end_s = t - fade / SR, song.end_s - fade / SR
            songs[-1].region_end_s = song.start_s + 3.0
        songs.append(song)
        parts.append(samples)
        t += len(samples) / SR
        if i == len(rows) - 1:
            gaps = [("silence", 5.0)]
        else:
            gaps = {"gap 5 s": [("silence", 5.0)], "gap 2 s": [("silence", 2.0)],
                    "silence + talk": [("silence", 2.5), ("talk", 8.0), ("silence", 2.0)],
                    "talk at once": [("talk", 8.0), ("silence", 3.0)], "crossfade 6 s": []}[song.join]
        for kind, seconds in gaps:
            piece = talk[: int(seconds * SR)] if kind == "talk" else np.zeros(int(seconds * SR), np.float32)
            quiet.append((kind, t, t + len(piece) / SR))
            parts.append(piece)
            t += len(piece) / SR
    for song, after in itertools.pairwise(songs):
        song.region_end_s = song.region_end_s or after.start_s
    songs[-1].region_end_s = t
    return np.concatenate(parts), songs, quiet


def replay(classifier, samples: np.ndarray, overrides: dict) -> tuple[list, float]:
    """Every event of the adapter on `samples` played as fast as it goes, and CPU seconds used."""
    from adapters.app import LiveAdapter
    from adapters.config import config_from_dict
    from adapters.sources import ArraySource

    config = config_from_dict({"console": {"enabled": False}, **overrides})
    adapter = LiveAdapter(config, classifier, source=ArraySource(samples, SR, "set", speed=0))
    cpu = cpu_seconds()
    adapter.start()
    with tqdm(total=round(len(samples) / SR), desc="replay", unit="s audio", file=sys.stderr) as bar:
        while not adapter.engine.wait(0.5):
            bar.update(max(0, round(adapter.engine.status().stream_s) - bar.n))
    adapter.stop()
    if adapter.engine.error is not None:
        raise adapter.engine.error
    return list(adapter.events), cpu_seconds() - cpu


def measure(events: list, songs: list[Song], quiet: list[tuple[str, float, float]], offset: float,
            offline: list) -> Figures:
    """The figures of one replay (stream times shifted by `offset`, the silence before the set)."""
    def kind(event) -> str:
        return type(event).__name__

    f = Figures()
    for i, song in enumerate(songs):
        start, end, region_end = song.start_s + offset, song.end_s + offset, song.region_end_s + offset
        mine = [e for e in events if start <= e.stream_s < region_end]
        calls = [e for e in mine if kind(e) == "DanceEvent"]
        named = [e for e in calls if not e.result.not_sure]
        f.calls.append(len(calls))
        f.revisions.append(sum(e.revised for e in calls))
        dances = [e.dance for e in named]
        changes = [d for k, d in enumerate(dances) if k == 0 or d != dances[k - 1]]
        f.changed_back += len(changes) != len(set(changes))
        false_ends = [e for k, e in enumerate(calls) if k and e.song != calls[k - 1].song]   # a new song inside
        false_ends += [e for e in mine if kind(e) == "SilenceEvent" and calls
                       and calls[0].stream_s < e.stream_s < end - 0.5]
        f.false_ends += len(false_ends)
        f.tempo_events += sum(kind(e) == "TempoEvent" for e in mine)
        if calls:
            f.first_event.append(calls[0].stream_s - start)
            f.start_error.append(calls[0].since_song_start_s - (calls[0].stream_s - start))
        if named:
            f.latency.append(named[0].stream_s - start)
            f.first_is_final += named[0].dance == named[-1].dance
            f.first_is_label += named[0].dance == song.label
            f.final_is_label += named[-1].dance == song.label
            f.final_is_offline += named[-1].dance == offline[i].dance
        else:
            f.latency.append(float("inf"))
        if calls:
            last = [e for e in mine if kind(e) in ("DanceEvent", "TempoEvent")][-1]
            f.meters.append((song.label, last.result.beats_per_bar, offline[i].beats_per_bar))
            if last.dance == offline[i].dance:
                f.tempos.append((last.result.tempo_bpm, offline[i].tempo_bpm))
            said = [e for e in mine if kind(e) in ("DanceEvent", "TempoEvent")]
            spans = np.diff([e.stream_s for e in said] + [end])
            f.meter_time.append((song.label, sum(t for e, t in zip(said, spans) if e.result.beats_per_bar == 3),
                                 sum(t for e, t in zip(said, spans) if e.result.beats_per_bar is not None),
                                 float(sum(spans))))
        if song.join != "crossfade 6 s":
            silences = [e.stream_s - end for e in events if kind(e) == "SilenceEvent" and end - 0.5 <= e.stream_s]
            f.ends.append(min(silences) if silences else float("inf"))
        else:
            after = [e for e in events if kind(e) == "DanceEvent" and e.stream_s >= region_end]
            f.crossfade_new_song += bool(calls and after and after[0].song != calls[-1].song)
        said = ", ".join(f"{'FALSE END ' if any(e is x for x in false_ends) else ''}"
                         f"{e.stream_s - start:.1f} {'-' if kind(e) == 'SilenceEvent' else e.dance}"
                         f"{'' if kind(e) == 'SilenceEvent' else f' {e.result.tempo_bpm:.0f}/{e.result.beats_per_bar}'}"
                         f"{'?' if kind(e) == 'DanceEvent' and e.result.not_sure else ''}"
                         f"{'*' if kind(e) == 'TempoEvent' else ''}#{e.song}" for e in mine)
        f.rows.append(f"{i + 1:>3} {song.label:<15}{f'{offline[i].dance} {offline[i].beats_per_bar}':<17}"
                      f"{song.join:<15}{said}")
    f.counter = max((e.song for e in events if kind(e) == "DanceEvent"), default=0)
    f.in_gaps = sum(kind(e) == "DanceEvent" and any(a + offset + 1.0 < e.stream_s <= b + offset for _, a, b in quiet)
                    for e in events)
    return f


def report(title: str, figures: list[Figures], n_songs: int) -> None:
    """Print the figures of one or more replays (pooled over them)."""
    def pooled(name: str) -> list:
        return [x for f in figures for x in getattr(f, name)]

    def total(name: str) -> int:
        return sum(getattr(f, name) for f in figures)

    n = n_songs * len(figures)
    calls = pooled("calls")
    revisions = pooled("revisions")
    latency = np.array(pooled("latency"))
    heard = latency[np.isfinite(latency)]
    ends = np.array(pooled("ends"))
    errors = np.abs(pooled("start_error"))
    print(f"\n{title}: {n} songs")
    at_most_one = sum(c <= 2 for c in calls)
    print(f"  calls per song: mean {np.mean(calls):.2f}, songs with more than one call {sum(c > 1 for c in calls)} "
          f"({100 * sum(c > 1 for c in calls) / n:.0f}%), more than two {sum(c > 2 for c in calls)}; at most one "
          f"revision (two calls, a 'not sure' one counted) {at_most_one}/{n} ({100 * at_most_one / n:.0f}%); songs "
          f"revised {sum(r > 0 for r in revisions)}, more than once {sum(r > 1 for r in revisions)}; "
          f"dance changed and changed back {total('changed_back')}")
    print(f"  false song ends {total('false_ends')}; song counter at the end {[f.counter for f in figures]} "
          f"(songs {n_songs}); new song after the crossfade {total('crossfade_new_song')}/{len(figures)}")
    named = len(heard)
    print(f"  first call = final call {total('first_is_final')}/{named}, = label {total('first_is_label')}/{named}; "
          f"final = label {total('final_is_label')}/{named}, = offline classify {total('final_is_offline')}/{named}")
    first = np.array(pooled("first_event"))
    if len(first):
        print(f"  latency of the first call, named or 'not sure' (the song's first word on it): median "
              f"{np.median(first):.1f} s, 90th percentile {np.percentile(first, 90):.1f} s, worst {first.max():.1f} s; "
              f"songs never called {n - len(first)}")
    if len(heard):
        print(f"  latency of the first call naming a dance: median {np.median(heard):.1f} s, 90th percentile "
              f"{np.percentile(heard, 90):.1f} s, worst {heard.max():.1f} s; never named {n - len(heard)}")
    if len(errors):
        print(f"  since_song_start_s minus the true time: median {np.median(errors):.2f} s, worst {errors.max():.2f} s")
    detected = ends[ends <= 4.0]
    print(f"  song ends with a silence event within 4 s: {len(detected)}/{len(ends)} "
          f"(median {np.median(detected) if len(detected) else float('nan'):.1f} s, "
          f"never {int(np.sum(~np.isfinite(ends)))}); calls during silence or talk {total('in_gaps')}")
    meters = pooled("meters")
    waltzes = [(live, off) for label, live, off in meters if label in WALTZES]
    others = [(live, off) for label, live, off in meters if label not in WALTZES]
    print(f"  meter at the song's end (offline classify's in brackets): waltzes in 3/4 "
          f"{sum(live == 3 for live, _ in waltzes)}/{len(waltzes)} ({sum(off == 3 for _, off in waltzes)}), 2/4 and "
          f"4/4 songs in 3 {sum(live == 3 for live, _ in others)}/{len(others)} ({sum(off == 3 for _, off in others)}), "
          f"no meter {sum(live is None for _, live, _ in meters)}; = offline {sum(live == off for _, live, off in meters)}"
          f"/{len(meters)}")
    timed = pooled("meter_time")
    for name, group in (("waltzes", [t for t in timed if t[0] in WALTZES]),
                        ("2/4 and 4/4 songs", [t for t in timed if t[0] not in WALTZES])):
        print(f"  {name}, from the first call to the song's end: meter reported in 3/4 "
              f"{100 * sum(t[1] for t in group) / max(1e-9, sum(t[2] for t in group)):.1f}% of the time it is "
              f"reported, no meter yet {100 * (1 - sum(t[2] for t in group) / max(1e-9, sum(t[3] for t in group))):.1f}%")
    tempos = pooled("tempos")
    print(f"  tempo at the song's end within 4% of offline classify's (same dance): "
          f"{sum(abs(live / max(off, 1e-9) - 1) <= 0.04 for live, off in tempos)}/{len(tempos)}")
    print(f"  tempo events {total('tempo_events')}; CPU {1000 * np.mean([f.cpu_per_s for f in figures]):.1f} ms per "
          "second of audio")


def realtime(classifier, samples: np.ndarray, seconds: float) -> None:
    """Part 2: the set at real-time pace for `seconds`."""
    from adapters.app import LiveAdapter
    from adapters.config import config_from_dict
    from adapters.sources import ArraySource

    loops = int(np.ceil(seconds * SR / len(samples)))
    adapter = LiveAdapter(config_from_dict({"console": {"enabled": False}}), classifier,
                          source=ArraySource(np.tile(samples, loops) if loops > 1 else samples, SR, "set", speed=1.0))
    before = psutil.Process().memory_info().rss
    wall, cpu = time.perf_counter(), cpu_seconds()
    adapter.start()
    with tqdm(total=round(seconds), desc="real time", unit="s audio", file=sys.stderr) as bar:
        while not adapter.engine.wait(0.5):
            heard = adapter.engine.status().stream_s
            bar.update(max(0, min(round(seconds), round(heard)) - bar.n))
            if heard >= seconds:
                break
    adapter.stop()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    status = adapter.engine.status()
    print(f"\nPart 2: {status.stream_s:.0f} s at real-time pace: CPU {100 * cpu / wall:.1f}% of one core "
          f"(target < 15%); dropped audio {status.dropped_s:.2f} s in {status.overruns} overruns (target 0)")
    print(f"memory: {psutil.Process().memory_info().rss / 2**20:.0f} MB resident at the end "
          f"({before / 2**20:.0f} MB when the adapter started, the set's {samples.nbytes / 2**20:.0f} MB of audio "
          f"included), peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(target <= 350 MB after 10 minutes)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("DANCECORE_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--model", help="model file (default: the shipped default model)")
    parser.add_argument("--adapters", help="folder holding the adapters/ package to measure (default: this checkout's)")
    parser.add_argument("--songs", type=int, default=0, help="songs in the set (0: every in-set song)")
    parser.add_argument("--song-s", type=float, default=75.0, help="seconds from the start of each song")
    parser.add_argument("--offsets", default="0,0.25,0.5,0.75",
                        help="start offsets of the set, seconds, comma-separated ('': no replay)")
    parser.add_argument("--hop", type=float, default=1.0, help="engine hop, seconds")
    parser.add_argument("--verbose", action="store_true", help="print every event of the first replay")
    parser.add_argument("--realtime-s", type=float, default=120.0,
                        help="length of the real-time part, seconds (0: skip)")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(args.adapters).resolve() if args.adapters else REPO))
    import adapters
    from dancecore.audio import Audio
    from dancecore.classify import Classifier
    from dancecore.model import load_model

    threadpool_limits(1)
    labels = Path(args.data) / "songs" / "labels.csv"
    if not labels.exists():
        sys.exit(f"bench_live: no songs at {labels}; set DANCECORE_DATA or --data")
    with open(labels, newline="") as f:
        rows = [r | {"path": str(labels.parent / r["path"])} for r in csv.DictReader(f) if r["kind"] == "in_set"]
    random.Random(0).shuffle(rows)
    rows = rows[: args.songs or len(rows)]
    classifier = Classifier(load_model(args.model, threads=1))
    offsets = [float(x) for x in args.offsets.split(",") if x.strip()]
    samples, songs, quiet = build_set(rows if offsets else rows[:1], args.song_s)
    print(f"adapters from {Path(adapters.__file__).parent}; model {classifier.model.name}; {len(songs)} songs of "
          f"{args.song_s:.0f} s, set {len(samples) / SR / 60:.1f} min; offsets {offsets} s; hop {args.hop} s")
    offline = [classifier.analyse_audio(Audio(s.samples, SR, None, False), s.label).result
               for s in tqdm(songs, desc="offline classify", unit="song", file=sys.stderr)] if offsets else []
    figures = []
    for offset in offsets:
        program = np.concatenate([np.zeros(int(offset * SR), np.float32), samples])
        events, cpu = replay(classifier, program, {"engine": {"hop_s": args.hop}})
        f = measure(events, songs, quiet, offset, offline)
        if args.verbose:
            print(f"  # label{'':<9}offline, meter{'':<3}then{'':<11}events: s after the song began, dance "
                  "tempo/meter (? not sure, * tempo event, - silence), #song")
            print("\n".join(f.rows))
        f.cpu_per_s = cpu / (len(program) / SR)
        figures.append(f)
        report(f"Offset {offset} s", [f], len(songs))
    if len(figures) > 1:
        report("All offsets", figures, len(songs))
    if args.realtime_s > 0:   # a set of just enough songs, the rest of the audio let go: memory as a live process's
        del samples, songs, offline
        needed = min(len(rows), int(np.ceil(args.realtime_s / (args.song_s + 5.0))) + 1)
        program = build_set(rows[:needed], args.song_s)[0]
        gc.collect()
        realtime(classifier, program, args.realtime_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
