"""One labelled training clip: arrange -> FluidSynth render -> mix."""
from __future__ import annotations

import numpy as np

from dancecore.data.synth.arranger import arrange, dance_spec
from dancecore.data.synth.mix import master
from dancecore.data.synth.render import SOUNDFONT_WEIGHTS, available_soundfonts, render_midi
from dancecore.data.synth.voice import sing

VOCAL_LEVEL_DB = (-6.0, 3.0)  # sung lead's RMS relative to the band's, as in pop mixes where the voice is on top


def pick_soundfont(rng: np.random.Generator, name: str | None = None) -> tuple[str, str]:
    """(name, path) of an installed SoundFont, drawn by SOUNDFONT_WEIGHTS unless named."""
    fonts = available_soundfonts()
    if not fonts:
        raise RuntimeError("no SoundFont found; apt-get install fluid-soundfont-gm timgm6mb-soundfont "
                           "musescore-general-soundfont, or set DANCECORE_SOUNDFONTS")
    if name is not None:
        if name not in fonts:
            raise KeyError(f"SoundFont {name!r} not installed; available: {sorted(fonts)}")
        return name, fonts[name]
    names = sorted(fonts)
    w = np.array([SOUNDFONT_WEIGHTS.get(n, 0.2) for n in names])
    chosen = names[int(rng.choice(len(names), p=w / w.sum()))]
    return chosen, fonts[chosen]


def render_clip(dance_id: str, seed: int, duration_s: float = 30.0, sr: int = 22050,
                variant: str | None = None, soundfont: str | None = None,
                clean: bool = False, vocals: float = 0.0) -> tuple[np.ndarray, dict]:
    """Mono float32 audio (`duration_s` seconds at `sr` Hz) of a generated song for a dance, and its
    metadata (tempo, variant, SoundFont, instruments, mix settings). Deterministic in `seed`.
    `dance_id`: one of the ten dances or of dancecore.data.synth.social.SOCIAL_IDS.
    `variant`/`soundfont` force a style/SoundFont; `clean` skips the mix chain.
    `vocals`: probability that the lead melody is sung (dancecore.data.synth.voice) instead of played; drawn from
    a random stream of its own, so the rest of the clip is the same as with vocals=0."""
    dance_id = dance_spec(dance_id).id
    rng = np.random.default_rng([seed, 0x5EED])
    midi, meta = arrange(dance_id, rng, duration_s, variant)
    sf_name, sf_path = pick_soundfont(rng, soundfont)
    vocal_rng = np.random.default_rng([seed, 0x70CA1])
    melody = next((inst for inst in midi.instruments if inst.name == "melody"), None)
    sung = melody is not None and vocals > 0 and vocal_rng.random() < vocals
    if sung:
        midi.instruments.remove(melody)
    audio = render_midi(midi, sf_path, duration_s, sr)
    if sung:
        voice, voice_meta = sing(melody, len(audio), sr, vocal_rng)
        level_db = vocal_rng.uniform(*VOCAL_LEVEL_DB)
        band_rms = float(np.sqrt(np.mean(audio ** 2))) or 1e-3
        voice_rms = float(np.sqrt(np.mean(voice ** 2))) or 1.0
        audio = (audio + voice * band_rms * 10 ** (level_db / 20) / voice_rms).astype(np.float32)
        meta["vocals"] = {**voice_meta, "level_db": round(level_db, 1)}
    meta.update(seed=seed, soundfont=sf_name, sr=sr, duration_s=duration_s)
    if not clean:
        audio, mix_meta = master(audio, sr, rng)
        meta.update(mix_meta)
    return audio, meta
