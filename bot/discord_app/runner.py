"""`python -m bot discord`: logging, the client, a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord

from ..core.engine import Engine
from ..core.loader import KnowledgeBaseInvalid
from ..curator.store import AsyncStore
from ..settings import Settings
from .client import build_bot

log = logging.getLogger("bot")


async def serve(settings: Settings, **options) -> int:
    try:
        engine = Engine(settings.knowledge_dir, cache_dir=settings.index_cache_dir)
    except KnowledgeBaseInvalid as exc:
        log.error("%s", exc.report(settings.knowledge_dir))
        return 1
    bot = build_bot(settings, engine, AsyncStore.open(settings.data_dir), **options)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task] = []  # kept, and awaited below, so the whole close() runs to its end

    def on_signal(sig: signal.Signals) -> None:
        log.info("received %s; shutting down", sig.name)
        if not closing:
            closing.append(asyncio.ensure_future(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        async with bot:
            await bot.start(settings.token)
            if closing:
                await closing[0]
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN (login failed). Check the token in the developer portal.")
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("ANSWER_CHANNEL_IDS needs the Message Content intent: enable it in the developer portal (Bot tab).")
        return 1
    except (aiohttp.ClientError, OSError) as exc:
        log.error("cannot reach Discord (%s: %s); check the network, then start again", type(exc).__name__, exc)
        return 1
    return 0


def run(settings: Settings) -> int:
    if not settings.token:
        print("Configuration error: DISCORD_TOKEN: is required to run the Discord bot", file=sys.stderr)
        return 2
    discord.utils.setup_logging(level=getattr(logging, settings.log_level))
    return asyncio.run(serve(settings))
