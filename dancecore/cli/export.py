"""`dancecore export CHECKPOINT OUT.dcmodel`: turn a training checkpoint into the model file that
classify, live, serve and the bot load (needs PyTorch, the `train` extra)."""
from __future__ import annotations

import argparse
from pathlib import Path

from dancecore.errors import DancecoreError
from dancecore.modelfile import SUFFIX

DESCRIPTION = (
    "Export a model for inference: CHECKPOINT (best.pt of `dancecore train`, or a .dcmodel to re-export) becomes "
    f"OUT{SUFFIX}, one ONNX graph per network plus its weights, classes, settings, provenance and figures. "
    "Each graph is checked against PyTorch on random input before the file is written.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore export`'s arguments on `p` and set its `run`."""
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="training checkpoint (.pt) or model file (.dcmodel)")
    p.add_argument("out", metavar="OUT", help=f"model file to write (ends in {SUFFIX})")
    p.add_argument("--name", help="model name (default: the checkpoint's)")
    p.add_argument("--version", dest="model_version", metavar="V", help="model version (default: the checkpoint's)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix != SUFFIX:
        raise DancecoreError(f"{out}: a model file ends in {SUFFIX}; give OUT{SUFFIX}")
    try:
        from dancecore.training.torch_model import check_export, load_torch_model
    except ImportError:
        raise DancecoreError("dancecore export needs PyTorch: install the train extra "
                             "(pip install -e '.[train]')") from None
    model = load_torch_model(args.checkpoint)
    model.name = args.name or model.name
    model.version = args.model_version or model.version
    archive = model.to_archive()
    worst = check_export(model, archive)
    archive.save(out)
    print(f"{out}: model {model.name} version {model.version}, networks {', '.join(model.networks)}; "
          f"ONNX equals PyTorch to {worst:.1e}")
    return 0
