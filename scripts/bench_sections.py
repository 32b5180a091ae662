"""Benchmark of `dancecore classify --sections`: songs of real music joined into one recording, split again.

The 6-song set (default): the first in-set song of six dances of DATA/songs, 60 to 90 s of each from its start,
joined by a 3 s gap, a 6 s crossfade, a 2 s gap, a talk gap (1.5 s of silence, 6 s of espeak-ng talk, 1.5 s of
silence) and a 5 s gap. The long set (`--long`): every in-set song, 60 to 90 s of each, in a fixed shuffled order
(no dance twice in a row), joined by gaps of 2 to 5 s, with three crossfades, two talk gaps and once talk the
moment the music stops (8 s, then 3 s of silence): about 38 minutes.

Printed: sections found against the songs joined; per song the true and found start and end and their errors
(a crossfade's true boundary is its middle; after a gap a song starts where its music starts and ends where its
music stops); the dance per section against the song's label; how many sections have another dance than the one
before; and the time taken (wall clock, x real time) with the CPU time.

    .venv/bin/python scripts/bench_sections.py                   # the 6-song set
    .venv/bin/python scripts/bench_sections.py --long            # every in-set song joined
    .venv/bin/python scripts/bench_sections.py --write mix.wav   # also keep the set, for dancecore classify
"""
from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from bench_live import SR, cpu_seconds, speech  # noqa: E402  (the same talk as the live benchmark)

SIX_DANCES = ("cha_cha_cha", "slow_waltz", "jive", "tango", "rumba", "samba")
SIX_LENGTHS_S = (75.0, 60.0, 90.0, 70.0, 80.0, 65.0)
SIX_JOINS = ("gap 3", "crossfade 6", "gap 2", "talk", "gap 5")
CROSSFADE_S = 6.0
TALK = (("silence", 1.5), ("talk", 6.0), ("silence", 1.5))   # a talk gap: (kind, seconds) in order
TALK_AT_ONCE = (("talk", 8.0), ("silence", 3.0))              # talk the moment the music stops, then silence


@dataclass(frozen=True)
class Part:
    """One song in the joined recording: its label and file, where its music starts and ends (s; a crossfade's
    middle for the songs it joins) and how it joins the next ("gap N", "crossfade N", "talk", "end")."""

    dance: str
    path: str
    start_s: float
    end_s: float
    join: str


def build_mix(rows: list[dict[str, str]], lengths_s: list[float], joins: list[str]) -> tuple[np.ndarray, list[Part]]:
    """The songs of `rows` (labels.csv rows with absolute paths), the first lengths_s[i] seconds of each, joined by
    joins[i] (len(rows) - 1 of them: "gap N" seconds of silence, "crossfade N" seconds, "talk" as TALK, "talk at
    once" as TALK_AT_ONCE); mono float32
    at SR and the parts with their true times."""
    from dancecore.audio import load_audio

    pieces: list[np.ndarray] = []
    parts: list[Part] = []
    t = 0.0
    fade_in = 0.0
    for i, row in enumerate(rows):
        samples = load_audio(row["path"], sr=SR, max_duration_s=lengths_s[i]).samples
        join = joins[i] if i < len(joins) else "end"
        start = t - fade_in / 2
        if fade_in:
            n = round(fade_in * SR)
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
            pieces[-1] = np.concatenate([pieces[-1][:-n], pieces[-1][-n:] * (1 - ramp) + samples[:n] * ramp])
            samples = samples[n:]
        pieces.append(samples)
        t += len(samples) / SR
        kind, _, seconds = join.partition(" ")
        fade_in = float(seconds) if kind == "crossfade" else 0.0
        parts.append(Part(row["dance"], row["path"], start, t - fade_in / 2, join))
        gaps = {"talk": TALK, "talk at once": TALK_AT_ONCE}.get(join, [("silence", float(seconds))] if kind == "gap"
                                                                     else [])
        for what, length in gaps:
            piece = speech(length) if what == "talk" else np.zeros(round(length * SR), np.float32)
            pieces.append(piece)
            t += len(piece) / SR
    return np.concatenate(pieces), parts


def six_song_set(rows: list[dict[str, str]]) -> tuple[np.ndarray, list[Part]]:
    """The 6-song set: the first in-set song of each of SIX_DANCES, SIX_LENGTHS_S, SIX_JOINS."""
    chosen = [next(r for r in rows if r["dance"] == dance and r["kind"] == "in_set") for dance in SIX_DANCES]
    return build_mix(chosen, list(SIX_LENGTHS_S), list(SIX_JOINS))


def long_set(rows: list[dict[str, str]], seed: int = 18) -> tuple[np.ndarray, list[Part]]:
    """Every in-set song, 60-90 s of each, shuffled (no dance twice in a row), gaps of 2-5 s, three crossfades,
    two talk gaps and one talk at once at fixed places."""
    rng = random.Random(seed)
    songs = [r for r in rows if r["kind"] == "in_set"]
    while True:
        rng.shuffle(songs)
        if all(a["dance"] != b["dance"] for a, b in itertools.pairwise(songs)):
            break
    n = len(songs)
    joins = [f"gap {rng.choice((2, 3, 4, 5))}" for _ in range(n - 1)]
    for k in (n // 5, n // 2, 4 * n // 5):
        joins[k] = f"crossfade {CROSSFADE_S:g}"
    for k in (n // 3, 2 * n // 3):
        joins[k] = "talk"
    joins[n // 2 + 2] = "talk at once"
    return build_mix(songs, [float(rng.randint(60, 90)) for _ in songs], joins)


def read_rows(data: Path) -> list[dict[str, str]]:
    """labels.csv of DATA/songs with absolute paths."""
    labels = data / "songs" / "labels.csv"
    if not labels.exists():
        sys.exit(f"bench_sections: no songs at {labels}; set DANCECORE_DATA or --data")
    with open(labels, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["path"] = str(data / "songs" / row["path"])
    return rows


def match(parts: list[Part], found: list[tuple[float, float]]) -> list[int | None]:
    """For each part, the index of the found (start_s, end_s) span overlapping it most (None: none overlaps)."""
    out: list[int | None] = []
    for part in parts:
        overlaps = [min(part.end_s, end) - max(part.start_s, start) for start, end in found]
        best = int(np.argmax(overlaps)) if overlaps else -1
        out.append(best if best >= 0 and overlaps[best] > 0 else None)
    return out


def report(title: str, parts: list[Part], sections: list, alone: list[str], wall_s: float, cpu_s: float,
           duration_s: float) -> None:
    """Print the sections found against the parts, the boundary errors, the dances (against the label and against
    `alone`, the dance `dancecore classify` gives each part's true stretch on its own) and the speed."""
    from dancecore.dances import BY_ID
    from dancecore.wording import duration

    found = [(s.start_s, s.end_s) for s in sections]
    matched = match(parts, found)
    print(f"\n{title}: {duration(duration_s)} of audio, {len(parts)} songs joined")
    print(f"  sections found: {len(sections)} (songs {len(parts)}); songs split over one section each: "
          f"{len({m for m in matched if m is not None})}")
    print("    #  dance (label)      start true/found/error   end true/found/error   join   found dance")
    errors, right, same = [], 0, 0
    for i, (part, k) in enumerate(zip(parts, matched)):
        if k is None:
            print(f"  {i + 1:3d}  {part.dance:<18} no section")
            continue
        section = sections[k]
        start_error, end_error = section.start_s - part.start_s, section.end_s - part.end_s
        if i > 0:
            errors.append(abs(start_error))
        if i < len(parts) - 1:
            errors.append(abs(end_error))
        dance = section.result.dance
        right += dance == part.dance
        same += dance == alone[i]
        said = "not sure, closest " + BY_ID[dance].name if section.result.not_sure else BY_ID[dance].name
        print(f"  {i + 1:3d}  {part.dance:<18} {part.start_s:7.1f} {section.start_s:7.1f} {start_error:+6.1f}   "
              f"{part.end_s:7.1f} {section.end_s:7.1f} {end_error:+6.1f}   {part.join:<13} {said}"
              f"{'' if dance == part.dance else '  (label ' + BY_ID[part.dance].name + ')'}"
              f"{'' if dance == alone[i] else '  (alone ' + BY_ID[alone[i]].name + ')'}")
    errors_a = np.array(errors) if errors else np.array([np.inf])
    print(f"  boundary errors (starts of songs 2.., ends of songs ..n-1): {len(errors)} boundaries, median "
          f"{np.median(errors_a):.1f} s, 90th percentile {np.percentile(errors_a, 90):.1f} s, worst "
          f"{errors_a.max():.1f} s, within 5 s {int(np.sum(errors_a <= 5.0))}/{len(errors)}")
    changed = sum(a.result.dance != b.result.dance for a, b in itertools.pairwise(sections))
    named = sum(not s.result.not_sure for s in sections)
    print(f"  dance = label {right}/{len(parts)}, = the song's true stretch classified alone {same}/{len(parts)}; "
          f"sections named (not 'not sure') {named}/{len(sections)}; sections whose dance differs from the one "
          f"before {changed}/{max(0, len(sections) - 1)}")
    print(f"  time: {wall_s:.1f} s wall = {duration_s / wall_s:.1f}x real time; CPU {cpu_s:.1f} s "
          f"({1000 * cpu_s / duration_s:.1f} ms per second of audio)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("DANCECORE_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--model", help="model file (default: the shipped default model)")
    parser.add_argument("--long", action="store_true", help="every in-set song joined (about 38 minutes)")
    parser.add_argument("--write", metavar="WAV", help="also write the joined recording to this wav file")
    args = parser.parse_args()

    import soundfile as sf
    from tqdm import tqdm

    from dancecore.audio import Audio
    from dancecore.classify import Classifier
    from dancecore.model import load_model
    from dancecore.sections import find_sections

    rows = read_rows(Path(args.data))
    samples, parts = long_set(rows) if args.long else six_song_set(rows)
    if args.write:
        sf.write(args.write, samples, SR, subtype="FLOAT")
    classifier = Classifier(load_model(args.model))
    audio = Audio(samples=samples, sr=SR, source_duration_s=None, truncated=False)
    with tqdm(total=round(audio.duration_s), desc="sections", unit="s audio", file=sys.stderr) as bar:
        wall, cpu = time.perf_counter(), cpu_seconds()
        sections = find_sections(classifier, audio, "set", progress=lambda s: bar.update(round(s) - bar.n))
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    alone = [classifier.analyse_audio(Audio(samples=samples[round(p.start_s * SR):round(p.end_s * SR)], sr=SR,
                                            source_duration_s=None, truncated=False), p.path).result.dance
             for p in parts]
    report("long set" if args.long else "6-song set", parts, sections, alone, wall, cpu, audio.duration_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
