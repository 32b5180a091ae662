"""Score primitives: step-grid parsing, notes, parts, and conversion to a humanised PrettyMIDI.

Positions and durations are in beats (quarter notes at the song tempo) unless noted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pretty_midi

# Grid characters: velocity level of a hit; "-" holds the previous hit, "." is a rest.
LEVELS: dict[str, float] = {"X": 1.0, "x": 0.8, "o": 0.62, "g": 0.38}


@dataclass(frozen=True)
class Hit:
    """One grid hit: position and duration in beats, level 0..1."""

    pos: float
    dur: float
    level: float


def parse_grid(grid: str, steps_per_beat: int) -> tuple[list[Hit], float]:
    """Hits of a step grid (spaces ignored) and the grid's length in beats."""
    cells = grid.replace(" ", "")
    step = 1.0 / steps_per_beat
    hits: list[Hit] = []
    for i, c in enumerate(cells):
        if c in LEVELS:
            hits.append(Hit(i * step, step, LEVELS[c]))
        elif c == "-" and hits:
            last = hits[-1]
            hits[-1] = Hit(last.pos, last.dur + step, last.level)
        elif c not in ".-":
            raise ValueError(f"bad grid character {c!r} in {grid!r}")
    return hits, len(cells) * step


@dataclass
class Note:
    """A note: start and duration in beats, MIDI pitch, velocity 1..127."""

    start: float
    dur: float
    pitch: int
    velocity: int


@dataclass
class Part:
    """One instrument track. `bank`/`program` select the SoundFont preset (drum kits: bank 128 is
    implied by is_drum); `volume` is MIDI CC7; `timing_ms` is the humanising jitter (std, ms) and
    `push_ms` a constant offset (negative = ahead of the beat)."""

    name: str
    program: int
    bank: int = 0
    is_drum: bool = False
    volume: int = 100
    timing_ms: float = 8.0
    push_ms: float = 0.0
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Feel:
    """Micro-timing of a song: swing ratios of eighths/sixteenths (0.5 = straight) and an optional
    bar warp (nominal beat positions mapped to played positions, e.g. (0, 0.92, 2) for a Viennese
    waltz with an early second beat)."""

    swing8: float = 0.5
    swing16: float = 0.5
    bar_warp: tuple[float, ...] = ()


def _swing(x: np.ndarray, unit: float, ratio: float) -> np.ndarray:
    """Piecewise-linear swing: within each `unit` (beats), the midpoint moves to `ratio`."""
    if abs(ratio - 0.5) < 1e-6:
        return x
    cell, frac = np.divmod(x, unit)
    f = frac / unit
    warped = np.where(f < 0.5, f * (ratio / 0.5), ratio + (f - 0.5) * ((1 - ratio) / 0.5))
    return (cell + warped) * unit


def warp_beats(x: np.ndarray, feel: Feel, beats_per_bar: int) -> np.ndarray:
    """Played positions (beats) of nominal positions under a Feel."""
    if feel.bar_warp:
        bar, pos = np.divmod(x, beats_per_bar)
        xs = np.arange(beats_per_bar + 1, dtype=float)
        ys = np.array([*feel.bar_warp, beats_per_bar], dtype=float)
        x = bar * beats_per_bar + np.interp(pos, xs, ys)
    x = _swing(x, 1.0, feel.swing8)
    return _swing(x, 0.5, feel.swing16)


def to_pretty_midi(parts: list[Part], bpm: float, beats_per_bar: int, feel: Feel,
                   rng: np.random.Generator, velocity_sd: float = 5.0) -> pretty_midi.PrettyMIDI:
    """A PrettyMIDI of the parts at a constant tempo, with swing/warp and humanised timing/velocity.
    Bank is written as CC0 and volume as CC7 at time 0."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    pm.time_signature_changes.append(pretty_midi.TimeSignature(beats_per_bar, 4, 0.0))
    spb = 60.0 / bpm
    for part in parts:
        inst = pretty_midi.Instrument(program=part.program, is_drum=part.is_drum, name=part.name)
        inst.control_changes += [pretty_midi.ControlChange(0, part.bank, 0.0),
                                 pretty_midi.ControlChange(7, part.volume, 0.0)]
        if part.notes:
            start = np.array([n.start for n in part.notes])
            end = start + np.array([n.dur for n in part.notes])
            jitter = rng.normal(0.0, part.timing_ms / 1000.0, len(start)) + part.push_ms / 1000.0
            t0 = np.maximum(warp_beats(start, feel, beats_per_bar) * spb + jitter, 0.0)
            t1 = np.maximum(warp_beats(end, feel, beats_per_bar) * spb + jitter, t0 + 0.02)
            vel = np.array([n.velocity for n in part.notes]) + rng.normal(0.0, velocity_sd, len(start))
            vel = np.clip(np.round(vel), 1, 127).astype(int)
            inst.notes = _fix_overlaps([pretty_midi.Note(int(v), n.pitch, float(a), float(b))
                                        for n, v, a, b in zip(part.notes, vel, t0, t1)])
        pm.instruments.append(inst)
    return pm


def _fix_overlaps(notes: list[pretty_midi.Note]) -> list[pretty_midi.Note]:
    """Sort notes, drop same-pitch doubles (within 15 ms) and shorten notes that would overlap the
    next note of the same pitch."""
    notes.sort(key=lambda n: (n.start, n.pitch))
    last: dict[int, pretty_midi.Note] = {}
    kept: list[pretty_midi.Note] = []
    for n in notes:
        prev = last.get(n.pitch)
        if prev is not None and n.start - prev.start < 0.015:
            prev.velocity = max(prev.velocity, n.velocity)
            continue
        if prev is not None and prev.end > n.start - 0.005:
            prev.end = n.start - 0.005
        last[n.pitch] = n
        kept.append(n)
    return kept
