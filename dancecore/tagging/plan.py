"""Which keys to change: the wished values against what the file holds and what dancecore wrote before.

The rule, for every key: an empty key is filled; a key that still holds what dancecore wrote is updated
(or, when no longer wished for, given back what it held before); a key holding anybody else's value is
kept unless `overwrite` (its value is then remembered in the record, so --remove gives it back).
"""
from __future__ import annotations

from dataclasses import dataclass

from dancecore.dances import BY_ID
from dancecore.tagging.config import TagConfig
from dancecore.tagging.containers import TagFile
from dancecore.tagging.record import Facts

Owned = dict[str, list[str] | None]  # {"wrote": values, "before": values or None}


@dataclass(frozen=True)
class Change:
    """One key: `old` -> `new` (None: absent). kept: `new` was wished but the key holds someone else's value."""

    key: str
    old: list[str] | None
    new: list[str] | None
    kept: bool = False


@dataclass
class Plan:
    """The changes for one file and the keys dancecore owns afterwards (for the record)."""

    changes: list[Change]
    owned: dict[str, Owned]

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if not c.kept]


def template_values(facts: Facts, config: TagConfig, model: str) -> dict[str, object]:
    """The names a field's value template may use (dancecore.tagging.config.TEMPLATE_NAMES)."""
    return {"dance": config.dance_name(facts.dance), "dance_id": facts.dance, "style": BY_ID[facts.dance].style,
            "confidence": facts.confidence, "bpm": facts.bpm, "mpm": facts.mpm, "dj_bpm": facts.dj_bpm,
            "also_fits": config.dance_name(facts.also_fits) if facts.also_fits else "",
            "meter": f"{facts.beats_per_bar}/4" if facts.beats_per_bar else "", "model": model}


def wished(facts: Facts, config: TagConfig, kind: str, model: str) -> dict[str, list[str]]:
    """key -> values the enabled fields write for tag format `kind`; nothing for a song the model is not
    sure about unless config.not_sure is "write"; fields whose template renders empty are left out."""
    if facts.not_sure and config.not_sure == "skip":
        return {}
    values = template_values(facts, config, model)
    out = {}
    for spec in config.fields.values():
        text = spec.value.format(**values) if spec.write else ""
        for key in getattr(spec, kind) if text else []:
            out[key] = [text]
    return out


def plan(tags: TagFile, owned: dict[str, Owned], wish: dict[str, list[str]], overwrite: bool) -> Plan:
    """Changes turning `tags` towards `wish`, given the keys dancecore `owned` before (from the record)."""
    changes: list[Change] = []
    now_owned: dict[str, Owned] = {}
    for key in [*wish, *(k for k in owned if k not in wish)]:
        current, want, mine = tags.get(key), wish.get(key), owned.get(key)
        ours = mine is not None and current == mine["wrote"]
        if want is None:
            if ours:
                changes.append(Change(key, current, mine["before"]))
        elif current == want:
            if ours:
                now_owned[key] = mine
        elif current is None or ours or overwrite:
            changes.append(Change(key, current, want))
            now_owned[key] = {"wrote": want, "before": mine["before"] if ours else current}
        else:
            changes.append(Change(key, current, want, kept=True))
    return Plan(changes, now_owned)
