"""The build's steps in order, each with its settings, inputs and outputs under the work folder:

  render      rendered training audio and training manifests          (only when the CNN is trained)
  noise       noise recordings for the CNN's training crops            (only when the CNN is trained)
  cnn         the CNN, reused from a model file or trained             -> cnn/cnn.dcmodel
  rhythm      the rhythm branch, reused or trained                     -> rhythm/rhythm.dcmodel
  rhythm_cv   the recipe's rhythm members cross-validated              -> rhythm/cross_validation.json (when asked)
  beat        the beat/downbeat network, reused or converted (BeatNet) -> beat/beat.dcmodel (when the recipe has one)
  networks    the networks in one model file, nothing chosen yet       -> networks.dcmodel
  scores      the validation songs through the networks                -> scores/scores.npz
  select      fusion and "not sure" by the written rules, figures      -> select/selection.json
  non_music   non-music clips rendered and classified                  -> non_music/report.json (when the recipe has it)
  model       the model file with provenance and figures               -> --out (default WORK/NAME.dcmodel)
  card        the model card from the model file's metadata            -> WORK/MODEL.md
"""
from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dancecore import __version__
from dancecore.build.archive import merge
from dancecore.build.recipe import Recipe, resolve_path
from dancecore.build.steps import Runner, Step
from dancecore.errors import ConfigError
from dancecore.modelfile import read_archive

STEPS = ("render", "noise", "cnn", "rhythm", "rhythm_cv", "beat", "networks", "scores", "select", "non_music", "model",
         "card")


class Build:
    """One build of `recipe` in `work`: where every step's files go, and the steps themselves."""

    def __init__(self, recipe: Recipe, recipe_label: str, work: Path, out: Path | None = None) -> None:
        self.recipe = recipe
        self.recipe_label = recipe_label
        self.work = work
        self.out = out or work / f"{recipe.model.name}.dcmodel"
        self.cnn_file = work / "cnn" / "cnn.dcmodel"
        self.rhythm_file = work / "rhythm" / "rhythm.dcmodel"
        self.rhythm_cv_file = work / "rhythm" / "cross_validation.json"
        self.beat_file = work / "beat" / "beat.dcmodel"
        self.networks_file = work / "networks.dcmodel"
        self.scores_file = work / "scores" / "scores.npz"
        self.selection_file = work / "select" / "selection.json"
        self.non_music_file = work / "non_music" / "report.json"
        self.card_file = resolve_path(recipe.card.out, work)

    def path(self, text: str) -> Path:
        return resolve_path(text, self.work)

    # --- steps -------------------------------------------------------------------------------------------

    def render(self) -> Step | None:
        step = self.recipe.render
        if step is None or self.recipe.cnn.use != "train":
            return None
        from dancecore.build.render import render_all

        folders = {s.folder: self.path(s.folder) for s in step.sets}
        manifests = {m.file: self.path(m.file) for m in step.manifests}
        return Step("render", f"render {len(step.sets)} set(s) of training clips", step.model_dump(), [],
                    [f / "manifest.csv" for f in folders.values()] + list(manifests.values()),
                    lambda key: render_all(step, folders, manifests))

    def noise(self) -> Step | None:
        step = self.recipe.noise
        if step is None or self.recipe.cnn.use != "train":
            return None
        from dancecore.build.noise import FILES, make_training_noise

        folder = self.path(step.folder)
        return Step("noise", "make the training noise", step.model_dump(), [], [folder / f for f in FILES],
                    lambda key: {"files": [p.name for p in make_training_noise(folder, step.seconds)]})

    def cnn(self) -> Step:
        step = self.recipe.cnn
        if step.use == "reuse":
            from dancecore.build.cnn import reuse_cnn

            source = self.path(step.reuse)
            return Step("cnn", f"take the CNN from {source.name}", {"use": "reuse"}, [source], [self.cnn_file],
                        lambda key: reuse_cnn(source, self.cnn_file))
        from dancecore.build.cnn import train_cnn

        training = step.train
        manifests = {m.file: self.path(m.file) for m in self.recipe.render.manifests}
        noise, val = self.path(self.recipe.noise.folder), self.path(training.val)
        inputs = [manifests[s.data] for s in training.stages] + [noise, val]
        return Step("cnn", f"train the CNN ({', '.join(s.name for s in training.stages)})",
                    {"use": "train", "train": training.model_dump()}, inputs, [self.cnn_file],
                    lambda key: train_cnn(training, manifests, noise, val, self.work / "cnn", self.work / "cache",
                                          self.cnn_file))

    def rhythm(self) -> Step:
        step = self.recipe.rhythm
        if step.use == "reuse":
            from dancecore.build.rhythm import reuse_rhythm

            source = self.path(step.reuse)
            return Step("rhythm", f"take the rhythm branch from {source.name}", {"use": "reuse"}, [source],
                        [self.rhythm_file], lambda key: reuse_rhythm(source, self.rhythm_file))
        from dancecore.build.rhythm import train_rhythm

        features = self.path(step.train.features)
        return Step("rhythm", f"train the rhythm branch ({len(step.train.members)} members)",
                    {"use": "train", "train": step.train.model_dump()}, [features], [self.rhythm_file],
                    lambda key: train_rhythm(step.train, features, self.rhythm_file))

    def rhythm_cv(self) -> Step | None:
        step = self.recipe.rhythm
        if not step.cross_validate:
            return None
        features = self.path(step.train.features)

        def make(key: str) -> dict[str, Any]:
            from dancecore.build.rhythm import cross_validation

            report = cross_validation(step.train, features)
            self.rhythm_cv_file.write_text(json.dumps(report, indent=1) + "\n")
            return {"cross_validation": report}

        return Step("rhythm_cv", f"cross-validate the rhythm members ({step.train.folds} folds)",
                    step.train.model_dump(), [features], [self.rhythm_cv_file], make)

    def beat(self) -> Step | None:
        step = self.recipe.beat
        if step is None:
            return None
        from dancecore.build.beat import convert_beat, reuse_beat

        if step.use == "reuse":
            source = self.path(step.reuse)
            return Step("beat", f"take the beat network from {source.name}", {"use": "reuse"}, [source],
                        [self.beat_file], lambda key: reuse_beat(source, self.beat_file))
        weights = self.path(step.weights)
        return Step("beat", "convert the BeatNet weights", {"use": "convert"}, [weights], [self.beat_file],
                    lambda key: convert_beat(weights, self.beat_file))

    def networks(self) -> Step:
        parts = [self.cnn_file, self.rhythm_file] + ([self.beat_file] if self.recipe.beat else [])

        def make(key: str) -> dict[str, Any]:
            from dancecore.fusion import FusionSettings

            from dancecore.build.recipe import decision_settings

            archives = [read_archive(p) for p in parts]
            attributions = []
            for a in (a for archive in archives for a in archive.meta.get("attributions", [])):
                attributions += [a] if a not in attributions else []
            merged = merge(archives[0], *archives[1:], name=self.recipe.model.name, version=self.recipe.model.version,
                           created_by=f"dancecore {__version__}", fusion=FusionSettings().to_dict(),
                           decision=decision_settings(self.recipe.model).to_dict(), attributions=attributions,
                           metrics={})
            merged.save(self.networks_file)
            return {"networks": sorted(merged.meta["networks"])}

        return Step("networks", "put the networks in one model file", self.recipe.model.model_dump(), parts,
                    [self.networks_file], make)

    def scores(self) -> Step:
        from dancecore.build.scores import read_labels

        step = self.recipe.validation
        labels = self.path(step.songs)
        noise = self.path(step.noise_sweep.noise) if step.noise_sweep else None

        def make(key: str) -> dict[str, Any]:
            from dancecore.build.scores import NoiseMix, save_scores, score_songs
            from dancecore.evaluation.runner import load_noise
            from dancecore.model import load_model

            model = load_model(self.networks_file)
            mix = (NoiseMix(load_noise(noise, model.features.sr), tuple(step.noise_sweep.alphas), step.noise_sweep.seed)
                   if noise else None)
            songs = score_songs(model, labels, self.work / "scores" / f"parts-{key[:12]}", step.stride_frames,
                                step.max_duration_s, mix)
            save_scores(songs, self.scores_file)
            return {"songs": len(songs), "windows": int(sum(len(s.cnn) for s in songs))}

        songs = [labels.parent / row["path"] for row in read_labels(labels)] if labels.is_file() else []
        return Step("scores", f"score the validation songs of {labels}", step.model_dump(),
                    [self.networks_file, labels, *songs, *([noise] if noise else [])], [self.scores_file], make)

    def select(self) -> Step:
        step = self.recipe.select

        def make(key: str) -> dict[str, Any]:
            from dancecore.build.scores import load_scores
            from dancecore.build.select import choose

            chosen = choose(load_scores(self.scores_file), step)
            self.selection_file.parent.mkdir(parents=True, exist_ok=True)
            self.selection_file.write_text(json.dumps(chosen, indent=1) + "\n")
            return {"fusion": chosen["fusion"], "reject": chosen["reject"]}

        return Step("select", "choose fusion and thresholds by the rules", step.model_dump(), [self.scores_file],
                    [self.selection_file], make)

    def non_music(self) -> Step | None:
        step = self.recipe.non_music
        if step is None:
            return None
        clips = self.work / "non_music" / f"seed{step.seed}_{step.seconds:g}s"

        def make(key: str) -> dict[str, Any]:
            from dancecore.build.non_music import evaluate, render_clips
            from dancecore.classify import Classifier

            manifest = render_clips(clips, list(step.kinds), step.per_kind, step.seed, step.seconds)
            classifier = Classifier(self.chosen_model())
            report = {**step.model_dump(), **evaluate(manifest, classifier.classify)}
            self.non_music_file.write_text(json.dumps(report, indent=1) + "\n")
            return {k: v for k, v in report.items() if k != "clips"}

        return Step("non_music", f"the non-music check ({step.per_kind} clips per kind)", step.model_dump(),
                    [self.networks_file, self.selection_file], [self.non_music_file], make)

    def chosen_model(self):
        """The networks with the selected fusion and thresholds (dancecore.model.DanceModel)."""
        from dancecore.fusion import FusionSettings
        from dancecore.model import load_model
        from dancecore.modelinfo import RejectSettings

        chosen = json.loads(self.selection_file.read_text())
        model = load_model(self.networks_file)
        model.fusion, model.reject = FusionSettings(**chosen["fusion"]), RejectSettings(**chosen["reject"])
        return model

    def model(self, runner: Runner) -> Step:
        # the network files too: what they record (the CNN's training, the rhythm branch's cross-validation) goes in
        optional = [(self.rhythm_cv_file, self.recipe.rhythm.cross_validate), (self.beat_file, self.recipe.beat),
                    (self.non_music_file, self.recipe.non_music)]
        inputs = [self.cnn_file, self.rhythm_file, self.networks_file, self.selection_file,
                  *(path for path, wanted in optional if wanted)]

        def make(key: str) -> dict[str, Any]:
            from dancecore.training.checkpoint import git_commit

            chosen = json.loads(self.selection_file.read_text())
            facts = {name: record.facts for name, record in runner.records.items()}
            archive = read_archive(self.networks_file)
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            archive.meta.update(
                fusion=chosen["fusion"], reject=chosen["reject"],
                provenance={"build": {"recipe": self.recipe.model_dump(), "recipe_file": self.recipe_label,
                                      "git_commit": git_commit(), "dancecore": __version__, "date": now},
                            "steps": {name: record.provenance() for name, record in runner.records.items()},
                            "cnn": facts["cnn"]["training"]},
                metrics={"validation": chosen["metrics"], "non_music": facts.get("non_music"),
                         "rhythm_cv": facts.get("rhythm_cv", facts["rhythm"])["cross_validation"],
                         "cnn_training": facts["cnn"].get("stages")})
            archive.save(self.out)
            return {"file": runner.label(self.out), "bytes": self.out.stat().st_size}

        return Step("model", f"write {self.out}", {"out": str(self.out), "recipe": self.recipe.model_dump()}, inputs,
                    [self.out], make)

    def card(self) -> Step:
        template = self.path(self.recipe.card.template)

        def make(key: str) -> dict[str, Any]:
            from dancecore.build.card import write_card

            write_card(read_archive(self.out), self.out.stat().st_size, template, self.card_file)
            return {"lines": len(self.card_file.read_text().splitlines())}

        return Step("card", f"write the model card {self.card_file}", self.recipe.card.model_dump(),
                    [self.out, template], [self.card_file], make)


def run_build(build: Build, force: set[str] = frozenset(), until: str | None = None,
              say: Callable[[str], None] | None = None) -> Runner:
    """Run the build's steps in order (those the recipe leaves out are skipped), stopping after `until`."""
    for name in [*force, *([until] if until else [])]:
        if name not in STEPS:
            raise ConfigError(f"unknown step {name!r}; steps: {', '.join(STEPS)}")
    runner = Runner(build.work, set(force), say or tqdm.write)
    build.work.mkdir(parents=True, exist_ok=True)
    for name in STEPS:
        step = getattr(build, name)(runner) if name == "model" else getattr(build, name)()
        if step is not None:
            runner.run(step)
        if name == until:
            break
    return runner
