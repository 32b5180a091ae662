"""Chordal parts: block chords, guitar strums, arpeggios and montuno-style octaves on rhythm grids."""
from __future__ import annotations

import numpy as np

from dancecore.data.synth.form import Plan, Section
from dancecore.data.synth.score import Hit, Note, Part, parse_grid
from dancecore.data.synth.styles import CompSpec, Style
from dancecore.data.synth.theory import Chord, voicing

WHEN: dict[str, tuple[str, ...]] = {
    "all": ("intro", "verse", "chorus", "ending"),
    "main": ("verse", "chorus", "ending"),
    "chorus": ("chorus", "ending"),
    "verse": ("verse",),
}
ARP_ORDERS: tuple[tuple[int, ...], ...] = ((0, 1, 2, 3), (0, 1, 2, 3, 2, 1), (0, 2, 1, 3), (3, 2, 1, 0))
MONTUNO_ORDERS: tuple[tuple[int, ...], ...] = ((0, 1, 2, 1), (2, 1, 0, 1, 2, 0), (0, 2, 1, 2))


class _Voicer:
    """Caches one voicing per chord change, voice-leading from the previous one."""

    def __init__(self, spec: CompSpec):
        self.spec = spec
        self.prev: list[int] | None = None
        self.key: tuple[float, Chord] | None = None

    def __call__(self, plan: Plan, t: float) -> list[int]:
        chord = plan.chord_at(t)
        start = plan.chord_start(t)
        if self.key != (start, chord):
            self.key = (start, chord)
            self.prev = voicing(chord, self.spec.center, self.spec.voices, self.prev,
                                drop_root=self.spec.voices < len(chord.intervals))
        return self.prev


def _velocity(level: float) -> int:
    return int(np.clip(round(105 * level), 1, 127))


def _split_at_changes(plan: Plan, t: float, dur: float) -> list[tuple[float, float]]:
    """Split a held hit at chord changes so held chords follow the harmony."""
    spans = []
    while dur > 1e-6:
        nxt, _ = plan.next_chord(t)
        d = min(dur, nxt - t)
        spans.append((t, d))
        t, dur = t + d, dur - d
    return spans


def _hit_notes(plan: Plan, spec: CompSpec, voicer: _Voicer, t: float, hit: Hit, level: float,
               index: int, order: tuple[int, ...], strum_beats: float) -> list[Note]:
    """Notes of one grid hit at absolute position t."""
    vel = _velocity(level * hit.level)
    notes = []
    for start, dur in _split_at_changes(plan, t, hit.dur * spec.legato):
        pitches = voicer(plan, start)
        if spec.mode == "arp":
            pitches = [pitches[order[index % len(order)] % len(pitches)]]
        elif spec.mode == "octaves":
            p = pitches[order[index % len(order)] % len(pitches)]
            pitches = [p - 12, p] if index % 2 == 0 else [p - 12, p, pitches[-1]]
        up = spec.mode == "strum" and (hit.pos * 2) % 1 > 1e-6
        seq = pitches[::-1] if up else pitches
        for k, p in enumerate(seq):
            lag = k * strum_beats if spec.mode == "strum" else 0.0
            notes.append(Note(start + lag, max(dur - lag, 0.05), p, int(vel * (0.85 if up else 1.0))))
        if spec.mode in ("arp", "octaves"):
            break
    return notes


def comp_part(plan: Plan, style: Style, spec: CompSpec, rng: np.random.Generator) -> Part:
    """One chordal part over the whole song."""
    program = int(rng.choice(spec.programs))
    grid = spec.grids[int(rng.integers(len(spec.grids)))]
    hits, length = parse_grid(grid, spec.steps_per_beat)
    order = (ARP_ORDERS if spec.mode == "arp" else MONTUNO_ORDERS)[int(rng.integers(3))]
    strum_beats = float(rng.uniform(0.008, 0.02)) * plan.bpm / 60.0
    voicer = _Voicer(spec)
    bpb = plan.beats_per_bar
    notes: list[Note] = []
    for sec in plan.sections:
        lo, hi = sec.start_bar * bpb, (sec.start_bar + sec.bars) * bpb
        plays = sec.kind in WHEN[spec.when]
        if plays or sec.kind == "break":
            notes += _accent_bars(plan, style, spec, sec, voicer)
        if not plays:
            continue
        level = sec.level * spec.level
        index = 0
        for k in range(int(lo // length), int(np.ceil(hi / length)) + 1):
            for h in hits:
                t = k * length + h.pos
                if lo - 1e-6 <= t < hi - 1e-6 and not _muted(plan, style, sec, t):
                    notes += _hit_notes(plan, spec, voicer, t, h, level, index, order, strum_beats)
                    index += 1
    part = Part(spec.name, program, volume=int(rng.integers(80, 115)))
    part.notes = notes
    return part


def _muted(plan: Plan, style: Style, sec: Section, t: float) -> bool:
    """Whether the groove is replaced by accents at position t (breaks, phrase ends, last ending bar)."""
    bpb = plan.beats_per_bar
    bar = int((t + 1e-6) // bpb) - sec.start_bar
    if sec.kind == "break":
        return True
    if sec.kind == "ending":
        return bar == sec.bars - 1
    return bool(style.phrase_end) and bar % plan.phrase_bars == plan.phrase_bars - 1 and sec.kind in ("verse", "chorus")


def _accent_bars(plan: Plan, style: Style, spec: CompSpec, sec: Section, voicer: _Voicer) -> list[Note]:
    """Tutti chord hits of breaks, phrase ends and the final chord of the ending."""
    bpb = plan.beats_per_bar
    notes: list[Note] = []
    for b in range(sec.bars):
        bar0 = (sec.start_bar + b) * bpb
        if not _muted(plan, style, sec, bar0):
            continue
        if sec.kind == "ending":
            notes += [Note(bar0, float(bpb), p, _velocity(sec.level * spec.level)) for p in voicer(plan, bar0)]
            continue
        grid = style.break_grid if sec.kind == "break" else style.phrase_end
        for h in parse_grid(grid, 4)[0]:
            notes += [Note(bar0 + h.pos, 0.2, p, _velocity(sec.level * spec.level * h.level))
                      for p in voicer(plan, bar0 + h.pos)]
    return notes
