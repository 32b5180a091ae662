"""`dancecore build-model`: the recipe's validation, resumable steps, and a build from the shipped model's networks
on the real validation songs that makes the shipped model's fusion and "not sure" choice again."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from dancecore.build.recipe import load_recipe, recipe_from_dict, rhythm_members
from dancecore.build.select import wilson
from dancecore.build.steps import Runner, Step
from dancecore.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "configs" / "default_model.yaml"


def shipped_recipe() -> dict:
    return yaml.safe_load(RECIPE.read_text())


# --- the recipe -------------------------------------------------------------------------------------------

def test_shipped_recipe_loads_with_the_shipped_rhythm_members() -> None:
    """configs/default_model.yaml is valid, reuses both networks by default, and its rhythm members are the
    ones dancecore.rhythm.training ships (MEMBERS)."""
    from dancecore.rhythm.training import MEMBERS

    recipe = load_recipe(RECIPE)
    assert (recipe.cnn.use, recipe.rhythm.use) == ("reuse", "reuse")
    assert tuple(rhythm_members(recipe.rhythm.train)) == MEMBERS
    assert [s.name for s in recipe.cnn.train.stages] == ["cnn1", "cnn3"]


@pytest.mark.parametrize("change, message", [
    ({"cnn": {"usse": "reuse"}}, "cnn.usse: unknown option"),
    ({"select": {"max_false_rejection": 2}}, "select.max_false_rejection: Input should be less than or equal to 1"),
    ({"validation": {"stride_frames": "fast"}}, "validation.stride_frames: Input should be a valid integer"),
    ({"cnn": {"use": "train", "train": None}}, "cnn: use: train needs a train section"),
    ({"render": None, "cnn": {"use": "train"}}, "cnn use: train needs the render and noise sections"),
    ({"cnn": {"train": {"stages": [{"name": "a", "data": "synth_train.csv", "init": "b"}]}}},
     "stage a starts from 'b', which is not an earlier stage"),
    ({"cnn": {"train": {"stages": [{"name": "a", "data": "synth_train.csv", "settings": {"epochs": 0}}]}}},
     "epochs must be at least 1"),
    ({"cnn": {"train": {"stages": [{"name": "a", "data": "other.csv"}]}, "use": "train"}},
     "cnn stage a trains on 'other.csv', which no render manifest writes"),
    ({"rhythm": {"train": {"members": [{"net": {"dropout": "high"}}]}}},
     "rhythm.train.members.0.net.dropout: must be float (got 'high')"),
    ({"rhythm": {"train": {"members": [{"train": {"epochz": 3}}]}}},
     "rhythm.train.members.0.train.epochz: unknown option"),
    ({"render": {"sets": [{"folder": "x", "dances": ["waltzing"]}], "manifests": [{"file": "m.csv", "set": "x"}]}},
     "render.sets.x.dances: unknown dance ['waltzing']"),
    ({"render": {"manifests": [{"file": "m.csv", "set": "nowhere"}]}}, "manifest m.csv names render set 'nowhere'"),
    ({"select": {"min_top_probability": {"start": 0.5, "stop": 0.1, "step": 0.1}}}, "stop 0.1 is below start 0.5"),
])
def test_recipe_errors_are_one_line_naming_the_option(change: dict, message: str) -> None:
    data = shipped_recipe()
    for section, values in change.items():
        data[section] = None if values is None else {**(data.get(section) or {}), **values}
    with pytest.raises(ConfigError) as error:
        recipe_from_dict(data, "recipe.yaml")
    text = str(error.value)
    assert text.startswith("recipe.yaml: ") and message in text and "\n" not in text


def test_recipe_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cnn: {use: reuse\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not valid YAML at line \d+"):
        load_recipe(bad)
    with pytest.raises(ConfigError, match="recipe not found"):
        load_recipe(tmp_path / "missing.yaml")
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="the top level must be a mapping"):
        load_recipe(bad)


def test_wilson_interval_matches_the_formula() -> None:
    """The 95% interval is the Wilson score interval; the shipped model's 24 of 29 gives 65.5%-92.4%."""
    assert wilson(24, 29) == [0.6545, 0.924]
    assert wilson(0, 29) == [0.0, 0.117]
    assert wilson(29, 29)[1] == 1.0


# --- resumable steps --------------------------------------------------------------------------------------

def counting_step(tmp_path: Path, calls: list[str], setting: int, source: Path) -> Step:
    """A cheap step: writes OUT holding its setting and the source's text, and counts its runs."""
    out = tmp_path / "work" / "out.txt"

    def make(key: str) -> dict:
        calls.append(key)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"{setting} {source.read_text()}")
        return {"setting": setting}

    return Step("count", "count", {"setting": setting}, [source], [out], make)


def test_a_step_is_skipped_until_its_settings_inputs_or_outputs_change(tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("a")
    calls: list[str] = []
    runner = Runner(tmp_path / "work", say=lambda text: None)
    first = runner.run(counting_step(tmp_path, calls, 1, source))
    again = Runner(tmp_path / "work", say=lambda text: None).run(counting_step(tmp_path, calls, 1, source))
    assert len(calls) == 1 and again.reused and again.key == first.key and again.facts == {"setting": 1}
    assert again.outputs == first.outputs and list(first.inputs) == [str(source)]

    Runner(tmp_path / "work", say=lambda text: None).run(counting_step(tmp_path, calls, 2, source))
    assert len(calls) == 2  # a changed setting
    source.write_text("b")
    Runner(tmp_path / "work", say=lambda text: None).run(counting_step(tmp_path, calls, 2, source))
    assert len(calls) == 3  # a changed input
    (tmp_path / "work" / "out.txt").unlink()
    Runner(tmp_path / "work", say=lambda text: None).run(counting_step(tmp_path, calls, 2, source))
    assert len(calls) == 4  # a missing output
    Runner(tmp_path / "work", {"count"}, say=lambda text: None).run(counting_step(tmp_path, calls, 2, source))
    assert len(calls) == 5  # --force count
    Runner(tmp_path / "work", say=lambda text: None).run(counting_step(tmp_path, calls, 2, source))
    assert len(calls) == 5
    source.unlink()
    with pytest.raises(ConfigError, match="step count: input .*source.txt does not exist"):
        Runner(tmp_path / "work", say=lambda text: None).run(counting_step(tmp_path, calls, 2, source))


# --- a build from the shipped model's networks ------------------------------------------------------------

@pytest.fixture(scope="module")
def build(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The shipped recipe with both networks reused, on every validation song, without the noise sweep; the
    non-music check on two short clips when sox is installed. Returns the work folder, the recipe and the
    runners of two runs."""
    from dancecore.build.pipeline import Build, run_build

    work = tmp_path_factory.mktemp("build")
    data = shipped_recipe()
    non_music = {"per_kind": 1, "seed": 2, "seconds": 10, "kinds": ["noise", "tones"]}
    data["non_music"] = non_music if shutil.which("sox") else None
    data["validation"]["noise_sweep"] = None  # scores the songs four times more (test_noise_sweep covers it)
    recipe = recipe_from_dict(data)
    first = run_build(Build(recipe, "recipe.yaml", work), say=lambda text: None)
    second = run_build(Build(recipe, "recipe.yaml", work), say=lambda text: None)
    return {"work": work, "data": data, "first": first, "second": second}


def test_build_makes_the_shipped_choice_again(build: dict, model_path: Path) -> None:
    """Same networks, same songs, same rules: the shipped model's networks, fusion exponents, thresholds and
    decision settings, and its validation figures (82.8% song top-1 on the 29 in-set songs when the card was
    written); the beat network's facts are kept with every song's scores."""
    from dancecore.model import load_model

    from dancecore.modelfile import read_archive

    built, shipped = load_model(build["work"] / "dancecore-default.dcmodel"), load_model(model_path)
    assert built.fusion == shipped.fusion and built.reject == shipped.reject
    assert built.song_rule.settings == shipped.song_rule.settings   # settings added since default to the shipped rule
    built_file, shipped_file = read_archive(build["work"] / "dancecore-default.dcmodel"), read_archive(model_path)
    assert built_file.members == shipped_file.members  # every network's graph and weights, byte for byte
    assert built_file.meta["attributions"] == shipped_file.meta["attributions"]
    assert (built.fusion.cnn_weight, built.fusion.rhythm_weight) == (1.0, 0.5)
    val = built.metrics["validation"]
    assert val["songs"] == {"in_set": 29, "not_ballroom": 24}
    assert (val["top1"]["hits"], val["in_set_rejected"]["hits"]) == (24, 0)
    from dancecore.build.scores import load_scores

    assert all(set(song.beat) == {"beat_bpm", "p_three", "tempo_confidence"}
               for song in load_scores(build["work"] / "scores" / "scores.npz"))
    loso = [b for b in val["leave_one_song_out"] if b["shipped_rule"]][0]["leave_one_song_out"]
    assert loso["top1"]["hits"] <= val["top1"]["hits"] and loso["top1"]["ci95"][0] <= loso["top1"]["share"]


def test_built_model_file_records_its_provenance_and_classifies(build: dict, data_dir: Path) -> None:
    """The model file carries the recipe, every step with its inputs' fingerprints, and the figures;
    `dancecore classify` reads it."""
    from dancecore.modelfile import read_archive

    path = build["work"] / "dancecore-default.dcmodel"
    meta = read_archive(path).meta
    steps = meta["provenance"]["steps"]
    checked = ["non_music"] if build["data"]["non_music"] else []
    assert list(steps) == ["cnn", "rhythm", "beat", "networks", "scores", "select", *checked]
    assert list(steps["cnn"]["inputs"]) == list(steps["rhythm"]["inputs"]) == ["{package}/models/default.dcmodel"]
    assert meta["provenance"]["build"]["recipe"]["select"]["max_false_rejection"] == 0.0
    assert meta["provenance"]["cnn"]["dataset"]["recordings"] == 2610  # the reused CNN's training record
    if build["data"]["non_music"]:
        non_music = meta["metrics"]["non_music"]
        assert non_music["n"] == 2 and set(non_music["by_kind"]) == {"noise", "tones"}
    song = data_dir / "songs" / "jive" / sorted(p.name for p in (data_dir / "songs" / "jive").iterdir())[0]
    done = subprocess.run([sys.executable, "-m", "dancecore", "classify", "--json", "--model", str(path), str(song)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[0])["model"]["name"] == "dancecore-default"


def test_second_run_reuses_every_step_and_a_changed_rule_redoes_only_what_follows(build: dict) -> None:
    from dancecore.build.pipeline import Build, run_build

    assert not any(r.reused for r in build["first"].records.values())
    assert all(r.reused for r in build["second"].records.values())
    data = {**build["data"], "select": {**build["data"]["select"], "max_false_rejection": 0.1}}
    runner = run_build(Build(recipe_from_dict(data), "recipe.yaml", build["work"]), until="select",
                       say=lambda text: None)
    assert [n for n, r in runner.records.items() if not r.reused] == ["select"]


def test_model_card_has_the_hand_written_card_s_sections(build: dict) -> None:
    """The generated card: under 200 lines, the sections of docs/MODEL.md, the chosen settings and figures."""
    card = (build["work"] / "MODEL.md").read_text()
    def headings(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith(("## ", "### "))]

    assert headings(card) == headings((REPO / "docs" / "MODEL.md").read_text())
    assert len(card.splitlines()) < 200 and "$" not in card and "<!--" not in card
    assert "CNN exponent 1.0, rhythm exponent 0.5" in card and "24/29 = 82.8% (65.5%-92.4%)" in card


# --- the command ------------------------------------------------------------------------------------------

def test_command_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Without PyTorch, with an unknown step, or with a recipe that cannot train what it is asked to: one line,
    exit status 2."""
    import importlib.util

    from dancecore.cli import main

    assert main(["build-model", str(RECIPE), "--until", "polish"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "dancecore: error: unknown step 'polish'; steps: render, noise, cnn, rhythm, rhythm_cv, beat, networks, "
        "scores, select, non_music, model, card"]
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else find_spec(name, *a))
    assert main(["build-model", str(RECIPE)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "dancecore: error: build-model needs PyTorch: install the train extra (pip install -e '.[train]')"]


# --- the rhythm branch's cross-validation -----------------------------------------------------------------

def test_rhythm_cross_validation_scores_every_row_once(data_dir: Path) -> None:
    """Two folds of one small member on every fifth Extended Ballroom row (one epoch): every row is scored once, by
    the fold that held it out, and a final member is trained on all rows."""
    from dancecore.build.rhythm import rhythm_rows
    from dancecore.rhythm.classifier import NetConfig
    from dancecore.rhythm.training import Member, RhythmRows, TrainConfig, cross_validate

    rows = rhythm_rows(data_dir / "eball-rhythm")
    keep = np.arange(0, len(rows.y), 5)
    small = RhythmRows(rows.odf[keep], rows.pedf[keep], rows.y[keep], rows.bpm[keep], rows.groups[keep])
    report, nets = cross_validate(small, [Member(NetConfig(channels=8, hidden=16), TrainConfig(epochs=1))], n_folds=2)
    assert len(nets) == 1 and report["n_rows"] == len(keep)
    assert sum(f["n_test_rows"] for f in report["per_fold"]) == len(keep)
    assert report["ten_dance"]["n_rows"] == int((small.y < 10).sum())
    assert 0 <= report["ten_dance"]["top1"] <= report["ten_dance"]["top2"] <= 1
    assert 0 <= report["reject"]["auroc_p_other"] <= 1


def test_scoring_resumes_from_the_songs_already_scored(song_labels: list[dict], model_path: Path,
                                                       tmp_path: Path) -> None:
    """An interrupted scoring run keeps each finished song (parts/<row>.npz); the next run scores only the rest
    and gets the same numbers."""
    from dancecore.build.scores import score_songs
    from dancecore.model import load_model

    labels = tmp_path / "labels.csv"
    labels.write_text("path,dance\n" + "".join(f"{r['path']},{r['dance']}\n" for r in song_labels[::20][:2]))
    model, parts = load_model(model_path), tmp_path / "parts"
    first = score_songs(model, labels, parts, 200, 12.0)
    kept = (parts / "0.npz").stat().st_mtime_ns
    (parts / "1.npz").unlink()
    again = score_songs(model, labels, parts, 200, 12.0)
    assert (parts / "0.npz").stat().st_mtime_ns == kept and (parts / "1.npz").is_file()
    for a, b in zip(first, again):
        assert a.path == b.path and np.array_equal(a.cnn, b.cnn) and np.array_equal(a.rhythm, b.rhythm)


def test_noise_sweep_mixes_crowd_noise_into_in_set_songs(song_labels: list[dict], model_path: Path,
                                                         tmp_path: Path) -> None:
    """The in-set songs are scored again with the crowd noise mixed in (a = 1: noise alone), the not_ballroom
    ones are not, and the figures give song top-1 clean and at each share."""
    from dancecore.build.scores import NoiseMix, load_scores, save_scores, score_songs
    from dancecore.build.select import noise_figures
    from dancecore.evaluation.runner import load_noise
    from dancecore.fusion import FusionSettings
    from dancecore.model import DEFAULT_MODEL_PATH, load_model

    rows = [r for r in song_labels if r["kind"] == "in_set"][:1] + [r for r in song_labels if r["kind"] != "in_set"][:1]
    labels = tmp_path / "labels.csv"
    labels.write_text("path,dance\n" + "".join(f"{r['path']},{r['dance']}\n" for r in rows))
    model = load_model(model_path)
    noise = load_noise(DEFAULT_MODEL_PATH.parents[1] / "assets" / "crowd_noise.ogg", model.features.sr)
    songs = score_songs(model, labels, tmp_path / "parts", 200, 12.0, NoiseMix(noise, (0.5, 1.0)))
    save_scores(songs, tmp_path / "scores.npz")
    songs = load_scores(tmp_path / "scores.npz")
    assert sorted(songs[0].noisy) == [0.5, 1.0] and songs[1].noisy == {}
    assert songs[0].noisy[0.5][0].shape == songs[0].cnn.shape and not np.allclose(songs[0].noisy[0.5][0], songs[0].cnn)
    figures = noise_figures(songs, FusionSettings(1.0, 0.5))
    assert figures["alphas"] == [0.0, 0.5, 1.0] and [f["n"] for f in figures["top1"]] == [1, 1, 1]
