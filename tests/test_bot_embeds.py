"""bots.embeds: the reply for every kind of outcome, from Result objects as the core makes them,
within Discord's embed limits."""
from __future__ import annotations

import discord
import pytest

import numpy as np

from bots.embeds import OTHER_DANCE_NOTE, TIMELINE_FILENAME, Reply, escape_markdown, reply_for, result_embed
from dancecore.dances import DANCE_IDS
from dancecore.result import Result
from dancecore.service import Answer, Busy, Refusal
from dancecore.song import explain_doubt


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


def reason(code: str, result: Result) -> str:
    """The core's words for a doubt code about `result`'s probabilities."""
    return explain_doubt(code, np.array([result.probabilities[d] for d in DANCE_IDS]))


def test_sure_answer_says_what_the_music_sounds_like() -> None:
    """Issue 19 item 4: no instruction ("Dance a Samba to this"), but what it sounds like and how sure."""
    embed = result_embed(make_result(beats_per_bar=4, meter_confidence=0.9), "clip.mp3")
    assert embed["title"] == "Cha Cha Cha" and embed["color"] == 0xE8590C
    assert embed["description"] == "The music sounds like a **Cha Cha Cha** to me (82% sure)."
    assert "Dance a" not in embed["description"]
    values = fields(embed)
    top3 = values["Top three"].splitlines()
    assert len(top3) == 3 and top3[0].endswith("Cha Cha Cha") and top3[1].endswith("Rumba")
    assert top3[0].count("█") == 10 and top3[0].count("░") == 2  # 82% of 12 cells
    assert values["Tempo"] == "124 BPM = 31 bars/min (DJ 124)\nmeter 4/4"
    assert values["Style"] == "Latin" and values["Listened to"] == "0:20"
    assert embed["image"]["url"] == f"attachment://{TIMELINE_FILENAME}"


def test_also_fits_standard_colour_and_tango_dj_tempo() -> None:
    embed = result_embed(make_result("slow_waltz", 0.5, "viennese_waltz", bpm=87, also_fits="viennese_waltz",
                                     beats_per_bar=3, meter_confidence=0.8), "w.mp3")
    assert embed["title"] == "Slow Waltz - also fits Viennese Waltz" and embed["color"] == 0x1C7ED6
    assert embed["description"].endswith("it would also fit a **Viennese Waltz**.")
    assert fields(embed)["Tempo"] == "87 BPM = 29 bars/min (DJ 87)\nmeter 3/4"
    assert fields(embed)["Style"] == "Standard"
    tango = result_embed(make_result("tango", 0.8, "quickstep", bpm=64), "t.mp3")
    assert fields(tango)["Tempo"] == "64 BPM = 32 bars/min (DJ 128)"   # no beat network: no meter line


@pytest.mark.parametrize("code, words", [("no_beat", "No steady beat; best guess Tango, 31%."),
                                         ("ambiguous", "Fits several dances: Tango or Quickstep; best guess Tango, 31%.")])
def test_not_sure_says_why_in_the_cores_words(code: str, words: str) -> None:
    result = make_result("tango", 0.31, "quickstep")
    result.not_sure, result.not_sure_reason = True, reason(code, result)
    embed = result_embed(result, "x.ogg")
    assert embed["title"] == "Not sure" and embed["color"] == 0x868E96
    assert embed["description"] == words
    assert OTHER_DANCE_NOTE not in embed["description"] and fields(embed)["Style"] == "probably Standard"
    mixed = make_result("tango", 0.31, "samba")
    mixed.not_sure, mixed.not_sure_reason = True, reason(code, mixed)
    assert fields(result_embed(mixed, "x.ogg"))["Style"] == "Latin or Standard"


def test_another_social_dance_is_said_plainly() -> None:
    """A salsa: the core says it sounds like another dance; the bot says so in plain words."""
    result = make_result("samba", 0.45, "cha_cha_cha")
    result.not_sure, result.not_sure_reason = True, reason("other_dance", result)
    embed = result_embed(result, "salsa.mp3")
    assert embed["title"] == "Not sure"
    assert embed["description"] == f"Sounds like another dance, closest: Samba (45%). {OTHER_DANCE_NOTE}"
    assert "another social dance" in embed["description"] and "**Samba**" not in embed["description"]


def test_long_short_incomplete_and_beatless_clips() -> None:
    long = make_result(truncated=True, source_duration_s=7231.7)
    long.duration_s = 600.0
    assert fields(result_embed(long, "set.mp3"))["Listened to"].startswith("the first 10:00 of 2:00:32")
    short = make_result(padded=True)
    short.duration_s = 4.2
    assert "short" in fields(result_embed(short, "s.mp3"))["Listened to"]
    cut_off = make_result(incomplete=True, source_duration_s=194.3)
    cut_off.duration_s = 97.1
    assert fields(result_embed(cut_off, "half.mp3"))["Listened to"] == \
        "1:37 of 3:14: the file ends early, damaged or cut off"
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
    busy = reply_for(Busy(5), "x.mp3")
    assert busy.kind == "busy" and busy.ephemeral and busy.content.endswith("try again in about 5 s.")
    assert isinstance(busy, Reply)


def test_markdown_in_names_is_shown_literally() -> None:
    assert escape_markdown("__init__ ~~x~~ `y` *z* >q |s|") == r"\_\_init\_\_ \~\~x\~\~ \`y\` \*z\* \>q \|s\|"
