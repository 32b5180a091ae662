"""FluidSynth rendering of a PrettyMIDI to mono float32 audio, one cached synth per SoundFont.

Events are applied on FluidSynth's 64-sample block grid and the synth is reset before each clip,
so the same MIDI always renders to the same samples.
"""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pretty_midi

BLOCK = 64  # FluidSynth's internal block size (samples)
DRUM_CHANNEL = 9
# Debian packages: fluid-soundfont-gm, musescore-general-soundfont(-small), timgm6mb-soundfont.
SOUNDFONT_PATHS: dict[str, str] = {
    "FluidR3_GM": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "MuseScore_General": "/usr/share/sounds/sf3/MuseScore_General_Full.sf3",
    "MuseScore_General_Lite": "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
    "TimGM6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
}
# Relative weight of each SoundFont when drawn at random.
SOUNDFONT_WEIGHTS: dict[str, float] = {"FluidR3_GM": 0.4, "MuseScore_General": 0.35,
                                       "MuseScore_General_Lite": 0.1, "TimGM6mb": 0.15}


def available_soundfonts() -> dict[str, str]:
    """Installed SoundFonts by name. DANCECORE_SOUNDFONTS (os.pathsep-separated paths) overrides."""
    env = os.environ.get("DANCECORE_SOUNDFONTS")
    if env:
        return {Path(p).stem: p for p in env.split(os.pathsep) if Path(p).is_file()}
    return {name: p for name, p in SOUNDFONT_PATHS.items() if Path(p).is_file()}


class _Synth:
    """A FluidSynth instance with one SoundFont loaded, reverb/chorus off, linear interpolation."""

    def __init__(self, path: str, sr: int):
        import fluidsynth  # pyfluidsynth; imported lazily (needs libfluidsynth)

        lib = fluidsynth._fl
        self._write = lib.fluid_synth_write_float
        self._write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.fluid_synth_set_interp_method.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self.fs = fluidsynth.Synth(gain=0.25, samplerate=float(sr), **{
            "synth.reverb.active": 0, "synth.chorus.active": 0, "synth.polyphony": 96})
        self.sfid = self.fs.sfload(path)
        if self.sfid < 0:
            raise RuntimeError(f"FluidSynth could not load {path}")
        lib.fluid_synth_set_interp_method(self.fs.synth, -1, 1)

    def write(self, left: np.ndarray, right: np.ndarray) -> None:
        """Render len(left) samples into the two float32 arrays."""
        self._write(self.fs.synth, len(left), left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)

    def select(self, channel: int, bank: int, program: int) -> None:
        """Select a preset, falling back to bank 0 (or drum kit 0) if the SoundFont lacks it."""
        if self.fs.program_select(channel, self.sfid, bank, program) != 0:
            fallback = (128, 0) if bank == 128 else (0, program)
            self.fs.program_select(channel, self.sfid, *fallback)


_SYNTHS: dict[tuple[str, int], _Synth] = {}


def _synth(path: str, sr: int) -> _Synth:
    key = (path, sr)
    if key not in _SYNTHS:
        _SYNTHS[key] = _Synth(path, sr)
    return _SYNTHS[key]


def _events(pm: pretty_midi.PrettyMIDI, sr: int, n_blocks: int) -> tuple[list[tuple[int, int, int, int, int]], dict]:
    """Note events (block, on/off, channel, pitch, velocity) sorted in time, and channel setup."""
    setup: dict[int, tuple[int, int, int]] = {}
    events = []
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    for inst in pm.instruments:
        if inst.is_drum:
            ch = DRUM_CHANNEL
        elif melodic:
            ch = melodic.pop(0)
        else:
            continue
        cc = {c.number: c.value for c in inst.control_changes if c.time <= 0.0}
        setup[ch] = (128 if inst.is_drum else cc.get(0, 0), inst.program, cc.get(7, 100))
        for n in inst.notes:
            on = int(round(n.start * sr / BLOCK))
            off = max(on + 1, int(round(n.end * sr / BLOCK)))
            if on < n_blocks:
                events.append((on, 1, ch, n.pitch, n.velocity))
                events.append((off, 0, ch, n.pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    return events, setup


def render_midi(pm: pretty_midi.PrettyMIDI, soundfont: str, duration_s: float, sr: int = 22050) -> np.ndarray:
    """Mono float32 audio of the first `duration_s` seconds of a PrettyMIDI through a SoundFont file."""
    synth = _synth(soundfont, sr)
    n = int(round(duration_s * sr))
    n_blocks = -(-n // BLOCK)
    fs = synth.fs
    fs.system_reset()
    events, setup = _events(pm, sr, n_blocks)
    for ch, (bank, program, volume) in setup.items():
        synth.select(ch, bank, program)
        fs.cc(ch, 7, volume)
    left = np.zeros(n_blocks * BLOCK, np.float32)
    right = np.zeros(n_blocks * BLOCK, np.float32)
    pos = 0
    for block, is_on, ch, pitch, vel in events:
        if block > pos:
            end = min(block, n_blocks)
            synth.write(left[pos * BLOCK:end * BLOCK], right[pos * BLOCK:end * BLOCK])
            pos = end
        if pos >= n_blocks:
            break
        if is_on:
            fs.noteon(ch, pitch, vel)
        else:
            fs.noteoff(ch, pitch)
    if pos < n_blocks:
        synth.write(left[pos * BLOCK:], right[pos * BLOCK:])
    for ch in range(16):
        fs.all_sounds_off(ch)
    return (0.5 * (left + right))[:n]
