"""`dancecore evaluate`: report (schema, consistency, agreement with classify), confusion PNGs,
rejection on not_ballroom recordings, noise sweep; metrics and alpha parsing on known numbers."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import soundfile as sf

from dancecore.audio import load_audio
from dancecore.classify import Classifier
from dancecore.cli import main
from dancecore.cli.evaluate import CROWD_NOISE
from dancecore.datasets import group_split, load_dataset
from dancecore.errors import ConfigError
from dancecore.evaluation import metrics
from dancecore.evaluation.report import REPORT_SCHEMA
from dancecore.evaluation.runner import parse_alphas, training_overlap
from dancecore.evaluation.splits import held_out
from dancecore.model import load_model
from dancecore.modelinfo import ModelInfo

REPO = Path(__file__).resolve().parents[1]
SECONDS = 30  # --max-duration: keeps the test fast; classify gets the same limit
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dancecore", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"})


@pytest.fixture(scope="module")
def manifest(song_labels: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three in-set songs of different dances and two not_ballroom excerpts (labels.csv columns)."""
    rows = [next(r for r in song_labels if r["dance"] == d) for d in ("jive", "slow_waltz", "tango")]
    rows += [r for r in song_labels if r["dance"] == "not_ballroom"][:2]
    path = tmp_path_factory.mktemp("dataset") / "labels.csv"
    lines = ["path,dance,kind,duration_s,source_folder"]
    lines += [",".join([r["path"], r["dance"], r["kind"], r["duration_s"], r["source_folder"]]) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def evaluation(model_path: Path, manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one `dancecore evaluate` run with a crowd-noise sweep."""
    out = tmp_path_factory.mktemp("evaluation")
    result = _cli("evaluate", str(model_path), str(manifest), "--out", str(out), "--cache", str(out / "cache"),
                  "--max-duration", str(SECONDS), "--noise", "crowd", "--alphas", "0:1:0.5", cwd=out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "top-1" in result.stdout
    return out


@pytest.fixture(scope="module")
def report(evaluation: Path) -> dict:
    return json.loads((evaluation / "report.json").read_text())


def test_report_follows_schema_and_writes_pictures(evaluation: Path, report: dict) -> None:
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    for name in ("confusion_window.png", "confusion_aggregated.png", "noise_sweep.png"):
        data = (evaluation / name).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000, name
    assert report["system"]["kind"] == "cnn" and len(report["system"]["sha256"]) == 64
    assert "200 frames" in report["protocol"]
    assert report["settings"]["stride_frames"] == 200 and report["settings"]["aggregation"] == "mean"


def test_counts_and_figures_are_consistent(report: dict) -> None:
    d = report["dataset"]
    assert (d["n_items"], d["n_in_set"], d["n_out_of_set"], d["n_failed"]) == (5, 3, 2, 0)
    items = report["items"]
    in_set = [i for i in items if i["dance"] != "not_ballroom"]
    agg, win = np.array(report["aggregated"]["confusion"]), np.array(report["window"]["confusion"])
    assert agg.sum() == 3 and win.sum() == sum(i["n_windows"] for i in in_set) == report["window"]["n"]
    assert report["aggregated"]["top1"] == pytest.approx(np.trace(agg) / 3)
    assert report["window"]["top1"] == pytest.approx(np.trace(win) / win.sum())
    assert report["aggregated"]["top1"] == pytest.approx(np.mean([i["correct"] for i in in_set]))
    assert report["aggregated"]["top2"] == pytest.approx(np.mean([i["dance"] in i["top2"] for i in in_set]))
    assert report["aggregated"]["top2"] >= report["aggregated"]["top1"]
    for i in in_set:  # each in-set song's windows land in its own row
        assert win[report["classes"].index(i["dance"])].sum() == i["n_windows"]
        assert report["aggregated"]["per_dance_recall"][i["dance"]] == float(i["correct"])
    assert all(i["correct"] is None and i["window_top1"] is None for i in items if i["dance"] == "not_ballroom")
    rejection = report["rejection"]
    assert rejection["n_out_of_set"] == 2 and rejection["n_in_set"] == 3
    assert rejection["out_of_set_rejected"] == pytest.approx(np.mean([i["not_sure"] for i in items if i["dance"] == "not_ballroom"]))
    assert rejection["in_set_false_rejection"] == pytest.approx(np.mean([i["not_sure"] for i in in_set]))


def test_predictions_agree_with_classify(model_path: Path, report: dict) -> None:
    """Same windows, stride and mean aggregation as `dancecore classify` (the cache stores float16 dB,
    which moves probabilities by well under 1e-2)."""
    classifier = Classifier(load_model(model_path, threads=1), max_duration_s=SECONDS)
    for item in report["items"]:
        result = classifier.classify(item["path"])
        assert len(result.timeline) == item["n_windows"]
        for dance, p in result.probabilities.items():
            assert item["scores"][dance] == pytest.approx(p, abs=1e-2)
        ranked = result.ranked
        if ranked[0][1] - ranked[1][1] > 2e-2:
            assert item["predicted"] == result.dance
        assert item["not_sure"] == result.not_sure or abs(result.confidence - classifier.model.reject.min_top_probability) < 1e-2


def test_noise_sweep(report: dict) -> None:
    sweep = report["noise_sweep"]
    assert sweep["alphas"] == [0.0, 0.5, 1.0] and sweep["n_recordings"] == 3
    assert sweep["noise"].endswith("crowd_noise.ogg")
    for key in ("window_top1", "window_top2", "aggregated_top1", "aggregated_top2"):
        assert len(sweep[key]) == 3 and all(0.0 <= v <= 1.0 for v in sweep[key])
    assert all(t2 >= t1 for t1, t2 in zip(sweep["aggregated_top1"], sweep["aggregated_top2"]))
    assert "x = (1 - a) signal + a noise" in report["protocol"]


def test_second_run_reads_the_cache_and_gives_the_same_figures(model_path: Path, manifest: Path, evaluation: Path,
                                                                report: dict, tmp_path: Path) -> None:
    entries = sorted((evaluation / "cache").rglob("*.npy"))
    assert len(entries) >= 5
    mtimes = [e.stat().st_mtime_ns for e in entries]
    assert main(["evaluate", str(model_path), str(manifest), "--out", str(tmp_path), "--cache", str(evaluation / "cache"),
                 "--max-duration", str(SECONDS)]) == 0
    again = json.loads((tmp_path / "report.json").read_text())
    assert again["aggregated"] == report["aggregated"] and again["window"] == report["window"]
    assert again["noise_sweep"] is None and not (tmp_path / "noise_sweep.png").exists()
    assert [e.stat().st_mtime_ns for e in entries] == mtimes  # nothing recomputed


def test_held_out_split_matches_training_split(manifest: Path, song_labels: list[dict[str, str]]) -> None:
    dataset = load_dataset(Path(song_labels[0]["path"]).parents[1] / "labels.csv", out_of_set=True)
    train, test = held_out(dataset, 0.2, seed=3)
    expected_train, expected_test = group_split(load_dataset(dataset.source).items, (0.8, 0.2), 3)
    assert train == expected_train
    assert test[: len(expected_test)] == expected_test
    assert [i.dance for i in test[len(expected_test):]] == ["not_ballroom"] * 24


def test_metrics_on_known_numbers() -> None:
    labels = np.array([0, 0, 1, 2])
    scores = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.7, 0.2], [0.5, 0.1, 0.4]])
    assert metrics.top_k_accuracy(labels, scores, 1) == 0.5
    assert metrics.top_k_accuracy(labels, scores, 2) == 0.75  # row 2: label 0 is third
    matrix = metrics.confusion(labels, scores.argmax(axis=1), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert metrics.per_class_recall(matrix, ["a", "b", "c"]) == {"a": 0.5, "b": 1.0, "c": 0.0}
    assert metrics.per_class_recall(np.zeros((2, 2), int), ["a", "b"]) == {"a": None, "b": None}
    assert metrics.rejection(np.array([True, False, True, True]), np.array([True, True, False, False])) == {
        "n_out_of_set": 2, "n_in_set": 2, "out_of_set_rejected": 0.5, "in_set_false_rejection": 1.0}
    assert metrics.top_k_accuracy(np.array([], int), np.zeros((0, 3))) is None


def test_alphas() -> None:
    assert parse_alphas("0:1:0.1") == pytest.approx([i / 10 for i in range(11)])
    assert parse_alphas("0,0.25,1") == [0.0, 0.25, 1.0]
    for bad in ("0:2:0.5", "a:b", "0:1:0", "", "-0.1"):
        with pytest.raises(ConfigError):
            parse_alphas(bad)


def test_bad_input_is_one_line(model_path: Path, manifest: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for args, needle in ((["evaluate", str(model_path), str(tmp_path / "nothing.csv")], "nothing.csv"),
                         (["evaluate", str(tmp_path / "missing.pt"), str(manifest)], "missing.pt"),
                         (["evaluate", str(model_path), str(manifest), "--noise", "crowd", "--alphas", "0:5:1"], "--alphas"),
                         (["evaluate", str(model_path), str(manifest), "--noise", str(tmp_path / "n.wav")], "n.wav")):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needle in err and err.startswith("dancecore: error:"), err


def test_crowd_noise_asset() -> None:
    info = sf.info(CROWD_NOISE)
    assert (info.samplerate, info.channels) == (22050, 1) and info.duration == pytest.approx(60.0, abs=0.1)
    assert CROWD_NOISE.stat().st_size <= 1_000_000
    samples = load_audio(CROWD_NOISE).samples
    assert 0.7 < np.abs(samples).max() <= 1.0  # normalised to -1 dBFS (lossy coding moves peaks a little)
    rms = np.sqrt(np.mean(samples.reshape(60, -1) ** 2, axis=1))  # per second: never a silent second
    assert rms.min() > 0.02


def test_crowd_noise_script_regenerates_the_asset(tmp_path: Path) -> None:
    """Bit-identical with the tool versions the file was made with (docs/crowd_noise.md)."""
    versions = {"espeak-ng": (["espeak-ng", "--version"], "1.51"), "sox": (["sox", "--version"], "v14.4.2"),
                "ffmpeg": (["ffmpeg", "-version"], "version 5.1.")}
    for tool, (cmd, wanted) in versions.items():
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install espeak-ng sox ffmpeg)")
        if wanted not in subprocess.run(cmd, capture_output=True, text=True).stdout:
            pytest.skip(f"{tool} is not the version the asset was made with ({wanted}); output would differ")
    out = tmp_path / "crowd.ogg"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_crowd_noise.py"), "--out", str(out)], check=True,
                   timeout=300, capture_output=True)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(CROWD_NOISE.read_bytes()).hexdigest()


def test_warns_when_evaluating_on_training_songs(manifest: Path) -> None:
    model = ModelInfo(name="m", provenance={"dataset": {"source": f"{manifest} (training part)"},
                                            "config": {"val_fraction": 0.2, "seed": 4, "val": None}})
    warning = training_overlap(model, str(manifest), None, 0)
    assert warning is not None and "--held-out 0.2 --seed 4" in warning
    assert training_overlap(model, str(manifest), 0.2, 4) is None
    assert training_overlap(model, str(manifest.with_name("other.csv")), None, 0) is None
