"""The training side's model: a model's networks as PyTorch modules, the training checkpoint that
`dancecore train` writes (best.pt, read by --init), and the export to the shipped format (.dcmodel:
one ONNX graph per network plus its parameters as numpy arrays, torch state_dict names).

A network is a `TorchNet` of a registered kind (KINDS: how to build it from its settings, what it reads
and returns, how to export it); the CNN is "cnn", the rhythm branch's members "rhythm_0", "rhythm_1"...
Inference never imports this module (dancecore.model runs the exported graphs).
"""
from __future__ import annotations

import copy
import io
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from dancecore.architectures import DEFAULT_ARCH, build_model
from dancecore.dances import DANCE_IDS
from dancecore.errors import ModelError
from dancecore.features import FeatureSettings
from dancecore.fusion import FusionSettings
from dancecore.model import CNN, DanceModel
from dancecore.modelfile import ModelArchive, is_torch_checkpoint, pack_arrays, read_archive
from dancecore.modelinfo import ModelInfo, RejectSettings
from dancecore.rhythm.classifier import NetConfig, RhythmBranch, RhythmNet
from dancecore.rhythm.data import CLASSES as RHYTHM_CLASSES
from dancecore.rhythm.inputs import ODF_FRAMES, PEDF_LAGS
from dancecore.runtime import OnnxNetwork

CHECKPOINT_FORMAT = "dancecore-model/1"
CARRIED_KINDS = ("beat",)   # networks kept as their ONNX graph and weights, not rebuilt in PyTorch
OPSET = 17
_CNN_SHAPE_KEYS = ("arch", "n_classes", "in_channels", "n_mels", "frames")  # the rest are the architecture's own


@dataclass(frozen=True)
class Kind:
    """One kind of network. build: settings -> module; graph: module -> the module exported (outputs as
    in the graph); inputs: settings -> (name, shape with None for the batch axis) of each graph input;
    outputs: names of the graph outputs; extra: model.json entries besides the settings."""

    build: Callable[[dict[str, Any]], nn.Module]
    graph: Callable[[nn.Module], nn.Module]
    inputs: Callable[[dict[str, Any]], list[tuple[str, tuple[int | None, ...]]]]
    outputs: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)


class _Logits(nn.Module):
    """A RhythmNet exported without its training-only tempo output."""

    def __init__(self, net: RhythmNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.net(*inputs)[0]


def _cnn_inputs(settings: dict[str, Any]) -> list[tuple[str, tuple[int | None, ...]]]:
    return [("x", (None, settings["in_channels"], settings["n_mels"], settings["frames"]))]


def _rhythm_inputs(settings: dict[str, Any]) -> list[tuple[str, tuple[int | None, ...]]]:
    names = [("pedf", (None, 2, PEDF_LAGS)), ("odf", (None, 2, ODF_FRAMES))]
    return names + [("xcorr", (None, 2, PEDF_LAGS))] if settings.get("xcorr") else names


KINDS: dict[str, Kind] = {
    "cnn": Kind(build=lambda s: build_model(s["arch"], s["n_classes"], s["in_channels"],
                                            **{k: v for k, v in s.items() if k not in _CNN_SHAPE_KEYS}),
                graph=lambda module: module, inputs=_cnn_inputs, outputs=("logits",),
                extra={"description": "x: dB windows (batch, 1, n_mels, frames) minus normalisation mean, over its "
                                      "std -> logits (batch, classes)"}),
    "rhythm": Kind(build=lambda s: RhythmNet(NetConfig.from_dict(s)), graph=_Logits, inputs=_rhythm_inputs,
                   outputs=("logits",),
                   extra={"classes": list(RHYTHM_CLASSES),
                          "description": "pedf (batch, 2, 149), odf (batch, 2, 298) and, when the settings say "
                                         "xcorr, xcorr (batch, 2, 149) of dancecore.rhythm.inputs -> logits "
                                         "(batch, 11) over classes"}),
}


@dataclass
class TorchNet:
    """A network of a model in PyTorch: its kind (KINDS), its module and the settings that rebuild it."""

    kind: str
    module: nn.Module
    settings: dict[str, Any]


def cnn_net(arch: str, network: nn.Module, n_classes: int, features: FeatureSettings, frames: int) -> TorchNet:
    """The CNN as a TorchNet: the architecture with its settings and input shape."""
    settings = {"arch": arch, "n_classes": n_classes, "in_channels": 1, "n_mels": features.n_mels, "frames": frames,
                **getattr(network, "settings", {})}
    return TorchNet("cnn", network, settings)


def rhythm_net(net: RhythmNet) -> TorchNet:
    """A rhythm-branch member as a TorchNet."""
    return TorchNet("rhythm", net, asdict(net.cfg))


class TorchNetwork:
    """A TorchNet run like an ONNX network (dancecore.runtime.Network): the PyTorch path of the unit."""

    def __init__(self, net: TorchNet) -> None:
        self.graph = KINDS[net.kind].graph(net.module).eval()
        self.inputs = [name for name, _ in KINDS[net.kind].inputs(net.settings)]

    @torch.inference_mode()
    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        device = next(self.graph.parameters()).device
        outputs = self.graph(*(torch.from_numpy(np.ascontiguousarray(feeds[n], np.float32)).to(device)
                               for n in self.inputs))
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return [o.float().cpu().numpy() for o in outputs]


@dataclass(frozen=True)
class CarriedNetwork:
    """A network of a model file that the training side does not rebuild in PyTorch (the beat network, whose
    graph dancecore.beat writes by hand): its model.json entry and its members (graph, weights) by file name,
    carried unchanged through fine-tuning, checkpoints and export."""

    spec: dict[str, Any]
    members: dict[str, bytes]


@dataclass
class TorchModel(ModelInfo):
    """A model with PyTorch networks (networks: name -> TorchNet, "cnn" first)."""

    networks: dict[str, TorchNet] = field(default_factory=dict)
    carried: dict[str, CarriedNetwork] = field(default_factory=dict)

    @classmethod
    def new(cls, arch: str = DEFAULT_ARCH, classes: list[str] | None = None, pretrained: bool = False,
            **kwargs: Any) -> TorchModel:
        """An untrained CNN of `arch` over `classes` (default: the ten dances); kwargs: ModelInfo fields."""
        model = cls(classes=list(classes or DANCE_IDS), **kwargs)
        network = build_model(arch, len(model.classes), in_channels=1, pretrained=pretrained)
        return model.with_cnn(network, arch)

    @property
    def network(self) -> nn.Module:
        """The CNN module."""
        return self.networks[CNN].module

    @property
    def arch(self) -> str:
        return self.networks[CNN].settings["arch"]

    @property
    def rhythm_nets(self) -> list[RhythmNet]:
        """The rhythm branch's members, in order."""
        return [self.networks[n].module for n in sorted(self.networks) if self.networks[n].kind == "rhythm"]

    def with_cnn(self, network: nn.Module, arch: str | None = None) -> TorchModel:
        """This model with another CNN module (of `arch`, default the current one's)."""
        net = cnn_net(arch or self.arch, network, len(self.classes), self.features, self.window_frames)
        return replace(self, networks={CNN: net, **{k: v for k, v in self.networks.items() if k != CNN}})

    def with_rhythm(self, nets: list[RhythmNet], fusion: FusionSettings) -> TorchModel:
        """This model with the rhythm branch `nets` fused by `fusion` (replacing any it had)."""
        kept = {k: v for k, v in self.networks.items() if v.kind != "rhythm"}
        return replace(self, networks={**kept, **{f"rhythm_{i}": rhythm_net(n) for i, n in enumerate(nets)}},
                       fusion=fusion)

    def to_input(self, windows: np.ndarray) -> torch.Tensor:
        """(n, frames, n_mels) dB windows -> normalised (n, 1, n_mels, frames) tensor."""
        return torch.from_numpy(self.network_input(windows))

    def unit(self) -> DanceModel:
        """The model unit running these PyTorch networks (the reference the ONNX path is checked against)."""
        specs = {name: self._spec(name, net) for name, net in self.networks.items()}
        networks: dict[str, Any] = {name: TorchNetwork(net) for name, net in self.networks.items()}
        for name, net in self.carried.items():
            specs[name] = net.spec
            networks[name] = OnnxNetwork(net.members[net.spec["file"]], threads=1, name=name)
        return DanceModel.with_networks(self.info(), specs, networks)

    # --- training checkpoint (.pt) ---------------------------------------------------------------------

    def to_checkpoint(self) -> dict[str, Any]:
        """Plain dict (tensors, numbers, strings) that `torch.save` writes and `from_checkpoint` reads."""
        cnn = self.networks[CNN]
        unknown = sorted(n for n, net in self.networks.items() if net.kind not in ("cnn", "rhythm"))
        if unknown:
            raise ModelError(f"a training checkpoint holds the CNN and rhythm branch only, not {', '.join(unknown)}")
        rhythm = None
        if self.rhythm_nets:
            rhythm = {"branch": RhythmBranch(self.rhythm_nets).to_state(), "fusion": self.fusion.to_dict()}
        return {"format": CHECKPOINT_FORMAT, "name": self.name, "version": self.version, "arch": self.arch,
                "arch_settings": {k: v for k, v in cnn.settings.items() if k not in _CNN_SHAPE_KEYS},
                "classes": list(self.classes), "features": self.features.to_dict(), "window_frames": self.window_frames,
                "normalisation": {"mean": float(self.normalisation[0]), "std": float(self.normalisation[1])},
                "reject": self.reject.to_dict(), "decision": self.decision, "provenance": self.provenance,
                "metrics": self.metrics, "attributions": self.attributions,
                "state_dict": {k: v.detach().cpu() for k, v in self.network.state_dict().items()}, "rhythm": rhythm,
                "carried": {name: {"spec": net.spec, "members": net.members} for name, net in self.carried.items()}}

    @classmethod
    def from_checkpoint(cls, ckpt: dict[str, Any], where: str = "checkpoint") -> TorchModel:
        """Rebuild from `to_checkpoint`'s dict (also the checkpoints of earlier versions)."""
        if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
            found = ckpt.get("format") if isinstance(ckpt, dict) else None
            raise ModelError(f"{where}: not a dancecore training checkpoint (format {found!r}, "
                             f"expected {CHECKPOINT_FORMAT})")
        norm = ckpt["normalisation"]
        model = cls(name=ckpt.get("name", "model"), version=str(ckpt.get("version", "1")), classes=list(ckpt["classes"]),
                    features=FeatureSettings.from_dict(ckpt["features"]), window_frames=ckpt["window_frames"],
                    normalisation=(norm["mean"], norm["std"]), reject=RejectSettings(**ckpt["reject"]),
                    decision=ckpt.get("decision") or {}, provenance=ckpt.get("provenance", {}),
                    metrics=ckpt.get("metrics", {}), attributions=ckpt.get("attributions", []))
        network = build_model(ckpt["arch"], len(model.classes), in_channels=1, **ckpt.get("arch_settings", {}))
        network.load_state_dict(ckpt["state_dict"])
        model = model.with_cnn(network.eval(), ckpt["arch"])
        if ckpt.get("rhythm"):
            branch = RhythmBranch.from_state(ckpt["rhythm"]["branch"])
            model = model.with_rhythm(branch.nets, FusionSettings(**ckpt["rhythm"].get("fusion", {})))
        model.carried = {name: CarriedNetwork(dict(net["spec"]), dict(net["members"]))
                         for name, net in (ckpt.get("carried") or {}).items()}
        return model

    def save(self, path: str | Path) -> None:
        """Write the training checkpoint atomically (a crash never leaves a half-written file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.to_checkpoint(), tmp)
        tmp.replace(path)

    # --- the shipped format (.dcmodel) -----------------------------------------------------------------

    def _spec(self, name: str, net: TorchNet) -> dict[str, Any]:
        kind = KINDS[net.kind]
        return {"file": f"{name}.onnx", "weights": f"weights/{name}.npz", "kind": net.kind, "settings": net.settings,
                "inputs": [n for n, _ in kind.inputs(net.settings)], "outputs": list(kind.outputs), **kind.extra}

    def to_archive(self) -> ModelArchive:
        """The model file in memory: model.json, one ONNX graph per network, weights/<name>.npz."""
        specs, members = {}, {}
        for name, net in self.networks.items():
            spec = specs[name] = self._spec(name, net)
            members[spec["file"]] = export_onnx(net)
            members[spec["weights"]] = pack_arrays({k: v.detach().cpu().numpy()
                                                    for k, v in net.module.state_dict().items()})
        for name, net in self.carried.items():
            specs[name] = net.spec
            members.update(net.members)
        return ModelArchive(self.to_meta(specs), members)

    def export(self, path: str | Path) -> None:
        """Write the .dcmodel file atomically."""
        self.to_archive().save(path)

    @classmethod
    def from_archive(cls, archive: ModelArchive) -> TorchModel:
        """Rebuild the PyTorch networks of a model file from its weights/*.npz (no .pt file needed)."""
        networks, carried = {}, {}
        for name, spec in (archive.meta.get("networks") or {}).items():
            if spec.get("kind") in CARRIED_KINDS:
                carried[name] = CarriedNetwork(dict(spec), {spec[f]: archive.member(spec[f]) for f in ("file", "weights")})
                continue
            if spec.get("kind") not in KINDS:
                raise ModelError(f"model {archive.meta.get('name')}: no PyTorch builder for network {name} "
                                 f"of kind {spec.get('kind')!r}")
            module = KINDS[spec["kind"]].build(spec["settings"])
            module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in archive.arrays(spec["weights"]).items()})
            networks[name] = TorchNet(spec["kind"], module.eval(), dict(spec["settings"]))
        return cls(**vars(ModelInfo.from_meta(archive.meta)), networks=networks, carried=carried)


def export_onnx(net: TorchNet) -> bytes:
    """One network as an ONNX graph (opset OPSET, batch axis dynamic), exported from a CPU copy in eval mode."""
    kind = KINDS[net.kind]
    graph = kind.graph(copy.deepcopy(net.module).cpu().float().eval())
    inputs = kind.inputs(net.settings)
    example = tuple(torch.zeros((2, *shape[1:])) for _, shape in inputs)
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated in favour of one needing onnxscript
        warnings.simplefilter("ignore")
        torch.onnx.export(graph, example, buffer, opset_version=OPSET, dynamo=False,
                          input_names=[n for n, _ in inputs], output_names=list(kind.outputs),
                          dynamic_axes={n: {0: "batch"} for n in [*(n for n, _ in inputs), *kind.outputs]})
    return buffer.getvalue()


def check_export(model: TorchModel, archive: ModelArchive, tolerance: float = 1e-4, seed: int = 0) -> float:
    """Largest difference between each network's PyTorch outputs and its ONNX graph's in `archive`, on 3
    random inputs; ModelError when any exceeds `tolerance`."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for name, net in model.networks.items():
        feeds = {n: rng.standard_normal((3, *shape[1:])).astype(np.float32) for n, shape in
                 KINDS[net.kind].inputs(net.settings)}
        graph = OnnxNetwork(archive.member(archive.meta["networks"][name]["file"]), threads=1, name=name)
        for ours, theirs in zip(graph.run(feeds), TorchNetwork(net).run(feeds)):
            worst = max(worst, float(np.abs(ours - theirs).max()))
        if worst > tolerance:
            raise ModelError(f"network {name}: the exported graph differs from PyTorch by {worst:.2g} "
                             f"(> {tolerance:g}); not written")
    return worst


def load_torch_model(path: str | Path) -> TorchModel:
    """A training checkpoint (.pt) or a model file (.dcmodel) with its networks in PyTorch."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found; check the path")
    if not is_torch_checkpoint(path):
        return TorchModel.from_archive(read_archive(path))
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise ModelError(f"{path}: cannot read the checkpoint ({type(exc).__name__}); is it a dancecore model?") from None
    model = TorchModel.from_checkpoint(ckpt, str(path))
    if model.name == "model":
        model.name = path.stem
    return model
