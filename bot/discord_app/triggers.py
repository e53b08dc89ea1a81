"""When a channel message is for the bot: a DM, a mention, a reply to one of its answers, or a
question-like message in a channel configured for it."""

from __future__ import annotations

import re

import discord

_QUESTION_START = re.compile(
    r"^\s*(who|what|whats|what's|when|where|why|how|which|is|are|does|do|did|can|could|should|would|will|was|were|has|have|tell me|explain)\b",
    re.I,
)


def looks_like_question(text: str) -> bool:
    return "?" in text or bool(_QUESTION_START.match(text))


def is_for_bot(message: discord.Message, me: discord.ClientUser, answer_channel_ids: tuple[int, ...]) -> bool:
    if message.author.bot or message.author.id == me.id:
        return False
    if not message.content.strip():
        # Without the Message Content intent, Discord sends no text for a reply that doesn't ping
        # the bot: there is nothing to answer.
        return False
    if message.guild is None:
        return True
    if me in message.mentions:
        return True
    ref = message.reference
    if ref is not None and isinstance(ref.resolved, discord.Message) and ref.resolved.author.id == me.id:
        return True
    return message.channel.id in answer_channel_ids and looks_like_question(message.content)


def strip_bot_mention(text: str, me: discord.ClientUser) -> str:
    return re.sub(rf"<@!?{me.id}>", " ", text).strip()
