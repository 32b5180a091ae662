"""The message path under dpytest (discord.py's own state and HTTP layer, faked at the wire): clips
posted in auto-reply channels, in DMs and with a mention get an embed + timeline reply; other
channels and non-media posts are left alone; refusals are replies that delete themselves."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio
from discord.ext.test import backend, factories

from bot_clips import bad_inputs, cut
from bots.cog import HELP
from bots.config import BotConfig
from bots.discord_bot import DanceBot
from bots.embeds import TIMELINE_FILENAME, escape_markdown, result_embed
from conftest import song
from dancecore.classify import Classifier
from dancecore.service import ClassificationService, ServiceLimits

_dpytest_send_message = backend.FakeHttp.send_message


async def _send_message_with_files(self: backend.FakeHttp, channel_id: int, *,
                                   params: discord.http.MultipartParameters):
    """dpytest 0.7.0 drops the embed of a message that also carries files (discord.py then sends it
    as multipart `payload_json`, which dpytest does not read); put it back, keep the rest."""
    channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841 - dpytest looks up `channel` in its caller
    if params.payload is None and params.multipart:
        payload = json.loads(next(p["value"] for p in params.multipart if p["name"] == "payload_json"))
        params = params._replace(payload=payload)
    return await _dpytest_send_message(self, channel_id, params=params)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("message_media")
    files = {"clip": cut(song(song_labels, "tango"), folder / "milonga_night.m4a", 50, 12, "-c:a", "aac"),
             "voice": cut(song(song_labels, "rumba"), folder / "voice-message.ogg", 40, 10, "-c:a", "libopus")}
    files.update(bad_inputs(folder / "bad", song(song_labels, "rumba")))
    return files


@pytest_asyncio.fixture
async def bot(classifier: Classifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A DanceBot on dpytest's fake guild (2 text channels, auto-reply in the first one)."""
    monkeypatch.chdir(tmp_path)  # dpytest writes sent attachments as ./dpytest_N.dat
    monkeypatch.setattr(backend.FakeHttp, "send_message", _send_message_with_files)
    intents = discord.Intents.default()
    intents.members = True  # dpytest needs it, or its fake member is None
    intents.message_content = True
    config = BotConfig(limits=ServiceLimits(cooldown_s=0), refusal_delete_after_s=0.5, sync_commands=False)
    service = ClassificationService(classifier, config.limits)
    instance = DanceBot(config, service, intents=intents)
    await instance._async_setup_hook()
    dpytest.configure(instance, text_channels=2)
    backend.get_state().loop = asyncio.get_running_loop()  # dpytest leaves it unset; typing() needs it
    instance.config = dataclasses.replace(config, auto_reply_channels=frozenset({channel(0).id}))
    await instance.setup_hook()
    yield instance
    await dpytest.empty_queue()
    service.close()


def channel(index: int) -> discord.TextChannel:
    return dpytest.get_config().channels[index]


def post(where: discord.abc.Messageable, path: Path | None, content_type: str | None = "audio/mpeg",
         text: str = "what do we dance to this?") -> discord.Message:
    """A member posts `text` with `path` attached (declared type as Discord would give it)."""
    member = dpytest.get_config().members[0]
    attachments = []
    if path is not None:
        uri = path.absolute().as_uri()
        attachments.append(discord.Attachment(state=backend.get_state(), data=factories.make_attachment_dict(
            path.name, path.stat().st_size, uri, uri, content_type=content_type)))
    return backend.make_message(text, member, where, attachments=attachments)


async def replies() -> list[discord.Message]:
    await dpytest.run_all_events()
    sent = []
    while not dpytest.sent_queue.empty():
        sent.append(await dpytest.sent_queue.get())
    return sent


def expected_embed(classifier: Classifier, path: Path) -> dict:
    return discord.Embed.from_dict(result_embed(classifier.classify(path.read_bytes(), path.name), path.name)).to_dict()


def assert_result_reply(message: discord.Message, classifier: Classifier, path: Path) -> None:
    assert [a.filename for a in message.attachments] == [TIMELINE_FILENAME]
    assert Path(message.attachments[0].url.removeprefix("file://")).read_bytes()[:4] == b"\x89PNG"
    assert len(message.embeds) == 1 and message.embeds[0].to_dict() == expected_embed(classifier, path)


async def test_clip_in_auto_reply_channel(bot: DanceBot, classifier: Classifier, media: dict[str, Path]) -> None:
    post(channel(0), media["clip"], "audio/mp4")
    sent = await replies()
    assert len(sent) == 1
    assert_result_reply(sent[0], classifier, media["clip"])


async def test_clip_in_direct_message(bot: DanceBot, classifier: Classifier, media: dict[str, Path]) -> None:
    dm = await dpytest.get_config().members[0].create_dm()
    post(dm, media["voice"], "audio/ogg", text="")
    sent = await replies()
    assert len(sent) == 1 and isinstance(sent[0].channel, discord.DMChannel)
    assert_result_reply(sent[0], classifier, media["voice"])


async def test_other_channels_only_when_mentioned(bot: DanceBot, classifier: Classifier,
                                                  media: dict[str, Path]) -> None:
    post(channel(1), media["clip"], "audio/mp4")
    assert await replies() == []
    post(channel(1), media["clip"], "audio/mp4", text=f"<@{bot.user.id}> which dance?")
    sent = await replies()
    assert len(sent) == 1
    assert_result_reply(sent[0], classifier, media["clip"])
    post(channel(1), None, text=f"<@{bot.user.id}> hello")
    (help_reply,) = await replies()
    assert help_reply.content == escape_markdown(HELP)


async def test_non_media_posts_in_auto_channel_are_ignored(bot: DanceBot, media: dict[str, Path],
                                                           tmp_path: Path) -> None:
    poster = tmp_path / "poster.png"
    poster.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    post(channel(0), poster, "image/png")
    post(channel(0), None, text="see you all on Friday")
    assert await replies() == []


async def test_bad_files_refused_then_refusal_deletes_itself(bot: DanceBot, classifier: Classifier,
                                                             media: dict[str, Path]) -> None:
    for key, words in [("text", "does not contain audio or video"), ("empty", "is empty"),
                       ("truncated_m4a", "couldn't read"), ("stub_mp3", "is only")]:
        post(channel(0), media[key], "audio/mpeg")
        (refusal,) = await replies()
        assert words in refusal.content and not refusal.embeds and not refusal.attachments
        history = [m.id async for m in channel(0).history(limit=50)]
        assert refusal.id in history
        await asyncio.sleep(1.0)  # refusal_delete_after_s = 0.5
        assert refusal.id not in [m.id async for m in channel(0).history(limit=50)]
    post(channel(0), media["clip"], "audio/mp4")  # and the bot still answers afterwards
    (answer,) = await replies()
    assert_result_reply(answer, classifier, media["clip"])


async def test_bots_own_messages_are_ignored(bot: DanceBot, media: dict[str, Path]) -> None:
    uri = media["clip"].absolute().as_uri()
    attachment = discord.Attachment(state=backend.get_state(), data=factories.make_attachment_dict(
        media["clip"].name, media["clip"].stat().st_size, uri, uri, content_type="audio/mp4"))
    backend.make_message("", bot.user, channel(0), attachments=[attachment])
    assert await replies() == []
