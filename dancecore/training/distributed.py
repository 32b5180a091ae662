"""Data-parallel training under `torchrun`: process group set-up (gloo on CPU, nccl on GPU),
device choice and small collective helpers that are no-ops in a single process."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from dancecore.errors import ConfigError

COLLECTIVE_TIMEOUT = timedelta(hours=2)  # rank 0 may spend long filling the cache before a barrier


@dataclass(frozen=True)
class Runtime:
    """Where this process trains: rank and world size (1 without torchrun) and its torch device."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """True for the process that writes logs and checkpoints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """auto: CUDA (this process's GPU under torchrun), else Apple MPS, else CPU; or the named device."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda asked for but no CUDA GPU is available; use --device cpu or auto")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device mps asked for but Apple MPS is not available; use --device cpu or auto")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
    return device


def start(device_name: str) -> Runtime:
    """Join the torchrun process group when launched by torchrun (WORLD_SIZE > 1), else run alone."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_name, local_rank)
    if world <= 1:
        return Runtime(0, 1, device)
    if device.type == "mps":
        raise ConfigError("distributed training on Apple MPS is not supported; use --device cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=COLLECTIVE_TIMEOUT)
    return Runtime(dist.get_rank(), dist.get_world_size(), device)


def stop(runtime: Runtime, wait: bool = True) -> None:
    """Leave the process group, after a last barrier unless `wait` is False (a rank failed)."""
    if runtime.distributed and dist.is_initialized():
        if wait:
            dist.barrier()
        dist.destroy_process_group()


def barrier(runtime: Runtime) -> None:
    """Wait for every rank."""
    if runtime.distributed:
        dist.barrier()


def all_sum(runtime: Runtime, values: list[float]) -> list[float]:
    """Element-wise sum of `values` over all ranks (float64)."""
    if not runtime.distributed:
        return list(values)
    device = runtime.device if runtime.device.type == "cuda" else torch.device("cpu")
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.cpu().tolist()


def any_rank(runtime: Runtime, flag: bool) -> bool:
    """True when `flag` is true on at least one rank (e.g. a stop request)."""
    return all_sum(runtime, [float(flag)])[0] > 0 if runtime.distributed else flag
