"""One labelled training clip: arrange -> FluidSynth render -> mix."""
from __future__ import annotations

import numpy as np

from dancecore.data.synth.arranger import arrange, dance_spec
from dancecore.data.synth.mix import master
from dancecore.data.synth.render import SOUNDFONT_WEIGHTS, available_soundfonts, render_midi


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
                clean: bool = False) -> tuple[np.ndarray, dict]:
    """Mono float32 audio (`duration_s` seconds at `sr` Hz) of a generated song for a dance, and its
    metadata (tempo, variant, SoundFont, instruments, mix settings). Deterministic in `seed`.
    `dance_id`: one of the ten dances or of dancecore.data.synth.social.SOCIAL_IDS.
    `variant`/`soundfont` force a style/SoundFont; `clean` skips the mix chain."""
    dance_id = dance_spec(dance_id).id
    rng = np.random.default_rng([seed, 0x5EED])
    midi, meta = arrange(dance_id, rng, duration_s, variant)
    sf_name, sf_path = pick_soundfont(rng, soundfont)
    audio = render_midi(midi, sf_path, duration_s, sr)
    meta.update(seed=seed, soundfont=sf_name, sr=sr, duration_s=duration_s)
    if not clean:
        audio, mix_meta = master(audio, sr, rng)
        meta.update(mix_meta)
    return audio, meta
