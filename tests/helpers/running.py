"""Start the product's real bot against the fake Discord, and stop it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import Engine
from bot.curator.store import AsyncStore
from bot.discord_app.client import build_bot
from bot.settings import Settings

from .fake_discord import FakeDiscord

TOKEN = "fake-token-NEVER-LOG-ME.abc123"


@dataclass
class RunningBot:
    bot: object
    fake: FakeDiscord
    settings: Settings


async def _no_identify_delay(shard_id, *, initial=False) -> None:
    """discord.py sleeps 5 s before every re-IDENTIFY to respect Discord's limit; not needed here."""


@contextlib.asynccontextmanager
async def start_bot(fake: FakeDiscord, *, knowledge_dir: Path, data_dir: Path, **overrides):
    settings = Settings(
        _env_file=None, discord_token=TOKEN, knowledge_dir=knowledge_dir, data_dir=data_dir,
        cooldown_rate=overrides.pop("cooldown_rate", 100), cooldown_seconds=overrides.pop("cooldown_seconds", 1.0),
        **overrides,
    )
    bot = build_bot(settings, Engine(settings.knowledge_dir), AsyncStore.open(settings.data_dir), guild_ready_timeout=0.05)
    bot.before_identify_hook = _no_identify_delay
    task = asyncio.create_task(bot.start(settings.token))
    try:
        await fake.wait_ready(timeout=5)
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        yield RunningBot(bot, fake, settings)
    finally:
        await bot.close()
        await asyncio.wait_for(task, 5)
