"""Resumable build steps: a step is skipped when its outputs exist and its settings and inputs are unchanged.

Each finished step leaves a record in WORK/steps/NAME.json: a key (hash of its settings and of its inputs'
fingerprints), the settings, the inputs and outputs with their fingerprints, and the facts the step
reported. A later run with the same key and every output present reuses the record instead of running.
A file's fingerprint is the SHA-256 of its bytes; a folder's is the SHA-256 of its files' relative paths
and sizes (folders of rendered audio are large; a re-render changes the manifest and sizes).
"""
from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dancecore.build.recipe import PACKAGE
from dancecore.errors import ConfigError
from dancecore.rhythm.data import data_root


def fingerprint(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, or of a folder's (relative path, size) list; "" when absent."""
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{file.relative_to(path).as_posix()}\t{file.stat().st_size}\n".encode())
    else:
        return ""
    return digest.hexdigest()


@dataclass
class Step:
    """One step: its settings (JSON-able), the files and folders it reads, those it writes, and `make`,
    which writes the outputs and returns facts worth keeping (JSON-able) for later steps and the model file;
    `make` is given the step's key (to name work it may resume, such as partial results)."""

    name: str
    summary: str
    settings: dict[str, Any]
    inputs: list[Path]
    outputs: list[Path]
    make: Callable[[str], dict[str, Any]]


@dataclass
class StepRecord:
    """What a finished step did; `reused` is True when this run skipped it."""

    name: str
    key: str
    settings: dict[str, Any]
    inputs: dict[str, str]
    outputs: dict[str, str]
    facts: dict[str, Any]
    finished: str
    reused: bool = False

    def provenance(self) -> dict[str, Any]:
        """The record as the model file's provenance lists it (without `reused`)."""
        out = asdict(self)
        out.pop("reused")
        return out


@dataclass
class Runner:
    """Runs steps in order in `work`; `force`: names of steps to redo; `say`: where progress lines go."""

    work: Path
    force: set[str] = field(default_factory=set)
    say: Callable[[str], None] = tqdm.write
    records: dict[str, StepRecord] = field(default_factory=dict)

    def label(self, path: Path) -> str:
        """`path` as records show it: relative to the work folder, else with {data} / {package} put back."""
        path = path.absolute()
        if path.is_relative_to(self.work.absolute()):
            return path.relative_to(self.work.absolute()).as_posix()
        for name, root in (("{data}", data_root()), ("{package}", PACKAGE)):
            if path.is_relative_to(root.absolute()):
                return f"{name}/{path.relative_to(root.absolute()).as_posix()}"
        return str(path)

    def record_path(self, name: str) -> Path:
        return self.work / "steps" / f"{name}.json"

    def run(self, step: Step) -> StepRecord:
        """Run `step` unless its record matches (same key, outputs present) and it is not forced."""
        inputs = {self.label(p): fingerprint(p) for p in step.inputs}
        missing = [p for p, digest in inputs.items() if not digest]
        if missing:
            raise ConfigError(f"step {step.name}: input {missing[0]} does not exist; check the recipe")
        key = hashlib.sha256(json.dumps([step.settings, inputs], sort_keys=True, default=str).encode()).hexdigest()
        old = self._read(step.name)
        if (step.name not in self.force and old is not None and old.key == key
                and all(p.exists() for p in step.outputs)):
            old.reused = True
            self.say(f"[{step.name}] up to date ({step.summary})")
            self.records[step.name] = old
            return old
        self.say(f"[{step.name}] {step.summary} ...")
        facts = step.make(key)
        record = StepRecord(name=step.name, key=key, settings=step.settings, inputs=inputs,
                            outputs={self.label(p): fingerprint(p) for p in step.outputs}, facts=facts,
                            finished=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
        path = self.record_path(step.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(record), indent=1, default=str) + "\n")
        tmp.replace(path)
        self.records[step.name] = record
        return record

    def _read(self, name: str) -> StepRecord | None:
        path = self.record_path(name)
        if not path.is_file():
            return None
        try:
            return StepRecord(**json.loads(path.read_text()))
        except (json.JSONDecodeError, TypeError):
            return None  # a damaged record: the step runs again
