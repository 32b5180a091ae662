"""dancecore.service: limits from YAML, declared and sniffed checks, real clips through the bounded
pool (answers agree with Classifier), refusals for bad input, busy when full, cool-down, time limit."""
from __future__ import annotations

import asyncio
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bot_clips import bad_inputs, cut, first_half_mp3, two_hour_mp3, wav_claiming_two_hours
from conftest import REPO, song
from dancecore.classify import Classifier
from dancecore.errors import ConfigError
from dancecore.service import (MB, Answer, Busy, ClassificationService, Refusal, ServiceLimits, Slot, parse_bytes)



@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, song_labels: list[dict[str, str]]) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("service_media")
    samba = song(song_labels, "samba")
    files = {"clip": cut(song(song_labels, "cha_cha_cha"), folder / "clip.mp3", 40, 12, "-b:a", "96k"),
             "clip_m4a": cut(samba, folder / "clip.m4a", 30, 12, "-c:a", "aac", "-b:a", "64k"),
             "two_hours": two_hour_mp3(samba, folder / "two_hours.mp3"),
             "wav_claims_two_hours": wav_claiming_two_hours(samba, folder / "claims.wav"),
             "half": first_half_mp3(song(song_labels, "rumba"), folder, 60.0)[1]}
    files.update(bad_inputs(folder / "bad", samba))
    silent = folder / "silence.wav"
    sf.write(silent, np.zeros(22050 * 8, dtype=np.float32), 22050)
    files["silent"] = silent
    return files


def service(classifier: Classifier, **limits: float) -> ClassificationService:
    return ClassificationService(classifier, ServiceLimits(**{"cooldown_s": 0, **limits}))


# --- limits ---------------------------------------------------------------------------------------

def test_limits_defaults_and_yaml_section() -> None:
    limits = ServiceLimits()
    assert (limits.max_bytes, limits.max_duration_s) == (25 * MB, 600.0)
    assert limits.capacity == limits.workers + limits.queue_size
    from_file = ServiceLimits.from_yaml(REPO / "configs" / "bot.yaml")
    assert from_file.max_bytes == 25 * MB and from_file.max_duration_s == 600


@pytest.mark.parametrize("text, expected", [("25 MB", 25 * MB), ("800KB", 800 * 1024), ("1.5 MiB", int(1.5 * MB)),
                                            (1000, 1000), ("2G", 2048 * MB)])
def test_sizes_with_units(text: str | int, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("values, words", [
    ({"max_byte": 10}, "unknown key(s) max_byte"),
    ({"workers": 0}, "workers must be positive"),
    ({"workers": 1.5}, "workers must be a whole number"),
    ({"timeout_s": "soon"}, "timeout_s must be a number"),
    ({"max_bytes": "lots"}, "max_bytes must be a number of bytes"),
    ({"min_duration_s": 700}, "min_duration_s must be between 0 and max_duration_s"),
])
def test_bad_limits_name_the_key(values: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        ServiceLimits.from_dict(values, where="bot.yaml: limits")
    assert words in str(info.value) and str(info.value).startswith("bot.yaml: limits")
    assert "\n" not in str(info.value)


def test_yaml_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("limits:\n  workers: [1\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        ServiceLimits.from_yaml(bad)


# --- checks before and after download ----------------------------------------------------------------

def test_declared_checks(classifier: Classifier) -> None:
    svc = service(classifier, max_bytes=1 * MB)
    assert svc.check_declared(2 * MB, "audio/mpeg", "big.mp3").kind == "too_large"
    assert "1 MB" in svc.check_declared(2 * MB, "audio/mpeg", "big.mp3").message
    assert svc.check_declared(100, "image/png", "cat.png").kind == "not_media"
    for ok_type in ("audio/mpeg", "video/mp4", "audio/ogg; codecs=opus", "application/octet-stream", None):
        assert svc.check_declared(100, ok_type, "x") is None


async def test_oversized_upload_refused_without_decoding(classifier: Classifier, media: dict[str, Path]) -> None:
    svc = service(classifier, max_bytes=100_000)
    outcome = await svc.submit(media["clip"].read_bytes(), "clip.mp3", user_id=1)
    assert isinstance(outcome, Refusal) and outcome.kind == "too_large"
    slot = svc.admit(user_id=2, n_bytes=None)  # size unknown up front: checked again on the real bytes
    async with slot:
        assert (await slot.classify(media["clip"].read_bytes())).kind == "too_large"
    assert svc.held == 0


# --- real clips ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["clip", "clip_m4a"])
async def test_answer_agrees_with_classifier(classifier: Classifier, media: dict[str, Path], key: str) -> None:
    data = media[key].read_bytes()
    outcome = await service(classifier).submit(data, media[key].name, user_id=1, content_type="audio/mpeg")
    assert isinstance(outcome, Answer), outcome
    direct = classifier.classify(data, media[key].name)
    assert outcome.result.dance == direct.dance
    assert outcome.result.probabilities == pytest.approx(direct.probabilities, abs=1e-9)
    assert outcome.result.duration_s == pytest.approx(12, abs=0.2)
    assert outcome.timeline_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert outcome.run_s > 0 and outcome.wait_s >= 0


async def test_two_hour_file_is_cut_to_max_duration(classifier: Classifier, media: dict[str, Path]) -> None:
    """Only the first max_duration_s are decoded and analysed; the Result says the file was longer."""
    outcome = await service(classifier, max_duration_s=120).submit(media["two_hours"].read_bytes(), "long.mp3")
    assert isinstance(outcome, Answer), outcome
    result = outcome.result
    assert result.truncated and result.duration_s == pytest.approx(120, abs=0.5)
    assert result.source_duration_s == pytest.approx(7200, rel=0.02)


async def test_header_claiming_two_hours_costs_nothing(classifier: Classifier, media: dict[str, Path]) -> None:
    outcome = await service(classifier).submit(media["wav_claims_two_hours"].read_bytes(), "claims.wav")
    assert isinstance(outcome, Answer), outcome
    assert outcome.result.duration_s == pytest.approx(20, abs=0.1)


@pytest.mark.parametrize("key, kind", [("text", "not_media"), ("empty", "empty"), ("truncated_m4a", "unreadable"),
                                       ("stub_mp3", "too_short"), ("silent", "silent")])
async def test_bad_input_refusals(classifier: Classifier, media: dict[str, Path], key: str, kind: str) -> None:
    svc = service(classifier)
    outcome = await svc.submit(media[key].read_bytes(), media[key].name, user_id=1, content_type="audio/mpeg")
    assert isinstance(outcome, Refusal) and outcome.kind == kind, outcome
    assert media[key].name in outcome.message and "\n" not in outcome.message and "Traceback" not in outcome.message
    assert svc.held == 0


async def test_internal_errors_become_a_refusal(classifier: Classifier, media: dict[str, Path]) -> None:
    broken = Classifier(replace(classifier.model, classes=["a", "b"]))  # its classes are not the ten dances
    svc = ClassificationService(broken, ServiceLimits(cooldown_s=0))
    outcome = await svc.submit(media["clip"].read_bytes(), "clip.mp3")
    assert isinstance(outcome, Refusal) and outcome.kind == "internal"


# --- load: pool, queue, cool-down, time limit -------------------------------------------------------

async def test_full_queue_answers_busy_and_every_request_gets_one_outcome(classifier: Classifier,
                                                                          media: dict[str, Path]) -> None:
    svc = service(classifier, workers=1, queue_size=2)
    data = media["clip"].read_bytes()
    outcomes = await asyncio.gather(*(svc.submit(data, f"c{i}.mp3", user_id=i) for i in range(7)))
    kinds = [o.kind for o in outcomes]
    assert kinds.count("result") + kinds.count("busy") == 7
    assert kinds.count("result") >= 1 and kinds.count("busy") >= 1
    assert svc.peak_held <= 3 and svc.held == 0
    waits = sorted(o.wait_s for o in outcomes if isinstance(o, Answer))
    assert waits[-1] > waits[0]  # one worker: the later ones waited in the queue
    assert isinstance(await svc.submit(data, "again.mp3", user_id=99), Answer)  # free again afterwards


async def test_busy_says_the_wait_the_service_has_timed(classifier: Classifier, media: dict[str, Path]) -> None:
    """Issue 19 item 5: Busy's message and its retry_after_s (the web's Retry-After) give the same wait, taken
    from the analyses timed so far."""
    svc = service(classifier, workers=1, queue_size=0)
    answer = await svc.submit(media["clip"].read_bytes(), "clip.mp3")
    assert isinstance(answer, Answer)
    held = svc.admit()
    busy = svc.admit()
    held.release()
    assert isinstance(busy, Busy) and busy.retry_after_s == svc.run_times.retry_after_s()
    assert busy.message == f"I'm busy with other clips right now; please try again in about {busy.retry_after_s} s."
    assert busy.retry_after_s == max(1, math.ceil(5 + 0.2 * (answer.run_s - 5)))   # first guess 5 s, moved 20%
    assert Busy(240).message.endswith("in about 4 minutes.")


async def test_an_incomplete_file_is_answered_and_flagged(classifier: Classifier, media: dict[str, Path]) -> None:
    """The first half of an mp3: analysed as far as it goes; the Result says the file ends early."""
    outcome = await service(classifier).submit(media["half"].read_bytes(), "half.mp3")
    assert isinstance(outcome, Answer) and outcome.result.incomplete and not outcome.result.truncated
    assert outcome.result.source_duration_s == pytest.approx(60, abs=1) and outcome.result.duration_s < 35


async def test_cooldown_per_user(classifier: Classifier, media: dict[str, Path]) -> None:
    svc = ClassificationService(classifier, ServiceLimits(cooldown_s=1.5))
    first = svc.admit(user_id="ann", n_bytes=10, content_type="audio/mpeg")
    assert isinstance(first, Slot)
    first.release()
    second = svc.admit(user_id="ann", n_bytes=10, content_type="audio/mpeg")
    assert isinstance(second, Refusal) and second.kind == "cooldown" and "try again in" in second.message
    other = svc.admit(user_id="bob", n_bytes=10, content_type="audio/mpeg")
    assert isinstance(other, Slot)
    other.release()
    await asyncio.sleep(1.6)
    later = svc.admit(user_id="ann", n_bytes=10, content_type="audio/mpeg")
    assert isinstance(later, Slot)
    later.release()
    assert svc.held == 0


async def test_time_limit_refuses_and_keeps_the_place_until_the_work_stops(classifier: Classifier,
                                                                          media: dict[str, Path]) -> None:
    svc = service(classifier, timeout_s=0.05, workers=1, queue_size=0)
    outcome = await svc.submit(media["wav_claims_two_hours"].read_bytes(), "claims.wav")  # 20 s: ~1 s of work
    assert isinstance(outcome, Refusal) and outcome.kind == "timeout", outcome
    assert svc.held == 1
    deadline = time.monotonic() + 60
    while svc.held and time.monotonic() < deadline:  # the worker finishes its job, then the place frees
        assert isinstance(svc.admit(n_bytes=10), Busy)
        await asyncio.sleep(0.05)
    assert svc.held == 0
