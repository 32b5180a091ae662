"""Ballroom arranger: renders labelled training audio for the ten dances (and for seven other social
dances, dancecore.data.synth.social, measured as negatives for "not sure": see research/tried.md).

A seeded generator picks a style (traditional ballroom band or a modern pop/electronic variant) and
a tempo for the dance, arranges a song (form, harmony, drums, bass, comping, melody) as MIDI,
renders it with FluidSynth through one of several GM SoundFonts and runs a random mix chain. On request
the lead melody is sung by a synthetic voice (dancecore.data.synth.voice) instead of played.

    audio, meta = render_clip("samba", seed=7)            # mono float32, 22050 Hz, 30 s
    audio, meta = render_clip("samba", seed=7, vocals=1)  # the same clip with its lead sung
    render_dataset("runs/synth", per_dance=300, seed=1)  # <dance>/<name>.flac + manifest.csv
    render_dataset("runs/social", per_dance=150, seed=2, dances=SOCIAL_IDS)
"""
from dancecore.data.synth.arranger import arrange
from dancecore.data.synth.clip import render_clip
from dancecore.data.synth.dataset import render_dataset
from dancecore.data.synth.render import available_soundfonts, render_midi
from dancecore.data.synth.social import SOCIAL_IDS
from dancecore.data.synth.styles import STYLES, styles_for

__all__ = ["SOCIAL_IDS", "STYLES", "arrange", "available_soundfonts", "render_clip", "render_dataset", "render_midi",
           "styles_for"]
