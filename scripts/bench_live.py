"""Benchmark of the live adapter on real songs played back to back with silences and talk between.

Part 1 (as fast as the machine goes, nothing dropped): per song, the time from the music's start
to the first announcement, the dance announced first and finally, offline `dancecore classify` of
the same excerpt and the agreement; announcements during silence or talk. Targets: first song
<= 8 s, each next song <= 12 s, none during silence or talk.
Part 2 (real time): CPU use in % of one core and dropped audio while the same program plays at
real-time pace (target < 25 % with the default model, nothing dropped over a 10-minute run), with
the reference of offline classify's CPU per second of audio measured in the same run, and the
process's memory (resident set) at the end and at its peak (target <= 350 MB after 10 minutes).

    .venv/bin/python scripts/bench_live.py                       # default model, 2-minute real-time part
    .venv/bin/python scripts/bench_live.py --realtime-s 600      # the 10-minute run
    .venv/bin/python scripts/bench_live.py --model /tmp/plumbing.dcmodel --min-confidence 0
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
from threadpoolctl import threadpool_limits
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.app import LiveAdapter  # noqa: E402
from adapters.config import config_from_dict  # noqa: E402
from adapters.events import DanceEvent  # noqa: E402
from adapters.sources import ArraySource  # noqa: E402
from dancecore.audio import Audio, load_audio  # noqa: E402
from dancecore.classify import Classifier  # noqa: E402
from dancecore.dances import DANCE_IDS  # noqa: E402
from dancecore.model import load_model  # noqa: E402

SR = 22050
TALK = ("Thank you, that was lovely. Before the next dance, a quick announcement: the bar is open until "
        "eleven, and there is a beginners class on Tuesday at eight. Please find your partners now.")


@dataclass
class Segment:
    """A stretch of the program: kind song/silence/talk, stream seconds [start_s, end_s)."""

    kind: str
    start_s: float
    end_s: float
    label: str = ""
    samples: np.ndarray | None = None


def cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def speech(seconds: float) -> np.ndarray | None:
    """Synthetic talk from espeak-ng at SR, or None when it is not installed."""
    if shutil.which("espeak-ng") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "talk.wav"
        subprocess.run(["espeak-ng", "-s", "160", "-w", str(wav), TALK], check=True, capture_output=True)
        talk = load_audio(wav, sr=SR).samples
    return talk[: int(seconds * SR)] * np.float32(0.5 / max(1e-6, np.abs(talk).max()))


def build_program(rows: list[dict[str, str]], excerpt_s: float, gap_s: float, talk_s: float) -> list[Segment]:
    """Songs (excerpts from 0:30, or whole with excerpt_s 0) separated by silence, with talk in
    every other gap."""
    talk = speech(talk_s) if talk_s > 0 else None
    segments, t = [], 0.0
    for i, row in enumerate(tqdm(rows, desc="decoding songs", unit="song", file=sys.stderr)):
        if excerpt_s > 0:
            song = load_audio(row["path"], max_duration_s=30 + excerpt_s).samples[30 * SR:]
        else:
            song = load_audio(row["path"]).samples
        segments.append(Segment("song", t, t + len(song) / SR, row["dance"], song))
        t += len(song) / SR
        gaps = [("silence", gap_s)]
        if talk is not None and i % 2 == 0:
            gaps = [("silence", gap_s / 2), ("talk", len(talk) / SR), ("silence", gap_s / 2)]
        for kind, seconds in gaps:
            samples = talk if kind == "talk" else np.zeros(int(seconds * SR), np.float32)
            segments.append(Segment(kind, t, t + len(samples) / SR, kind, samples))
            t += len(samples) / SR
    return segments


def run_adapter(classifier: Classifier, overrides: dict, samples: np.ndarray, speed: float,
                seconds: float | None) -> tuple[LiveAdapter, float, float]:
    """Play `samples` through a LiveAdapter; returns it with wall and CPU seconds of the run."""
    config = config_from_dict({"console": {"enabled": False}, **overrides})
    adapter = LiveAdapter(config, classifier, source=ArraySource(samples, SR, "program", speed=speed))
    wall, cpu = time.perf_counter(), cpu_seconds()
    adapter.start()
    total = seconds if seconds is not None else len(samples) / SR
    with tqdm(total=round(total), desc="real time" if speed else "replay", unit="s audio", file=sys.stderr) as bar:
        while not adapter.engine.wait(0.5):
            heard = adapter.engine.status().stream_s
            bar.update(max(0, min(round(total), round(heard)) - bar.n))
            if seconds is not None and heard >= seconds:
                break
    adapter.stop()
    return adapter, time.perf_counter() - wall, cpu_seconds() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("DANCECORE_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data")))
    parser.add_argument("--model", help="model file (default: the shipped default model)")
    parser.add_argument("--songs", type=int, default=10, help="songs in the program (one per dance first)")
    parser.add_argument("--excerpt-s", type=float, default=30.0, help="seconds of each song from 0:30 (0: whole songs)")
    parser.add_argument("--gap-s", type=float, default=4.0, help="silence between songs, seconds")
    parser.add_argument("--talk-s", type=float, default=8.0, help="talk in every other gap, seconds (0: none)")
    parser.add_argument("--hop", type=float, default=1.0, help="engine hop, seconds")
    parser.add_argument("--min-confidence", type=float, help="tracker threshold (default: the model's)")
    parser.add_argument("--realtime-s", type=float, default=120.0, help="length of the real-time part, seconds (0: skip)")
    args = parser.parse_args()

    threadpool_limits(1)
    labels = Path(args.data) / "songs" / "labels.csv"
    if not labels.exists():
        sys.exit(f"bench_live: no songs at {labels}; set DANCECORE_DATA or --data")
    with open(labels, newline="") as f:
        rows = [r | {"path": str(labels.parent / r["path"])} for r in csv.DictReader(f) if r["kind"] == "in_set"]
    by_dance = [next(r for r in rows if r["dance"] == d) for d in DANCE_IDS]
    picked = (by_dance + [r for r in rows if r not in by_dance])[: args.songs]

    classifier = Classifier(load_model(args.model, threads=1))
    model = classifier.model
    overrides = {"engine": {"hop_s": args.hop}, "tracker": {} if args.min_confidence is None else {"min_confidence": args.min_confidence}}
    segments = build_program(picked, args.excerpt_s, args.gap_s, args.talk_s)
    program = np.concatenate([s.samples for s in segments])
    songs = [s for s in segments if s.kind == "song"]
    print(f"model {model.name} ({model.arch}); {len(songs)} songs, {len(program) / SR / 60:.1f} min of program, "
          f"hop {args.hop} s; threshold {args.min_confidence if args.min_confidence is not None else model.reject.min_top_probability}")

    # offline reference: `dancecore classify` of each excerpt, and its CPU per second of audio
    cpu = cpu_seconds()
    offline = [classifier.analyse_audio(Audio(s.samples, SR, None, False), s.label).result
               for s in tqdm(songs, desc="offline classify", unit="song", file=sys.stderr)]
    offline_cpu_per_s = (cpu_seconds() - cpu) / sum(s.end_s - s.start_s for s in songs)

    # part 1: as fast as possible
    adapter, wall, cpu_used = run_adapter(classifier, overrides, program, speed=0, seconds=None)
    events = [e for e in adapter.events if isinstance(e, DanceEvent)]
    print(f"\nPart 1: replay {len(program) / SR:.0f} s of audio in {wall:.1f} s ({len(program) / SR / wall:.1f}x real time), "
          f"live CPU {cpu_used / (len(program) / SR) * 1000:.1f} ms per audio second vs offline classify "
          f"{offline_cpu_per_s * 1000:.1f} ms (ratio {cpu_used / (len(program) / SR) / offline_cpu_per_s:.1f})")
    print(f"{'#':>2} {'label':<15}{'first s':>8}  {'first':<15}{'final':<15}{'offline':<15}{'sure':<5} agree")
    firsts, finals, agree, comparable = [], [], 0, 0
    for i, (song, result) in enumerate(zip(songs, offline)):
        mine = [e for e in events if song.start_s <= e.stream_s <= song.end_s + 1.0]
        first = mine[0] if mine else None
        delay = first.stream_s - song.start_s if first else float("nan")
        firsts.append(delay)
        final = mine[-1].dance if mine else "-"
        finals.append(final)
        if not result.not_sure:
            comparable += 1
            agree += final == result.dance
        print(f"{i + 1:>2} {song.label:<15}{delay:>8.1f}  {first.dance if first else '-':<15}{final:<15}{result.dance:<15}"
              f"{'no' if result.not_sure else 'yes':<5} {'yes' if final == result.dance else 'no'}")
    quiet = [s for s in segments if s.kind != "song"]
    wrong = [e for e in events if any(q.start_s + 1.0 < e.stream_s <= q.end_s for q in quiet)]
    talk_wrong = [e for e in wrong if any(q.kind == "talk" and q.start_s + 1.0 < e.stream_s <= q.end_s + 1.0 for q in quiet)]
    missed = sum(np.isnan(firsts))
    later = [d for d in firsts[1:] if not np.isnan(d)]
    print(f"first song announced after {firsts[0]:.1f} s (target <= 8); next songs: max {max(later, default=float('nan')):.1f} s, "
          f"median {np.median(later) if later else float('nan'):.1f} s (target <= 12); songs never announced: {missed}")
    print(f"announcements during silence or talk: {len(wrong)} (during talk: {len(talk_wrong)}; target 0)")
    print(f"agreement with offline classify where it is sure: {agree}/{comparable}; "
          f"live final dance equals the label: {sum(f == s.label for f, s in zip(finals, songs))}/{len(songs)}")

    # part 2: real time
    if args.realtime_s > 0:
        loops = int(np.ceil(args.realtime_s * SR / len(program)))
        adapter, wall, cpu_used = run_adapter(classifier, overrides, np.tile(program, loops), speed=1.0,
                                              seconds=args.realtime_s)
        status = adapter.engine.status()
        print(f"\nPart 2: {status.stream_s:.0f} s at real-time pace: CPU {100 * cpu_used / wall:.1f}% of one core "
              f"(target < 25%); offline classify would need {100 * offline_cpu_per_s:.1f}% to keep up; "
              f"dropped audio {status.dropped_s:.2f} s in {status.overruns} overruns (target 0)")
        print(f"memory: {psutil.Process().memory_info().rss / 2**20:.0f} MB resident at the end, peak "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (target <= 350 MB after 10 minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
