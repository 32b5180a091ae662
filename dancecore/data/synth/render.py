"""FluidSynth rendering of a PrettyMIDI to mono float32 audio through a GM SoundFont.

Events are applied on FluidSynth's 64-sample block grid and every clip gets a fresh synth (the
SoundFont itself is loaded once per process), so the same MIDI always renders to the same samples.
"""
from __future__ import annotations

import ctypes
import functools
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


FLUID_WARN, FLUID_INFO, FLUID_DBG = 2, 3, 4  # FluidSynth log levels silenced


@functools.lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    """libfluidsynth (via pyfluidsynth) with the prototypes used here; warnings silenced."""
    import fluidsynth  # pyfluidsynth; imported lazily (needs libfluidsynth)

    lib = fluidsynth._fl
    vp, i = ctypes.c_void_p, ctypes.c_int
    lib.fluid_synth_write_float.argtypes = [vp, i, vp, i, i, vp, i, i]
    lib.fluid_synth_set_interp_method.argtypes = [vp, i, i]
    lib.fluid_synth_get_sfont_by_id.argtypes = [vp, i]
    lib.fluid_synth_get_sfont_by_id.restype = vp
    lib.fluid_synth_add_sfont.argtypes = [vp, vp]
    lib.fluid_synth_remove_sfont.argtypes = [vp, vp]
    lib.fluid_set_log_function.argtypes = [i, vp, vp]
    for level in (FLUID_WARN, FLUID_INFO, FLUID_DBG):
        lib.fluid_set_log_function(level, None, None)
    return lib


_LOADED: dict[str, tuple[object, int]] = {}  # SoundFont path -> (holder synth, fluid_sfont_t*)


def _sfont(path: str) -> int:
    """Pointer to a loaded SoundFont; loaded once per process by a holder synth."""
    if path not in _LOADED:
        import fluidsynth

        lib = _lib()
        holder = fluidsynth.Synth(channels=16)
        sfid = holder.sfload(path)
        if sfid < 0:
            raise RuntimeError(f"FluidSynth could not load {path}")
        _LOADED[path] = (holder, lib.fluid_synth_get_sfont_by_id(holder.synth, sfid))
    return _LOADED[path][1]


class _Synth:
    """A fresh FluidSynth instance for one clip (so no voice state leaks between clips) sharing an
    already-loaded SoundFont; reverb/chorus off, linear interpolation."""

    def __init__(self, path: str, sr: int):
        import fluidsynth

        self.sfont = _sfont(path)
        self.lib = _lib()
        self.fs = fluidsynth.Synth(gain=0.25, samplerate=float(sr), channels=16, **{
            "synth.reverb.active": 0, "synth.chorus.active": 0, "synth.polyphony": 96})
        self.sfid = self.lib.fluid_synth_add_sfont(self.fs.synth, self.sfont)
        self.lib.fluid_synth_set_interp_method(self.fs.synth, -1, 1)

    def write(self, left: np.ndarray, right: np.ndarray) -> None:
        """Render len(left) samples into the two float32 arrays."""
        self.lib.fluid_synth_write_float(self.fs.synth, len(left), left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)

    def select(self, channel: int, bank: int, program: int) -> None:
        """Select a preset, falling back to bank 0 (or drum kit 0) if the SoundFont lacks it."""
        if self.fs.program_select(channel, self.sfid, bank, program) != 0:
            fallback = (128, 0) if bank == 128 else (0, program)
            self.fs.program_select(channel, self.sfid, *fallback)

    def close(self) -> None:
        """Detach the shared SoundFont and free the synth."""
        self.lib.fluid_synth_remove_sfont(self.fs.synth, self.sfont)
        self.fs.delete()


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
    n = int(round(duration_s * sr))
    n_blocks = -(-n // BLOCK)
    events, setup = _events(pm, sr, n_blocks)
    left = np.zeros(n_blocks * BLOCK, np.float32)
    right = np.zeros(n_blocks * BLOCK, np.float32)
    synth = _Synth(soundfont, sr)
    try:
        for ch, (bank, program, volume) in setup.items():
            synth.select(ch, bank, program)
            synth.fs.cc(ch, 7, volume)
        pos = 0
        for block, is_on, ch, pitch, vel in events:
            if block > pos:
                end = min(block, n_blocks)
                synth.write(left[pos * BLOCK:end * BLOCK], right[pos * BLOCK:end * BLOCK])
                pos = end
            if pos >= n_blocks:
                break
            if is_on:
                synth.fs.noteon(ch, pitch, vel)
            else:
                synth.fs.noteoff(ch, pitch)
        if pos < n_blocks:
            synth.write(left[pos * BLOCK:], right[pos * BLOCK:])
    finally:
        synth.close()
    return (0.5 * (left + right))[:n]
