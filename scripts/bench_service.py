"""Benchmark of the request path shared by the bot and the web server (dancecore.service).

Measures, in one run so the ratios are comparable on a loaded machine:
  reference  `Classifier.classify` on each clip, one after another (no service);
  service    the same clips submitted at once through ClassificationService (1 and 2 workers),
             with and without drawing the timeline PNG: wall time, latency p50/p95, throughput;
  long file  a 2-hour mp3 against a 10-minute one: answering a 2-hour file costs about the same,
             because only the first max_duration_s seconds are decoded.

Usage: .venv/bin/python scripts/bench_service.py [--model PATH] [--clips N] [--seconds S]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dancecore.classify import Classifier  # noqa: E402
from dancecore.model import load_model  # noqa: E402
from dancecore.service import Answer, ClassificationService, ServiceLimits  # noqa: E402

DATA = Path(os.environ.get("DANCECORE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def make_clips(folder: Path, n: int, seconds: float) -> list[bytes]:
    """`n` mp3 cuts of `seconds` from different in-set songs."""
    songs = sorted((DATA / "songs").glob("*/*.opus"))
    songs = [s for s in songs if s.parent.name != "not_ballroom"][:n]
    clips = []
    for song in tqdm(songs, desc="cutting clips", unit="clip", file=sys.stderr):
        out = folder / f"{song.stem}.mp3"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", "30", "-t", str(seconds), "-i", str(song),
                        "-b:a", "128k", str(out)], check=True)
        clips.append(out.read_bytes())
    return clips


def long_file(folder: Path, minutes: float) -> bytes:
    """Real music repeated to `minutes` (16 kbit/s mp3, frames concatenated)."""
    song = sorted((DATA / "songs" / "samba").glob("*.opus"))[0]
    piece = folder / "piece.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", "30", "-t", "20", "-i", str(song), "-ac", "1",
                    "-ar", "16000", "-b:a", "16k", "-write_xing", "0", "-id3v2_version", "0", str(piece)], check=True)
    return piece.read_bytes() * int(minutes * 3)


async def burst(service: ClassificationService, clips: list[bytes]) -> tuple[float, list[float]]:
    """Submit every clip at once; wall seconds and per-request latencies in seconds."""
    async def one(i: int, data: bytes) -> float:
        started = time.perf_counter()
        outcome = await service.submit(data, f"clip{i}.mp3", user_id=i)
        assert isinstance(outcome, Answer), outcome
        return time.perf_counter() - started

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one(i, c) for i, c in enumerate(clips)))
    return time.perf_counter() - started, list(latencies)


async def long_files(classifier: Classifier, files: dict[str, bytes]) -> dict[str, float]:
    """Answer each long file alone (default limits: the first 600 s); seconds per file."""
    service = ClassificationService(classifier, ServiceLimits(workers=1, cooldown_s=0), timeline=False)
    timings = {}
    for label, data in files.items():
        started = time.perf_counter()
        outcome = await service.submit(data, f"{label}.mp3")
        timings[label] = time.perf_counter() - started
        assert isinstance(outcome, Answer), outcome
        print(f"long file {label} ({len(data) / 2**20:.1f} MB): answered in {timings[label]:.2f} s, analysed "
              f"{outcome.result.duration_s:.0f} s of {outcome.result.source_duration_s or 0:.0f} s")
    service.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    model = load_model(args.model, threads=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = make_clips(folder, args.clips, args.seconds)
        ten_minutes, two_hours = long_file(folder, 10), long_file(folder, 120)

        classifier = Classifier(model)
        classifier.classify(clips[0], "warm-up")
        started = time.perf_counter()
        for i, clip in enumerate(clips):
            classifier.classify(clip, f"clip{i}.mp3")
        reference = time.perf_counter() - started
        print(f"cpu cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, model {model.name} ({model.arch})")
        print(f"reference: Classifier.classify, {len(clips)} clips of {args.seconds:.0f} s one by one: "
              f"{reference:.2f} s ({reference / len(clips):.2f} s per clip)")

        for workers in (1, 2):
            for timeline in (False, True):
                limits = ServiceLimits(workers=workers, queue_size=len(clips), cooldown_s=0)
                service = ClassificationService(classifier, limits, timeline=timeline)
                wall, latencies = asyncio.run(burst(service, clips))
                service.close()
                p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
                print(f"service: {workers} worker(s), timeline {'on ' if timeline else 'off'}: wall {wall:.2f} s "
                      f"= {wall / reference:.2f}x reference, {len(clips) / wall:.2f} clips/s, latency "
                      f"p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s")

        timings = asyncio.run(long_files(classifier, {"10 min": ten_minutes, "2 h": two_hours}))
        print(f"2 h / 10 min answer time: {timings['2 h'] / timings['10 min']:.2f}x")


if __name__ == "__main__":
    main()
