"""The Discord client: routes messages, slash commands and button clicks to the engine.

Every send (`message.reply`, `respond`, `edit_message`) passes AllowedMentions.none() explicitly on
top of the client-wide default, so nothing the bot posts can ping anyone."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import discord
from discord import app_commands

from ..core.answer import DECLINED_KINDS, Answer
from ..core.engine import Engine
from ..curator.store import AsyncStore
from ..settings import Settings
from . import limits
from .buttons import DYNAMIC_ITEMS
from .commands import register_commands
from .cooldown import Cooldown
from .render import answer_embed, answer_view
from .sync import sync_if_changed
from .triggers import is_for_bot, strip_bot_mention

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()
HEARTBEAT_SECONDS = 30
DRAIN_SECONDS = 5.0  # on shutdown, handlers already running get this long to finish (Docker waits 10 s)


class AskBotMixin:
    """Shared by the plain and the auto-sharded client (SHARD_COUNT set)."""

    def _setup(self, settings: Settings, engine: Engine, store: AsyncStore | None) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self.cooldown = Cooldown(settings.cooldown_rate, settings.cooldown_seconds)
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error
        register_commands(self.tree, self)
        self._background: set[asyncio.Task] = set()  # the heartbeat: cancelled on close
        self._writes: set[asyncio.Task] = set()  # declined-question writes: awaited on close
        self._connected = False
        self._inflight: set[asyncio.Task] = set()  # handlers running now; close() lets them finish
        self._draining = False
        self.tree.interaction_check = self._tree_accepts

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        try:
            await sync_if_changed(self.tree, Path(self.settings.data_dir), self.settings.dev_guild_id)
        except discord.HTTPException as exc:  # a failed sync must not stop the bot answering
            log.error("slash command sync failed: %s", exc)
        self._spawn(self._heartbeat(), self._background)

    @staticmethod
    def _spawn(coro, tasks: set[asyncio.Task]) -> None:
        task = asyncio.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def on_connect(self) -> None:
        self._connected = True

    async def on_resumed(self) -> None:
        self._connected = True

    async def on_disconnect(self) -> None:
        self._connected = False

    async def _heartbeat(self) -> None:
        """Touch DATA_DIR/heartbeat while connected (not while stuck reconnecting); the Docker
        healthcheck reads its age."""
        path = Path(self.settings.data_dir) / "heartbeat"
        while not self.is_closed():
            if self.is_ready() and self._connected:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.touch()
                except OSError as exc:
                    log.debug("heartbeat not written: %s", exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    # -- answering -------------------------------------------------------------------------------
    def ask(self, question: str, guild_id: int | None, channel_id: int | None) -> Answer:
        answer = self.engine.ask(question)
        if answer.kind in DECLINED_KINDS and self.store is not None:
            self._spawn(self.store.record_declined(question, guild_id, channel_id), self._writes)
        return answer

    def render(self, answer: Answer) -> dict:
        kwargs = {"embed": answer_embed(answer), "allowed_mentions": NO_PINGS}
        view = answer_view(answer)
        if view is not None:
            kwargs["view"] = view
        return kwargs

    # -- graceful shutdown ---------------------------------------------------------------------------
    def _accept(self) -> bool:
        """Register the running handler so close() waits for it; False (drop the event) once shutting down."""
        if self._draining:
            return False
        task = asyncio.current_task()
        if task is not None and task not in self._inflight:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return True

    async def _tree_accepts(self, interaction: discord.Interaction) -> bool:
        return self._accept()

    async def _drain(self) -> None:
        """Stop taking new events and give the handlers already running (answer, reply, feedback write)
        up to DRAIN_SECONDS to finish, before discord.py closes the HTTP session under them."""
        self._draining = True
        pending = {t for t in self._inflight if t is not asyncio.current_task() and not t.done()}
        if pending:
            log.info("shutting down: letting %d running handler(s) finish", len(pending))
            _, late = await asyncio.wait(pending, timeout=DRAIN_SECONDS)
            if late:
                log.warning("shutting down: %d handler(s) still running after %.0fs; closing anyway", len(late), DRAIN_SECONDS)

    async def on_message(self, message: discord.Message) -> None:
        if self.user is None or not is_for_bot(message, self.user, self.settings.answer_channel_ids):
            return
        if not self._accept():
            return
        wait = self.cooldown.retry_after(message.author.id)
        if wait:
            log.info("cooldown: ignoring a message from user %s for %.1fs", message.author.id, wait)
            return
        question = strip_bot_mention(message.content, self.user)
        answer = self.ask(question, message.guild.id if message.guild else None, message.channel.id)
        try:
            await message.reply(mention_author=False, **self.render(answer))
        except discord.HTTPException as exc:
            log.warning("could not reply in channel %s: %s", message.channel.id, exc)

    async def respond(self, interaction: discord.Interaction, *, ephemeral: bool = False, **kwargs) -> None:
        """Answer an interaction whether or not it was deferred; a passed deadline is logged, not raised."""
        kwargs.setdefault("allowed_mentions", NO_PINGS)
        if "content" in kwargs:
            kwargs["content"] = limits.cut(kwargs["content"], limits.MESSAGE)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=ephemeral, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
        except discord.NotFound:
            log.warning("interaction %s expired before the bot could answer", interaction.id)
        except discord.HTTPException as exc:
            log.warning("could not answer interaction %s: %s", interaction.id, exc)

    async def check_cooldown(self, interaction: discord.Interaction) -> bool:
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait:
            await self.respond(interaction, ephemeral=True, content=f"Slow down a little — try again in {wait:.0f}s.")
            return False
        return True

    # -- buttons ---------------------------------------------------------------------------------
    async def on_feedback(self, interaction: discord.Interaction, entry_id: str, helpful: bool) -> None:
        if not self._accept():
            return
        question = ""
        if interaction.message and interaction.message.embeds:
            author = interaction.message.embeds[0].author.name or ""
            question = author.removeprefix("Q: ")
        stored = False
        if self.store is not None:
            message_id = interaction.message.id if interaction.message else interaction.id
            stored = await self.store.record_feedback(message_id, entry_id, question, helpful, interaction.user.id)
        text = "Thanks — noted." if stored else "Thanks! (Feedback could not be saved right now.)"
        await self.respond(interaction, ephemeral=True, content=text)

    async def on_suggestion(self, interaction: discord.Interaction, entry_id: str) -> None:
        if not self._accept() or not await self.check_cooldown(interaction):
            return
        snapshot = self.engine.snapshot
        entry = snapshot.kb.entries.get(entry_id)
        if entry is None:
            await self.respond(interaction, ephemeral=True, content="That entry is no longer in the knowledge base.")
            return
        # The button names its entry: answer that entry, rather than matching its phrasing again.
        await self.respond(interaction, **self.render(snapshot.responder.entry_answer(entry.suggestion, entry)))

    async def on_page(self, interaction: discord.Interaction, page: int) -> None:
        if not self._accept():
            return
        from .commands import jurisdiction_page

        embed, view = jurisdiction_page(self, page)
        try:
            await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("could not turn the page: %s", exc)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # the check already told the user
        original = getattr(error, "original", error)
        if isinstance(original, discord.NotFound) and original.code == 10062:
            # Unknown interaction: the 3-second deadline passed before a defer() reached Discord. Not a
            # bug in the command, and any further response would fail the same way.
            log.warning("interaction %s expired before the bot could answer /%s", interaction.id,
                        interaction.command.name if interaction.command else "?")
            return
        log.exception("slash command /%s failed", interaction.command.name if interaction.command else "?", exc_info=error)
        await self.respond(interaction, ephemeral=True, content="Sorry — something went wrong answering that.")

    async def close(self) -> None:
        if not self._draining:
            await self._drain()
        await super().close()
        for task in list(self._background):
            task.cancel()
        if self._writes:
            await asyncio.wait(set(self._writes), timeout=DRAIN_SECONDS)
        if self.store is not None:
            await self.store.close()
            self.store = None


class AskBot(AskBotMixin, discord.Client):
    def __init__(self, settings: Settings, engine: Engine, store: AsyncStore | None, **options):
        super().__init__(intents=make_intents(settings), allowed_mentions=NO_PINGS, **options)
        self._setup(settings, engine, store)


class ShardedAskBot(AskBotMixin, discord.AutoShardedClient):
    def __init__(self, settings: Settings, engine: Engine, store: AsyncStore | None, **options):
        super().__init__(
            intents=make_intents(settings), allowed_mentions=NO_PINGS,
            shard_count=settings.shard_count, shard_ids=list(settings.shard_ids) or None, **options,
        )
        self._setup(settings, engine, store)


def make_intents(settings: Settings) -> discord.Intents:
    intents = discord.Intents.default()
    # Mentions, replies and DMs carry their content without the privileged intent; only answering
    # every question in chosen channels needs it.
    intents.message_content = bool(settings.answer_channel_ids)
    return intents


def build_bot(settings: Settings, engine: Engine, store: AsyncStore | None, **options) -> AskBot | ShardedAskBot:
    cls = ShardedAskBot if settings.shard_count else AskBot
    return cls(settings, engine, store, **options)
