"""Reading what the bot sent to the fake Discord, shared by the end-to-end tests."""

from __future__ import annotations

from .fake_discord import FakeDiscord, RecordedRequest


def embed_of(body: dict) -> dict:
    """The first embed of a message body or an interaction callback body."""
    embeds = body.get("embeds") or body.get("data", {}).get("embeds") or []
    assert embeds, f"no embed in {body}"
    return embeds[0]


def custom_ids(body: dict) -> list[str]:
    rows = body.get("components") or body.get("data", {}).get("components") or []
    return [c["custom_id"] for row in rows for c in row["components"]]


async def mention(fake: FakeDiscord, text: str, *, timeout: float = 5.0, **kw) -> tuple[dict, RecordedRequest]:  # noqa: ASYNC109
    """Send a message mentioning the bot; return it and the bot's reply to it."""
    since = fake.request_count
    msg = await fake.send_message(f"<@{fake.application_id}> {text}", mentions=[fake.bot_user], **kw)
    reply = await fake.wait_for_message(
        lambda r: str((r.json or {}).get("message_reference", {}).get("message_id")) == msg["id"],
        since=since, timeout=timeout,
    )
    return msg, reply
