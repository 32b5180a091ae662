"""The training run: data and cache, model, epochs of class-balanced batches, validation, the best
and last checkpoints, log and curves; single process or one rank of `torchrun` (DDP)."""
from __future__ import annotations

import csv
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from dancecore.augment import noise_files
from dancecore.cache import FeatureCache
from dancecore.dances import DANCE_IDS
from dancecore.datasets import Dataset, Item, group_split, load_dataset
from dancecore.errors import ConfigError
from dancecore.training import distributed
from dancecore.training.checkpoint import load_state, provenance, save_state
from dancecore.training.config import TrainConfig, changed_keys, config_from_dict
from dancecore.training.curves import plot_curves
from dancecore.training.distributed import Runtime
from dancecore.training.sampler import BalancedSampler, CropSource, EpochBatches, crop_statistics
from dancecore.training.torch_model import TorchModel, load_torch_model
from dancecore.training.validation import ValSet, coverage_warning, validate

LOG_COLUMNS = ("epoch", "batches", "train_loss", "train_accuracy", "val_loss", "val_window_accuracy",
               "val_song_accuracy", "best", "seconds", "crops_per_s")


@dataclass
class RunFiles:
    """The files of a run folder."""

    out: Path

    @property
    def best(self) -> Path:
        """The model file of the best epoch (a normal dancecore model)."""
        return self.out / "best.pt"

    @property
    def last(self) -> Path:
        """Training state for --resume."""
        return self.out / "last.pt"

    @property
    def log(self) -> Path:
        return self.out / "log.csv"

    @property
    def curves(self) -> Path:
        return self.out / "curves.png"

    @property
    def config(self) -> Path:
        return self.out / "config.yaml"

    @property
    def dataset(self) -> Path:
        return self.out / "dataset.txt"


@dataclass
class Progress:
    """Where a run is: next epoch and batch, sums of the current epoch, log rows, best so far."""

    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0
    correct: float = 0.0
    count: float = 0.0
    seconds: float = 0.0
    rows: list[dict[str, Any]] = field(default_factory=list)
    best_score: tuple[float, ...] | None = None
    best_epoch: int | None = None


@dataclass
class TrainResult:
    """Outcome of `train`: the run files, the best epoch (1-based) and its metrics, the log rows;
    main: False in the other ranks of a torchrun job (which write nothing)."""

    files: RunFiles
    best_epoch: int | None
    metrics: dict[str, Any]
    rows: list[dict[str, Any]]
    main: bool = True


class Interrupted(KeyboardInterrupt):
    """Training stopped by Ctrl-C or SIGTERM after saving its state."""


def prepare(dataset: str | None, out: str | Path, config: TrainConfig, explicit: dict[str, Any],
            resume: bool) -> tuple[str, TrainConfig, dict[str, Any] | None]:
    """The dataset spec, config and saved state a run starts from.

    A new run refuses a folder that already holds one. A resumed run takes its config and dataset
    from `last.pt`; `explicit` (settings given on the command line) may only change what a resumed
    run can change (epochs, workers, threads, device, validation interval).
    """
    files = RunFiles(Path(out))
    if not resume:
        if files.last.exists():
            raise ConfigError(f"{files.out} already holds a training run; continue it with --resume "
                              "or choose another --out folder")
        if dataset is None:
            raise ConfigError("give the training DATASET (a folder of dance folders or a CSV manifest)")
        if config.augment.noise_folder:
            noise_files(config.augment.noise_folder)  # a wrong folder fails now, not after caching
        if config.init:
            _init_model(config)  # likewise a model that does not fit the run
        return str(Path(dataset).absolute()), _absolute_paths(config), None
    state = load_state(files.last)
    saved = config_from_dict(state["config"], f"{files.last} config")
    wanted = _absolute_paths(saved.with_overrides(explicit))
    changed = changed_keys(saved, wanted)
    if changed:
        raise ConfigError(f"cannot change {', '.join(changed)} when resuming {files.out}; "
                          "start a new run with another --out to train differently")
    if dataset is not None and str(Path(dataset).absolute()) != state["dataset_spec"]:
        raise ConfigError(f"{files.out} was trained on {state['dataset_spec']}, not {dataset}; "
                          "resume without a DATASET or with the same one")
    return state["dataset_spec"], wanted, state


def _absolute_paths(config: TrainConfig) -> TrainConfig:
    """The config with its file and folder settings made absolute, so a run resumes from anywhere."""
    changes: dict[str, Any] = {k: str(Path(v).absolute()) for k in ("init", "val", "rules") if (v := getattr(config, k))}
    if config.augment.noise_folder:
        changes["augment"] = {"noise_folder": str(Path(config.augment.noise_folder).absolute())}
    return config.with_overrides(changes)


def train(dataset: str, config: TrainConfig, out: str | Path, state: dict[str, Any] | None = None,
          cache_dir: str | Path | None = None, command: list[str] | None = None) -> TrainResult:
    """Train (or continue, given `state` from `prepare`) and write best.pt, last.pt, log.csv,
    curves.png, config.yaml and dataset.txt into `out`. Raises Interrupted after saving on Ctrl-C."""
    files = RunFiles(Path(out))
    runtime = distributed.start(config.device)
    try:
        result = _train(dataset, config, files, state, cache_dir, command, runtime)
    except BaseException:
        distributed.stop(runtime, wait=False)
        raise
    distributed.stop(runtime)
    return result


def _train(spec: str, config: TrainConfig, files: RunFiles, state: dict[str, Any] | None,
           cache_dir: str | Path | None, command: list[str] | None, runtime: Runtime) -> TrainResult:
    if config.threads:
        torch.set_num_threads(config.threads)
    say = (lambda text: tqdm.write(text, file=sys.stderr)) if runtime.is_main else (lambda text: None)
    train_set, val_set = _datasets(spec, config)
    if runtime.is_main:
        files.out.mkdir(parents=True, exist_ok=True)
        files.config.write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
        files.dataset.write_text(train_set.report(10**6) + "\n\nvalidation\n" +
                                 (val_set.report(10**6) if val_set else "none") + "\n")
        say(train_set.report(5) + ("\nvalidation " + val_set.report(5) if val_set else "\nno validation set"))
        warning = coverage_warning(train_set, val_set) if val_set else None
        if warning:
            say(warning)
    source, labels, val = cached_crops(train_set, val_set, config, cache_dir, runtime, say)
    sampler = BalancedSampler(labels, source.n_frames(), config.batch_size, config.seed, runtime.rank)

    start = _init_model(config) if config.init else None
    if state:
        normalisation = tuple(state["normalisation"])
    elif start:
        normalisation = start.normalisation
    else:
        normalisation = crop_statistics(source, BalancedSampler(labels, sampler.n_frames, 1, config.seed),
                                        config.normalisation_crops)
    torch.manual_seed(config.seed)
    if start:  # its rhythm branch, reject and decision settings and any other network come along
        model = replace(start, normalisation=normalisation, name=files.out.name, provenance={}, metrics={})
    else:
        model = TorchModel.new(config.arch, features=config.features, normalisation=normalisation,
                               name=files.out.name, pretrained=config.pretrained)
    network = model.network.to(runtime.device)
    wrapped = (DistributedDataParallel(network, device_ids=[runtime.device] if runtime.device.type == "cuda" else None)
               if runtime.distributed else network)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    averaged = (AveragedModel(network, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay), use_buffers=True)
                if config.ema_decay else None)
    kept = model if averaged is None else model.with_cnn(averaged.module)  # validated and saved
    amp_dtype = _amp_dtype(config, runtime.device)
    scaler = torch.amp.GradScaler(runtime.device.type, enabled=amp_dtype == torch.float16)
    progress = Progress()
    if state:
        network.load_state_dict(state["network"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        progress = Progress(**state["progress"])
        if averaged is not None:
            averaged.load_state_dict(state["averaged"])
        say(f"resuming {files.out} at epoch {progress.epoch + 1}, batch {progress.batch}")
    prov = provenance(config.to_dict(), train_set.summary(), val_set.summary() if val_set else None,
                      str(runtime.device), runtime.world_size, command)

    def snapshot() -> dict[str, Any]:
        return {"config": config.to_dict(), "dataset_spec": spec, "normalisation": list(normalisation),
                "network": network.state_dict(), "optimizer": optimizer.state_dict(),
                "scaler": scaler.state_dict(), "progress": progress.__dict__, "provenance": prov,
                "averaged": averaged.state_dict() if averaged is not None else None}

    network.train()
    with _stop_signals() as stop:
        while progress.epoch < config.epochs:
            epoch = progress.epoch
            batches = EpochBatches(source, sampler, epoch, config.batches_per_epoch)
            loader = torch.utils.data.DataLoader(
                batches, batch_size=None, sampler=range(progress.batch, config.batches_per_epoch),
                num_workers=config.workers, collate_fn=_as_is, worker_init_fn=_ignore_sigint)
            bar = tqdm(total=config.batches_per_epoch, initial=progress.batch, desc=f"epoch {epoch + 1}/{config.epochs}",
                       unit="batch", disable=not runtime.is_main, file=sys.stderr, leave=False)
            started = time.perf_counter()
            for crops, y in loader:
                seed = np.random.SeedSequence([config.seed, runtime.rank, epoch, progress.batch]).generate_state(1)[0]
                torch.manual_seed(int(seed))  # dropout: the same per batch in a resumed run
                x, y = model.to_input(crops).to(runtime.device), torch.from_numpy(y).to(runtime.device)
                with torch.autocast(runtime.device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                    logits = wrapped(x)
                loss = F.nll_loss(F.log_softmax(logits.float(), dim=1), y)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                if averaged is not None:
                    averaged.update_parameters(network)
                progress.batch += 1
                progress.loss_sum += float(loss.detach()) * len(y)
                progress.correct += float((logits.argmax(1) == y).sum())
                progress.count += len(y)
                bar.update()
                bar.set_postfix(loss=f"{progress.loss_sum / progress.count:.3f}",
                                acc=f"{progress.correct / progress.count:.3f}")
                if distributed.any_rank(runtime, stop.requested):
                    progress.seconds += time.perf_counter() - started
                    bar.close()
                    if runtime.is_main:
                        save_state(files.last, snapshot())
                    say(f"stopped at epoch {epoch + 1}, batch {progress.batch}; state saved to {files.last}, "
                        "continue with --resume")
                    raise Interrupted()
            bar.close()
            progress.seconds += time.perf_counter() - started
            row = _end_epoch(progress, config, kept, kept.network, val, runtime, files, prov)
            if runtime.is_main:  # state first: once the log shows an epoch, it can be resumed from
                save_state(files.last, snapshot())
                _write_log(files.log, progress.rows)
                plot_curves(progress.rows, files.curves, title=f"{config.arch}: {files.out.name}")
                say(_describe(row))
    best = progress.rows[progress.best_epoch - 1] if progress.best_epoch else {}
    return TrainResult(files, progress.best_epoch, best, progress.rows, runtime.is_main)


def _init_model(config: TrainConfig) -> TorchModel:
    """The model a fine-tuning run starts from (a training checkpoint or a .dcmodel; its rhythm branch and
    reject settings are kept); it must match the run's architecture, classes and features."""
    start = load_torch_model(config.init)
    if start.arch != config.arch:
        raise ConfigError(f"init model {config.init} is a {start.arch}, but the run trains a {config.arch}; "
                          f"set --arch {start.arch}")
    if list(start.classes) != list(DANCE_IDS) or start.features != config.features:
        raise ConfigError(f"init model {config.init} has other classes or spectrogram settings than this run; "
                          "fine-tune only a model made with the same settings")
    return start


def _end_epoch(progress: Progress, config: TrainConfig, model: TorchModel, network: torch.nn.Module,
               val: ValSet | None, runtime: Runtime, files: RunFiles, prov: dict[str, Any]) -> dict[str, Any]:
    """Sum the epoch over ranks, validate when due, keep the best model; the epoch's log row."""
    epoch = progress.epoch + 1
    loss_sum, correct, count, seconds = distributed.all_sum(
        runtime, [progress.loss_sum, progress.correct, progress.count, progress.seconds])
    row: dict[str, Any] = {"epoch": epoch, "batches": config.batches_per_epoch, "train_loss": loss_sum / count,
                           "train_accuracy": correct / count, "val_loss": None, "val_window_accuracy": None,
                           "val_song_accuracy": None, "best": False,
                           "seconds": round(seconds / runtime.world_size, 2),
                           "crops_per_s": round(count / max(seconds / runtime.world_size, 1e-9), 2)}
    due = val is not None and (epoch % config.validate_every == 0 or epoch == config.epochs)
    if due:
        row.update(validate(model, network, val, config.val_stride, runtime))
        primary = "val_song_accuracy" if config.select_by == "song" else "val_window_accuracy"
        secondary = "val_window_accuracy" if config.select_by == "song" else "val_song_accuracy"
        score: tuple[float, ...] = (row[primary], row[secondary], -row["val_loss"])
    else:
        score = (epoch,) if val is None else ()
    if score and (progress.best_score is None or score > tuple(progress.best_score)):
        progress.best_score, progress.best_epoch, row["best"] = score, epoch, True
        if runtime.is_main:
            model.provenance = {**prov, "epochs": epoch, "batches_per_epoch": config.batches_per_epoch,
                                "crops_seen": epoch * config.batches_per_epoch * config.batch_size * runtime.world_size}
            model.metrics = {k: row[k] for k in ("epoch", "train_loss", "train_accuracy", "val_loss",
                                                 "val_window_accuracy", "val_song_accuracy")}
            model.metrics.update(selected_by=config.select_by if val is not None else "last epoch",
                                 val_stride_frames=config.val_stride)
            model.save(files.best)
    progress.rows.append(row)
    progress.epoch, progress.batch = epoch, 0
    progress.loss_sum = progress.correct = progress.count = progress.seconds = 0.0
    return row


def _describe(row: dict[str, Any]) -> str:
    text = (f"epoch {row['epoch']}: loss {row['train_loss']:.3f}, accuracy {row['train_accuracy']:.3f}, "
            f"{row['crops_per_s']:.1f} crops/s")
    if row["val_loss"] is not None:
        text += (f"; validation loss {row['val_loss']:.3f}, windows {row['val_window_accuracy']:.3f}, "
                 f"songs {row['val_song_accuracy']:.3f}")
    return text + (" (best)" if row["best"] else "")


def _write_log(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LOG_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row[k] is None else round(row[k], 6) if isinstance(row[k], float) else row[k])
                             for k in LOG_COLUMNS})
    tmp.replace(path)


def _datasets(spec: str, config: TrainConfig) -> tuple[Dataset, Dataset | None]:
    """The training set and the validation set (separate, a group split, or none)."""
    train_set = load_dataset(spec, config.rules)
    if config.dances is not None:
        train_set = train_set.only(config.dances)
    if not train_set.items:
        raise ConfigError(f"{spec}: no recordings of the dances {', '.join(config.dances or ())}")
    if config.val is not None:
        val_set = load_dataset(config.val).only(train_set.dances)
        if not val_set.items:
            raise ConfigError(f"{config.val}: no validation recordings of the trained dances")
        return train_set, val_set
    if config.val_fraction <= 0:
        return train_set, None
    train_items, val_items = group_split(train_set.items, (1 - config.val_fraction, config.val_fraction), config.seed)
    if not val_items or not train_items:
        raise ConfigError(f"{spec}: too few groups to hold out {config.val_fraction:.0%} for validation; "
                          "give --val DATASET or --val-fraction 0")
    return (Dataset(train_items, train_set.skipped, f"{train_set.source} (training part)"),
            Dataset(val_items, [], f"{train_set.source} (held-out groups)"))


def cached_crops(train_set: Dataset, val_set: Dataset | None, config: TrainConfig, cache_dir: str | Path | None,
                 runtime: Runtime, say: Any) -> tuple[CropSource, np.ndarray, ValSet | None]:
    """Fill the cache (each rank a share, in parallel) and return the crop source, labels, validation set."""
    cache = FeatureCache(cache_dir, config.max_duration_s)
    augment = config.augment if config.augment.enabled else None
    kind = "waveform" if augment else "spectrogram"
    noise = noise_files(config.augment.noise_folder) if augment and config.augment.noise_folder else []
    jobs: list[tuple[list[Any], str]] = [(train_set.items, kind), (noise, "waveform")]
    if val_set is not None:
        jobs.append((val_set.items, "spectrogram"))
    for things, what in jobs:
        for failure in cache.fill(things[runtime.rank::runtime.world_size], config.features,
                                  workers=config.cache_workers, kinds=(what,), desc=f"caching {what}s"):
            tqdm.write(f"dancecore: left out {failure.path}: {failure.reason}", file=sys.stderr)
    distributed.barrier(runtime)

    def present(items: list[Item], what: str) -> tuple[list[Item], list[Path]]:
        pairs = [(i, cache.entry(i.path, config.features, what)) for i in items]
        kept = [(i, e) for i, e in pairs if e.exists()]
        return [i for i, _ in kept], [e for _, e in kept]

    items, entries = present(train_set.items, kind)
    if not items:
        raise ConfigError("none of the training recordings could be decoded; check the dataset")
    noise_entries = [cache.entry(p, config.features, "waveform") for p in noise]
    source = CropSource(entries, config.features, augment, [e for e in noise_entries if e.exists()])
    if augment and config.augment.noise_folder and not source.noise_entries:
        raise ConfigError(f"none of the noise recordings in {config.augment.noise_folder} could be decoded")
    labels = np.array([DANCE_IDS.index(i.dance) for i in items], dtype=np.int64)
    val = None
    if val_set is not None:
        val_items, val_entries = present(val_set.items, "spectrogram")
        val = ValSet(val_entries, [DANCE_IDS.index(i.dance) for i in val_items]) if val_items else None
    missing = sorted(set(DANCE_IDS[c] for c in np.unique(labels)) ^ set(train_set.dances))
    if missing:
        say(f"warning: no usable training recordings for {', '.join(missing)}")
    return source, labels, val


def _amp_dtype(config: TrainConfig, device: torch.device) -> torch.dtype | None:
    """Mixed precision on CUDA only: bfloat16 where supported, else float16 (with loss scaling)."""
    if not config.amp or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _as_is(batch: Any) -> Any:
    """DataLoader collate function: keep the numpy batch as built."""
    return batch


def _ignore_sigint(_worker: int) -> None:
    """Data-loader workers leave Ctrl-C to the training process, which stops between steps."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _StopFlag:
    requested = False


@contextmanager
def _stop_signals() -> Iterator[_StopFlag]:
    """Turn the first Ctrl-C/SIGTERM into a request to stop after the current step (a second one
    interrupts at once); handlers are restored afterwards."""
    flag = _StopFlag()

    def handler(signum: int, _frame: Any) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
