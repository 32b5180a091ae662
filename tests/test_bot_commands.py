"""The slash command `/dance clip:` and the "Which dance?" message menu, driven with recording fake
interactions on real clips: defer then follow up, the embed equals the core's result, every
refusal is ephemeral, nothing is downloaded that is refused up front, one answer per request."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest

from bot_clips import bad_inputs, cut, phone_video, two_hour_mp3, wav_claiming_two_hours
from bot_fakes import FakeCDN, FakeInteraction
from bots.cog import NO_CLIP, DanceCog
from bots.config import BotConfig
from bots.discord_bot import DanceBot
from bots.embeds import TIMELINE_FILENAME, result_embed
from conftest import song
from dancecore.classify import Classifier
from dancecore.service import MB, ClassificationService, ServiceLimits



@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("command_media")
    jive, waltz = song(song_labels, "jive"), song(song_labels, "slow_waltz")
    files = {"clip": cut(jive, folder / "party.mp3", 45, 12, "-b:a", "96k"),
             "video": phone_video(waltz, folder / "VID_2024.mp4"),
             "voice": cut(waltz, folder / "voice-message.ogg", 60, 10, "-c:a", "libopus", "-b:a", "32k"),
             "two_hours": two_hour_mp3(jive, folder / "whole_party.mp3"),
             "wav_claims_two_hours": wav_claiming_two_hours(jive, folder / "claims.wav")}
    files.update(bad_inputs(folder / "bad", jive))
    image = folder / "poster.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    files["image"] = image
    return files


def make_cog(classifier: Classifier, **limits: float) -> DanceCog:
    config = BotConfig(limits=ServiceLimits(**{"cooldown_s": 0, **limits}), sync_commands=False)
    service = ClassificationService(classifier, config.limits)
    bot = DanceBot(config, service, intents=discord.Intents.default())
    return DanceCog(bot, service, config)


async def slash(cog: DanceCog, attachment: discord.Attachment, user_id: int = 1) -> FakeInteraction:
    interaction = FakeInteraction(user_id)
    await cog.dance.callback(cog, interaction, attachment)
    return interaction


async def menu(cog: DanceCog, attachments: list[discord.Attachment], user_id: int = 1) -> FakeInteraction:
    interaction = FakeInteraction(user_id)
    await cog.which_dance_menu.callback(interaction, SimpleNamespace(attachments=attachments))
    return interaction


def assert_result(interaction: FakeInteraction, classifier: Classifier, path: Path, name: str | None = None) -> dict:
    """Deferred first, one public follow-up whose embed is the embed of the core's own result."""
    assert interaction.calls == [("defer", True), ("followup", False)]
    answer = interaction.answer
    assert set(answer.files) == {TIMELINE_FILENAME} and answer.files[TIMELINE_FILENAME][:4] == b"\x89PNG"
    expected = result_embed(classifier.classify(path.read_bytes(), name or path.name), name or path.name)
    assert answer.embed == discord.Embed.from_dict(expected).to_dict()
    return answer.embed


async def test_slash_command_defers_then_answers_like_classify(classifier: Classifier, media: dict[str, Path]) -> None:
    cdn = FakeCDN()
    interaction = await slash(make_cog(classifier), cdn.attachment(media["clip"]))
    embed = assert_result(interaction, classifier, media["clip"])
    names = [f["name"] for f in embed["fields"]]
    assert names == ["Top three", "Tempo", "Style", "Listened to"]
    assert "BPM" in embed["fields"][1]["value"] or "no steady beat" in embed["fields"][1]["value"]
    assert embed["image"]["url"] == f"attachment://{TIMELINE_FILENAME}"
    assert cdn.downloads == [str(media["clip"])]


async def test_phone_video_and_voice_message(classifier: Classifier, media: dict[str, Path]) -> None:
    cdn, cog = FakeCDN(), make_cog(classifier)
    video = await slash(cog, cdn.attachment(media["video"], "video/mp4"), user_id=1)
    assert_result(video, classifier, media["video"])
    voice = await slash(cog, cdn.attachment(media["voice"], "audio/ogg"), user_id=2)
    assert_result(voice, classifier, media["voice"])


async def test_context_menu_picks_the_clip_among_attachments(classifier: Classifier, media: dict[str, Path]) -> None:
    cdn = FakeCDN()
    interaction = await menu(make_cog(classifier), [cdn.attachment(media["image"], "image/png"),
                                                    cdn.attachment(media["video"], "video/mp4")])
    assert_result(interaction, classifier, media["video"])
    assert cdn.downloads == [str(media["video"])]


async def test_context_menu_without_clip_refuses_at_once(classifier: Classifier, media: dict[str, Path]) -> None:
    cdn, cog = FakeCDN(), make_cog(classifier)
    nothing = await menu(cog, [])
    assert nothing.calls == [("response", True)] and nothing.answer.content == NO_CLIP
    image = await menu(cog, [cdn.attachment(media["image"], "image/png")])
    assert image.calls == [("response", True)] and "is not audio or video (image/png)" in image.answer.content
    assert cdn.downloads == []


async def test_oversized_attachment_refused_before_download(classifier: Classifier, media: dict[str, Path]) -> None:
    cdn = FakeCDN()
    huge = cdn.attachment(media["clip"], size=40 * MB, filename="concert.mp4")
    interaction = await slash(make_cog(classifier), huge)
    assert interaction.calls == [("response", True)]  # answered at once, no "thinking…"
    assert "40 MB" in interaction.answer.content and "25 MB" in interaction.answer.content
    assert cdn.downloads == []


@pytest.mark.parametrize("key, words", [
    ("text", "does not contain audio or video"),
    ("empty", "is empty (0 bytes)"),
    ("truncated_m4a", "couldn't read"),
    ("stub_mp3", "is only"),
])
async def test_bad_files_get_an_ephemeral_refusal(classifier: Classifier, media: dict[str, Path], key: str,
                                                  words: str) -> None:
    """Found only after download: the public "thinking…" is removed, the refusal is ephemeral."""
    cog = make_cog(classifier)
    interaction = await slash(cog, FakeCDN().attachment(media[key], "audio/mpeg"))
    assert interaction.calls == [("defer", True), ("delete_original", None), ("followup", True)]
    answer = interaction.answer
    assert words in answer.content and media[key].name.split("_")[0] in answer.content
    assert answer.embed is None and not answer.files and "Traceback" not in answer.content
    assert cog.service.held == 0
    after = await slash(cog, FakeCDN().attachment(media["clip"]), user_id=2)  # still working afterwards
    assert after.answer.embed is not None


async def test_two_hour_file_analyses_the_first_ten_minutes(classifier: Classifier, media: dict[str, Path]) -> None:
    interaction = await slash(make_cog(classifier), FakeCDN().attachment(media["two_hours"]))
    assert interaction.calls == [("defer", True), ("followup", False)]
    listened = {f["name"]: f["value"] for f in interaction.answer.embed["fields"]}["Listened to"]
    assert listened.startswith("the first 10:00 of 2:00:")


async def test_header_claiming_two_hours_is_answered_for_what_is_there(classifier: Classifier,
                                                                      media: dict[str, Path]) -> None:
    interaction = await slash(make_cog(classifier), FakeCDN().attachment(media["wav_claims_two_hours"], "audio/wav"))
    listened = {f["name"]: f["value"] for f in interaction.answer.embed["fields"]}["Listened to"]
    assert listened == "0:20"


async def test_cooldown_refuses_a_second_clip_at_once(classifier: Classifier, media: dict[str, Path]) -> None:
    cog = make_cog(classifier, cooldown_s=30)
    cdn = FakeCDN()
    first = await slash(cog, cdn.attachment(media["clip"]), user_id=7)
    second = await slash(cog, cdn.attachment(media["clip"]), user_id=7)
    assert first.answer.embed is not None
    assert second.calls == [("response", True)] and "try again in" in second.answer.content
    assert len(cdn.downloads) == 1


async def test_vanished_attachment_and_internal_errors_still_get_one_answer(classifier: Classifier,
                                                                            media: dict[str, Path],
                                                                            tmp_path: Path) -> None:
    gone = tmp_path / "deleted.mp3"
    gone.write_bytes(media["clip"].read_bytes())
    attachment = FakeCDN().attachment(gone)
    gone.unlink()  # deleted on Discord between posting and downloading
    vanished = await slash(make_cog(classifier), attachment)
    assert vanished.answer.ephemeral and "couldn't download" in vanished.answer.content
    broken = make_cog(Classifier(replace(classifier.model, classes=["a", "b"])))  # not the ten dances
    failed = await slash(broken, FakeCDN().attachment(media["clip"]))
    assert failed.answer.ephemeral and "went wrong on my side" in failed.answer.content


def test_commands_are_declared_for_servers_and_dms(classifier: Classifier) -> None:
    cog = make_cog(classifier)
    slash_command = cog.dance.to_dict(cog.bot.tree)
    assert slash_command["name"] == "dance"
    assert [o["name"] for o in slash_command["options"]] == ["clip"] and slash_command["options"][0]["type"] == 11
    assert set(slash_command["contexts"]) >= {0, 1}  # guild, bot DM
    menu_command = cog.which_dance_menu.to_dict(cog.bot.tree)
    assert menu_command["name"] == "Which dance?" and menu_command["type"] == 3  # message menu
    assert set(menu_command["contexts"]) >= {0, 1}
