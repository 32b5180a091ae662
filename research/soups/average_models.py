"""Average the weights of several CNN model files of one architecture into one model file (a "model soup").

Networks fine-tuned from the same starting weights lie in one basin of the loss, so the uniform
average of their parameters (and batch-norm statistics) usually scores at least as well as the
ingredients and costs nothing at inference time (Wortsman et al., "Model soups", ICML 2022).
Integer buffers (batch-norm batch counters) are taken from the first model. The result keeps the
first model's settings and records the ingredients in its provenance.
Usage: python scripts/average_models.py A.pt B.pt [C.pt ...] --out soup.pt
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from dancecore.errors import ModelError
from dancecore.model import DanceModel, load_model


def average_models(models: list[DanceModel]) -> DanceModel:
    """A new model whose floating-point parameters and buffers are the uniform mean of `models`'."""
    if len(models) < 2:
        raise ModelError("averaging needs at least two model files")
    first = models[0]
    for other in models[1:]:
        if other.arch != first.arch or other.classes != first.classes:
            raise ModelError(f"{other.name}: architecture {other.arch} / classes differ from {first.name}'s "
                             f"({first.arch}); only models of one architecture and class list can be averaged")
    states = [m.network.state_dict() for m in models]
    averaged = {key: (torch.stack([s[key].float() for s in states]).mean(dim=0).to(value.dtype)
                      if value.is_floating_point() else value.clone())
                for key, value in states[0].items()}
    soup = DanceModel.new(first.arch, classes=first.classes, features=first.features,
                          window_frames=first.window_frames, normalisation=first.normalisation,
                          name="soup")
    soup.network.load_state_dict(averaged)
    soup.network.eval()
    soup.provenance = {"averaged_from": [{"name": m.name, "provenance": m.provenance, "metrics": m.metrics}
                                         for m in models]}
    return soup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="model files (dancecore train's best.pt or a default model)")
    parser.add_argument("--out", required=True, help="where to write the averaged model file")
    args = parser.parse_args()
    soup = average_models([load_model(p) for p in args.models])
    soup.provenance["averaged_files"] = list(args.models)
    soup.name = Path(args.out).stem
    soup.save(args.out)
    print(f"wrote {args.out}: uniform average of {len(args.models)} {soup.arch} networks")


if __name__ == "__main__":
    main()
