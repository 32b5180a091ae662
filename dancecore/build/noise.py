"""Noise recordings mixed into the CNN's training crops (thesis §4.7): brown noise, low-passed pink noise, and
babble of six espeak-ng voices with room reverb. Kept apart from dancecore/assets/crowd_noise.ogg, which only
the evaluation's noise sweep uses."""
from __future__ import annotations

import tempfile
from pathlib import Path

from dancecore.build.sounds import SR, require_tools, run

BABBLE_VOICES = ("en+m3", "en+f2", "de+m1", "es+f4", "fr+m2", "it+f1")
BABBLE_TEXT = ("Welcome everyone to the practice social tonight. Please take your partners, the next dance will "
               "start in a moment. Thank you, drinks are at the bar, and remember the workshop next Sunday at three.")
FILES = ("brown.wav", "pink.wav", "babble.wav")


def make_training_noise(folder: Path, seconds: float = 60.0) -> list[Path]:
    """Write FILES into `folder` (mono, SR Hz; babble: the voices mixed, repeated 4 times, reverberated)."""
    require_tools("sox", "espeak-ng")
    folder.mkdir(parents=True, exist_ok=True)
    run(["sox", "-R", "-n", "-r", str(SR), "-c", "1", str(folder / "brown.wav"), "synth", str(seconds), "brownnoise"])
    run(["sox", "-R", "-n", "-r", str(SR), "-c", "1", str(folder / "pink.wav"), "synth", str(seconds), "pinknoise",
         "lowpass", "4000"])
    with tempfile.TemporaryDirectory() as name:
        voices = [Path(name) / f"v_{voice}.wav" for voice in BABBLE_VOICES]
        for voice, wav in zip(BABBLE_VOICES, voices):
            run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), BABBLE_TEXT])
        raw = Path(name) / "babble_raw.wav"
        run(["sox", "-m", *map(str, voices), "-r", str(SR), str(raw)])
        run(["sox", "-R", str(raw), str(folder / "babble.wav"), "repeat", "4", "reverb", "60"])
    return [folder / f for f in FILES]
