"""`dancecore build-model RECIPE.yaml`: rebuild a model file step by step (render, noise, CNN, rhythm branch and
its cross-validation, beat network, validation scores, fusion and thresholds, non-music check, model file, model
card), resumably."""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from dancecore.errors import ConfigError

DESCRIPTION = (
    "Rebuild a model file from a recipe (configs/default_model.yaml: the shipped model). Every step keeps its "
    "outputs in the work folder and is skipped when its settings and inputs are unchanged, so an interrupted or "
    "edited build redoes only what it must. Needs the train extra (PyTorch).")
STEP_HELP = "render, noise, cnn, rhythm, rhythm_cv, beat, networks, scores, select, non_music, model, card"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore build-model`'s arguments on `p` and set its `run`."""
    p.add_argument("recipe", metavar="RECIPE.yaml", help="build recipe, e.g. configs/default_model.yaml")
    p.add_argument("--out", metavar="PATH", help="model file to write (default WORK/NAME.dcmodel)")
    p.add_argument("--work", default="runs/build", metavar="DIR", help="work folder (default runs/build)")
    p.add_argument("--force", action="append", default=[], metavar="STEP",
                   help=f"redo STEP even when up to date (repeatable); steps: {STEP_HELP}")
    p.add_argument("--until", metavar="STEP", help="stop after STEP")
    p.add_argument("--train-cnn", action="store_true", help="train the CNN as the recipe's cnn.train says "
                   "(hours on a CPU) instead of reusing it")
    p.add_argument("--train-rhythm", action="store_true", help="train the rhythm branch as the recipe's "
                   "rhythm.train says instead of reusing it")
    p.set_defaults(run=run_build_model)


def run_build_model(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("torch") is None:  # the build exports and trains networks
        raise ConfigError("build-model needs PyTorch: install the train extra (pip install -e '.[train]')")
    from dancecore.build.pipeline import Build, run_build
    from dancecore.build.recipe import load_recipe, recipe_from_dict

    recipe = load_recipe(args.recipe)
    use = {"cnn": "train" if args.train_cnn else None, "rhythm": "train" if args.train_rhythm else None}
    if any(use.values()):
        data = recipe.model_dump()
        for section, value in use.items():
            if value:
                data[section]["use"] = value
        recipe = recipe_from_dict(data, f"{args.recipe} with --train-{'/'.join(k for k, v in use.items() if v)}")
    build = Build(recipe, args.recipe, Path(args.work), Path(args.out) if args.out else None)
    runner = run_build(build, set(args.force), args.until)
    if "card" in runner.records:
        print(f"model: {build.out}\ncard: {build.card_file}", file=sys.stderr)
    return 0
