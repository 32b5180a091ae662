"""BeatNet weights (state-dict names, numpy) -> the beat network as an ONNX graph (bytes). Build time only.

Written node by node with `onnx.helper` rather than traced from torch, so the graph does not depend on a
torch exporter version. Graph (opset 17): features (B, T, 272) -> Unsqueeze to (B, 1, T, 272) -> Conv
(kernel 1x10, 2 channels) -> Relu -> MaxPool 1x2 -> Transpose to (B, T, 2, 131) -> Reshape (B, T, 262)
-> MatMul/Add to 150 -> Transpose (T, B, 150) -> LSTM layer 0 -> LSTM layer 1 -> Transpose (B, T, 150)
-> MatMul/Add to 3 -> Softmax. Inputs and outputs are named in `dancecore.beat.spec` (INPUTS, OUTPUTS).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from dancecore.beat.features import N_FEATURES
from dancecore.beat.spec import HIDDEN, INPUTS, LAYERS, N_CLASSES, OUTPUTS

OPSET = 17
_GATES = (0, 3, 1, 2)   # torch LSTM gates (i, f, g, o) -> ONNX order (i, o, f, c)


def _gates(matrix: np.ndarray) -> np.ndarray:
    """Reorder the four gate blocks along the first axis from torch's order to ONNX's."""
    blocks = np.split(np.asarray(matrix, dtype=np.float32), 4, axis=0)
    return np.concatenate([blocks[g] for g in _GATES], axis=0)


def _constants(weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Graph constants from the state dict: conv as 1x10 2-D kernels, linear weights transposed, LSTM
    weights in ONNX gate order, and the small index arrays the shape nodes need."""
    w = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}
    out = {
        "conv_w": w["conv1.weight"][:, :, None, :], "conv_b": w["conv1.bias"],
        "linear0_w": np.ascontiguousarray(w["linear0.weight"].T), "linear0_b": w["linear0.bias"],
        "linear_w": np.ascontiguousarray(w["linear.weight"].T), "linear_b": w["linear.bias"],
        "axis0": np.array([0], dtype=np.int64), "axis1": np.array([1], dtype=np.int64),
        "pooled_shape": np.array([0, 0, -1], dtype=np.int64),
    }
    for layer in range(LAYERS):
        out[f"lstm{layer}_w"] = _gates(w[f"lstm.weight_ih_l{layer}"])[None]
        out[f"lstm{layer}_r"] = _gates(w[f"lstm.weight_hh_l{layer}"])[None]
        out[f"lstm{layer}_b"] = np.concatenate([_gates(w[f"lstm.bias_ih_l{layer}"]),
                                                _gates(w[f"lstm.bias_hh_l{layer}"])])[None]
        out[f"layer{layer}"] = np.array([layer], dtype=np.int64)
        out[f"layer{layer}_end"] = np.array([layer + 1], dtype=np.int64)
    return out


def _lstm_nodes(layer: int, x: str) -> list[onnx.NodeProto]:
    """One LSTM layer on x (T, B, 150) with its slice of h0/c0; output seq{layer} (T, B, 150)."""
    start, end = f"layer{layer}", f"layer{layer}_end"
    return [
        helper.make_node("Slice", [INPUTS[1], start, end, "axis0"], [f"h0_{layer}"]),
        helper.make_node("Slice", [INPUTS[2], start, end, "axis0"], [f"c0_{layer}"]),
        helper.make_node("LSTM", [x, f"lstm{layer}_w", f"lstm{layer}_r", f"lstm{layer}_b", "",
                                  f"h0_{layer}", f"c0_{layer}"], [f"y{layer}", f"hn{layer}", f"cn{layer}"],
                         hidden_size=HIDDEN, direction="forward"),
        helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"seq{layer}"]),
    ]


def beatnet_onnx(weights: Mapping[str, np.ndarray]) -> bytes:
    """Serialized ONNX model of the beat network holding `weights` (BeatNet state-dict names).

    Inputs: features (B, T, 272), h0 and c0 (2, B, 150), float32. Outputs: activations (B, T, 3)
    = softmax over (beat, downbeat, no beat), hn and cn (2, B, 150): the state after frame T.
    """
    nodes = [
        helper.make_node("Unsqueeze", [INPUTS[0], "axis1"], ["image"]),
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"], kernel_shape=[1, 10]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("MaxPool", ["relu"], ["pool"], kernel_shape=[1, 2], strides=[1, 2]),
        helper.make_node("Transpose", ["pool"], ["pool_btcf"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["pool_btcf", "pooled_shape"], ["pooled"]),
        helper.make_node("MatMul", ["pooled", "linear0_w"], ["proj"]),
        helper.make_node("Add", ["proj", "linear0_b"], ["embed"]),
        helper.make_node("Transpose", ["embed"], ["seq_in"], perm=[1, 0, 2]),
    ]
    x = "seq_in"
    for layer in range(LAYERS):
        nodes += _lstm_nodes(layer, x)
        x = f"seq{layer}"
    nodes += [
        helper.make_node("Transpose", [x], ["lstm_out"], perm=[1, 0, 2]),
        helper.make_node("MatMul", ["lstm_out", "linear_w"], ["scores_raw"]),
        helper.make_node("Add", ["scores_raw", "linear_b"], ["scores"]),
        helper.make_node("Softmax", ["scores"], [OUTPUTS[0]], axis=-1),
        helper.make_node("Concat", [f"hn{layer}" for layer in range(LAYERS)], [OUTPUTS[1]], axis=0),
        helper.make_node("Concat", [f"cn{layer}" for layer in range(LAYERS)], [OUTPUTS[2]], axis=0),
    ]
    state = ["layers", "batch", HIDDEN]
    graph = helper.make_graph(
        nodes, "beatnet",
        inputs=[helper.make_tensor_value_info(INPUTS[0], TensorProto.FLOAT, ["batch", "frames", N_FEATURES]),
                helper.make_tensor_value_info(INPUTS[1], TensorProto.FLOAT, state),
                helper.make_tensor_value_info(INPUTS[2], TensorProto.FLOAT, state)],
        outputs=[helper.make_tensor_value_info(OUTPUTS[0], TensorProto.FLOAT, ["batch", "frames", N_CLASSES]),
                 helper.make_tensor_value_info(OUTPUTS[1], TensorProto.FLOAT, state),
                 helper.make_tensor_value_info(OUTPUTS[2], TensorProto.FLOAT, state)],
        initializer=[numpy_helper.from_array(value, name) for name, value in _constants(weights).items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="dancecore", doc_string="BeatNet (Heydari et al., ISMIR 2021), CC BY 4.0")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()
