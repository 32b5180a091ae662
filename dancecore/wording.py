"""How every front end says a result in words: the CLI table, the timeline picture's title, the bot's embed.

The functions read the JSON object of `dancecore classify --json` (`Result.to_dict()`), the form every front
end has; the web page and the marquee say the same in dancecore/web/static/words.js (a browser test checks
that both give the same words for the same answer). "Not sure" is said one way: the heading is "Not sure",
never a dance name, followed by the core's reason in words and the best guess.
"""
from __future__ import annotations

import math
from typing import Any

ALSO_FITS = " - also fits "


def whole(x: float) -> int:
    """`x` rounded to a whole number, halves up (as JavaScript's Math.round, so the page says the same)."""
    return math.floor(x + 0.5)


def duration(seconds: float) -> str:
    """Seconds as m:ss or h:mm:ss."""
    total = whole(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(p: float) -> str:
    """A probability as a whole percentage, "82%"."""
    return f"{whole(100 * p)}%"


def headline(r: dict[str, Any]) -> str:
    """"Rumba", "Rumba - also fits Cha Cha Cha", or "Not sure"."""
    if r["not_sure"]:
        return "Not sure"
    return r["dance_name"] + (ALSO_FITS + r["also_fits"]["name"] if r.get("also_fits") else "")


def how_sure(r: dict[str, Any]) -> str:
    """"82% sure", or why not sure and the best guess: "no steady beat; best guess Jive, 31%",
    "sounds like another dance, closest: Jive (31%)"."""
    if not r["not_sure"]:
        return f"{percent(r['confidence'])} sure"
    reason = r.get("not_sure_reason") or "the music does not clearly fit one dance"
    if reason.endswith(r["dance_name"]):
        return f"{reason} ({percent(r['confidence'])})"
    return f"{reason}; best guess {r['dance_name']}, {percent(r['confidence'])}"


def verdict(r: dict[str, Any]) -> str:
    """The answer in one line: "Rumba - also fits Cha Cha Cha, 52% sure", "Not sure: no steady beat; best
    guess Jive, 31%"."""
    return f"Not sure: {how_sure(r)}" if r["not_sure"] else f"{headline(r)}, {how_sure(r)}"


def tempo(r: dict[str, Any]) -> str:
    """"90 BPM = 30 bars/min (DJ 90)", or "no steady beat found"."""
    t = r["tempo"]
    if t["bpm"] <= 0:
        return "no steady beat found"
    return f"{whole(t['bpm'])} BPM = {whole(t['mpm'])} bars/min (DJ {whole(t['dj_bpm'])})"


def meter(r: dict[str, Any]) -> str | None:
    """The meter heard, "3/4" or "4/4"; None when no beat was heard."""
    return f"{r['meter']['beats_per_bar']}/4" if r.get("meter") else None


def listened(r: dict[str, Any]) -> str:
    """What was analysed: "3:14", "the first 10:00 of 1:02:03", "1:37 of 3:14: the file ends early, damaged
    or cut off", "0:04 (short: 10 to 30 s gives a surer answer)"."""
    heard = duration(r["duration_s"])
    length = r.get("source_duration_s")
    if r.get("incomplete"):
        return f"{heard}{f' of {duration(length)}' if length else ''}: the file ends early, damaged or cut off"
    if r.get("truncated") and length:
        return f"the first {heard} of {duration(length)}"
    if r.get("padded"):
        return f"{heard} (short: 10 to 30 s gives a surer answer)"
    return heard


def span(s: dict[str, Any]) -> str:
    """Where a song of a longer recording (a --sections object, with start_s and end_s) lies: "1:18-2:15"."""
    return f"{duration(s['start_s'])}-{duration(s['end_s'])}"


def section(s: dict[str, Any]) -> str:
    """One song of a longer recording in a line: "1:18-2:15 Slow Waltz, 90% sure"."""
    return f"{span(s)} {verdict(s)}"


def title(name: str, r: dict[str, Any]) -> str:
    """A picture's title: the file's name and the verdict with its confidence."""
    return f"{name}: {verdict(r)}"
