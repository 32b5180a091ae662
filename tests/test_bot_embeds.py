"""bots.embeds: the reply for every kind of outcome, from Result objects as the core makes them,
within Discord's embed limits."""
from __future__ import annotations

import discord
import pytest

from bots.embeds import TIMELINE_FILENAME, Reply, escape_markdown, reply_for, result_embed
from dancecore.dances import DANCE_IDS
from dancecore.result import Result
from dancecore.service import Answer, Busy, Refusal


def make_result(top: str = "cha_cha_cha", p_top: float = 0.82, second: str = "rumba", bpm: float = 124.0,
                not_sure_reason: str | None = None, **extra) -> Result:
    rest = (1 - p_top) / (len(DANCE_IDS) - 1)
    probabilities = {d: rest for d in DANCE_IDS}
    probabilities[top] = p_top
    probabilities[second] = rest + 0.01
    probabilities[DANCE_IDS[-1] if top != DANCE_IDS[-1] else DANCE_IDS[0]] -= 0.01
    return Result(path="clip.mp3", probabilities=probabilities, timeline=[], tempo_bpm=bpm, tempo_clarity=0.4,
                  duration_s=20.0, model={"name": "m", "arch": "dancenet"}, not_sure=not_sure_reason is not None,
                  not_sure_reason=not_sure_reason, **extra)


def fields(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


def test_sure_answer() -> None:
    embed = result_embed(make_result(), "clip.mp3")
    assert embed["title"] == "Cha Cha Cha (82%)" and embed["color"] == 0xE8590C
    assert "latin dance in 4/4" in embed["description"]
    values = fields(embed)
    top3 = values["Top three"].splitlines()
    assert len(top3) == 3 and top3[0].endswith("Cha Cha Cha") and top3[1].endswith("Rumba")
    assert top3[0].count("█") == 10 and top3[0].count("░") == 2  # 82% of 12 cells
    assert values["Tempo"] == "124 BPM\n31 bars/min (4/4)"
    assert values["Style"] == "Latin" and values["Listened to"] == "0:20"
    assert embed["image"]["url"] == f"attachment://{TIMELINE_FILENAME}"


def test_standard_dance_colour_and_meter() -> None:
    embed = result_embed(make_result("slow_waltz", 0.7, "viennese_waltz", bpm=87), "w.mp3")
    assert embed["color"] == 0x1C7ED6 and "standard dance in 3/4" in embed["description"]
    assert fields(embed)["Tempo"] == "87 BPM\n29 bars/min (3/4)" and fields(embed)["Style"] == "Standard"


@pytest.mark.parametrize("reason, words", [("no steady beat (clarity 0.01 < 0.05)", "steady beat"),
                                           ("low confidence (0.31 < 0.50)", "doesn't clearly fit")])
def test_not_sure_shows_the_two_closest(reason: str, words: str) -> None:
    embed = result_embed(make_result("tango", 0.31, "quickstep", not_sure_reason=reason), "x.ogg")
    assert embed["title"] == "Not sure: Tango or Quickstep?" and embed["color"] == 0x868E96
    assert words in embed["description"] and "**Tango** (31%)" in embed["description"]
    assert "**Quickstep**" in embed["description"] and fields(embed)["Style"] == "probably Standard"
    mixed = result_embed(make_result("tango", 0.31, "samba", not_sure_reason=reason), "x.ogg")
    assert fields(mixed)["Style"] == "Latin or Standard"


def test_long_short_and_beatless_clips() -> None:
    long = make_result(truncated=True, source_duration_s=7231.7)
    long.duration_s = 600.0
    assert fields(result_embed(long, "set.mp3"))["Listened to"].startswith("the first 10:00 of 2:00:32")
    short = make_result(padded=True)
    short.duration_s = 4.2
    assert "short" in fields(result_embed(short, "s.mp3"))["Listened to"]
    assert fields(result_embed(make_result(bpm=0.0), "n.mp3"))["Tempo"] == "no steady beat found"


def test_embed_stays_within_discord_limits() -> None:
    name = "a very long file name " * 20 + ".mp3"
    embed = discord.Embed.from_dict(result_embed(make_result(), name))
    assert len(embed) <= 6000 and len(embed.title) <= 256 and len(embed.footer.text) <= 2048
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)


def test_replies_for_each_outcome() -> None:
    answer = reply_for(Answer(make_result(), b"\x89PNG..."), "clip.mp3")
    assert answer.kind == "result" and not answer.ephemeral and answer.files == [(TIMELINE_FILENAME, b"\x89PNG...")]
    assert answer.to_json()["attachments"] == [TIMELINE_FILENAME] and answer.to_json()["content"] is None
    no_picture = reply_for(Answer(make_result(), None), "clip.mp3")
    assert "image" not in no_picture.embed and no_picture.files == []
    refusal = reply_for(Refusal("not_media", "my_song*.mp3 does not contain audio"), "my_song*.mp3")
    assert refusal.ephemeral and refusal.content == r"my\_song\*.mp3 does not contain audio"
    assert refusal.to_json() == {"kind": "not_media", "ephemeral": True, "content": refusal.content, "embeds": [],
                                 "attachments": []}
    busy = reply_for(Busy(), "x.mp3")
    assert busy.kind == "busy" and busy.ephemeral and "busy" in busy.content
    assert isinstance(busy, Reply)


def test_markdown_in_names_is_shown_literally() -> None:
    assert escape_markdown("__init__ ~~x~~ `y` *z* >q |s|") == r"\_\_init\_\_ \~\~x\~\~ \`y\` \*z\* \>q \|s\|"
