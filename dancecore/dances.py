"""The ten ballroom dances: stable ids, display names, style, meter, tempo ranges and aliases.

Tempo ranges are the WDSF/WDC competition ranges in bars (measures) per minute (MPM);
beats per minute (BPM) follow as MPM x beats per bar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Dance:
    """One ballroom dance.

    id: stable identifier used in files and APIs; name: display name;
    style: "latin" or "standard"; beats_per_bar: meter numerator;
    mpm: competition tempo range in bars per minute (low, high);
    dj_beats_per_bar: beats per bar as DJ software and beat trackers count them (tango is written in 2/4 but
    counted at about 128 BPM, i.e. 4 per bar; samba and paso doble 2; the waltzes 3; the rest 4; None:
    beats_per_bar).
    """

    id: str
    name: str
    style: str
    beats_per_bar: int
    mpm: tuple[float, float]
    dj_beats_per_bar: int | None = None

    @property
    def meter(self) -> str:
        """Time signature as text, e.g. "3/4"."""
        return f"{self.beats_per_bar}/4"

    @property
    def bpm(self) -> tuple[float, float]:
        """Competition tempo range in beats per minute (low, high)."""
        return (self.mpm[0] * self.beats_per_bar, self.mpm[1] * self.beats_per_bar)

    @property
    def dj_bpm(self) -> tuple[float, float]:
        """Competition tempo range in beats per minute as DJ software counts them (low, high)."""
        per_bar = self.dj_beats_per_bar or self.beats_per_bar
        return (self.mpm[0] * per_bar, self.mpm[1] * per_bar)

    @property
    def mid_bpm(self) -> float:
        """Centre of the competition tempo range in beats per minute."""
        return sum(self.bpm) / 2


DANCES: tuple[Dance, ...] = (
    Dance("cha_cha_cha", "Cha Cha Cha", "latin", 4, (30, 32), 4),
    Dance("jive", "Jive", "latin", 4, (42, 44), 4),
    Dance("paso_doble", "Paso Doble", "latin", 2, (60, 62), 2),
    Dance("quickstep", "Quickstep", "standard", 4, (50, 52), 4),
    Dance("rumba", "Rumba", "latin", 4, (25, 27), 4),
    Dance("samba", "Samba", "latin", 2, (50, 52), 2),
    Dance("slow_foxtrot", "Slow Foxtrot", "standard", 4, (28, 30), 4),
    Dance("slow_waltz", "Slow Waltz", "standard", 3, (28, 30), 3),
    Dance("tango", "Tango", "standard", 2, (31, 33), 4),
    Dance("viennese_waltz", "Viennese Waltz", "standard", 3, (58, 60), 3),
)

DANCE_IDS: tuple[str, ...] = tuple(d.id for d in DANCES)
BY_ID: dict[str, Dance] = {d.id: d for d in DANCES}

# Names used by datasets (Extended Ballroom, GTZAN-style folders) and taggers.
# Keys are normalised with `_normalise` (lower case, letters and digits only).
_ALIASES: dict[str, str] = {
    "chachacha": "cha_cha_cha", "chacha": "cha_cha_cha", "cha": "cha_cha_cha", "ccc": "cha_cha_cha",
    "jive": "jive",
    "pasodoble": "paso_doble", "paso": "paso_doble",
    "quickstep": "quickstep", "qs": "quickstep",
    "rumba": "rumba", "rhumba": "rumba",
    "samba": "samba",
    "slowfoxtrot": "slow_foxtrot", "foxtrot": "slow_foxtrot", "slowfox": "slow_foxtrot", "fox": "slow_foxtrot",
    "slowwaltz": "slow_waltz", "waltz": "slow_waltz", "englishwaltz": "slow_waltz", "sw": "slow_waltz",
    "tango": "tango",
    "viennesewaltz": "viennese_waltz", "vw": "viennese_waltz", "wienerwalzer": "viennese_waltz",
    "viennese": "viennese_waltz",
}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve(name: str) -> str | None:
    """Map a dance name or alias ("Chacha", "Cha-Cha", "VW", "slow_waltz") to its id, or None."""
    return _ALIASES.get(_normalise(name))


def dance(dance_id: str) -> Dance:
    """The Dance for an id or alias; raises KeyError naming the valid ids."""
    resolved = resolve(dance_id)
    if resolved is None:
        raise KeyError(f"unknown dance {dance_id!r}; known: {', '.join(DANCE_IDS)}")
    return BY_ID[resolved]


def nearest_by_tempo(bpm: float) -> str:
    """Tempo-only rule: the dance whose competition range (in BPM) is nearest to `bpm`,
    distance measured relative to the range's centre."""
    best, best_cost = DANCE_IDS[0], float("inf")
    for d in DANCES:
        low, high = d.bpm
        cost = 0.0 if low <= bpm <= high else min(abs(bpm - low), abs(bpm - high)) / d.mid_bpm
        if cost < best_cost:
            best, best_cost = d.id, cost
    return best
