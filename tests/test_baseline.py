"""`dancecore baseline`: the 72 features on a known tone, learning separable sound classes, saved-model
round trip, group k-fold and held-out split on the real songs, and the shared report format."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import soundfile as sf

from dancecore.baseline import FEATURE_NAMES, BaselineModel, load_baseline, recording_features
from dancecore.cli import main
from dancecore.dances import DANCE_IDS
from dancecore.datasets import Item, load_dataset
from dancecore.evaluation.report import REPORT_SCHEMA
from dancecore.evaluation.splits import held_out

SR = 22050


def test_features_of_a_tone() -> None:
    t = np.arange(3 * SR) / SR
    values = dict(zip(FEATURE_NAMES, recording_features(0.5 * np.sin(2 * np.pi * 440.0 * t), SR)))
    assert len(values) == 72 and all(np.isfinite(v) for v in values.values())
    chroma = {n: values[f"chroma_{n}_mean"] for n in range(1, 13)}
    assert max(chroma, key=chroma.get) == 10  # A: bins run C, C#, ..., A, A#, B
    assert values["zero_crossing_rate_mean"] == pytest.approx(2 * 440 / SR, rel=0.05)
    assert values["spectral_centroid_mean"] == pytest.approx(440, rel=0.1)
    assert values["spectral_rolloff_mean"] == pytest.approx(440, rel=0.15)
    assert values["zero_crossing_rate_std"] < 0.1 * values["zero_crossing_rate_mean"]


def _sound(kind: str, rng: np.random.Generator) -> np.ndarray:
    """2 s of a tonal sound (harmonic tone, random pitch) or a noisy one (bursts of white noise)."""
    t = np.arange(2 * SR) / SR
    if kind == "tone":
        f0 = rng.uniform(180, 400)
        return sum(np.sin(2 * np.pi * f0 * h * t) / h for h in (1, 2, 3)) * 0.3
    envelope = (np.sin(2 * np.pi * rng.uniform(2, 5) * t) > 0).astype(float)
    return 0.3 * envelope * rng.standard_normal(len(t))


def _manifest(folder: Path, name: str, n: int, rng: np.random.Generator) -> Path:
    """A manifest of n tonal recordings labelled jive and n noisy ones labelled tango."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["path,dance,group"]
    for kind, dance in (("tone", "jive"), ("noise", "tango")):
        for i in range(n):
            path = folder / f"{name}_{kind}_{i}.wav"
            sf.write(path, _sound(kind, rng).astype(np.float32), SR)
            lines.append(f"{path.name},{dance},{name}_{kind}_{i}")
    manifest = folder / f"{name}.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def test_learns_separable_sounds_and_saved_model_gives_the_same_report(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    train, test = _manifest(tmp_path / "audio", "train", 6, rng), _manifest(tmp_path / "audio", "test", 3, rng)
    model_file = tmp_path / "svm.joblib"
    assert main(["baseline", str(train), "--test", str(test), "--save", str(model_file), "--out", str(tmp_path / "a"),
                 "--cache", str(tmp_path / "cache")]) == 0
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert report["system"]["kind"] == "svm_baseline" and report["system"]["sha256"]
    assert report["window"] is None and report["rejection"] is None
    assert report["aggregated"]["n"] == 6 and report["aggregated"]["top1"] == 1.0
    assert report["aggregated"]["per_dance_recall"]["jive"] == report["aggregated"]["per_dance_recall"]["tango"] == 1.0
    assert (tmp_path / "a" / "confusion_aggregated.png").read_bytes()[:4] == b"\x89PNG"

    assert main(["baseline", "--model", str(model_file), "--test", str(test), "--out", str(tmp_path / "b"), "--no-cache"]) == 0
    again = json.loads((tmp_path / "b" / "report.json").read_text())
    assert [i["scores"] for i in again["items"]] == [i["scores"] for i in report["items"]]
    assert load_baseline(model_file).dances == ["jive", "tango"]


def test_two_dances_rank_all_ten() -> None:
    """Binary SVM: scores still cover the ten dances, argmax = the SVC's prediction, untrained dances last."""
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, (10, 72)), rng.normal(3, 1, (10, 72))])
    items = [Item(Path(f"/x/{i}"), "rumba" if i < 10 else "samba", str(i)) for i in range(20)]
    model = BaselineModel.fit(items, x)
    scores = model.scores(x)
    assert scores.shape == (20, 10)
    predicted = [DANCE_IDS[k] for k in scores.argmax(axis=1)]
    assert predicted == [DANCE_IDS[c] for c in model.pipeline.predict(x)]
    assert predicted == [i.dance for i in items]
    trained = [DANCE_IDS.index("rumba"), DANCE_IDS.index("samba")]
    others = [k for k in range(10) if k not in trained]
    assert (scores[:, others].max(axis=1) < scores[:, trained].min(axis=1)).all()


@pytest.fixture(scope="module")
def feature_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("baseline_cache")


def test_group_kfold_on_real_songs(data_dir: Path, feature_cache: Path, tmp_path: Path) -> None:
    labels = data_dir / "songs" / "labels.csv"
    assert main(["baseline", str(labels), "--folds", "3", "--max-duration", "15", "--cache", str(feature_cache),
                 "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    items = report["items"]
    assert len(items) == 29 and len({i["path"] for i in items}) == 29  # every in-set song tested exactly once
    assert {i["fold"] for i in items} == {0, 1, 2}
    assert np.array(report["aggregated"]["confusion"]).sum() == 29
    assert report["aggregated"]["top1"] == pytest.approx(np.mean([i["correct"] for i in items]))
    assert report["settings"]["folds"] == 3 and "3-fold" in report["protocol"]


def test_held_out_uses_the_training_split(data_dir: Path, feature_cache: Path, tmp_path: Path) -> None:
    labels = data_dir / "songs" / "labels.csv"
    assert main(["baseline", str(labels), "--held-out", "0.25", "--seed", "1", "--max-duration", "15",
                 "--cache", str(feature_cache), "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    _, test = held_out(load_dataset(labels, out_of_set=True), 0.25, 1)
    assert [i["path"] for i in report["items"]] == [str(i.path) for i in test]
    assert report["dataset"]["n_out_of_set"] == 24 and report["rejection"] is None
    assert all(i["correct"] is None for i in report["items"] if i["dance"] == "not_ballroom")


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    not_a_model = tmp_path / "model.joblib"
    not_a_model.write_text("hello")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,dance\n")
    for args, needle in ((["baseline", "--model", str(not_a_model)], "--test"),
                         (["baseline", "--model", str(not_a_model), "--test", str(manifest)], "model.joblib"),
                         (["baseline", str(tmp_path / "none.csv"), "--folds", "3"], "none.csv"),
                         (["baseline", str(manifest)], "--held-out"),
                         (["baseline", str(manifest), "--folds", "1"], "--folds")):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needle in err and err.startswith("dancecore: error:"), err
