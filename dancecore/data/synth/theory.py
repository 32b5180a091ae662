"""Harmony: chords, scales, roman-numeral progressions and voicings (pitches are MIDI numbers)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10), "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 14),
    "dim": (0, 3, 6), "dim7": (0, 3, 6, 9), "m7b5": (0, 3, 6, 10), "sus4": (0, 5, 7), "aug": (0, 4, 8),
}

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic": (0, 2, 3, 5, 7, 8, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
}

# Progressions by family; each symbol fills one harmonic slot (style-dependent number of bars).
PROGRESSIONS: dict[str, tuple[str, ...]] = {
    "pop_major": ("I V vi IV", "I vi IV V", "vi IV I V", "I IV vi V", "I V IV V", "I iii IV V",
                  "IV I V vi", "I IV I V"),
    "pop_minor": ("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVII bIII", "i bVI iv V", "i iv v i",
                  "i bVII iv i"),
    "latin_major": ("I IV V7 IV", "ii7 V7 Imaj7 Imaj7", "I vi7 ii7 V7", "Imaj7 IV7 Imaj7 V7",
                    "I I V7 V7", "ii7 V7 I vi7"),
    "latin_minor": ("i iv V7 i", "i bVII bVI V7", "i7 iv7 bVII7 bIIImaj7", "iiø7 V7 i i", "i i iv V7",
                    "i iv bVII7 bIIImaj7", "iv7 V7 i7 i7"),
    "jazz_major": ("Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 VI7", "iii7 vi7 ii7 V7", "I6 #io7 ii7 V7",
                   "Imaj7 IV7 iii7 VI7", "I6 vi7 II7 V7", "ii7 V7 I6 I6"),
    "jazz_minor": ("i7 iv7 iiø7 V7", "im6 iiø7 V7 im6", "i7 bVI7 iiø7 V7"),
    "blues": ("I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7", "I I I I IV IV I I V IV I V",
              "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"),
    "rock_major": ("I vi IV V", "I I IV V", "I IV V IV", "I bVII IV I"),
    "waltz_major": ("I I V7 V7", "I IV V7 I", "I vi ii V7", "I I IV IV", "I V7 V7 I", "I iii IV V7",
                    "I I ii V7", "IV V7 I vi"),
    "waltz_minor": ("i iv V7 i", "i i V7 V7", "i bVI iv V7", "i iv bVII bIII"),
    "spanish": ("i bVII bVI V", "i bII i bII", "i iv V7 i", "iv V i i", "i bII bIII bII", "bVI V i i"),
    "march_major": ("I V7 V7 I", "I IV V7 I", "I I V7 I", "IV I V7 I"),
    "tango": ("i i V7 V7", "i iv V7 i", "i V7 i V7", "iv i V7 i", "i bVI V7 V7", "i viio7 i V7",
              "iv iv i V7"),
}

_NUMERALS = {"i": 0, "ii": 2, "iii": 4, "iv": 5, "v": 7, "vi": 9, "vii": 11}
_ROMAN_RE = re.compile(r"^([b#]?)(vii|iii|iv|vi|ii|v|i|VII|III|IV|VI|II|V|I)(.*)$")


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class (0 = C) and quality key of QUALITIES."""

    root: int
    quality: str

    @property
    def intervals(self) -> tuple[int, ...]:
        """Semitones above the root."""
        return QUALITIES[self.quality]

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        """Pitch classes of the chord tones, root first."""
        return tuple((self.root + i) % 12 for i in self.intervals)

    def degree(self, name: str) -> int:
        """Semitones above the root for a chord degree name: R, 3, 5, 6, 7, b7, 8."""
        iv = self.intervals
        table = {"R": 0, "8": 12, "3": iv[1], "5": iv[2] if len(iv) > 2 else 7,
                 "7": iv[3] if len(iv) > 3 else 10, "b7": 10, "6": 9}
        return table[name]


def parse_roman(symbol: str, tonic: int) -> Chord:
    """Chord for a roman numeral ("bVII7", "iiø7", "V7", "#io7") in the key with tonic pitch class."""
    m = _ROMAN_RE.match(symbol)
    if m is None:
        raise ValueError(f"bad roman numeral {symbol!r}")
    acc, num, suffix = m.groups()
    root = (tonic + _NUMERALS[num.lower()] + {"b": -1, "#": 1, "": 0}[acc]) % 12
    upper = num.isupper()
    if suffix.startswith("ø"):
        quality = "m7b5"
    elif suffix.startswith("o"):
        quality = "dim7" if "7" in suffix else "dim"
    elif suffix == "maj7":
        quality = "maj7"
    elif suffix == "m6":
        quality = "m6"
    elif suffix in ("7", "9", "6"):
        quality = suffix if upper else {"7": "m7", "9": "m7", "6": "m6"}[suffix]
    elif suffix == "":
        quality = "maj" if upper else "min"
    else:
        raise ValueError(f"bad chord suffix in {symbol!r}")
    return Chord(root, quality)


def scale_pitch(tonic: int, scale: tuple[int, ...], step: int, base: int = 60) -> int:
    """MIDI pitch of diatonic step `step` (0 = tonic in the octave at or above `base` - 6)."""
    octave, idx = divmod(step, len(scale))
    root = base - 6 + (tonic - (base - 6)) % 12
    return root + 12 * octave + scale[idx]


def nearest_pitch(pc_set: tuple[int, ...], target: float) -> int:
    """The MIDI pitch nearest to `target` whose pitch class is in `pc_set`."""
    t = int(round(target))
    for d in range(12):
        for p in (t - d, t + d):
            if p % 12 in pc_set:
                return p
    raise ValueError("empty pitch-class set")


def _close_voicing(root: int, order: list[int], low: int) -> list[int]:
    pitches: list[int] = []
    for pc in order:
        p = low + (root + pc - low) % 12
        while pitches and p <= pitches[-1]:
            p += 12
        pitches.append(p)
    return pitches


def voicing(chord: Chord, center: float, n_voices: int, prev: list[int] | None = None,
            drop_root: bool = False) -> list[int]:
    """Close-position voicing of `n_voices` notes near MIDI pitch `center`; the inversion is the one
    closest to `center` and, when given, to the previous voicing `prev` (smooth voice leading)."""
    tones = [t % 12 for t in chord.intervals]
    if drop_root and len(tones) > 3:
        tones = tones[1:]
    best: list[int] = []
    best_cost = float("inf")
    for inv in range(len(tones)):
        order = tones[inv:] + tones[:inv]
        order = (order * n_voices)[:n_voices]
        pitches = _close_voicing(chord.root, order, int(center) - 6)
        shift = 12 * round((center - float(np.mean(pitches))) / 12)
        pitches = [p + shift for p in pitches]
        cost = abs(float(np.mean(pitches)) - center)
        if prev:
            cost += 0.7 * abs(float(np.mean(pitches)) - float(np.mean(prev))) + 0.3 * abs(pitches[-1] - prev[-1])
        if cost < best_cost:
            best, best_cost = pitches, cost
    return best
