"""Song form: sections (intro, verse, chorus, break, ending) with their chord timeline.

Positions are in beats from the start of the song; a bar has `beats_per_bar` beats.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from dancecore.data.synth.styles import Style
from dancecore.data.synth.theory import PROGRESSIONS, SCALES, Chord, parse_roman

# Scale used for melodies over each progression family.
FAMILY_SCALE: dict[str, str] = {
    "pop_major": "major", "pop_minor": "minor", "latin_major": "major", "latin_minor": "harmonic",
    "jazz_major": "major", "jazz_minor": "dorian", "blues": "mixolydian", "rock_major": "major",
    "waltz_major": "major", "waltz_minor": "harmonic", "spanish": "harmonic", "march_major": "major",
    "tango": "harmonic",
}
# Velocity scale of each section kind.
INTENSITY: dict[str, float] = {"intro": 0.8, "verse": 0.85, "chorus": 1.0, "break": 0.9, "ending": 1.0}


@dataclass
class Section:
    """A section: kind, first bar, number of bars and velocity scale."""

    kind: str
    start_bar: int
    bars: int
    level: float


@dataclass
class Plan:
    """A song plan: tempo (BPM), meter, key, scale, sections and chord timeline."""

    bpm: float
    beats_per_bar: int
    phrase_bars: int
    tonic: int
    scale_name: str
    family: str
    sections: list[Section] = field(default_factory=list)
    chord_starts: list[float] = field(default_factory=list)
    chords: list[Chord] = field(default_factory=list)

    @property
    def scale(self) -> tuple[int, ...]:
        """Scale intervals (semitones above the tonic)."""
        return SCALES[self.scale_name]

    @property
    def total_bars(self) -> int:
        """Length of the song in bars."""
        last = self.sections[-1]
        return last.start_bar + last.bars

    def chord_at(self, beat: float) -> Chord:
        """The chord sounding at a position."""
        i = bisect.bisect_right(self.chord_starts, beat + 1e-6) - 1
        return self.chords[max(i, 0)]

    def chord_start(self, beat: float) -> float:
        """Start of the chord sounding at a position."""
        i = bisect.bisect_right(self.chord_starts, beat + 1e-6) - 1
        return self.chord_starts[max(i, 0)]

    def next_chord(self, beat: float) -> tuple[float, Chord]:
        """Start and chord of the first chord change after a position (the last chord if none)."""
        i = bisect.bisect_right(self.chord_starts, beat + 1e-6)
        if i >= len(self.chords):
            return float("inf"), self.chords[-1]
        return self.chord_starts[i], self.chords[i]


def _sequence(rng: np.random.Generator, min_bars: int, phrase: int) -> list[tuple[str, int]]:
    """Section kinds and lengths (bars) adding up to at least `min_bars` before the ending."""
    seq: list[tuple[str, int]] = []
    if rng.random() < 0.85:
        seq.append(("intro", max(2, phrase // int(rng.choice([1, 2])))))
    total = sum(b for _, b in seq)
    while total < min_bars:
        block = [("verse", phrase * int(rng.choice([1, 2]))), ("chorus", phrase * int(rng.choice([1, 1, 2])))]
        if total > 0 and rng.random() < 0.35:
            block.insert(1, ("break", max(2, phrase // 2)))
        seq += block
        total += sum(b for _, b in block)
    seq.append(("ending", 4 if phrase >= 16 else 2))
    return seq


def build_plan(style: Style, bpm: float, beats_per_bar: int, min_bars: int,
               rng: np.random.Generator) -> Plan:
    """Draw key, harmony and form for a song of at least `min_bars` bars (plus the ending)."""
    family = str(rng.choice(style.harmony))
    plan = Plan(bpm, beats_per_bar, style.phrase_bars, int(rng.integers(12)), FAMILY_SCALE[family], family)
    bars_per_chord = float(rng.choice(style.bars_per_chord))
    progs = {kind: str(rng.choice(PROGRESSIONS[family])) for kind in ("verse", "chorus", "break")}
    progs["intro"] = progs[str(rng.choice(["verse", "chorus"]))]
    bar = 0
    for kind, bars in _sequence(rng, min_bars, style.phrase_bars):
        symbols = progs.get(kind, progs["verse"]).split()
        cycle = len(symbols) * bars_per_chord
        if kind in ("verse", "chorus") and cycle > bars:
            bars = int(np.ceil(cycle / style.phrase_bars)) * style.phrase_bars
        plan.sections.append(Section(kind, bar, bars, INTENSITY[kind] * float(rng.uniform(0.9, 1.05))))
        chord_beats = bars_per_chord * beats_per_bar
        if kind == "ending":
            symbols, chord_beats = ["V7", "I" if plan.scale_name in ("major", "mixolydian") else "i"], \
                bars * beats_per_bar / 2
        t, k, end = bar * beats_per_bar, 0, (bar + bars) * beats_per_bar
        while t < end - 1e-6:
            plan.chord_starts.append(t)
            plan.chords.append(parse_roman(symbols[k % len(symbols)], plan.tonic))
            t += chord_beats
            k += 1
        bar += bars
    return plan
