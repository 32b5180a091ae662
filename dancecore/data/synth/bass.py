"""Bass part: per-bar riffs of chord degrees, walking bass, boogie-woogie bass.

Riff degrees: R 3 5 6 7 b7 8 (chord-relative), "-" suffix = octave down, "N" prefix = degree of the
next chord (anticipation, e.g. the tumbao's beat 4), "A" = chromatic approach to the next root.
"""
from __future__ import annotations

import numpy as np

from dancecore.data.synth.form import Plan, Section
from dancecore.data.synth.score import Note, Part, parse_grid
from dancecore.data.synth.styles import BassSpec, Style
from dancecore.data.synth.theory import Chord

BOOGIES: tuple[tuple[str, ...], ...] = (
    ("R", "3", "5", "6", "b7", "6", "5", "3"),
    ("R", "R", "3", "3", "5", "5", "6", "5"),
    ("R", "8", "5", "6", "R", "8", "5", "6"),
)


def _root(chord: Chord, low: int) -> int:
    """The chord root's pitch in the octave starting at `low`."""
    return low + (chord.root - low) % 12


def degree_pitch(plan: Plan, beat: float, token: str, low: int) -> int:
    """Pitch of a riff degree token at a position."""
    chord = plan.chord_at(beat)
    if token == "A":
        _, nxt = plan.next_chord(beat)
        return _root(nxt, low) + (1 if _root(nxt, low) < low + 5 else -1)
    if token.startswith("N"):
        _, chord = plan.next_chord(beat)
        token = token[1:]
    down = token.endswith("-")
    pitch = _root(chord, low) + chord.degree(token.rstrip("-"))
    return pitch - 12 if down and pitch - 12 >= low else pitch


def _velocity(level: float, accent: float = 1.0) -> int:
    return int(np.clip(round(100 * level * accent), 1, 127))


def _riff_notes(plan: Plan, riff: tuple, bar0: float, spec: BassSpec, level: float) -> list[Note]:
    return [Note(bar0 + pos, dur * spec.legato, degree_pitch(plan, bar0 + pos, deg, spec.low),
                 _velocity(level, 1.0 if pos == 0 else 0.88)) for pos, dur, deg in riff]


def _walking_bar(plan: Plan, bar0: float, spec: BassSpec, level: float, rng: np.random.Generator,
                 prev: int | None) -> tuple[list[Note], int]:
    """Quarter-note walking line: roots on chord changes, chord/scale tones, chromatic approaches."""
    notes = []
    for beat in range(plan.beats_per_bar):
        t = bar0 + beat
        chord = plan.chord_at(t)
        nxt_t, nxt = plan.next_chord(t)
        root = _root(chord, spec.low)
        if plan.chord_at(t - 1e-3) != chord or prev is None or beat == 0 and rng.random() < 0.7:
            pitch = root
        elif nxt_t - t <= 1.0 + 1e-6:
            target = _root(nxt, spec.low)
            pitch = target + int(rng.choice([-1, 1, -2, 2] if target > spec.low + 2 else [1, 2]))
        else:
            options = [root + chord.degree(d) for d in ("3", "5", "6", "8")] + [root + 2, root + 5]
            options = [p for p in options if abs(p - prev) <= 7 and p != prev] or [root + 7]
            pitch = int(rng.choice(options))
        notes.append(Note(t, 0.9 * spec.legato, pitch, _velocity(level, 1.0 if beat % 2 == 0 else 0.9)))
        prev = pitch
    return notes, prev


def bass_part(plan: Plan, style: Style, rng: np.random.Generator) -> tuple[Part, dict]:
    """The song's bass part and a description (program, line type)."""
    spec = style.bass
    program = int(rng.choice(spec.programs))
    riffs = [spec.riffs[int(i)] for i in rng.permutation(len(spec.riffs))] if spec.riffs else []
    boogie = BOOGIES[int(rng.integers(len(BOOGIES)))]
    walk_in = {"verse": rng.random() < 0.5, "chorus": True} if riffs and spec.walk else {}
    bpb = plan.beats_per_bar
    notes: list[Note] = []
    prev: int | None = None
    for sec in plan.sections:
        riff = riffs[1 % len(riffs) if sec.kind == "chorus" and len(riffs) > 1 else 0] if riffs else ()
        walk = spec.walk if (not riffs or walk_in.get(sec.kind, False)) else ""
        for b in range(sec.bars):
            bar0 = (sec.start_bar + b) * bpb
            notes_bar = _special_bar(plan, style, sec, b, bar0, spec)
            if notes_bar is not None:
                notes += notes_bar
            elif walk == "walking":
                bar_notes, prev = _walking_bar(plan, bar0, spec, sec.level, rng, prev)
                notes += bar_notes
            elif walk == "boogie":
                notes += [Note(bar0 + i * 0.5, 0.5 * spec.legato, degree_pitch(plan, bar0 + i * 0.5, d, spec.low),
                               _velocity(sec.level, 1.0 if i % 2 == 0 else 0.85))
                          for i, d in enumerate(boogie[: 2 * bpb])]
            else:
                notes += _riff_notes(plan, riff, bar0, spec, sec.level)
    part = Part("bass", program, volume=int(rng.integers(90, 120)))
    part.notes = notes
    return part, {"program": program, "line": spec.walk if not riffs else "riff"}


def _special_bar(plan: Plan, style: Style, sec: Section, b: int, bar0: float, spec: BassSpec) -> list[Note] | None:
    """Bass notes for break, phrase-end and ending bars, or None for a normal bar."""
    grid = ""
    if sec.kind == "break":
        grid = style.break_grid
    elif style.phrase_end and b % plan.phrase_bars == plan.phrase_bars - 1 and sec.kind in ("verse", "chorus"):
        grid = style.phrase_end
    elif sec.kind == "ending" and b == sec.bars - 1:
        return [Note(bar0, float(plan.beats_per_bar), degree_pitch(plan, bar0, "R", spec.low), 110)]
    if not grid:
        return None
    hits, _ = parse_grid(grid, 4)
    return [Note(bar0 + h.pos, 0.2, degree_pitch(plan, bar0 + h.pos, "R", spec.low), _velocity(sec.level, h.level))
            for h in hits]
