"""Buttons that keep working after a restart: their state lives in the custom_id (DynamicItem),
not in memory, and the client registers the templates at start-up."""

from __future__ import annotations

import logging
import re

import discord

from . import limits

log = logging.getLogger(__name__)


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ata:fb:(?P<vote>[ud]):(?P<entry>[a-z0-9-]{1,64})"):
    def __init__(self, entry_id: str, helpful: bool):
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ata:fb:{'u' if helpful else 'd'}:{entry_id}",
                row=0,
            )
        )
        self.entry_id = entry_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["entry"], match["vote"] == "u")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_feedback(interaction, self.entry_id, self.helpful)


class SuggestionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ata:ask:(?P<entry>[a-z0-9-]{1,64})"):
    def __init__(self, entry_id: str, label: str, row: int | None = None):
        super().__init__(
            discord.ui.Button(
                label=limits.cut(label, limits.BUTTON_LABEL), style=discord.ButtonStyle.primary,
                custom_id=f"ata:ask:{entry_id}", row=row,
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["entry"], item.label or match["entry"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_suggestion(interaction, self.entry_id)


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ata:jl:(?P<page>\d{1,4})"):
    """◀ / ▶ on the /jurisdictions list; the page to show is in the custom_id."""

    def __init__(self, page: int, label: str, disabled: bool = False):
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"ata:jl:{page}", disabled=disabled)
        )
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(int(match["page"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_page(interaction, self.page)


DYNAMIC_ITEMS = (FeedbackButton, SuggestionButton, PageButton)
