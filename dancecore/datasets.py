"""Labelled recordings for training and evaluation: folders, CSV manifests or folders with regex rules.

Three ways to say which dance a recording is for:

- a folder with one sub-folder per dance (`<root>/<dance>/**/*.flac`); folder names go through the
  alias table (`dancecore.dances.resolve`), so Extended Ballroom's folders (Chacha, Foxtrot,
  Slowwaltz, Waltz, ...) map to the ten dances and Salsa/Wcswing are left out;
- a CSV manifest with a header `path,dance[,group]` (other columns are ignored; relative paths are
  relative to the CSV's folder);
- a folder plus a YAML file of labelling rules (thesis §3.5.2): per source, regular expressions on
  the file name, its relative path or a tag; a recording whose text matches the rules of two dances
  is a conflict and is left out, one that matches none is left out; both are listed in `skipped`.

Every recording has a `group` (artist, album, ...) and every split keeps a group on one side. When a
dataset gives no group, the group is the file's own path, i.e. every recording is its own group.
"""
from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from dancecore.dances import DANCE_IDS, resolve
from dancecore.errors import ConfigError

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4",
                            ".webm", ".mkv", ".mov", ".wma", ".aif", ".aiff"})
RULE_SOURCE_KEYS = frozenset({"folder", "match", "group", "dances", "case_sensitive"})
OUT_OF_SET = "not_ballroom"  # label of recordings for none of the ten dances (negatives when evaluating rejection)


@dataclass(frozen=True)
class Item:
    """One labelled recording: absolute `path`, dance id, and `group` (artist/album; splits keep it whole)."""

    path: Path
    dance: str
    group: str


@dataclass
class Dataset:
    """Labelled recordings plus the files left out, as (path, reason) with reason one of
    "conflict: a, b", "no dance matched", "unknown dance X", "file not found", "duplicate"."""

    items: list[Item]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""

    def counts(self) -> dict[str, int]:
        """Recordings per dance id, in DANCE_IDS order, dances without recordings left out."""
        counter = Counter(item.dance for item in self.items)
        return {d: counter[d] for d in DANCE_IDS if counter[d]}

    @property
    def dances(self) -> list[str]:
        """Dance ids that have at least one recording, in DANCE_IDS order."""
        return list(self.counts())

    def only(self, dances: Iterable[str]) -> "Dataset":
        """The recordings of some dances (names or aliases); the skipped list is kept."""
        wanted = {_dance_id(d, "--dances") for d in dances}
        return Dataset([i for i in self.items if i.dance in wanted], list(self.skipped), self.source)

    def summary(self) -> dict[str, Any]:
        """Plain dict for model provenance and reports: source, sizes, counts per dance and skip reasons."""
        reasons = Counter(reason.split(":")[0] if reason.startswith("conflict") else reason
                          for _, reason in self.skipped)
        return {"source": self.source, "recordings": len(self.items),
                "groups": len({i.group for i in self.items}), "counts": self.counts(),
                "skipped": len(self.skipped), "skipped_reasons": dict(reasons)}

    def report(self, max_listed: int = 20) -> str:
        """Readable lines: counts per dance, then the skipped files with their reasons."""
        lines = [f"{self.source or 'dataset'}: {len(self.items)} recordings in "
                 f"{len({i.group for i in self.items})} groups"]
        lines += [f"  {dance:<15} {n}" for dance, n in self.counts().items()]
        if self.skipped:
            lines.append(f"  left out: {len(self.skipped)}")
            lines += [f"    {path}: {reason}" for path, reason in self.skipped[:max_listed]]
            if len(self.skipped) > max_listed:
                lines.append(f"    ... and {len(self.skipped) - max_listed} more")
        return "\n".join(lines)


def load_dataset(spec: str | Path, rules: str | Path | None = None, out_of_set: bool = False) -> Dataset:
    """Load a dataset: a folder of per-dance sub-folders, a .csv manifest, or (with `rules`, a YAML
    file of regex labelling rules) a folder of unlabelled recordings. With `out_of_set`, recordings
    labelled (or in a folder named) `not_ballroom` are kept with dance OUT_OF_SET instead of being
    left out. Raises ConfigError with a one-line message when the spec cannot be used."""
    path = Path(spec)
    if not path.exists():
        raise ConfigError(f"dataset {spec}: no such file or folder; give a folder of dance folders or a CSV manifest")
    if rules is not None:
        if not path.is_dir():
            raise ConfigError(f"dataset {spec}: labelling rules need a folder of recordings, not a file")
        dataset = _load_with_rules(path, Path(rules))
    elif path.is_dir():
        dataset = _load_folder(path, out_of_set)
    elif path.suffix.lower() == ".csv":
        dataset = _load_manifest(path, out_of_set)
    else:
        raise ConfigError(f"dataset {spec}: not a folder or a .csv manifest; give one of those")
    if not dataset.items:
        raise ConfigError(f"dataset {spec}: no labelled recordings found ({len(dataset.skipped)} left out); "
                          "check the folder layout, manifest or rules")
    return dataset


def audio_files(folder: Path) -> list[Path]:
    """Audio and video files under `folder`, recursively, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)


def _dance_id(name: str, where: str) -> str:
    dance_id = resolve(name)
    if dance_id is None:
        raise ConfigError(f"{where}: unknown dance {name!r}; known: {', '.join(DANCE_IDS)}")
    return dance_id


def _load_folder(root: Path, out_of_set: bool = False) -> Dataset:
    items: list[Item] = []
    skipped: list[tuple[str, str]] = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        dance_id = OUT_OF_SET if out_of_set and sub.name == OUT_OF_SET else resolve(sub.name)
        for file in audio_files(sub):
            if dance_id is None:
                skipped.append((str(file), f"unknown dance {sub.name}"))
            else:
                items.append(Item(file.absolute(), dance_id, str(file.absolute())))
    skipped += [(str(p), "not in a dance folder") for p in sorted(root.iterdir())
                if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    return Dataset(items, skipped, str(root))


def _load_manifest(csv_path: Path, out_of_set: bool = False) -> Dataset:
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = set(reader.fieldnames or [])
        if not {"path", "dance"} <= columns:
            raise ConfigError(f"{csv_path}: a manifest needs a header with columns path,dance[,group]; "
                              f"found {','.join(reader.fieldnames or []) or 'no header'}")
        rows = list(reader)
    base = csv_path.parent
    items: list[Item] = []
    skipped: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for row in rows:
        file = Path(row["path"] or "")
        file = (file if file.is_absolute() else base / file).absolute()
        label = (row["dance"] or "").strip()
        dance_id = OUT_OF_SET if out_of_set and label == OUT_OF_SET else resolve(label)
        if dance_id is None:
            skipped.append((str(file), f"unknown dance {row['dance']}"))
        elif not file.is_file():
            skipped.append((str(file), "file not found"))
        elif file in seen:
            skipped.append((str(file), "duplicate"))
        else:
            seen.add(file)
            group = (row.get("group") or "").strip() or str(file)
            items.append(Item(file, dance_id, group))
    return Dataset(items, skipped, str(csv_path))


@dataclass(frozen=True)
class _Source:
    """One source of a rules file: files under `folder`, text to match, how to group, compiled rules."""

    folder: Path
    match: str
    group: str
    patterns: dict[str, list[re.Pattern[str]]]


def _load_with_rules(root: Path, rules_path: Path) -> Dataset:
    sources = _parse_rules(root, rules_path)
    items: list[Item] = []
    skipped: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for source in sources:
        for file in audio_files(source.folder):
            file = file.absolute()
            if file in seen:
                continue
            seen.add(file)
            tags = _read_tags(file) if "tag:" in source.match + source.group else {}
            text = _field(file, source.match, root, tags)
            matched = [d for d, pats in source.patterns.items() if any(p.search(text) for p in pats)]
            if len(matched) > 1:
                skipped.append((str(file), f"conflict: {', '.join(matched)}"))
            elif not matched:
                skipped.append((str(file), "no dance matched"))
            else:
                group = _field(file, source.group, root, tags) or str(file)
                items.append(Item(file, matched[0], group))
    return Dataset(items, skipped, f"{root} (rules {rules_path})")


def _parse_rules(root: Path, rules_path: Path) -> list[_Source]:
    """Read and validate a rules YAML file: `sources:` a list of {folder, match, group, dances,
    case_sensitive}, or one such mapping at the top level."""
    where = str(rules_path)
    if not rules_path.is_file():
        raise ConfigError(f"{where}: rules file not found; check the --rules path")
    try:
        doc = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if isinstance(doc, dict) and "dances" in doc:
        doc = {"sources": [doc]}
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list) or set(doc) != {"sources"}:
        raise ConfigError(f"{where}: expected a mapping with one key `sources:` (a list of sources) "
                          "or a single source with `dances:`")
    return [_parse_source(root, s, f"{where}: source {n + 1}") for n, s in enumerate(doc["sources"])]


def _parse_source(root: Path, raw: Any, where: str) -> _Source:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a mapping with keys {', '.join(sorted(RULE_SOURCE_KEYS))}")
    unknown = sorted(set(raw) - RULE_SOURCE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(RULE_SOURCE_KEYS))}")
    folder = root / str(raw.get("folder", "."))
    if not folder.is_dir():
        raise ConfigError(f"{where}: folder {folder} not found")
    match, group = str(raw.get("match", "name")), str(raw.get("group", "file"))
    for key, value in (("match", match), ("group", group)):
        allowed = ("name", "path", "folder") + (("file",) if key == "group" else ())
        if value not in allowed and not re.fullmatch(r"tag:\w+", value):
            raise ConfigError(f"{where}: {key}: {value!r} is not one of {', '.join(allowed)} or tag:<name>")
    dances = raw.get("dances")
    if not isinstance(dances, dict) or not dances:
        raise ConfigError(f"{where}: `dances:` must map dance names to a regular expression or a list of them")
    flags = 0 if raw.get("case_sensitive", False) else re.IGNORECASE
    patterns: dict[str, list[re.Pattern[str]]] = defaultdict(list)
    for name, regexes in dances.items():
        dance_id = _dance_id(str(name), where)
        for regex in [regexes] if isinstance(regexes, str) else list(regexes or []):
            try:
                patterns[dance_id].append(re.compile(str(regex), flags))
            except re.error as exc:
                raise ConfigError(f"{where}: bad regular expression {regex!r} for {name} ({exc})") from None
    return _Source(folder, match, group, dict(patterns))


def _field(file: Path, kind: str, root: Path, tags: dict[str, str]) -> str:
    """Text of a file for matching or grouping: its name (no extension), relative path, parent
    folder name, its own path ("file"), or a tag."""
    if kind == "name":
        return file.stem
    if kind == "path":
        return str(file.relative_to(root.absolute())) if file.is_relative_to(root.absolute()) else str(file)
    if kind == "folder":
        return file.parent.name
    if kind == "file":
        return str(file)
    return tags.get(kind.removeprefix("tag:").lower(), "")


def _read_tags(file: Path) -> dict[str, str]:
    """Lower-cased tag name -> text (several values joined with " / ") via mutagen; {} when none."""
    try:
        import mutagen
    except ImportError:
        raise ConfigError("matching on tags needs the mutagen package; pip install 'dancecore[train]'") from None
    try:
        tagged = mutagen.File(file, easy=True)
    except Exception:  # mutagen raises format-specific errors for damaged files
        return {}
    if tagged is None or tagged.tags is None:
        return {}
    return {str(k).lower(): " / ".join(map(str, v if isinstance(v, list) else [v])) for k, v in tagged.tags.items()}


def group_split(items: Sequence[Item], fractions: Sequence[float] = (0.8, 0.2), seed: int = 0) -> list[list[Item]]:
    """Split items into parts of about `fractions` of each dance, never splitting a group.

    Groups are visited largest first (ties in a seeded random order) and each goes to the part
    furthest below its share of that group's dances (then of all items), so every part gets its share of each dance as
    far as whole groups allow. Deterministic for a given seed.
    """
    if not fractions or any(f <= 0 for f in fractions):
        raise ConfigError(f"split fractions must be positive, got {list(fractions)}")
    shares = [f / sum(fractions) for f in fractions]
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.group].append(item)
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda g: -len(groups[g]))
    totals = Counter(item.dance for item in items)
    filled = [Counter() for _ in shares]
    parts: list[list[Item]] = [[] for _ in shares]
    for name in order:
        need = Counter(item.dance for item in groups[name])

        def deficit(p: int) -> tuple[float, float]:  # this group's dances first, then overall size
            dances = sum(n * (shares[p] * totals[d] - filled[p][d]) / totals[d] for d, n in need.items())
            return round(dances, 9), shares[p] * len(items) - sum(filled[p].values())

        best = max(range(len(shares)), key=deficit)
        parts[best] += groups[name]
        filled[best].update(need)
    return parts


def group_kfold(items: Sequence[Item], k: int = 5, seed: int = 0) -> list[tuple[list[Item], list[Item]]]:
    """k (train, test) pairs: the items split into k group-disjoint folds, each fold the test set once."""
    if k < 2:
        raise ConfigError(f"k-fold needs k >= 2, got {k}")
    folds = group_split(items, [1.0] * k, seed)
    return [([i for j, f in enumerate(folds) if j != n for i in f], fold) for n, fold in enumerate(folds)]

