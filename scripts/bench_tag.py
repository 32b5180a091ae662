"""Files per minute of `dancecore tag` on a generated library of 3-minute songs, as a user runs it.

The library is cut and re-encoded with ffmpeg from the real songs (DANCECORE_DATA/songs, looped where a
song is shorter): mp3 (ID3v2.3 and 2.4 in turn), flac, opus and m4a in turn. Each `--workers` value tags
a fresh copy in a new process (start-up and model loading included), so one run compares them on the
same machine; then a second run over the last copy (everything skipped) and --remove are timed.
--baseline DIR times another checkout of dancecore (e.g. an older commit unpacked with
`git archive COMMIT | tar -x -C DIR`) on its own fresh copy before each of this checkout's runs, so a
speed-up is measured in one run on the same machine.
--verify checks what the issue asks of a library: decoded audio bit-identical after tagging, every file's
DANCECORE record readable by mutagen and ffprobe, the second run skipping every file, and --remove giving
back the tags exactly (as mutagen and ffprobe show them).

Usage: python scripts/bench_tag.py [--files 60] [--seconds 180] [--workers 1,2] [--verify] [--library DIR]
                                   [--baseline DIR]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))
FORMATS = {  # suffix -> ffmpeg options; the mp3s alternate between ID3v2.3 and 2.4
    "v23.mp3": ["-c:a", "libmp3lame", "-b:a", "192k", "-id3v2_version", "3"],
    "flac": ["-c:a", "flac"],
    "opus": ["-c:a", "libopus", "-b:a", "128k"],
    "m4a": ["-c:a", "aac", "-b:a", "192k"],
    "v24.mp3": ["-c:a", "libmp3lame", "-b:a", "192k", "-id3v2_version", "4"],
}


def make_file(song: Path, out: Path, options: list[str], seconds: float, start: float = 0.0,
              title: str = "", artist: str = "") -> None:
    """`seconds` of `song` from `start` (looped when shorter) encoded with ffmpeg `options` into `out`."""
    meta = [*(["-metadata", f"title={title}"] if title else []), *(["-metadata", f"artist={artist}"] if artist else [])]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-ss", str(start), "-t", str(seconds),
                    "-i", str(song), "-map", "0:a:0", "-map_metadata", "-1", *meta, *options, str(out)], check=True)


def decoded_md5(path: Path) -> str:
    """MD5 of the decoded audio (ffmpeg, 16-bit PCM at the file's own rate and channels)."""
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout
    return hashlib.md5(pcm).hexdigest()


def mutagen_view(path: Path) -> tuple:
    """Every tag as mutagen shows it (order-free), with the ID3 version."""
    import mutagen

    tags = mutagen.File(path).tags
    return getattr(tags, "version", None), sorted(tags.pprint().splitlines()) if tags is not None else None


def ffprobe_tags(path: Path) -> dict[str, str]:
    """The container's and the streams' tags as ffprobe reads them."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    tags = dict(data.get("format", {}).get("tags", {}))
    for stream in data.get("streams", []):
        tags.update(stream.get("tags", {}))
    return tags


def make_library(folder: Path, files: int, seconds: float) -> list[Path]:
    """The benchmark library (kept and reused when complete)."""
    with open(DATA / "songs" / "labels.csv", newline="") as f:
        songs = [DATA / "songs" / r["path"] for r in csv.DictReader(f) if r["kind"] == "in_set"]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        song, suffix = songs[i % len(songs)], list(FORMATS)[i % len(FORMATS)]
        out = folder / f"{i:04d}_{song.stem[:40]}.{suffix}"
        if not out.exists():
            make_file(song, out, FORMATS[suffix], seconds, title=song.stem[:40], artist=song.parent.name)
        paths.append(out)
    return paths


def tag(*args: object, checkout: Path = REPO) -> tuple[float, float, str]:
    """Wall time and CPU time (s, all processes) of `dancecore tag ARGS` in a new process, and its summary line."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dancecore", "tag", *map(str, args)], capture_output=True, text=True,
                          cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)})
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"dancecore tag failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    line = next((ln for ln in proc.stdout.splitlines() if re.match(r"\d+ files in", ln)), "")
    return seconds, _children_cpu() - cpu, line


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=180.0, help="length of each file (default 180)")
    parser.add_argument("--workers", default=f"1,{os.cpu_count() or 1}", help="comma-separated (default 1,cores)")
    parser.add_argument("--library", type=Path, help="where the generated library is kept (default: /tmp)")
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument("--verify", action="store_true", help="check audio, tags, resume and --remove too")
    parser.add_argument("--baseline", type=Path, help="another dancecore checkout, timed before each run")
    args = parser.parse_args()
    library = args.library or Path("/tmp") / f"dancecore-bench-tag-{args.files}x{args.seconds:g}s"
    paths = make_library(library, args.files, args.seconds)
    model = ["--model", args.model] if args.model else []
    print(f"library: {len(paths)} files of {args.seconds:g} s in {library}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    work = library.with_name(library.name + "-work")
    for workers in (int(w) for w in args.workers.split(",")):
        for checkout in ([args.baseline.resolve()] if args.baseline else []) + [REPO]:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            for path in paths:
                shutil.copy2(path, work / path.name)
            before = {p.name: (decoded_md5(p), mutagen_view(p), ffprobe_tags(p)) for p in work.iterdir()} \
                if args.verify and checkout == REPO else {}
            seconds, cpu, summary = tag(work, "--workers", workers, *model, checkout=checkout)
            print(f"tag{' (baseline)' if checkout != REPO else ''}, {workers} worker(s): "
                  f"{60 * len(paths) / seconds:6.1f} files/min ({seconds:.1f} s wall, start-up included; load average "
                  f"{os.getloadavg()[0]:.1f}); {cpu / len(paths):.2f} CPU s per file, "
                  f"{60 * (os.cpu_count() or 1) * len(paths) / cpu:.0f} files/min if every core were free\n    {summary}")
    seconds, _, summary = tag(work, "--workers", workers, *model)
    print(f"second run (all skipped): {60 * len(paths) / seconds:.0f} files/min ({seconds:.1f} s)\n    {summary}")
    if args.verify:
        verify_tagged(work, before)
        assert f"{len(paths)} already tagged (skipped)" in summary, summary
    seconds, _, summary = tag(work, "--remove", "--workers", workers)
    print(f"--remove: {60 * len(paths) / seconds:.0f} files/min ({seconds:.1f} s)\n    {summary}")
    if args.verify:
        for p in work.iterdir():
            assert (mutagen_view(p), ffprobe_tags(p)) == before[p.name][1:], f"{p.name}: tags not restored"
        print(f"verified: {len(paths)} files bit-identical audio, records read by mutagen and ffprobe, "
              "second run skipped all, --remove restored every tag")


def verify_tagged(folder: Path, before: dict[str, tuple]) -> None:
    """Audio bit-identical; the DANCECORE record readable by mutagen and ffprobe in every file."""
    from dancecore.tagging.containers import open_tags
    from dancecore.tagging.record import Record

    for p in folder.iterdir():
        assert decoded_md5(p) == before[p.name][0], f"{p.name}: decoded audio changed"
        tags = open_tags(p)
        key = {"id3": "TXXX:DANCECORE", "vorbis": "DANCECORE", "mp4": "----:com.apple.iTunes:DANCECORE"}[tags.kind]
        record = Record.parse(tags.get(key))
        probe = {k.lower(): v for k, v in ffprobe_tags(p).items()}
        assert record is not None and Record.parse([probe["dancecore"]]) == record, f"{p.name}: record unreadable"


if __name__ == "__main__":
    main()
