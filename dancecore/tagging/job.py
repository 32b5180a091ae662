"""One file: read its tags, decide, classify only when needed, write safely. Never raises for a bad file.

A file is classified again only when it has no record of the same model or changed since that record
was written; otherwise the record's findings are used, so a second run (or a new config) costs a tag read.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mutagen import MutagenError

from dancecore.errors import DancecoreError
from dancecore.tagging import TagError
from dancecore.tagging.config import TagConfig
from dancecore.tagging.containers import TrackInfo, open_tags
from dancecore.tagging.plan import Change, Plan, plan, wished
from dancecore.tagging.record import Facts, Record
from dancecore.tagging.safe_write import rewrite, write_problem

# Outcome statuses: tags written / nothing to do / dancecore's tags taken off / none to take off / not done
STATUSES = ("tagged", "current", "removed", "untagged", "failed")


@dataclass(frozen=True)
class JobOptions:
    """What to do with every file. model: "name version" of the classifying model (None with remove)."""

    config: TagConfig
    model: str | None = None
    overwrite: bool = False
    dry_run: bool = False
    remove: bool = False
    keep_mtime: bool = False


@dataclass
class Outcome:
    """What happened to one file (dry_run: would have happened); message: why it failed;
    classify_s: seconds spent classifying it (0 when the record's findings were used)."""

    path: str
    status: str
    message: str = ""
    facts: Facts | None = None
    info: TrackInfo | None = None
    changes: list[Change] = field(default_factory=list)
    classify_s: float = 0.0
    dry_run: bool = False


def process(path: Path, options: JobOptions, classify: Callable[[Path], Facts]) -> Outcome:
    """Tag (or with options.remove untag) one file; problems become a "failed" Outcome with one line."""
    try:
        return _process(path, options, classify)
    except DancecoreError as exc:
        return Outcome(str(path), "failed", str(exc))
    except MutagenError as exc:
        return Outcome(str(path), "failed", f"{path}: cannot write its tags ({exc}); skipped")
    except OSError as exc:
        return Outcome(str(path), "failed", f"{path}: {exc.strerror or exc}; skipped")


def _process(path: Path, options: JobOptions, classify: Callable[[Path], Facts]) -> Outcome:
    config = options.config
    tags = open_tags(path, config.id3_version)
    record_key = getattr(config.record, tags.kind)
    stored = tags.get(record_key)
    record = Record.parse(stored)
    owned = record.owned if record else {}
    info = tags.info()
    if options.remove:
        if stored is None:
            return Outcome(str(path), "untagged", info=info)
        changes = plan(tags, owned, {}, overwrite=False)
        return _finish(path, type(tags.audio), options, changes, None, record_key, bool(record and record.created),
                       record.facts if record else None, info, 0.0)
    fresh = record is not None and record.model == options.model and record.unchanged(os.stat(path))
    if not fresh:
        _check_writable(path)  # before spending a classification on it
    start = time.perf_counter()
    facts = record.facts if fresh else classify(path)
    seconds = 0.0 if fresh else time.perf_counter() - start
    created = record.created if record else tags.created
    wish = wished(facts, config, tags.kind, options.model)
    if created:  # the tag block dancecore made also shows what the file showed before (mp3: its ID3v1 tag)
        wish = {**tags.carried_over(), **wish}
    changes = plan(tags, owned, wish, options.overwrite)
    if fresh and not changes.writes:
        return Outcome(str(path), "current", facts=facts, info=info, changes=changes.changes)
    new = Record(options.model, facts, changes.owned, created=created)
    return _finish(path, type(tags.audio), options, changes, new, record_key, created, facts, info, seconds)


def _finish(path: Path, like: type, options: JobOptions, changes: Plan, record: Record | None, record_key: str,
            created: bool, facts: Facts | None, info: TrackInfo, seconds: float) -> Outcome:
    """Write (or in a dry run only report) the changes; record None takes the record off."""
    _check_writable(path)  # a dry run says what the real run would do
    outcome = Outcome(str(path), "removed" if record is None else "tagged", facts=facts, info=info,
                      changes=changes.changes, classify_s=seconds, dry_run=options.dry_run)
    if options.dry_run:
        return outcome
    rewrite(path, lambda copy, mtime_ns: _apply(copy, like, options.config.id3_version, changes, record,
                                                 record_key, created, mtime_ns), options.keep_mtime)
    return outcome


def _check_writable(path: Path) -> None:
    problem = write_problem(Path(os.path.realpath(path)))
    if problem:
        raise TagError(f"{path}: {problem}; skipped")


def _apply(copy: Path, like: type, id3_version: int, changes: Plan, record: Record | None, record_key: str,
           created: bool, mtime_ns: int) -> None:
    """Write the changes and the record (None: take it off) into the temporary copy (of mutagen type `like`)."""
    tags = open_tags(copy, id3_version, like)
    for change in changes.writes:
        tags.put(change.key, change.new)
    if record is None:
        tags.delete(record_key)
        if created and tags.is_empty():
            tags.drop_tag_block()
        else:
            tags.save()
        return
    record.mtime = mtime_ns // 10**9
    for _ in range(3):  # the size the record states must be the size of the file holding it
        tags.set(record_key, [record.to_json()])
        tags.save()
        size = os.path.getsize(copy)
        if size == record.size:
            return
        record.size = size
