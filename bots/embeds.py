"""What the bot posts for an outcome, as plain data: the same Reply is sent to Discord and printed
by `dancecore-bot --dry-run`, so the dry run shows exactly the live answer. No discord imports."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dancecore import wording
from dancecore.dances import BY_ID
from dancecore.result import Result
from dancecore.service import Answer, Busy, Outcome, Refusal

TIMELINE_FILENAME = "timeline.png"
BAR_CELLS = 12
STYLE_COLOURS = {"latin": 0xE8590C, "standard": 0x1C7ED6}   # the web page's heading colours by style
NOT_SURE_COLOUR = 0x868E96
OTHER_DANCE = "sounds like another dance"   # how the core's reason begins when the music fits none of the ten
OTHER_DANCE_NOTE = ("It may be music for another social dance (salsa, bachata, swing, polka…): "
                    "I know only the ten ballroom dances.")
MAX_NAME_CHARS = 80
FIELD_CHARS = 1024   # Discord's limit on an embed field's value


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
        embed = result_embed(outcome.result, name, bool(files))
        if len(outcome.sections) > 1:   # a set: its songs one by one, after the top three
            embed["fields"].insert(1, {"name": "Songs in this recording", "inline": False,
                                       "value": songs_text([s.to_dict() for s in outcome.sections])})
        return Reply(kind="result", embed=embed, files=files)
    if isinstance(outcome, (Refusal, Busy)):
        return Reply(kind=outcome.kind, content=escape_markdown(outcome.message), ephemeral=True)
    raise TypeError(f"not an outcome: {outcome!r}")


def text_reply(kind: str, text: str) -> Reply:
    """An ephemeral plain-text reply (help, or a problem found by the front end itself)."""
    return Reply(kind=kind, content=escape_markdown(text), ephemeral=True)


def result_embed(result: Result, name: str, with_timeline: bool = True) -> dict[str, Any]:
    """Embed dict: what the music sounds like and how sure (or "Not sure", why, and the best guess; plainly
    when it may be another social dance), top three with bars, tempo and meter, latin or standard, what was
    listened to, the timeline image. The words are dancecore.wording's, as in the CLI and on the web page."""
    r = result.to_dict()
    ranked = result.ranked
    title = wording.headline(r)   # the web page's heading: the dance (and what it also fits), or "Not sure"
    if result.not_sure:
        description = _sentence(wording.how_sure(r))
        if (result.not_sure_reason or "").startswith(OTHER_DANCE):
            description += " " + OTHER_DANCE_NOTE
        colour = NOT_SURE_COLOUR
        styles = {BY_ID[d].style for d, _ in ranked[:2]}
        style = f"probably {styles.pop().title()}" if len(styles) == 1 else "Latin or Standard"
    else:
        top = BY_ID[result.dance]
        description = f"The music sounds like a **{top.name}** to me ({wording.how_sure(r)})"
        if result.also_fits:
            description += f"; it would also fit a **{BY_ID[result.also_fits].name}**"
        description += "."
        colour = STYLE_COLOURS[top.style]
        style = top.style.title()
    top3 = "\n".join(f"`{_bar(p)}` {wording.percent(p):>4} {BY_ID[d].name}" for d, p in ranked[:3])
    meter = wording.meter(r)
    embed: dict[str, Any] = {
        "title": title,
        "description": description,
        "color": colour,
        "fields": [
            {"name": "Top three", "value": top3, "inline": False},
            {"name": "Tempo", "value": wording.tempo(r) + (f"\nmeter {meter}" if meter else ""), "inline": True},
            {"name": "Style", "value": style, "inline": True},
            {"name": "Listened to", "value": _listened(r), "inline": True},
        ],
        "footer": {"text": f"{_short(name)} · model {result.model.get('name', '?')} ({result.model.get('arch', '?')})"},
    }
    if with_timeline:
        embed["image"] = {"url": f"attachment://{TIMELINE_FILENAME}"}
    return embed


def songs_text(sections: list[dict[str, Any]]) -> str:
    """One line per song of a set ("1:18-2:15 Slow Waltz, 90% sure", as dancecore.wording.section says it), within
    an embed field's FIELD_CHARS: the songs that do not fit are counted on a last line."""
    lines = [wording.section(s) for s in sections]
    for shown in range(len(lines), 0, -1):
        more = f"\n… and {len(lines) - shown} more" if shown < len(lines) else ""
        text = "\n".join(lines[:shown]) + more
        if len(text) <= FIELD_CHARS:
            return text
    return f"{len(lines)} songs"


def escape_markdown(text: str) -> str:
    """Text shown literally in Discord (file names may contain * _ ` ~ | >)."""
    return "".join("\\" + ch if ch in "\\*_`~|>[]" else ch for ch in text)


def _sentence(text: str) -> str:
    """Text as a sentence: capital first letter, full stop."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _listened(r: dict[str, Any]) -> str:
    heard = wording.listened(r)
    if r["truncated"] and not r["incomplete"] and r["source_duration_s"]:
        return f"{heard}; send a cut of another part to hear that"
    return heard


def _bar(p: float) -> str:
    filled = int(round(p * BAR_CELLS))
    return "█" * filled + "░" * (BAR_CELLS - filled)


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"
