"""The Discord side: `/dance clip:`, the "Which dance?" message menu, and answers to clips posted in
chosen channels, in DMs or with a mention. Each request gets exactly one reply: a result, a refusal
or busy. Refusals are ephemeral for commands; in channels they are replies that delete themselves."""
from __future__ import annotations

import contextlib
import io
import itertools
import logging
import time
from typing import AsyncIterator, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bots.config import BotConfig
from bots.embeds import Reply, reply_for, text_reply
from dancecore.service import Answer, ClassificationService, Outcome, Refusal, Slot, human_size

log = logging.getLogger("dancecore.bot")

HELP = ("Send me a recording (mp3, m4a, wav, ogg, a phone video or a voice message; 10 to 30 s is plenty) "
        "and I'll say which ballroom dance fits it. "
        "In a server: /dance, or right-click a message > Apps > Which dance?")
NO_CLIP = "That message has no audio or video attachment. Use Which dance? on a message with a recording."
DOWNLOAD_FAILED = "I couldn't download {name} from Discord; please try again."
INTERNAL = "Something went wrong on my side; please try again. If it keeps happening, tell whoever runs me."
MEDIA_SUFFIXES = (".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac", ".aif", ".aiff", ".wma",
                  ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".3gp", ".amr", ".caf")


class Responder(Protocol):
    """Where a request's one reply goes, and how the bot shows it is working."""

    def working(self) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def send(self, reply: Reply) -> None: ...


class InteractionResponder:
    """Replies to a slash or context-menu interaction. Refusals found before any work are the
    interaction's (ephemeral) response; otherwise it defers ("thinking…") and follows up. A refusal
    after deferring removes the public "thinking" message and follows up ephemerally instead."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.deferred = False

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        await self.interaction.response.defer(thinking=True)
        self.deferred = True
        yield

    async def send(self, reply: Reply) -> None:
        kwargs = _message_kwargs(reply)
        if not self.deferred:
            await self.interaction.response.send_message(**kwargs, ephemeral=reply.ephemeral)
        elif reply.ephemeral:
            with contextlib.suppress(discord.HTTPException):
                await self.interaction.delete_original_response()
            await self.interaction.followup.send(**kwargs, ephemeral=True)
        else:
            await self.interaction.followup.send(**kwargs)


class MessageResponder:
    """Replies to a posted message; shows "typing…" while working; refusals in a server channel
    delete themselves after `delete_after_s` (0: kept), in DMs they stay."""

    def __init__(self, message: discord.Message, delete_after_s: float) -> None:
        self.message = message
        self.delete_after_s = delete_after_s

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        async with self.message.channel.typing():
            yield

    async def send(self, reply: Reply) -> None:
        in_server = self.message.guild is not None
        delete_after = self.delete_after_s if reply.ephemeral and in_server and self.delete_after_s > 0 else None
        await self.message.reply(**_message_kwargs(reply), mention_author=False, delete_after=delete_after)


def _message_kwargs(reply: Reply) -> dict:
    kwargs: dict = {"content": reply.content}
    if reply.embed is not None:
        kwargs["embed"] = discord.Embed.from_dict(reply.embed)
    if reply.files:
        kwargs["files"] = [discord.File(io.BytesIO(data), filename=name) for name, data in reply.files]
    return kwargs


class DanceCog(commands.Cog):
    """Dance recognition for Discord, on top of a shared ClassificationService."""

    def __init__(self, bot: commands.Bot, service: ClassificationService, config: BotConfig) -> None:
        self.bot = bot
        self.service = service
        self.config = config
        self._ids = itertools.count(1)
        self.which_dance_menu = app_commands.ContextMenu(
            name="Which dance?", callback=self.which_dance,
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True))

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.which_dance_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.which_dance_menu.name, type=self.which_dance_menu.type)

    @app_commands.command(name="dance", description="Say which ballroom dance a recording is for")
    @app_commands.describe(clip="a recording: mp3, m4a, wav, ogg, a phone video… (10 to 30 s is plenty)")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def dance(self, interaction: discord.Interaction, clip: discord.Attachment) -> None:
        """/dance clip:<attachment>"""
        await self.handle(InteractionResponder(interaction), clip, interaction.user.id, "slash",
                          interaction.guild_id)

    async def which_dance(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Message menu "Which dance?": the first audio or video attachment of the message."""
        clip = pick_attachment(message.attachments, only_media=False)
        if clip is None:
            await self.reply_text(InteractionResponder(interaction), "no_clip", NO_CLIP, "context")
            return
        await self.handle(InteractionResponder(interaction), clip, interaction.user.id, "context",
                          interaction.guild_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Clips in auto-reply channels, in DMs, or in a message that mentions the bot."""
        if message.author.bot or message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        is_dm = message.guild is None
        channel_ids = {message.channel.id, getattr(message.channel, "parent_id", None)}
        auto = not is_dm and bool(channel_ids & self.config.auto_reply_channels)
        mentioned = (self.config.mentions and not is_dm and self.bot.user is not None
                     and self.bot.user in message.mentions)
        asked = (is_dm and self.config.direct_messages) or mentioned
        if not (auto or asked):
            return
        clip = pick_attachment(message.attachments, only_media=not asked)
        responder = MessageResponder(message, self.config.refusal_delete_after_s)
        if clip is None:
            if asked:  # someone spoke to the bot without a clip: tell them how
                await self.reply_text(responder, "help", HELP, "dm" if is_dm else "mention")
            return
        via = "dm" if is_dm else "channel" if auto else "mention"
        await self.handle(responder, clip, message.author.id, via, message.guild.id if message.guild else None)

    async def handle(self, responder: Responder, clip: discord.Attachment, user_id: int, via: str,
                     guild_id: int | None) -> None:
        """One request, one reply. Logs what was asked, how long it took and what was answered
        (never message text, file names or the token)."""
        request = next(self._ids)
        started = time.monotonic()
        outcome: Outcome | None = None
        summary = "no reply (failed)"
        try:
            admitted = self.service.admit(user_id, clip.size, clip.content_type, clip.filename)
            if isinstance(admitted, Slot):
                async with admitted as slot, responder.working():
                    outcome = await self._download_and_classify(slot, clip)
            else:
                outcome = admitted
            reply = reply_for(outcome, clip.filename)
            summary = _summarise(outcome)
            await responder.send(reply)
        except Exception:  # a bug or Discord trouble: log it, tell the asker briefly, keep running
            log.exception("request %d failed", request)
            summary = "no reply (failed)"
            with contextlib.suppress(Exception):
                await responder.send(text_reply("internal", INTERNAL))
                summary = "refusal internal"
        finally:
            log.info("request %d via %s guild=%s user=%s size=%s type=%s -> %s in %.1f s", request, via,
                     guild_id, user_id, human_size(clip.size or 0), clip.content_type or "?", summary,
                     time.monotonic() - started)

    async def reply_text(self, responder: Responder, kind: str, text: str, via: str) -> None:
        """A one-line answer that is not about a clip (help, no attachment)."""
        try:
            await responder.send(text_reply(kind, text))
        finally:
            log.info("request %d via %s -> %s", next(self._ids), via, kind)

    async def _download_and_classify(self, slot: Slot, clip: discord.Attachment) -> Answer | Refusal:
        try:
            data = await clip.read()
        except (discord.HTTPException, OSError):
            return Refusal("download", DOWNLOAD_FAILED.format(name=clip.filename))
        return await slot.classify(data)


def pick_attachment(attachments: list[discord.Attachment], only_media: bool) -> discord.Attachment | None:
    """The first attachment that is audio or video by declared type (or, undeclared, by name).
    only_media False: else the first attachment at all, so its refusal can say what it is."""
    for attachment in attachments:
        declared = (attachment.content_type or "").lower()
        if declared.startswith(("audio/", "video/")) or (
                not declared and attachment.filename.lower().endswith(MEDIA_SUFFIXES)):
            return attachment
    if only_media or not attachments:
        return None
    return attachments[0]


def _summarise(outcome: Outcome) -> str:
    if isinstance(outcome, Answer):
        r = outcome.result
        verdict = "not sure" if r.not_sure else "sure"
        return (f"result {r.dance} {r.confidence:.2f} ({verdict}), {r.duration_s:.0f} s analysed, "
                f"waited {outcome.wait_s:.1f} s, analysis {outcome.run_s:.1f} s")
    return f"{'refusal ' if isinstance(outcome, Refusal) else ''}{outcome.kind}"
