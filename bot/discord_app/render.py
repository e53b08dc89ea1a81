"""Answer -> embed + buttons. Every length is cut to Discord's limits here and nowhere else."""

from __future__ import annotations

import discord

from ..core.answer import Answer, AnswerKind
from ..core.catalog import PlaceReport
from . import limits
from .buttons import FeedbackButton, SuggestionButton

COLOURS = {
    AnswerKind.ENTRY: discord.Colour.blurple(),
    AnswerKind.OPINION: discord.Colour.blurple(),
    AnswerKind.JURISDICTION: discord.Colour.teal(),
    AnswerKind.SUGGEST: discord.Colour.gold(),
    AnswerKind.NOT_IN_ARTICLE: discord.Colour.light_grey(),
}
TITLES = {
    AnswerKind.SUGGEST: "Did you mean…",
    AnswerKind.NOT_IN_ARTICLE: "The article doesn't say",
    AnswerKind.OFF_TOPIC: "Not something the article covers",
    AnswerKind.OPINION: "No opinions here — the sides the article reports",
    AnswerKind.HELP: "Ask-the-Article",
    AnswerKind.CHITCHAT: "Ask-the-Article",
    AnswerKind.EMPTY: "Ask-the-Article",
}


def blockquote(quote: str) -> str:
    return "\n".join(f"> {line}" for line in f"“{quote}”".splitlines())


def answer_embed(answer: Answer) -> discord.Embed:
    title = answer.topic if answer.kind is AnswerKind.ENTRY and answer.topic else TITLES.get(answer.kind, "Ask-the-Article")
    embed = discord.Embed(title=limits.cut(title, limits.EMBED_TITLE), colour=COLOURS.get(answer.kind, discord.Colour.dark_grey()))
    embed.set_author(name=limits.cut(f"Q: {' '.join(answer.question.split())}", limits.EMBED_AUTHOR))
    parts = answer.sections(quote=blockquote, quotes_joined_by="\n\n")
    if answer.suggestions:
        parts.append(answer.suggestion_block)
    embed.description = limits.cut("\n\n".join(parts), limits.EMBED_DESCRIPTION)
    footer = answer.citation if answer.answered else f"Source: {answer.citation}"
    if answer.answered and answer.kind is not AnswerKind.JURISDICTION:
        footer += f" · confidence {answer.confidence:.0%}"
    embed.set_footer(text=limits.cut(footer, limits.EMBED_FOOTER))
    return fit_embed(embed)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields, then shorten the description, until the embed is within 6,000 characters."""
    while len(embed) > limits.EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    excess = len(embed) - limits.EMBED_TOTAL
    if excess > 0 and embed.description:
        embed.description = limits.cut(embed.description, max(len(embed.description) - excess, 1))
    return embed


def answer_view(answer: Answer) -> discord.ui.View | None:
    """Helpful / Not helpful for a real answer; one button per suggested question on a close call."""
    view = discord.ui.View(timeout=None)
    if answer.entry_id and answer.answered:
        view.add_item(FeedbackButton(answer.entry_id, True))
        view.add_item(FeedbackButton(answer.entry_id, False))
    # Row 0 is the feedback row; suggestions fill rows 1-4. A custom_id may appear only once in a
    # message (Discord rejects the whole message otherwise), so a suggestion listed twice gets one button.
    shown: set[str] = set()
    for entry_id, label in zip(answer.suggestion_ids, answer.suggestions, strict=True):
        row = 1 + len(shown) // limits.BUTTONS_PER_ROW
        if row >= limits.ROWS:
            break
        if entry_id not in shown:
            shown.add(entry_id)
            view.add_item(SuggestionButton(entry_id, label, row=row))
    return view if view.children else None


def place_embed(report: PlaceReport, citation: str) -> discord.Embed:
    place = report.place
    embed = discord.Embed(
        title=limits.cut(f"{place.name} ({place.kind})", limits.EMBED_TITLE),
        description=limits.cut(place.summary, limits.EMBED_DESCRIPTION), colour=discord.Colour.teal(),
    )
    for entry in report.entries[: limits.EMBED_FIELDS]:
        value = entry.answer + ("\n" + blockquote(entry.quotes[0]) if entry.quotes else "")
        embed.add_field(name=limits.cut(entry.topic, limits.EMBED_FIELD_NAME), value=limits.cut(value, limits.EMBED_FIELD_VALUE), inline=False)
    if not report.entries:
        embed.add_field(name="Entries", value="The article names this place but says nothing more about it.", inline=False)
    embed.set_footer(text=limits.cut(citation, limits.EMBED_FOOTER))
    return fit_embed(embed)
