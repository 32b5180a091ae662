"""Drum part: groove layers per section, fills at phrase ends, crashes, breaks and endings."""
from __future__ import annotations

import numpy as np

from dancecore.data.synth import patterns as P
from dancecore.data.synth.form import Plan, Section
from dancecore.data.synth.score import Note, Part, parse_grid
from dancecore.data.synth.styles import Style

FILL_KEYS: dict[str, tuple[int, ...]] = {
    "snare": (P.SNARE, P.SNARE, P.SNARE2),
    "toms": (P.HTOM, P.HMTOM, P.LMTOM, P.LTOM, P.HFTOM, P.LFTOM),
    "roll": (P.SNARE,),
    "timbales": (P.HTIMB, P.HTIMB, P.LTIMB, P.LTIMB),
    "congas": (P.OCONGA, P.MCONGA, P.OCONGA, P.LCONGA),
    "claps": (P.CLAP, P.SNARE),
    "brush": (P.SNARE,),
    "surdo": (P.OSURDO, P.MSURDO, P.SNARE),
}
# Subdivisions per beat of each fill kind.
FILL_RATE: dict[str, int] = {"roll": 8, "brush": 3}


def _velocity(level: float) -> int:
    return int(np.clip(round(112 * level), 1, 127))


def fill_notes(kind: str, start: float, beats: float, level: float, rng: np.random.Generator) -> list[Note]:
    """A crescendo fill of `beats` beats from `start` (e.g. tom run, snare roll, timbale run)."""
    keys = FILL_KEYS[kind]
    rate = FILL_RATE.get(kind, int(rng.choice([2, 4, 4])))
    n = max(1, int(round(beats * rate)))
    step = beats / n
    skip = 0.25 if kind in ("toms", "timbales", "congas") else 0.0
    notes = []
    for i in range(n):
        if i not in (0, n - 1) and rng.random() < skip:
            continue
        key = keys[min(len(keys) - 1, i * len(keys) // n)] if kind == "toms" else keys[i % len(keys)]
        ramp = 0.55 + 0.45 * i / max(1, n - 1)
        notes.append(Note(start + i * step, step, key, _velocity(level * ramp * (0.6 if kind == "brush" else 1.0))))
    return notes


def _lane_hits(key: int, grid: str, steps_per_beat: int, lo: float, hi: float, level: float) -> list[Note]:
    """Notes of a repeating lane (aligned to the song start) inside [lo, hi) beats."""
    hits, length = parse_grid(grid, steps_per_beat)
    notes = []
    k0 = int(lo // length)
    for k in range(k0, int(np.ceil(hi / length)) + 1):
        for h in hits:
            t = k * length + h.pos
            if lo - 1e-6 <= t < hi - 1e-6:
                notes.append(Note(t, h.dur, key, _velocity(level * h.level)))
    return notes


def _grid_bar(grid: str, bar_start: float, level: float, keys: tuple[int, ...]) -> list[Note]:
    """Tutti-accent drum hits of a 16th grid laid out once from a bar start."""
    hits, _ = parse_grid(grid, 4)
    return [Note(bar_start + h.pos, 0.25, k, _velocity(level * h.level)) for h in hits for k in keys]


def drum_part(plan: Plan, style: Style, rng: np.random.Generator) -> tuple[Part, dict]:
    """The song's drum/percussion part and a description of the chosen layers and kit."""
    layers = []
    for name, prob in style.grooves:
        if rng.random() < prob:
            options = P.GROOVES[name]
            layers.append((name, options[int(rng.integers(len(options)))]))
    if not layers:
        name = style.grooves[0][0]
        layers.append((name, P.GROOVES[name][0]))
    kit = int(rng.choice(style.kits))
    fill_kind = str(rng.choice(style.fills))
    intro_kit = rng.random() < 0.5
    has_kit = any(lay.role == "kit" for _, lay in layers)
    bpb = plan.beats_per_bar
    fill_beats = 1.0 if bpb * 60 / plan.bpm < 1.6 else float(rng.choice([1.0, 2.0]))
    fill_beats = min(fill_beats, float(bpb))
    notes: list[Note] = []
    for sec in plan.sections:
        notes += _section_notes(plan, style, sec, layers, has_kit, intro_kit, fill_kind, fill_beats, rng)
    part = Part("drums", kit, is_drum=True, volume=int(rng.integers(95, 118)))
    part.notes = notes
    return part, {"kit": kit, "layers": [n for n, _ in layers], "fill": fill_kind}


def _section_notes(plan: Plan, style: Style, sec: Section, layers: list, has_kit: bool, intro_kit: bool,
                   fill_kind: str, fill_beats: float, rng: np.random.Generator) -> list[Note]:
    """Drum notes of one section."""
    bpb = plan.beats_per_bar
    lo, hi = sec.start_bar * bpb, (sec.start_bar + sec.bars) * bpb
    notes: list[Note] = []
    if sec.kind == "ending":
        last = hi - bpb
        for _, lay in layers:
            for key, grid in lay.lanes:
                notes += _lane_hits(key, grid, lay.steps_per_beat, lo, last, sec.level * lay.level)
        return notes + [Note(last, 2.0, P.CRASH, 120), Note(last, 1.0, P.KICK, 115)]
    kit_spans: list[tuple[float, float]] = []  # beats where kit layers are replaced
    for b in range(sec.bars):
        bar0 = lo + b * bpb
        phrase_pos = b % plan.phrase_bars
        is_last = b == sec.bars - 1
        if style.phrase_end and phrase_pos == plan.phrase_bars - 1 and sec.kind in ("verse", "chorus"):
            notes += _grid_bar(style.phrase_end, bar0, sec.level, (P.SNARE, P.KICK))
            kit_spans.append((bar0, bar0 + bpb))
        elif sec.kind != "break" and (is_last and rng.random() < 0.75 or
                                      phrase_pos == plan.phrase_bars - 1 and rng.random() < 0.35):
            start = bar0 + bpb - fill_beats
            notes += fill_notes(fill_kind, start, fill_beats, sec.level, rng)
            kit_spans.append((start, bar0 + bpb))
    if sec.kind == "break":
        for b in range(sec.bars):
            notes += _grid_bar(style.break_grid, lo + b * bpb, sec.level, (P.KICK, P.CRASH if b == 0 else P.SNARE))
        notes += fill_notes(fill_kind, hi - fill_beats, fill_beats, sec.level, rng)
    elif has_kit and sec.kind != "intro" and rng.random() < 0.8:
        notes += [Note(lo, 2.0, P.CRASH, _velocity(sec.level)), Note(lo, 0.5, P.KICK, _velocity(sec.level))]
    for _, lay in layers:
        if sec.kind == "break" and lay.role != "time":
            continue
        if sec.kind == "intro" and lay.role == "kit" and not intro_kit:
            continue
        for key, grid in lay.lanes:
            hits = _lane_hits(key, grid, lay.steps_per_beat, lo, hi, sec.level * lay.level)
            if lay.role == "kit" or style.phrase_end:
                hits = [n for n in hits if not any(a - 1e-6 <= n.start < z for a, z in kit_spans)]
            notes += hits
    return notes
