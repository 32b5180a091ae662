"""What the beat network's ONNX graph takes and gives, and the attribution its weights need."""
from __future__ import annotations

from dancecore.beat import features
from dancecore.errors import ModelError

HIDDEN = 150                 # LSTM cells per layer
LAYERS = 2                   # LSTM layers
N_CLASSES = 3
CLASSES = ("beat", "downbeat", "no_beat")   # activation columns; "beat" means a beat that is not a downbeat
INPUTS = ("features", "h0", "c0")           # (batch, frames, 272), (2, batch, 150), (2, batch, 150) float32
OUTPUTS = ("activations", "hn", "cn")       # (batch, frames, 3) softmax, (2, batch, 150), (2, batch, 150)
FOLD = 2                                    # BeatNet's model_2 (trained with the Ballroom set held out)

ATTRIBUTION = {
    "name": "BeatNet beat/downbeat network weights (model 2)",
    "authors": "Mojtaba Heydari, Frank Cwitkowitz, Zhiyao Duan",
    "title": "BeatNet: CRNN and Particle Filtering for Online Joint Beat Downbeat and Meter Tracking",
    "venue": "Proceedings of the 22nd International Society for Music Information Retrieval Conference (ISMIR 2021)",
    "source": "PyPI beatnet 1.1.3 (BeatNet/models/model_2_weights.pt); https://github.com/mjhydri/BeatNet",
    "license": "CC BY 4.0",
    "license_url": "https://creativecommons.org/licenses/by/4.0/",
    "changes": "converted to ONNX and npz; weights unchanged",
}


def network_settings() -> dict:
    """Settings the model file stores next to beat.onnx: features, graph inputs/outputs and classes."""
    return {
        "features": {
            "sample_rate": features.SAMPLE_RATE, "frame_size": features.FRAME_SIZE, "hop": features.HOP,
            "fps": features.FPS, "window": "hann", "filterbank": "log, 24 bands/octave, 30-17000 Hz, unit area",
            "n_bands": features.N_BANDS, "log": "log10(1 + x)", "stack": "log spectrogram, positive difference",
            "n_features": features.N_FEATURES,
        },
        "inputs": list(INPUTS), "outputs": list(OUTPUTS), "classes": list(CLASSES),
        "lstm_layers": LAYERS, "lstm_hidden": HIDDEN, "fold": FOLD,
    }


def check_settings(settings: dict) -> None:
    """ModelError when a model file's beat network settings differ from what this code computes."""
    expected = network_settings()
    for key in ("features", "inputs", "outputs", "classes"):
        if settings.get(key) != expected[key]:
            raise ModelError(f"the model's beat network expects different {key} ({settings.get(key)!r}) "
                             "from this dancecore's; use a model built by this version")
