"""`dancecore-bot`: run the Discord bot, or `--dry-run FILE` to print the reply it would post.

The token comes only from the DISCORD_TOKEN environment variable. Errors are one line, exit status 2.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import mimetypes
import os
import sys
import warnings
from pathlib import Path

import aiohttp
import discord
from discord.ext import commands

from bots.cog import DanceCog
from bots.config import BotConfig, load_config
from bots.embeds import Reply, reply_for
from dancecore.classify import Classifier
from dancecore.errors import ConfigError, DancecoreError
from dancecore.model import load_model
from dancecore.service import ClassificationService

log = logging.getLogger("dancecore.bot")


class DanceBot(commands.Bot):
    """A commands.Bot with the DanceCog; publishes its commands at start when the config says so."""

    def __init__(self, config: BotConfig, service: ClassificationService,
                 intents: discord.Intents | None = None) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # the bot never joins voice
        super().__init__(command_prefix=commands.when_mentioned, intents=intents or bot_intents(config),
                         help_command=None, allowed_mentions=discord.AllowedMentions.none())
        self.config = config
        self.service = service

    async def setup_hook(self) -> None:
        await self.add_cog(DanceCog(self, self.service, self.config))
        if not self.config.sync_commands:
            return
        for guild_id in self.config.command_guilds:  # instant in these guilds, handy while testing
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        await self.tree.sync()
        log.info("commands published globally%s", f" and in {len(self.config.command_guilds)} guild(s)"
                 if self.config.command_guilds else "")

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d server(s)", self.user, self.user.id if self.user else "?",
                 len(self.guilds))

    async def close(self) -> None:
        self.service.close()
        await super().close()


def bot_intents(config: BotConfig) -> discord.Intents:
    """Default intents, plus message content only when auto-reply channels need it (privileged)."""
    intents = discord.Intents.default()
    intents.message_content = config.needs_message_content
    return intents


def build_service(config: BotConfig, model_path: str | None = None) -> ClassificationService:
    """Load the model (the shipped default unless the config or `model_path` names one) and wrap
    it in a service with the config's limits; the model's threads are split between the workers."""
    model = load_model(model_path or config.model, threads=max(1, (os.cpu_count() or 1) // config.limits.workers))
    classifier = Classifier(model, stride_frames=config.stride_frames, max_duration_s=config.limits.max_duration_s,
                            timeout_s=config.limits.timeout_s)
    return ClassificationService(classifier, config.limits)


async def dry_run(service: ClassificationService, path: Path) -> Reply:
    """The reply the bot would post for this file, sent as an attachment of its size and type."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DancecoreError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise DancecoreError(f"{path}: is a folder; give one audio or video file") from None
    content_type = mimetypes.guess_type(path.name)[0]
    try:
        outcome = await service.submit(data, path.name, user_id=None, content_type=content_type)
    finally:
        service.close()
    return reply_for(outcome, path.name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dancecore-bot", description="Discord bot that says which ballroom dance a clip is for. "
        "Needs the bot token in the DISCORD_TOKEN environment variable (see docs/BOT.md).")
    parser.add_argument("--config", metavar="YAML", help="bot settings (default: configs/bot.yaml if present)")
    parser.add_argument("--model", metavar="PATH", help="model file (overrides the config; default: shipped model)")
    parser.add_argument("--dry-run", metavar="FILE", type=Path,
                        help="print as JSON the reply the bot would post for FILE, then exit (no Discord)")
    parser.add_argument("--save-attachments", metavar="DIR", type=Path,
                        help="with --dry-run: also write the reply's attachments (timeline.png) into DIR")
    parser.add_argument("--debug", action="store_true", help="debug logging and tracebacks of unexpected errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit status 0 ok (dry run: a result), 2 bad input/config (dry run: a refusal), 1 unexpected."""
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        logging.basicConfig(level=logging.DEBUG if args.debug else getattr(logging, config.log_level),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        if not args.debug:
            warnings.simplefilter("ignore")
        if args.save_attachments and not args.dry_run:
            raise ConfigError("--save-attachments only goes with --dry-run FILE")
        if args.dry_run:
            return _dry_run(args, config)
        return _serve(args, config)
    except DancecoreError as exc:
        print(f"dancecore-bot: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: one line, never a traceback unless --debug
        if args.debug:
            raise
        print(f"dancecore-bot: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 1


def _dry_run(args: argparse.Namespace, config: BotConfig) -> int:
    service = build_service(config, args.model)
    reply = asyncio.run(dry_run(service, args.dry_run))
    print(json.dumps(reply.to_json(), ensure_ascii=False, indent=2))
    if args.save_attachments:
        args.save_attachments.mkdir(parents=True, exist_ok=True)
        for name, data in reply.files:
            (args.save_attachments / name).write_bytes(data)
    return 0 if reply.kind == "result" else 2


def _serve(args: argparse.Namespace, config: BotConfig) -> int:
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError("set the DISCORD_TOKEN environment variable to the bot token "
                          "(Discord developer portal > your application > Bot > Reset Token); see docs/BOT.md")
    service = build_service(config, args.model)  # load the model before connecting: fail fast
    bot = DanceBot(config, service)
    log.info("starting: model %s, limits %s, auto-reply in %d channel(s)", service.classifier.model.name,
             config.limits, len(config.auto_reply_channels))
    try:
        bot.run(token, log_handler=None)
    except discord.LoginFailure:
        raise ConfigError("Discord rejected the token in DISCORD_TOKEN; copy a fresh one "
                          "(developer portal > Bot > Reset Token)") from None
    except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
        raise DancecoreError(f"cannot reach Discord ({type(exc).__name__}); check this machine's internet "
                             "connection and firewall, then start the bot again") from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError("auto_reply.channels needs the Message Content intent: turn it on in the developer "
                          "portal (Bot > Privileged Gateway Intents) or empty auto_reply.channels") from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
