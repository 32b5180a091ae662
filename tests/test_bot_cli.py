"""`dancecore-bot` as operators run it: --dry-run on a real song gives the same dance as
`dancecore classify`, refusals print the refusal reply, and every start-up problem (no token,
bad config, unknown model) is one line with exit status 2, never a traceback, never the token."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bots.config import BotConfig, config_from_dict, load_config
from bots.discord_bot import main
from dancecore import wording
from dancecore.cli import main as classify_main
from conftest import REPO, song
from dancecore.errors import ConfigError


@pytest.fixture(autouse=True)
def keep_process_settings():
    """main() silences warnings; give the rest of the session its settings back."""
    with warnings.catch_warnings():
        yield


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=environment)


def bot(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run("-m", "bots.discord_bot", *args, **kwargs)


def test_dry_run_gives_the_same_dance_as_classify(model_path: Path, song_labels: list[dict[str, str]],
                                                  tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    track = song(song_labels, "paso_doble")
    dry = bot("--model", str(model_path), "--dry-run", str(track), "--save-attachments", str(tmp_path))
    assert dry.returncode == 0, dry.stderr
    reply = json.loads(dry.stdout)
    assert reply["kind"] == "result" and reply["attachments"] == ["timeline.png"] and not reply["ephemeral"]
    assert (tmp_path / "timeline.png").read_bytes()[:4] == b"\x89PNG"
    assert classify_main(["classify", "--json", "--model", str(model_path), str(track)]) == 0
    core = json.loads(capsys.readouterr().out)
    embed = reply["embeds"][0]
    # the same words as the web page's heading and the CLI's verdict (dancecore.wording)
    assert embed["title"] == wording.headline(core)
    assert wording.how_sure(core)[1:] in embed["description"]
    top_line = embed["fields"][0]["value"].splitlines()[0]
    assert top_line.endswith(core["dance_name"]) and f"{100 * core['confidence']:.0f}%" in top_line
    assert f"{core['tempo']['bpm']:.0f} BPM" in embed["fields"][1]["value"] or core["tempo"]["bpm"] == 0


def test_dry_run_of_a_bad_file_prints_the_refusal(model_path: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    fake = tmp_path / "song.mp3"
    fake.write_text("not music at all\n" * 10)
    assert main(["--model", str(model_path), "--dry-run", str(fake)]) == 2
    reply = json.loads(capsys.readouterr().out)
    assert reply == {"kind": "not_media", "ephemeral": True, "content": reply["content"], "embeds": [],
                     "attachments": []}
    assert "song.mp3 does not contain audio or video" in reply["content"]


@pytest.mark.parametrize("setup, words", [
    ("no_token", "set the DISCORD_TOKEN environment variable"),
    ("bad_config", "unknown key(s) auto_replay"),
    ("missing_model", "model file not found"),
    ("missing_file", "no such file"),
    ("attachments_without_dry_run", "--save-attachments only goes with --dry-run"),
])
def test_start_up_problems_are_one_line(setup: str, words: str, tmp_path: Path, model_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    args = ["--model", str(model_path)]
    if setup == "bad_config":
        config = tmp_path / "bot.yaml"
        config.write_text("auto_replay:\n  channels: [1]\n")
        args += ["--config", str(config)]
    elif setup == "missing_model":
        args = ["--model", str(tmp_path / "nope.pt"), "--dry-run", str(tmp_path)]
    elif setup == "missing_file":
        args += ["--dry-run", str(tmp_path / "nothing.mp3")]
    elif setup == "attachments_without_dry_run":
        args += ["--save-attachments", str(tmp_path)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dancecore-bot: error:") and words in err, err


def test_token_is_never_printed(model_path: Path) -> None:
    """No network here: start-up fails to reach Discord, with one line that does not show the token
    (debug logging on, so discord.py's own logs are checked too)."""
    secret = "MTAxMjM0NTY3ODkw.SECRET.token-do-not-log"
    result = bot("--model", str(model_path), "--debug", env={"DISCORD_TOKEN": secret}, timeout=120)
    assert result.returncode != 0
    assert "logging in using static token" in result.stderr
    assert secret not in result.stderr + result.stdout and "SECRET" not in result.stderr + result.stdout


def test_config_file_in_the_repo_is_valid_and_has_the_defaults() -> None:
    assert load_config(REPO / "configs" / "bot.yaml") == BotConfig()


@pytest.mark.parametrize("document, words", [
    ({"limits": {"workers": 0}}, "limits.workers must be positive"),
    ({"auto_reply": {"channels": ["general"]}}, "'general' is not a Discord id"),
    ({"auto_reply": {"channels": 5}}, "must be a list of ids"),
    ({"commands": {"sync": "yes"}}, "commands.sync must be true or false"),
    ({"log_level": "LOUD"}, "log_level must be one of"),
    ({"model": 3}, "model must be a file path or null"),
    ({"stride_frames": 0}, "stride_frames must be a positive"),
    ([1, 2], "must be a mapping"),
])
def test_config_errors_name_key_and_fix(document: object, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict(document, "bot.yaml")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_config_values_and_intents() -> None:
    config = config_from_dict({"auto_reply": {"channels": [123, "456"]}, "limits": {"max_bytes": "8 MB"},
                               "commands": {"guilds": [789]}})
    assert config.auto_reply_channels == {123, 456} and config.command_guilds == (789,)
    assert config.limits.max_bytes == 8 * 1024 * 1024 and config.needs_message_content
    from bots.discord_bot import bot_intents
    assert bot_intents(config).message_content and not bot_intents(BotConfig()).message_content
    assert not bot_intents(config).members  # privileged and not needed
