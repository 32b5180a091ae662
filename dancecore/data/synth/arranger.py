"""Arranger: dance -> style, tempo, form, parts -> a humanised PrettyMIDI window of the song."""
from __future__ import annotations

import numpy as np
import pretty_midi

from dancecore.dances import Dance, dance as get_dance
from dancecore.data.synth.bass import bass_part
from dancecore.data.synth.comping import comp_part
from dancecore.data.synth.drums import drum_part
from dancecore.data.synth.form import Plan, build_plan
from dancecore.data.synth.melody import melody_part
from dancecore.data.synth.score import Feel, Note, Part, to_pretty_midi
from dancecore.data.synth.social import SOCIAL_BY_ID, SOCIAL_STYLES
from dancecore.data.synth.styles import Style, styles_for

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def dance_spec(dance_id: str) -> Dance:
    """Meter and tempo range of one of the ten dances (any alias) or of an other social dance (by id)."""
    return SOCIAL_BY_ID.get(dance_id) or get_dance(dance_id)


def pick_style(dance_id: str, rng: np.random.Generator, variant: str | None = None) -> Style:
    """A style of the dance, drawn by weight, or the named variant."""
    options = tuple(s for s in SOCIAL_STYLES if s.dance == dance_id) or styles_for(dance_id)
    if variant is not None:
        for s in options:
            if s.variant == variant:
                return s
        raise KeyError(f"{dance_id} has no variant {variant!r}; known: {[s.variant for s in options]}")
    w = np.array([s.weight for s in options])
    return options[int(rng.choice(len(options), p=w / w.sum()))]


def sample_tempo(dance_id: str, rng: np.random.Generator) -> float:
    """Tempo in BPM: mostly inside the competition range, sometimes up to 8% outside it."""
    lo, hi = dance_spec(dance_id).bpm
    if rng.random() < 0.25:
        lo, hi = lo * 0.92, hi * 1.08
    return round(float(rng.uniform(lo, hi)), 2)


def _feel(style: Style, rng: np.random.Generator) -> Feel:
    warp = tuple(style.warp)
    if warp:
        warp = (warp[0], warp[1] + float(rng.uniform(-0.05, 0.06)), *warp[2:])
    return Feel(float(rng.uniform(*style.swing)), float(rng.uniform(*style.swing16)), warp)


def _window(parts: list[Part], start: float, end: float) -> None:
    """Keep the notes starting in [start, end) beats, shifted so that `start` becomes 0."""
    for p in parts:
        p.notes = [Note(n.start - start, n.dur, n.pitch, n.velocity) for n in p.notes if start - 1e-6 <= n.start < end]


def _window_start(plan: Plan, window_bars: int, rng: np.random.Generator) -> int:
    """First bar of the rendered window: the intro, the ending, or anywhere in between."""
    last = max(0, plan.total_bars - window_bars)
    r = rng.random()
    if r < 0.2:
        return 0
    if r < 0.3:
        return last
    return int(rng.integers(0, last + 1))


def arrange(dance_id: str, rng: np.random.Generator, duration_s: float,
            variant: str | None = None) -> tuple[pretty_midi.PrettyMIDI, dict]:
    """A PrettyMIDI of `duration_s` seconds of a generated song for the dance, and its metadata."""
    d = dance_spec(dance_id)
    style = pick_style(d.id, rng, variant)
    bpm = sample_tempo(d.id, rng)
    bpb = d.beats_per_bar
    window_bars = int(np.ceil(duration_s * bpm / 60.0 / bpb)) + 1
    plan = build_plan(style, bpm, bpb, int(window_bars * rng.uniform(1.2, 2.5)), rng)
    feel = _feel(style, rng)
    drums, drum_info = drum_part(plan, style, rng)
    bass, bass_info = bass_part(plan, style, rng)
    comps = [comp_part(plan, style, spec, rng) for spec in style.comps if rng.random() < spec.prob]
    melody, melody_info = melody_part(plan, style, rng)
    parts = [drums, bass, *comps, melody]
    start_bar = _window_start(plan, window_bars, rng)
    _window(parts, start_bar * bpb, (start_bar + window_bars) * bpb)
    timing = float(rng.uniform(*style.timing_ms))
    for p in parts:
        p.timing_ms = timing * (0.6 if p.is_drum else 1.0)
    parts = [p for p in parts if p.notes]
    midi = to_pretty_midi(parts, bpm, bpb, feel, rng)
    meta = {
        "dance": d.id, "variant": style.variant, "bpm": bpm, "mpm": round(bpm / bpb, 2), "meter": d.meter,
        "key": NOTE_NAMES[plan.tonic], "scale": plan.scale_name, "harmony": plan.family,
        "swing": round(feel.swing8, 3), "kit": drum_info["kit"], "drum_layers": drum_info["layers"],
        "programs": {p.name: p.program for p in parts if not p.is_drum},
        "sections": [s.kind for s in plan.sections
                     if s.start_bar < start_bar + window_bars and s.start_bar + s.bars > start_bar],
        "bass_line": bass_info["line"], "melody": melody_info["program"] is not None,
    }
    return midi, meta
