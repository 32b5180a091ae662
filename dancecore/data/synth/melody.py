"""Lead melody: motifs built from per-bar rhythm cells and a scale-step contour, repeated in an
A A' B A'' phrase, with strong-beat notes snapped to chord tones."""
from __future__ import annotations

import numpy as np

from dancecore.data.synth.form import Plan
from dancecore.data.synth.score import Note, Part
from dancecore.data.synth.styles import MelodySpec, Style
from dancecore.data.synth.theory import nearest_pitch, scale_pitch

# One motif event: (position in beats from the motif start, duration in beats, scale step or None = rest).
Event = tuple[float, float, int | None]
STEP_MOVES = np.array([-3, -2, -1, 0, 1, 2, 3, 4])
STEP_PROBS = np.array([0.05, 0.15, 0.25, 0.1, 0.25, 0.12, 0.05, 0.03])
PLAY_PROB: dict[str, float] = {"intro": 0.3, "verse": 0.85, "chorus": 1.0, "break": 0.5}


def make_motif(spec: MelodySpec, bars: int, beats_per_bar: int, start_step: int,
               rng: np.random.Generator) -> list[Event]:
    """A motif of `bars` bars: rhythm cells matching the meter and a random-walk contour."""
    cells = [c for c in spec.cells if abs(sum(abs(d) for d in c) - beats_per_bar) < 1e-6]
    events: list[Event] = []
    step = start_step
    for b in range(bars):
        cell = cells[int(rng.integers(len(cells)))]
        pos = float(b * beats_per_bar)
        for d in cell:
            if d < 0:
                events.append((pos, -d, None))
            else:
                events.append((pos, d, step))
                step = int(np.clip(step + rng.choice(STEP_MOVES, p=STEP_PROBS), -4, 11))
            pos += abs(d)
    return events


def _cadence(motif: list[Event], length: float) -> list[Event]:
    """The motif with its last note held to the end of its span (ends the phrase)."""
    out = list(motif)
    for i in range(len(out) - 1, -1, -1):
        pos, _, step = out[i]
        if step is not None:
            out[i] = (pos, length - pos, 0 if abs(step) < 4 else step - step % 7)
            return out[: i + 1]
    return out


def make_phrase(spec: MelodySpec, plan: Plan, lift: int, rng: np.random.Generator) -> list[Event]:
    """A phrase of plan.phrase_bars bars: A A' B A'' (A' = A over new chords, A'' ends on a cadence)."""
    m = max(1, plan.phrase_bars // 4)
    span = float(m * plan.beats_per_bar)
    a = make_motif(spec, m, plan.beats_per_bar, lift + int(rng.integers(0, 5)), rng)
    b = make_motif(spec, m, plan.beats_per_bar, lift + int(rng.integers(1, 6)), rng)
    parts = [a, a, b, _cadence(a, span)]
    return [(k * span + pos, dur, step) for k, motif in enumerate(parts) for pos, dur, step in motif]


def _pitch(plan: Plan, spec: MelodySpec, t: float, step: int, strong: bool) -> int:
    """MIDI pitch of a scale step at position t, snapped to a chord tone on strong positions."""
    base = (spec.low + spec.high) // 2 - 4
    p = scale_pitch(plan.tonic, plan.scale, step, base)
    if strong:
        p = nearest_pitch(plan.chord_at(t).pitch_classes, p)
    while p > spec.high:
        p -= 12
    while p < spec.low:
        p += 12
    return p


def melody_part(plan: Plan, style: Style, rng: np.random.Generator) -> tuple[Part, dict]:
    """The lead part (possibly silent) and a description."""
    spec = style.melody
    program = int(rng.choice(spec.programs))
    part = Part("melody", program, volume=int(rng.integers(85, 120)))
    if rng.random() > spec.prob:
        return part, {"program": None}
    phrases: dict[str, list[Event]] = {}
    bpb = plan.beats_per_bar
    for sec in plan.sections:
        if rng.random() > PLAY_PROB.get(sec.kind, 0.0):
            continue
        key = "chorus" if sec.kind == "chorus" else "verse"
        phrase = phrases.setdefault(key, make_phrase(spec, plan, 3 if key == "chorus" else 0, rng))
        lo, hi = sec.start_bar * bpb, (sec.start_bar + sec.bars) * bpb
        for p0 in np.arange(lo, hi, plan.phrase_bars * bpb):
            for pos, dur, step in phrase:
                t = float(p0 + pos)
                if step is None or t >= hi - 1e-6:
                    continue
                strong = abs(pos % 1.0) < 1e-6 and (pos % bpb == 0 or rng.random() < 0.6)
                vel = 92 * spec.level * sec.level * (1.1 if pos % bpb == 0 else 1.0)
                part.notes.append(Note(t, min(dur, hi - t) * spec.legato, _pitch(plan, spec, t, step, strong),
                                       int(np.clip(vel, 1, 127))))
    return part, {"program": program}
