"""Sounds made with command-line tools (sox, espeak-ng) for the build's noise and non-music clips.

Every random choice comes from a numpy generator the caller seeds, and sox runs with -R (repeatable), so
the same tools give the same samples. Samples are mono float64 at SR Hz.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from dancecore.errors import DancecoreError

SR = 22050
LANGUAGES = ["en-gb", "en-us", "en-gb-scotland", "en-029", "de", "fr-fr", "es", "it", "nl", "pl", "pt",
             "sv", "da", "cs", "hu", "ru", "el", "fi"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "klatt3",
            "croak", "whisper", "adam", "belinda", "boris", "grandma", "linda", "max", "paul"]
WORDS = ("did you see their quickstep the floor is so slippery tonight where is the bar our number is "
         "fifty two the judges loved that rumba walk hold your frame shoulders down I need a water "
         "which heat are we in next is the samba round oh look at that dress congratulations again "
         "my feet hurt the music is too fast who won the waltz final three more couples after this "
         "break we dance the tango after the break the foxtrot was lovely shall we sit down").split()


def require_tools(*tools: str) -> None:
    """DancecoreError naming the first tool that is not on PATH."""
    for tool in tools:
        if shutil.which(tool) is None:
            raise DancecoreError(f"{tool} is not installed; the build needs it (scripts/install.sh --dev installs it)")


def run(cmd: list[str]) -> None:
    """Run a tool; DancecoreError with its error output when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DancecoreError(f"{' '.join(cmd[:3])} failed: {proc.stderr.strip().splitlines()[-1:] or ['no message']}")


def read(path: Path) -> np.ndarray:
    """Mono float64 samples of a wav written at SR."""
    data, sr = sf.read(path, dtype="float64", always_2d=True)
    if sr != SR:
        raise DancecoreError(f"{path}: {sr} Hz, expected {SR}")
    return data.mean(axis=1)


def sox_kernel(tmp: Path, name: str, effects: list[str]) -> np.ndarray:
    """A sound made by sox from nothing (-n) with `effects`, repeatable (-R); written under `tmp`."""
    path = tmp / f"{name}.wav"
    run(["sox", "-R", "-n", "-r", str(SR), "-c", "1", "-b", "16", str(path), *effects])
    return read(path)


def place(track: np.ndarray, sound: np.ndarray, start_s: float, gain: float) -> None:
    """Add `sound` x gain into `track` at `start_s` seconds (clipped at the end)."""
    start = int(start_s * SR)
    if start >= len(track):
        return
    end = min(len(track), start + len(sound))
    track[start:end] += gain * sound[: end - start]


def speak(tmp: Path, name: str, voice: str, text: str, pitch: int = 50, speed: int = 175) -> np.ndarray:
    """`text` said by espeak-ng's `voice` (e.g. en+m3) at `pitch` (0-99) and `speed` (words per minute);
    espeak-ng writes SR Hz."""
    wav = tmp / f"{name}.wav"
    run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-a", "120", "-w", str(wav), text])
    return read(wav)
