"""Slash commands. Each handler is a few lines: the work is in the core (catalog, engine)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from ..core.catalog import about, find_place, place_report
from . import limits
from .access import is_admin
from .buttons import PageButton
from .render import fit_embed, place_embed

if TYPE_CHECKING:
    from .client import AskBotMixin

PAGE_FIELDS = 10
PAGE_BUDGET = 5000  # characters of fields per page, well under the 6,000 embed total


def _pages(bot: AskBotMixin) -> list[list[tuple[str, str]]]:
    kb = bot.engine.snapshot.kb
    fields = [
        (limits.cut(f"{j.name} ({j.kind})", limits.EMBED_FIELD_NAME), limits.cut(j.summary, limits.EMBED_FIELD_VALUE))
        for j in sorted(kb.jurisdictions.values(), key=lambda j: j.name.casefold())
    ]
    pages, current, size = [], [], 0
    for name, value in fields:
        if current and (len(current) >= PAGE_FIELDS or size + len(name) + len(value) > PAGE_BUDGET):
            pages.append(current)
            current, size = [], 0
        current.append((name, value))
        size += len(name) + len(value)
    return [*pages, current] if current else pages or [[]]


def jurisdiction_page(bot: AskBotMixin, page: int) -> tuple[discord.Embed, discord.ui.View | None]:
    pages = _pages(bot)
    page = max(0, min(page, len(pages) - 1))
    kb = bot.engine.snapshot.kb
    embed = discord.Embed(
        title="Places the article names",
        description="Use `/jurisdiction name:` for everything the article says about one of them.",
        colour=discord.Colour.teal(),
    )
    for name, value in pages[page]:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=limits.cut(f"{kb.source.citation} · page {page + 1} of {len(pages)}", limits.EMBED_FOOTER))
    view = None
    if len(pages) > 1:
        view = discord.ui.View(timeout=None)
        view.add_item(PageButton(max(page - 1, 0), "◀ Previous", disabled=page == 0))
        view.add_item(PageButton(min(page + 1, len(pages) - 1), "Next ▶", disabled=page == len(pages) - 1))
    return fit_embed(embed), view


def register_commands(tree: app_commands.CommandTree, bot: AskBotMixin) -> None:
    async def admin_only(interaction: discord.Interaction) -> bool:
        """An app_commands check: refuses everyone else politely (the tree's error handler then stays quiet)."""
        if is_admin(interaction, bot.settings.admin_role_ids, bot.settings.admin_user_ids):
            return True
        await bot.respond(interaction, ephemeral=True, content="Only server admins (Manage Server) can use this command.")
        return False

    @tree.command(name="ask", description="Ask a question about the article, in your own words")
    @app_commands.describe(question="Your question")
    async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]) -> None:
        if not await bot.check_cooldown(interaction):
            return
        answer = bot.ask(question, interaction.guild_id, interaction.channel_id)
        await bot.respond(interaction, **bot.render(answer))

    @tree.command(name="jurisdictions", description="Every place the article names, with what it says of each")
    async def jurisdictions(interaction: discord.Interaction) -> None:
        if not await bot.check_cooldown(interaction):
            return
        embed, view = jurisdiction_page(bot, 0)
        await bot.respond(interaction, embed=embed, **({"view": view} if view else {}))

    @tree.command(name="jurisdiction", description="Everything the article says about one place")
    @app_commands.describe(name="A city, state or other place the article names")
    async def jurisdiction(interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        if not await bot.check_cooldown(interaction):
            return
        kb = bot.engine.snapshot.kb
        place = kb.jurisdictions.get(name)
        closest: tuple = ()
        if place is None:
            place, closest = find_place(kb, name, limit=5)
        if place is None:
            names = ", ".join(j.name for j in closest) or "none"
            text = f"The article doesn't name a place called “{discord.utils.escape_markdown(name)}”. Closest it does name: {names}."
            await bot.respond(interaction, ephemeral=True, content=text)
            return
        await bot.respond(interaction, embed=place_embed(place_report(kb, place), kb.source.citation))

    @jurisdiction.autocomplete("name")
    async def jurisdiction_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        _, ranked = find_place(bot.engine.snapshot.kb, current, limit=limits.CHOICES)
        return [app_commands.Choice(name=limits.cut(f"{j.name} ({j.kind})", limits.CHOICE_NAME), value=j.id) for j in ranked]

    @tree.command(name="about", description="What this bot knows and how to ask it")
    async def about_cmd(interaction: discord.Interaction) -> None:
        info = about(bot.engine.snapshot.kb)
        embed = discord.Embed(title="Ask-the-Article", colour=discord.Colour.blurple(), description=limits.cut(
            f"I answer questions about one article: **{info['title']}** — {info['publisher']}, {info['date']}, "
            f"by {info['author']}.\n\n{info['about']}\n\nAsk by mentioning me, replying to one of my answers, in a DM, "
            "or with `/ask`. Every answer says who holds each position and quotes the article word for word; "
            "I don't give opinions, and I say so when the article doesn't cover something.",
            limits.EMBED_DESCRIPTION))
        embed.add_field(name="Entries", value=str(info["entries"]))
        embed.add_field(name="Places", value=str(info["jurisdictions"]))
        embed.add_field(name="Knowledge base loaded", value=discord.utils.format_dt(info["loaded_at"], "R"))
        await bot.respond(interaction, embed=embed)

    @tree.command(name="reload", description="Admins: reload the knowledge base from disk")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(admin_only)
    async def reload(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await asyncio.to_thread(bot.engine.reload)
        for chunk in limits.chunks(result.summary().splitlines()):
            await bot.respond(interaction, ephemeral=True, content=chunk)

    @tree.command(name="unanswered", description="Admins: questions the bot declined recently, most frequent first")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(admin_only)
    async def unanswered(interaction: discord.Interaction) -> None:
        if bot.store is None:
            await bot.respond(interaction, ephemeral=True, content="The curator database is not available.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await bot.store.unanswered(limit=25)
        lines = [f"{r.count} × {discord.utils.escape_markdown(r.text)}" for r in rows] or ["No declined questions recorded."]
        for chunk in limits.chunks(["**Declined questions (last 30 days)**", *lines]):
            await bot.respond(interaction, ephemeral=True, content=chunk)
