"""What the bot posts for an outcome, as plain data: the same Reply is sent to Discord and printed
by `dancecore-bot --dry-run`, so the dry run shows exactly the live answer. No discord imports."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dancecore.dances import BY_ID
from dancecore.result import Result
from dancecore.service import Answer, Busy, Outcome, Refusal, human_duration

TIMELINE_FILENAME = "timeline.png"
BAR_CELLS = 12
STYLE_COLOURS = {"latin": 0xE8590C, "standard": 0x1C7ED6}
NOT_SURE_COLOUR = 0x868E96
MAX_NAME_CHARS = 80


@dataclass
class Reply:
    """One message to post. embed: a Discord embed as a dict (discord.Embed.from_dict reads it);
    files: (filename, bytes) attachments; ephemeral: only the asker sees it (a refusal or busy)."""

    kind: str
    content: str | None = None
    embed: dict[str, Any] | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    ephemeral: bool = False

    def to_json(self) -> dict[str, Any]:
        """The dry-run form: everything posted, attachments by name."""
        return {"kind": self.kind, "ephemeral": self.ephemeral, "content": self.content,
                "embeds": [self.embed] if self.embed else [], "attachments": [name for name, _ in self.files]}


def reply_for(outcome: Outcome, name: str) -> Reply:
    """The reply for an Answer (embed + timeline), a Refusal or Busy (short ephemeral text)."""
    if isinstance(outcome, Answer):
        files = [(TIMELINE_FILENAME, outcome.timeline_png)] if outcome.timeline_png else []
        return Reply(kind="result", embed=result_embed(outcome.result, name, bool(files)), files=files)
    if isinstance(outcome, (Refusal, Busy)):
        return Reply(kind=outcome.kind, content=escape_markdown(outcome.message), ephemeral=True)
    raise TypeError(f"not an outcome: {outcome!r}")


def text_reply(kind: str, text: str) -> Reply:
    """An ephemeral plain-text reply (help, or a problem found by the front end itself)."""
    return Reply(kind=kind, content=escape_markdown(text), ephemeral=True)


def result_embed(result: Result, name: str, with_timeline: bool = True) -> dict[str, Any]:
    """Embed dict: dance and confidence (or "not sure" and the two closest), top three with bars,
    tempo in BPM and bars per minute, latin or standard, what was listened to, the timeline image."""
    ranked = result.ranked
    top = BY_ID[result.dance]
    if result.not_sure:
        (first, p1), (second, p2) = ranked[:2]
        title = f"Not sure: {BY_ID[first].name} or {BY_ID[second].name}?"
        description = (f"{_doubt(result)} The two closest: **{BY_ID[first].name}** ({_percent(p1)}) "
                       f"and **{BY_ID[second].name}** ({_percent(p2)}).")
        colour = NOT_SURE_COLOUR
        styles = {BY_ID[first].style, BY_ID[second].style}
        style = f"probably {styles.pop().title()}" if len(styles) == 1 else "Latin or Standard"
    else:
        title = f"{top.name} ({_percent(result.confidence)})"
        description = f"Dance a **{top.name}** to this: a {top.style} dance in {top.meter}."
        colour = STYLE_COLOURS[top.style]
        style = top.style.title()
    top3 = "\n".join(f"`{_bar(p)}` {_percent(p):>4} {BY_ID[d].name}" for d, p in ranked[:3])
    embed: dict[str, Any] = {
        "title": title,
        "description": description,
        "color": colour,
        "fields": [
            {"name": "Top three", "value": top3, "inline": False},
            {"name": "Tempo", "value": _tempo(result), "inline": True},
            {"name": "Style", "value": style, "inline": True},
            {"name": "Listened to", "value": _listened(result), "inline": True},
        ],
        "footer": {"text": f"{_short(name)} · model {result.model.get('name', '?')} ({result.model.get('arch', '?')})"},
    }
    if with_timeline:
        embed["image"] = {"url": f"attachment://{TIMELINE_FILENAME}"}
    return embed


def escape_markdown(text: str) -> str:
    """Text shown literally in Discord (file names may contain * _ ` ~ | >)."""
    return "".join("\\" + ch if ch in "\\*_`~|>[]" else ch for ch in text)


def _doubt(result: Result) -> str:
    reason = result.not_sure_reason or ""
    if reason.startswith("no steady beat"):
        return "I can't hear a steady beat to dance to."
    return "The music doesn't clearly fit one dance."


def _tempo(result: Result) -> str:
    if result.tempo_bpm <= 0:
        return "no steady beat found"
    meter = BY_ID[result.dance].meter
    return f"{result.tempo_bpm:.0f} BPM\n{result.tempo_mpm:.0f} bars/min ({meter})"


def _listened(result: Result) -> str:
    heard = human_duration(result.duration_s)
    if result.truncated and result.source_duration_s:
        return (f"the first {heard} of {human_duration(result.source_duration_s)}; "
                "send a cut of another part to hear that")
    if result.padded:
        return f"{heard} (short: 10 to 30 s gives a surer answer)"
    return heard


def _bar(p: float) -> str:
    filled = int(round(p * BAR_CELLS))
    return "█" * filled + "░" * (BAR_CELLS - filled)


def _percent(p: float) -> str:
    return f"{100 * p:.0f}%"


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"
