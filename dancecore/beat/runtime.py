"""The beat network on ONNX Runtime (no torch): whole-song activations and a live stream.

Activations are (frames, 3) float32 at 50 frames/s, columns `spec.CLASSES` = (beat, downbeat, no beat),
rows summing to 1; frame i is centred on 20 ms * i of the audio.
"""
from __future__ import annotations

import numpy as np

from dancecore.beat.features import N_FEATURES, FeatureStream, beat_features
from dancecore.beat.spec import HIDDEN, INPUTS, LAYERS, N_CLASSES, OUTPUTS
from dancecore.errors import ModelError
from dancecore.runtime import OnnxNetwork

CHUNK_FRAMES = 250         # frames per network call on a whole song (5 s at 50 frames/s)
THREADS = 1                # intra-op threads: the LSTM runs frame after frame (a second thread: 83 -> 120 ms)


class BeatNetwork:
    """The beat graph (`beat.onnx`) in an ONNX Runtime session (dancecore.runtime.OnnxNetwork).

    A whole song runs as one sequence: measured on a 3-minute song (9000 frames, one thread) it takes
    about 0.08 s, no slower than a batch of overlapping chunks, and the LSTM's memory
    (chunks need a 30 s warm-up to agree to 1e-5) would make chunked activations differ from live ones.
    """

    def __init__(self, network: OnnxNetwork) -> None:
        names = (network.inputs, [o.name for o in network.session.get_outputs()])
        if names != (list(INPUTS), list(OUTPUTS)):
            raise ModelError(f"the beat network has inputs/outputs {names}, expected {(list(INPUTS), list(OUTPUTS))}")
        self._network = network

    @classmethod
    def from_graph(cls, graph: bytes, threads: int = THREADS) -> BeatNetwork:
        """The beat network of the bytes of `beat.onnx`, in a session of its own on `threads` threads."""
        return cls(OnnxNetwork(graph, threads=threads, name="beat"))

    def run(self, features: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
            ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """features (frames, 272) from state (h, c), each (2, 1, 150) (None: zeros) ->
        (activations (frames, 3), state after the last frame)."""
        features = np.asarray(features, dtype=np.float32)
        if features.ndim != 2 or features.shape[1] != N_FEATURES:
            raise ValueError(f"beat features must have shape (frames, {N_FEATURES}), got {features.shape}")
        if state is None:
            state = (np.zeros((LAYERS, 1, HIDDEN), np.float32),) * 2
        if len(features) == 0:
            return np.zeros((0, N_CLASSES), np.float32), state
        acts, h, c = self._network.run({INPUTS[0]: features[None], INPUTS[1]: state[0], INPUTS[2]: state[1]})
        return acts[0], (h, c)

    def activations(self, features: np.ndarray) -> np.ndarray:
        """Activations (frames, 3) of a whole song's features (frames, 272), from a zero state. The song runs
        as one sequence in pieces of CHUNK_FRAMES, each starting from the state the last one ended in: the
        same activations as one call, but ONNX Runtime's buffers stay those of 5 s: one call on a 3-minute
        song grew the process by 180 MB, and pieces of 30 s still touched 110 MB of fresh pages (0.1 s of
        CPU) where pieces of 5 s touch 13 MB."""
        out, state = [], None
        for start in range(0, max(len(features), 1), CHUNK_FRAMES):
            acts, state = self.run(features[start:start + CHUNK_FRAMES], state)
            out.append(acts)
        return np.concatenate(out)

    def song(self, samples: np.ndarray) -> np.ndarray:
        """Activations (ceil(n / 441), 3) of mono float samples at 22050 Hz."""
        return self.activations(beat_features(samples))

    def stream(self) -> BeatStream:
        """A live stream on this network: samples in, activations out, state kept between calls."""
        return BeatStream(self)


class BeatStream:
    """Live beat activations: push 22050 Hz chunks, get the frames they completed (32 ms look-ahead).

    Pushing a song in any chunks and then `flush()` gives its `BeatNetwork.song` activations
    (to float32 rounding).
    """

    def __init__(self, network: BeatNetwork) -> None:
        self._network = network
        self._features = FeatureStream()
        self._state: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def frames_done(self) -> int:
        """Activation frames given so far (frame i is centred at 20 ms * i)."""
        return self._features.frames_done

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Mono float samples in; activations (n, 3) of the frames they completed."""
        return self._step(self._features.push(samples))

    def flush(self) -> np.ndarray:
        """End of audio: activations of the frames still owed (the end zero-padded)."""
        return self._step(self._features.flush())

    def _step(self, features: np.ndarray) -> np.ndarray:
        acts, self._state = self._network.run(features, self._state)
        return acts
