"""Load: 50 real clips sent at once through `/dance`. Every request gets exactly one answer (a result
or busy), no more are held than the pool and queue allow, busy ones are never downloaded, memory
stays bounded, and the bot serves normally once the burst is over."""
from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import psutil
import pytest

from bot_clips import cut
from bot_fakes import FakeCDN, FakeInteraction
from bots.cog import DanceCog
from bots.config import BotConfig
from bots.discord_bot import DanceBot
from conftest import song
from dancecore.classify import Classifier
from dancecore.model import load_model
from dancecore.service import ClassificationService, ServiceLimits

N_REQUESTS = 50
LIMITS = ServiceLimits(workers=2, queue_size=6, cooldown_s=30)
RSS_GROWTH_LIMIT = 800 * 1024 * 1024  # generous: a few clips in flight need tens of MB


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> list[Path]:
    """Ten-second mp3 cuts of one song of each of five dances."""
    folder = tmp_path_factory.mktemp("load_clips")
    return [cut(song(song_labels, dance), folder / f"{dance}.mp3", 40, 10, "-b:a", "96k")
            for dance in ("cha_cha_cha", "quickstep", "samba", "tango", "viennese_waltz")]


async def peak_rss(stop: asyncio.Event, samples: list[int]) -> None:
    process = psutil.Process()
    while not stop.is_set():
        samples.append(process.memory_info().rss)
        await asyncio.sleep(0.05)


async def test_fifty_clips_at_once(model_path: Path, clips: list[Path]) -> None:
    config = BotConfig(limits=LIMITS, sync_commands=False)
    service = ClassificationService(Classifier(load_model(model_path, threads=1)), LIMITS)
    cog = DanceCog(DanceBot(config, service, intents=discord.Intents.default()), service, config)
    cdn = FakeCDN()
    interactions = [FakeInteraction(user_id=1000 + i) for i in range(N_REQUESTS)]
    attachments = [cdn.attachment(clips[i % len(clips)]) for i in range(N_REQUESTS)]
    rss: list[int] = [psutil.Process().memory_info().rss]
    stop = asyncio.Event()
    sampler = asyncio.create_task(peak_rss(stop, rss))

    await asyncio.gather(*(cog.dance.callback(cog, i, a) for i, a in zip(interactions, attachments)))
    stop.set()
    await sampler

    answers = [i.answer for i in interactions]  # exactly one each, or this raises
    results = [a for a in answers if a.embed is not None]
    busy = [a for a in answers if a.embed is None]
    assert len(results) + len(busy) == N_REQUESTS
    assert all(a.ephemeral and "busy" in a.content for a in busy)
    assert all(not a.ephemeral and "timeline.png" in a.files for a in results)
    assert 1 <= len(results) <= N_REQUESTS and busy
    assert service.peak_held <= LIMITS.capacity and service.held == 0
    assert len(cdn.downloads) == len(results)  # busy requests were refused before downloading
    assert max(rss) - rss[0] < RSS_GROWTH_LIMIT
    print(f"\n{N_REQUESTS} at once: {len(results)} answered, {len(busy)} busy, peak held {service.peak_held}, "
          f"RSS growth {(max(rss) - rss[0]) / 2**20:.0f} MB")

    # after the burst: the same people are in cool-down, new people are served normally
    again = FakeInteraction(user_id=1000)
    await cog.dance.callback(cog, again, cdn.attachment(clips[0]))
    assert "try again in" in again.answer.content
    later = [FakeInteraction(user_id=5000 + i) for i in range(LIMITS.capacity)]
    await asyncio.gather(*(cog.dance.callback(cog, i, cdn.attachment(clips[0])) for i in later))
    assert all(i.answer.embed is not None for i in later)
    service.close()
