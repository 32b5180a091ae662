"""The build recipe (configs/default_model.yaml): one section per step, validated on load with one-line errors.

Paths: `{data}` is the shared data folder ($DANCECORE_DATA, else ../shared/data next to the repository),
`{package}` the installed dancecore package; any other relative path is relative to the work folder.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dancecore.dances import DANCE_IDS
from dancecore.configfile import one_line, read_yaml
from dancecore.errors import ConfigError
from dancecore.rhythm.data import data_root

PACKAGE = Path(__file__).resolve().parents[1]
NON_MUSIC_KINDS = ("speech", "babble", "crowd", "noise", "tones")


def resolve_path(text: str, work: Path) -> Path:
    """A recipe path with `{data}` / `{package}` filled in; relative paths are under `work`."""
    path = Path(text.replace("{data}", str(data_root())).replace("{package}", str(PACKAGE)))
    return path if path.is_absolute() else work / path


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RenderSet(_Section):
    """Clips rendered by dancecore.data.synth into `folder` (kept and completed when it exists)."""

    folder: str
    dances: Literal["ballroom", "social"] | list[str] = "ballroom"
    per_dance: int = Field(300, ge=1)
    seed: int = 1
    duration_s: float = Field(30.0, gt=0)
    sr: int = Field(22050, gt=0)
    format: Literal["flac", "ogg", "wav"] = "flac"
    vocals: float = Field(0.0, ge=0, le=1, description="probability that a clip's lead melody is sung")


class TrainingManifest(_Section):
    """A training CSV: the first `per_dance` clips of each dance of render set `set` (null: all), with the
    dances of each `swap_in` set replaced by that set's clips."""

    file: str
    set: str
    per_dance: int | None = Field(None, ge=1)
    swap_in: list[str] = Field(default_factory=list)


class RenderStep(_Section):
    """Step 1: the rendered training audio and the training manifests made from it."""

    workers: int = Field(2, ge=1)
    sets: list[RenderSet] = Field(min_length=1)
    manifests: list[TrainingManifest] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> RenderStep:
        folders = [s.folder for s in self.sets]
        for manifest in self.manifests:
            for name in [manifest.set, *manifest.swap_in]:
                if name not in folders:
                    raise ValueError(f"manifest {manifest.file} names render set {name!r}; sets: {', '.join(folders)}")
        return self


class NoiseStep(_Section):
    """Step 2: noise recordings mixed into training crops (brown, pink, babble of six voices)."""

    folder: str = "train_noise"
    seconds: float = Field(60.0, gt=0)


class CnnStage(_Section):
    """One `dancecore train` run: its training manifest, the earlier stage it starts from, its settings
    (configs/train.yaml keys; they override the common settings)."""

    name: str
    data: str
    init: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


class CnnTraining(_Section):
    """The CNN trained in stages; `settings` are shared by every stage. Noise comes from the noise step."""

    val: str = "{data}/songs/labels.csv"
    settings: dict[str, Any] = Field(default_factory=dict)
    stages: list[CnnStage] = Field(min_length=1)

    @model_validator(mode="after")
    def _stages(self) -> CnnTraining:
        seen: list[str] = []
        for stage in self.stages:
            if stage.init is not None and stage.init not in seen:
                raise ValueError(f"stage {stage.name} starts from {stage.init!r}, which is not an earlier stage")
            seen.append(stage.name)
        if len(set(seen)) != len(seen):
            raise ValueError(f"stage names must differ: {', '.join(seen)}")
        return self


class CnnStep(_Section):
    """Step 3: the spectrogram CNN, taken from a model file (`reuse`) or trained (`train`)."""

    use: Literal["reuse", "train"] = "reuse"
    reuse: str | None = "{package}/models/default.dcmodel"
    train: CnnTraining | None = None

    @model_validator(mode="after")
    def _chosen(self) -> CnnStep:
        if getattr(self, self.use) is None:
            raise ValueError(f"use: {self.use} needs a {self.use} section")
        return self


class RhythmMember(_Section):
    """One ensemble member: dancecore.rhythm.classifier.NetConfig and dancecore.rhythm.training.TrainConfig."""

    net: dict[str, Any] = Field(default_factory=dict)
    train: dict[str, Any] = Field(default_factory=dict)


class RhythmTraining(_Section):
    """The rhythm branch trained on Extended Ballroom features, cross-validated (grouped folds) first."""

    features: str = "{data}/eball-rhythm"
    members: list[RhythmMember] = Field(min_length=1)
    folds: int = Field(5, ge=2)
    workers: int = Field(1, ge=1)


class RhythmStep(_Section):
    """Step 4: the rhythm branch, taken from a model file (`reuse`) or trained (`train`). cross_validate: measure
    the training block's members by grouped cross-validation (also when the branch is reused: the reused
    members are kept); false: a reused file's recorded figures are carried over."""

    use: Literal["reuse", "train"] = "reuse"
    reuse: str | None = "{package}/models/default.dcmodel"
    cross_validate: bool = False
    train: RhythmTraining | None = None

    @model_validator(mode="after")
    def _chosen(self) -> RhythmStep:
        if getattr(self, self.use) is None:
            raise ValueError(f"use: {self.use} needs a {self.use} section")
        if self.cross_validate and self.train is None:
            raise ValueError("cross_validate: true needs a train section (the members to cross-validate)")
        return self


class BeatStep(_Section):
    """Step 5: the beat/downbeat network, taken from a model file (`reuse`) or converted from BeatNet's published
    weights (`convert`: `weights` is model_2_weights.pt of PyPI's beatnet 1.1.3; dancecore.beat.bundle)."""

    use: Literal["reuse", "convert"] = "reuse"
    reuse: str = "{package}/models/default.dcmodel"
    weights: str | None = None

    @model_validator(mode="after")
    def _weights(self) -> BeatStep:
        if self.use == "convert" and self.weights is None:
            raise ValueError("use: convert needs weights (the path of BeatNet's model_2_weights.pt)")
        return self


class NoiseSweep(_Section):
    """The in-set songs scored again with `noise` mixed in at each share in `alphas` (thesis §4.7)."""

    noise: str = "{package}/assets/crowd_noise.ogg"
    alphas: list[float] = Field(default_factory=lambda: [0.2, 0.4, 0.6, 0.8], min_length=1)
    seed: int = 0

    @field_validator("alphas")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if any(not 0 < a <= 1 for a in value):
            raise ValueError("noise shares lie above 0 and at most 1")
        return value


class ScoreStep(_Section):
    """Step 6: every validation song through the networks; window scores saved (npz)."""

    songs: str = "{data}/songs/labels.csv"
    max_duration_s: float | None = Field(None, gt=0, description="score only the first seconds of each song")
    stride_frames: int = Field(200, ge=1)
    noise_sweep: NoiseSweep | None = None


class Grid(_Section):
    """Values start, start + step, ... up to stop (inclusive), rounded to 4 decimals."""

    start: float
    stop: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self) -> Grid:
        if self.stop < self.start:
            raise ValueError(f"stop {self.stop} is below start {self.start}")
        return self

    def values(self) -> list[float]:
        n = int(round((self.stop - self.start) / self.step)) + 1
        return [round(self.start + k * self.step, 4) for k in range(n)]


class SelectStep(_Section):
    """Step 7: fusion exponents and "not sure" thresholds by the written rules, with leave-one-song-out figures."""

    cnn_weights: list[float] = Field(default_factory=lambda: [0.25, 0.5, 1.0], min_length=1)
    rhythm_weights: list[float] = Field(default_factory=lambda: [0.0, 0.5, 1.0, 1.5], min_length=1)
    min_top_probability: Grid = Grid(start=0.0, stop=0.95, step=0.05)
    max_other_probability: Grid = Grid(start=0.05, stop=1.0, step=0.05)
    max_false_rejection: float = Field(0.0, ge=0, le=1)
    min_beat_clarity: float = Field(0.08, ge=0, le=1)
    compare_budgets: list[float] = Field(default_factory=list, description="other false-rejection budgets whose "
                                         "leave-one-song-out figures are reported")

    @field_validator("compare_budgets")
    @classmethod
    def _budgets(cls, value: list[float]) -> list[float]:
        if any(not 0 <= b <= 1 for b in value):
            raise ValueError("budgets are shares between 0 and 1")
        return value


class NonMusicStep(_Section):
    """The non-music check: clips that are not music (speech, babble, crowd, noise, tones), rendered from a seed."""

    per_kind: int = Field(12, ge=1)
    seed: int = 2
    seconds: float = Field(30.0, gt=0)
    kinds: list[Literal["speech", "babble", "crowd", "noise", "tones"]] = Field(
        default_factory=lambda: list(NON_MUSIC_KINDS), min_length=1)


class ModelStep(_Section):
    """Step 8: the model file's name, version and song-level decision settings (dancecore.decision.DecisionSettings;
    unset keys take its defaults)."""

    name: str = "dancecore-default"
    version: str = "1"
    decision: dict[str, Any] = Field(default_factory=dict)


class CardStep(_Section):
    """Step 9: the model card, from the model file's metadata and a markdown template."""

    template: str = "{package}/build/model_card.md"
    out: str = "MODEL.md"


class Recipe(_Section):
    """Every step's settings. render and noise are needed only when the CNN is trained; beat and
    non_music are optional (null: left out)."""

    render: RenderStep | None = None
    noise: NoiseStep | None = None
    cnn: CnnStep = CnnStep()
    rhythm: RhythmStep = RhythmStep()
    beat: BeatStep | None = None
    validation: ScoreStep = ScoreStep()
    select: SelectStep = SelectStep()
    non_music: NonMusicStep | None = None
    model: ModelStep = ModelStep()
    card: CardStep = CardStep()

    @model_validator(mode="after")
    def _training_inputs(self) -> Recipe:
        if self.cnn.use == "train":
            if self.render is None or self.noise is None:
                raise ValueError("cnn use: train needs the render and noise sections")
            files = [m.file for m in self.render.manifests]
            for stage in self.cnn.train.stages:
                if stage.data not in files:
                    raise ValueError(f"cnn stage {stage.name} trains on {stage.data!r}, which no render manifest "
                                     f"writes ({', '.join(files)})")
        return self


def _check_dances(recipe: Recipe) -> None:
    """Dance ids of the render sets: the ten dances or the social dances of dancecore.data.synth."""
    if recipe.render is None:
        return
    from dancecore.data.synth.social import SOCIAL_IDS

    for s in recipe.render.sets:
        if isinstance(s.dances, list):
            unknown = [d for d in s.dances if d not in DANCE_IDS + SOCIAL_IDS]
            if unknown or not s.dances:
                raise ConfigError(f"render.sets.{s.folder}.dances: unknown dance {unknown or s.dances}; use "
                                  f"ballroom, social or ids from {', '.join(DANCE_IDS + SOCIAL_IDS)}")


def stage_config(training: CnnTraining, stage: CnnStage) -> Any:
    """The dancecore.training TrainConfig of one stage: common settings, then the stage's (validated)."""
    from dancecore.training.config import config_from_dict

    where = f"cnn.train.stages.{stage.name}.settings"
    return config_from_dict(training.settings, "cnn.train.settings").with_overrides(stage.settings, where)


def rhythm_members(training: RhythmTraining) -> list[Any]:
    """The members as dancecore.rhythm.training.Member (validated)."""
    from dancecore.rhythm.classifier import NetConfig
    from dancecore.rhythm.training import Member, TrainConfig

    return [Member(_dataclass_from(NetConfig, m.net, f"rhythm.train.members.{i}.net"),
                   _dataclass_from(TrainConfig, m.train, f"rhythm.train.members.{i}.train"))
            for i, m in enumerate(training.members)]


def _dataclass_from(cls: type, values: dict[str, Any], where: str) -> Any:
    """cls(**values) for a dataclass whose fields have defaults; each value must have its default's type
    (an int may stand for a float, a list for a tuple)."""
    defaults = {f.name: getattr(cls(), f.name) for f in fields(cls)}
    out = {}
    for key, value in values.items():
        if key not in defaults:
            raise ConfigError(f"{where}.{key}: unknown option; known here: {', '.join(defaults)}")
        default = defaults[key]
        ok = (isinstance(value, (list, tuple)) if isinstance(default, tuple)
              else isinstance(value, (int, float)) and not isinstance(value, bool) if type(default) is float
              else type(value) is type(default))
        if not ok:
            raise ConfigError(f"{where}.{key}: must be {type(default).__name__} (got {value!r})")
        out[key] = tuple(value) if isinstance(default, tuple) else value
    return cls(**out)


def decision_settings(step: ModelStep) -> Any:
    """The recipe's decision settings as dancecore.decision.DecisionSettings (validated)."""
    from dancecore.decision import DecisionSettings

    return _dataclass_from(DecisionSettings, step.decision, "model.decision")


def _check_training(recipe: Recipe) -> None:
    """Settings handed to dancecore train and to the rhythm training, checked now rather than hours in."""
    decision_settings(recipe.model)
    if recipe.cnn.train is not None:
        for stage in recipe.cnn.train.stages:
            stage_config(recipe.cnn.train, stage)
    if recipe.rhythm.train is not None:
        rhythm_members(recipe.rhythm.train)


def recipe_from_dict(data: Any, origin: str = "recipe") -> Recipe:
    """Validate a dict (parsed YAML) into a Recipe; ConfigError with one line naming the option."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of steps (cnn, rhythm, validation, ...)")
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {one_line(exc)}") from None
    try:
        _check_dances(recipe)
        _check_training(recipe)
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    return recipe


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe YAML file."""
    data = read_yaml(path, "recipe not found; give the path of a build recipe such as configs/default_model.yaml")
    return recipe_from_dict(data, str(path))
