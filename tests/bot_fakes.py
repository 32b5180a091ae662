"""In-process stand-ins for Discord's interaction endpoints, for driving the slash and context-menu
paths without the gateway. They record every call and enforce Discord's rules: one initial
response (defer or message) per interaction, follow-ups only after it. Attachments are real
discord.Attachment objects whose CDN download reads a local file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord


@dataclass
class Sent:
    """One message the bot sent: where ("response" or "followup"), text, embed dict, file names+bytes."""

    where: str
    content: str | None
    embed: dict[str, Any] | None
    files: dict[str, bytes]
    ephemeral: bool


class FakeCDN:
    """Serves attachment downloads from local files; counts them (busy requests must not download)."""

    def __init__(self) -> None:
        self.downloads: list[str] = []
        self.http = self  # discord.Attachment reads `state.http`

    async def get_from_cdn(self, url: str) -> bytes:
        self.downloads.append(url)
        path = Path(url)
        if not path.exists():
            raise discord.NotFound(SimpleNamespace(status=404, reason="Not Found"), "attachment is gone")
        return path.read_bytes()

    def attachment(self, path: Path, content_type: str | None = "audio/mpeg", size: int | None = None,
                   filename: str | None = None) -> discord.Attachment:
        data = {"id": len(self.downloads) + 1000, "filename": filename or path.name,
                "size": path.stat().st_size if size is None else size, "url": str(path), "proxy_url": str(path),
                "content_type": content_type}
        return discord.Attachment(data=data, state=self)  # type: ignore[arg-type]


def _sent(where: str, content: str | None, embed: discord.Embed | None, files: list[discord.File] | None,
          ephemeral: bool) -> Sent:
    return Sent(where, content, embed.to_dict() if embed else None,
                {f.filename: f.fp.read() for f in files or []}, ephemeral)


class FakeResponse:
    def __init__(self, interaction: "FakeInteraction") -> None:
        self._i = interaction

    def is_done(self) -> bool:
        return self._i.responded

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._i.initial("defer")
        self._i.calls.append(("defer", thinking))

    async def send_message(self, content: str | None = None, *, embed: discord.Embed | None = None,
                           files: list[discord.File] | None = None, ephemeral: bool = False) -> None:
        self._i.initial("send_message")
        self._i.sent.append(_sent("response", content, embed, files, ephemeral))
        self._i.calls.append(("response", ephemeral))


class FakeFollowup:
    def __init__(self, interaction: "FakeInteraction") -> None:
        self._i = interaction

    async def send(self, content: str | None = None, *, embed: discord.Embed | None = None,
                   files: list[discord.File] | None = None, ephemeral: bool = False) -> None:
        assert self._i.responded, "Discord refuses follow-ups before the interaction is responded to"
        self._i.sent.append(_sent("followup", content, embed, files, ephemeral))
        self._i.calls.append(("followup", ephemeral))


class FakeInteraction:
    """What the bot touches of a discord.Interaction: user, guild_id, response, followup,
    delete_original_response. `calls` lists every call in order; `sent` the messages."""

    def __init__(self, user_id: int, guild_id: int | None = 1) -> None:
        self.user = SimpleNamespace(id=user_id)
        self.guild_id = guild_id
        self.responded = False
        self.calls: list[tuple[str, Any]] = []
        self.sent: list[Sent] = []
        self.response = FakeResponse(self)
        self.followup = FakeFollowup(self)

    def initial(self, what: str) -> None:
        assert not self.responded, f"interaction already responded to; {what} would fail (40060)"
        self.responded = True

    async def delete_original_response(self) -> None:
        assert self.responded
        self.calls.append(("delete_original", None))

    @property
    def answer(self) -> Sent:
        """The one message the asker ends up seeing (asserts there is exactly one)."""
        assert len(self.sent) == 1, f"expected exactly one answer, got {self.sent}"
        return self.sent[0]
