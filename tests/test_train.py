"""`dancecore train` on real songs: learning, the model file, Ctrl-C and --resume, torchrun DDP,
configuration errors; augmentation and the crop sampler."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from dancecore.augment import AugmentSettings, Augmenter, NoiseBank, equalise, mix_noise
from dancecore.cache import FeatureCache
from dancecore.cli import main
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.datasets import load_dataset
from dancecore.errors import ConfigError
from dancecore.features import FeatureSettings, log_mel
from dancecore.model import load_model
from dancecore.tempo import estimate_tempo
from dancecore.training import TrainConfig, TrainResult, load_config, train
from dancecore.training.checkpoint import load_state
from dancecore.training.torch_model import load_torch_model
from dancecore.training.loop import _datasets
from dancecore.training.sampler import BalancedSampler, CropSource
from dancecore.training.validation import coverage_warning

REPO = Path(__file__).resolve().parents[1]
DANCES = ("viennese_waltz", "cha_cha_cha")
SECONDS = 30.0
FLAGS = ["--dances", ",".join(DANCES), "--max-duration", str(SECONDS), "--threads", "1", "--workers", "0",
         "--cache-workers", "1", "--batches-per-epoch", "6", "--epochs", "3"]


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> tuple[Path, Path]:
    """Training manifest (2 songs of each of two dances) and validation manifest (1 other song each)."""
    folder = tmp_path_factory.mktemp("manifests")
    rows = {d: [r["path"] for r in song_labels if r["dance"] == d] for d in DANCES}
    (folder / "train.csv").write_text("path,dance\n" + "".join(f"{p},{d}\n" for d in DANCES for p in rows[d][:2]))
    (folder / "val.csv").write_text("path,dance\n" + "".join(f"{rows[d][2]},{d}\n" for d in DANCES))
    return folder / "train.csv", folder / "val.csv"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def config(val: Path, **changes: object) -> TrainConfig:
    values = {"dances": DANCES, "max_duration_s": SECONDS, "threads": 1, "workers": 0, "cache_workers": 1,
              "batches_per_epoch": 6, "epochs": 3, "val": str(val)}
    return TrainConfig().with_overrides({**values, **changes})


def run_cli(args: list[str], **kwargs: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture(scope="module")
def reference(manifests, cache_dir, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """An uninterrupted run of 3 epochs of 6 batches on the two-dance manifest."""
    train_csv, val_csv = manifests
    return train(str(train_csv), config(val_csv), tmp_path_factory.mktemp("straight") / "run",
                 cache_dir=cache_dir, command=["dancecore", "train", "test"])


def test_training_learns_and_writes_a_model_that_classify_loads(manifests, reference: TrainResult,
                                                                capsys: pytest.CaptureFixture) -> None:
    result, val_csv = reference, manifests[1]
    rows = result.rows
    assert len(rows) == 3
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    assert rows[-1]["train_accuracy"] > rows[0]["train_accuracy"]
    assert all(r["val_window_accuracy"] is not None for r in rows)

    model = load_model(result.files.best)
    assert model.classes == list(DANCE_IDS) and model.arch == "dancenet"
    state = load_state(result.files.last)
    assert model.normalisation == tuple(state["normalisation"]) and -100 < model.normalisation[0] < 20
    best = rows[result.best_epoch - 1]
    assert model.metrics["val_song_accuracy"] == best["val_song_accuracy"] and model.metrics["epoch"] == result.best_epoch
    prov = model.provenance
    assert prov["epochs"] == result.best_epoch and prov["device"] == "cpu" and prov["command"] == "dancecore train test"
    assert prov["dataset"]["counts"] == {"cha_cha_cha": 2, "viennese_waltz": 2} and prov["config"]["arch"] == "dancenet"
    assert prov["date"] and "git_commit" in prov

    with open(result.files.log, newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [1, 2, 3]
    assert result.files.curves.stat().st_size > 10_000

    song = Path(val_csv.read_text().splitlines()[1].split(",")[0])
    assert main(["classify", "--json", "--model", str(result.files.best), "--max-duration", str(SECONDS), str(song)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["dance"] in DANCE_IDS and answer["model"]["name"] == "run"


def assert_same(a: object, b: object, where: str = "") -> None:
    """Nested dicts/lists of tensors and numbers are exactly equal."""
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}/{n}")
    else:
        assert a == b, where


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_stopped_run_resumes_to_the_uninterrupted_result(manifests, cache_dir, reference, tmp_path: Path,
                                                          stop: signal.Signals) -> None:
    """Ctrl-C saves the state mid-epoch; a kill leaves the last epoch's state. Either way --resume
    ends with exactly the weights, optimizer state and log of a run that was never stopped."""
    train_csv, val_csv = manifests
    out = tmp_path / "stopped"
    workers = "1" if stop == signal.SIGINT else "0"  # batches do not depend on who builds them
    proc = run_cli(["-m", "dancecore", "train", str(train_csv), "--val", str(val_csv), "--out", str(out),
                    "--cache", str(cache_dir), *FLAGS, "--workers", workers])
    deadline = time.monotonic() + 300
    while not (out / "log.csv").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(stop)                     # in epoch 2 (log.csv appears after epoch 1)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == (130 if stop == signal.SIGINT else -signal.SIGKILL), err
    if stop == signal.SIGINT:
        assert "continue with --resume" in err and "Traceback" not in err
    stopped = load_state(out / "last.pt")["progress"]
    assert 1 <= stopped["epoch"] and (stopped["epoch"], stopped["batch"]) < (3, 0)

    proc = run_cli(["-m", "dancecore", "train", "--resume", "--out", str(out), "--cache", str(cache_dir),
                    "--threads", "1", "--workers", "0"])
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "resuming" in err
    resumed, straight = load_state(out / "last.pt"), load_state(reference.files.last)
    assert_same(resumed["network"], straight["network"], "network")
    assert_same(resumed["optimizer"], straight["optimizer"], "optimizer")
    columns = ("train_loss", "train_accuracy", "val_loss", "val_window_accuracy", "val_song_accuracy", "best")
    assert ([[r[c] for c in columns] for r in resumed["progress"]["rows"]]
            == [[r[c] for c in columns] for r in straight["progress"]["rows"]])
    assert load_torch_model(out / "best.pt").metrics == load_torch_model(reference.files.best).metrics


def test_torchrun_two_cpu_processes(manifests, cache_dir, tmp_path: Path) -> None:
    train_csv, val_csv = manifests
    out = tmp_path / "ddp"
    proc = run_cli(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "dancecore", "train",
                    str(train_csv), "--val", str(val_csv), "--out", str(out), "--cache", str(cache_dir),
                    *FLAGS[:-4], "--batches-per-epoch", "3", "--epochs", "2", "--device", "cpu"])
    stdout, err = proc.communicate(timeout=420)
    assert proc.returncode == 0, err[-3000:]
    assert stdout.count("best epoch") == 1          # only rank 0 reports
    model = load_torch_model(out / "best.pt")
    assert model.provenance["world_size"] == 2
    assert model.provenance["crops_seen"] == model.provenance["epochs"] * 3 * 8 * 2
    rows = load_state(out / "last.pt")["progress"]["rows"]
    assert len(rows) == 2 and all(0 <= r["val_window_accuracy"] <= 1 for r in rows)


@pytest.mark.parametrize("text, message", [
    ("learning_rat: 0.1", "unknown setting(s) learning_rat"),
    ("batch_size: eight", "batch_size must be int"),
    ("epochs: 0", "epochs must be at least 1"),
    ("arch: alexnet", "unknown architecture 'alexnet'"),
    ("augment: {noise_mix: [0.6, 0.2]}", "noise_mix"),
    ("augment: {loudness: 3}", "unknown augment setting(s) loudness"),
    ("features: {n_mel: 128}", "unknown feature setting(s) n_mel"),
])
def test_bad_config_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture, text: str, message: str) -> None:
    (tmp_path / "c.yaml").write_text(text)
    assert main(["train", str(tmp_path), "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_shipped_config_is_the_default_protocol() -> None:
    cfg = load_config(REPO / "configs" / "train.yaml")
    assert cfg == TrainConfig()
    assert (cfg.batch_size, cfg.learning_rate, cfg.val_stride) == (8, 5e-4, 200)


def test_existing_run_and_changed_resume_are_refused(manifests, cache_dir, tmp_path: Path, capsys) -> None:
    train_csv, val_csv = manifests
    out = tmp_path / "run"
    train(str(train_csv), config(val_csv, epochs=1, batches_per_epoch=2), out, cache_dir=cache_dir)
    assert main(["train", str(train_csv), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["train", "--resume", "--out", str(out), "--arch", "resnet18"]) == 2
    assert "cannot change arch" in capsys.readouterr().err
    assert main(["train", "--resume", "--out", str(tmp_path / "none")]) == 2
    assert "no training state" in capsys.readouterr().err


def test_fine_tuning_starts_from_the_init_model(manifests, cache_dir, reference, tmp_path: Path, capsys) -> None:
    """--init takes a training checkpoint or the model file exported from it, with the same result."""
    train_csv, val_csv = manifests
    start = load_torch_model(reference.files.best)
    result = train(str(train_csv), config(val_csv, epochs=1, batches_per_epoch=2, learning_rate=1e-5,
                                          init=str(reference.files.best)), tmp_path / "tuned", cache_dir=cache_dir)
    tuned = load_torch_model(result.files.best)
    assert tuned.normalisation == start.normalisation
    before, after = dict(start.network.named_parameters()), dict(tuned.network.named_parameters())
    drift = max(float((after[k] - before[k]).detach().abs().max()) for k in before)
    assert 0 < drift < 0.01, "a few small steps away from the init weights, not a fresh network"
    assert tuned.provenance["config"]["init"] == str(reference.files.best.absolute())

    assert main(["export", str(reference.files.best), str(tmp_path / "start.dcmodel")]) == 0
    again = train(str(train_csv), config(val_csv, epochs=1, batches_per_epoch=2, learning_rate=1e-5,
                                         init=str(tmp_path / "start.dcmodel")), tmp_path / "tuned2", cache_dir=cache_dir)
    assert_same(load_torch_model(again.files.best).network.state_dict(), tuned.network.state_dict(), "from .dcmodel")

    assert main(["train", str(train_csv), "--out", str(tmp_path / "bad"), "--init", str(reference.files.best),
                 "--arch", "resnet18"]) == 2
    assert "set --arch dancenet" in capsys.readouterr().err


def test_weight_averaging_saves_the_moving_average(manifests, cache_dir, reference, tmp_path: Path) -> None:
    """With ema_decay the saved model is the moving average of the trained weights: it is what the
    training state keeps as the average, it differs from the last trained weights, and it lags behind
    them (closer to the start weights); validation scores that averaged model."""
    train_csv, val_csv = manifests
    start = load_torch_model(reference.files.best)
    result = train(str(train_csv), config(val_csv, epochs=1, batches_per_epoch=3, ema_decay=0.9,
                                          init=str(reference.files.best)), tmp_path / "ema", cache_dir=cache_dir)
    saved = load_torch_model(result.files.best).network.state_dict()
    state = load_state(result.files.last)
    averaged = {k.removeprefix("module."): v for k, v in state["averaged"].items() if k.startswith("module.")}
    assert_same(saved, averaged, "saved = averaged")
    trained, begun = state["network"], start.network.state_dict()
    weights = [k for k in trained if k.endswith("weight")]

    def distance(a: dict, b: dict) -> float:
        return sum(float((a[k].float() - b[k].float()).norm()) for k in weights)

    assert distance(saved, trained) > 0
    assert distance(saved, begun) < distance(trained, begun)
    assert result.rows[0]["val_window_accuracy"] is not None
    with pytest.raises(ConfigError, match="ema_decay must be in"):
        config(val_csv, ema_decay=1.0)


def test_noise_mixing_is_the_thesis_formula() -> None:
    rng = np.random.default_rng(0)
    signal_, noise = rng.uniform(-0.2, 0.2, 1000), rng.uniform(-3, 3, 1000)
    mixed = mix_noise(signal_, noise, 0.3)
    expected = 0.7 * signal_ / np.abs(signal_).max() + 0.3 * noise / np.abs(noise).max()
    np.testing.assert_allclose(mixed, expected, atol=1e-6)
    with pytest.raises(ConfigError):
        AugmentSettings(noise_mix=(0.5, 0.2))


def test_equaliser_gain_where_asked() -> None:
    sr = 22050
    t = np.arange(sr) / sr
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    middle = slice(2000, -2000)
    boosted = equalise(sine, np.full(6, 6.0), sr)
    assert np.abs(boosted[middle]).max() == pytest.approx(10 ** (6 / 20), rel=0.02)
    np.testing.assert_allclose(equalise(sine, np.zeros(6), sr)[middle], sine[middle], atol=0.01)


def test_augmentation_is_reproducible_and_keeps_the_tempo() -> None:
    sr, bpm = 22050, 120.0
    clicks = np.zeros(20 * sr, np.float32)
    for beat in np.arange(0, 20, 60 / bpm):
        start = int(beat * sr)
        clicks[start:start + 400] += np.hanning(400).astype(np.float32) * np.sin(np.arange(400) * 0.3)
    noise = (np.random.default_rng(1).standard_normal(5 * sr) * 8000).astype(np.int16)
    augmenter = Augmenter(AugmentSettings(noise_folder="n", noise_probability=1.0, noise_mix=(0.2, 0.3), eq_db=6,
                                          eq_probability=1.0, gain_db=(-6, 6)), sr, NoiseBank([noise]))
    a = augmenter(clicks, np.random.default_rng(7))
    np.testing.assert_array_equal(a, augmenter(clicks, np.random.default_rng(7)))
    assert not np.array_equal(a, augmenter(clicks, np.random.default_rng(8)))
    assert len(a) == len(clicks)
    assert estimate_tempo(log_mel(a)).bpm == pytest.approx(bpm, rel=0.03)


def test_waveform_crops_are_log_mel_frames_and_sampling_is_balanced(manifests, cache_dir) -> None:
    items = load_dataset(manifests[0]).only(DANCES).items
    cache = FeatureCache(cache_dir, SECONDS)
    settings = FeatureSettings()
    cache.fill(items, settings, kinds=("waveform", "spectrogram"))
    waves = CropSource([cache.entry(i.path, settings, "waveform") for i in items], settings, AugmentSettings())
    specs = CropSource([cache.entry(i.path, settings) for i in items], settings)
    reference = log_mel(waves.arrays[0].astype(np.float32) / 32767.0)   # of the int16 cache entry
    spectrogram = specs.arrays[0].astype(np.float32)                      # of the float decode
    for start in (0, 300, len(reference) - 224):
        np.testing.assert_allclose(waves.crop(0, start), reference[start:start + 224], atol=1e-3)
        np.testing.assert_array_equal(specs.crop(0, start), spectrogram[start:start + 224])
        assert np.abs(waves.crop(0, start) - specs.crop(0, start)).mean() < 0.5  # int16 vs float: near the floor
    assert specs.crop(0, len(reference) - 10)[-1].max() == settings.amin_db   # padded past the end

    labels = np.array([0, 0, 0, 0, 0, 1])           # 5 recordings of one dance, 1 of another
    sampler = BalancedSampler(labels, np.full(6, 1000), batch_size=8, seed=5)
    plan = [rec for b in range(200) for rec, _ in sampler.plan(sampler.generator(0, b))]
    assert abs(np.mean(labels[plan]) - 0.5) < 0.05
    assert sampler.plan(sampler.generator(2, 3)) == sampler.plan(sampler.generator(2, 3))
    other_rank = BalancedSampler(labels, np.full(6, 1000), batch_size=8, seed=5, rank=1)
    assert other_rank.plan(other_rank.generator(2, 3)) != sampler.plan(sampler.generator(2, 3))


def test_a_validation_split_that_misses_dances_is_warned_about(data_dir: Path) -> None:
    """Issue 19 item 10: the default split of the songs folder (about 3 songs a dance) leaves dances out of
    validation; the warning names exactly those, and a validation set of every dance gets none."""
    spec = str(data_dir / "songs" / "labels.csv")
    train_part, val_part = _datasets(spec, TrainConfig())
    missing = [d for d in train_part.dances if d not in val_part.dances]
    assert missing, "the default split covered every dance: this test no longer shows the problem"
    warning = coverage_warning(train_part, val_part)
    assert warning.startswith(f"warning: validation covers {len(train_part.dances) - len(missing)} of "
                              f"{len(train_part.dances)} trained dances")
    assert all(BY_ID[d].name in warning for d in missing)
    assert not any(BY_ID[d].name in warning for d in val_part.dances)
    whole = load_dataset(spec).only(DANCE_IDS)
    assert coverage_warning(whole, whole) is None
