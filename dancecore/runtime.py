"""Running a network of a model file: one ONNX Runtime session per network, on the CPU.

Anything with the same `run` (named float32 inputs in, outputs in graph order out) can stand in for
an OnnxNetwork; the training side wraps its PyTorch modules that way to check the two agree.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np
import onnxruntime as ort

from dancecore.errors import ModelError


class Network(Protocol):
    """A network of the model unit: `inputs` names, `run` maps named arrays to the outputs."""

    inputs: list[str]

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]: ...


class OnnxNetwork:
    """One ONNX graph in an ONNX Runtime session. threads: intra-op threads (0: ONNX Runtime's default,
    one per physical core); idle threads sleep rather than spin, so they leave the CPU to the rest of
    the pipeline (rhythm features, spectrogram, other workers); no memory arena: buffers go back to the
    system between calls (measured on a 3-minute song: peak 417 -> 321 MB, CNN time within noise)."""

    def __init__(self, graph: bytes, threads: int = 0, name: str = "network") -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(0, int(threads))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.enable_cpu_mem_arena = False  # the arena kept ~70-100 MB of a classify process (peak 417 -> 321 MB)
        options.log_severity_level = 3  # errors only: no notices on stderr
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for a bad graph
            raise ModelError(f"network {name}: ONNX Runtime cannot load its graph ({type(exc).__name__}); "
                             "the model file is damaged or needs a newer onnxruntime") from None
        self.name = name
        self.inputs = [i.name for i in self.session.get_inputs()]

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Outputs of the graph for float32 inputs by name."""
        return self.session.run(None, {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in feeds.items()})
