"""One M3U8 playlist per dance and report.csv with tempo advice, from the outcomes of a tag run.

A playlist holds the songs named for its dance (not the "not sure" ones) whose tempo lies in the
dance's competition range in bars per minute (dancecore.dances), slowest first; `any_tempo` drops the
tempo filter. Paths are relative to the playlist's folder (absolute where no relative path exists, e.g.
another drive). Tempo advice: the speed change in percent that brings a song into its dance's range,
as a DJ would pitch it (positive: faster; 0 inside the range).
"""
from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.tagging.job import Outcome
from dancecore.tagging.record import Facts

REPORT_COLUMNS = ["path", "artist", "title", "duration_s", "dance", "dance_name", "confidence", "not_sure",
                  "also_fits", "dj_bpm", "bpm", "mpm", "range_mpm", "tempo_change_pct", "playlist", "status", "note"]


def tempo_change_pct(mpm: float, dance_id: str) -> float:
    """Speed change in % that brings `mpm` bars per minute into the dance's competition range (0 inside)."""
    low, high = BY_ID[dance_id].mpm
    if mpm <= 0:
        return 0.0
    if mpm < low:
        return round(100.0 * (low / mpm - 1.0), 1)
    if mpm > high:
        return round(100.0 * (high / mpm - 1.0), 1)
    return 0.0


@dataclass(frozen=True)
class Written:
    """What write_playlists wrote: dance id -> playlist file and its number of songs; the report."""

    playlists: dict[str, tuple[Path, int]]
    report: Path


def write_playlists(out: str | Path, outcomes: list[Outcome], any_tempo: bool = False,
                    name: Callable[[str], str] = lambda dance_id: BY_ID[dance_id].name) -> Written:
    """Write NAME.m3u8 for every dance (all ten, so none is left stale) and report.csv into `out`.
    `name`: the name of a dance id as written in the tags (playlist file name and title)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    members: dict[str, list[Outcome]] = {d: [] for d in DANCE_IDS}
    for o in outcomes:
        if o.facts is not None and _belongs(o.facts, any_tempo):
            members[o.facts.dance].append(o)
    written = {}
    for dance_id, songs in members.items():
        songs.sort(key=lambda o: (o.facts.mpm, o.path))
        path = out / f"{_file_name(name(dance_id))}.m3u8"
        lines = ["#EXTM3U", f"#PLAYLIST:{name(dance_id)}"]
        for o in songs:
            lines += [f"#EXTINF:{round(o.info.duration_s) if o.info else -1},{_display(o)}", _relative(o.path, out)]
        _write_text(path, "\n".join(lines) + "\n")
        written[dance_id] = (path, len(songs))
    report = out / "report.csv"
    rows = [_row(o, name, any_tempo) for o in outcomes]
    tmp = report.with_name(report.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(report)
    return Written(written, report)


def _belongs(facts: Facts, any_tempo: bool) -> bool:
    return not facts.not_sure and (any_tempo or tempo_change_pct(facts.mpm, facts.dance) == 0.0)


def _display(o: Outcome) -> str:
    """"artist - title" from the tags; the file name when the title is missing."""
    title = (o.info.title if o.info else "") or Path(o.path).stem
    artist = o.info.artist if o.info else ""
    return f"{artist} - {title}" if artist else title


def _relative(path: str, folder: Path) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
    except ValueError:  # another drive (Windows)
        return os.path.abspath(path)


def _file_name(text: str) -> str:
    return "".join("_" if c in '<>:"/\\|?*' else c for c in text).strip() or "dance"


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _row(o: Outcome, name: Callable[[str], str], any_tempo: bool) -> dict[str, object]:
    row: dict[str, object] = {"path": o.path, "status": o.status, "note": o.message if o.status == "failed" else ""}
    if o.info is not None:
        row.update(artist=o.info.artist, title=o.info.title, duration_s=round(o.info.duration_s, 1))
    f = o.facts
    if f is not None:
        low, high = BY_ID[f.dance].mpm
        row.update(dance=f.dance, dance_name=name(f.dance), confidence=f.confidence, not_sure=f.not_sure,
                   also_fits=f.also_fits or "", dj_bpm=f.dj_bpm, bpm=f.bpm, mpm=f.mpm, range_mpm=f"{low:g}-{high:g}",
                   tempo_change_pct=tempo_change_pct(f.mpm, f.dance),
                   playlist=name(f.dance) if _belongs(f, any_tempo) else "")
    return row
