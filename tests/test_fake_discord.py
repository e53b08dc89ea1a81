"""Self-test of tests/helpers/fake_discord.py with a minimal, real discord.py client.

The client here is deliberately tiny and lives only in this file: it proves the
fake speaks enough REST + gateway for discord.py (messages, slash commands,
deferrals and follow-ups, autocomplete, persistent views, rate limits and
reconnects), independently of the product's bot.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ (works without a conftest/rootdir setup)
from helpers.fake_discord import FakeDiscord  # noqa: E402

pytestmark = pytest.mark.asyncio

TOKEN = "fake-token"


class PanelView(discord.ui.View):
    """Persistent view (timeout=None, fixed custom_id) registered via add_view."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Press", custom_id="selftest:press", style=discord.ButtonStyle.primary)
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"pressed by {interaction.user.name}")


class MiniClient(discord.Client):
    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,  # on_ready fires 2 s after the last GUILD_CREATE by default
        )
        self.guild_id = guild_id
        self.tree = app_commands.CommandTree(self)
        self._register_commands()

    def _register_commands(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="ephemeral pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @tree.command(name="slow", description="deferred, then a follow-up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("done", ephemeral=True)

        async def fruit_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            fruits = ["apple", "apricot", "banana"]
            return [app_commands.Choice(name=f, value=f) for f in fruits if f.startswith(current)]

        @tree.command(name="fruit", description="pick a fruit")
        @app_commands.autocomplete(name=fruit_autocomplete)
        async def fruit(interaction: discord.Interaction, name: str, count: int = 1) -> None:
            await interaction.response.send_message(f"{count}x {name}")

        @tree.command(
            name="whoami", description="guild-only, admin-only", guild=discord.Object(self.guild_id)
        )
        @app_commands.default_permissions(manage_guild=True)
        async def whoami(interaction: discord.Interaction) -> None:
            perms = interaction.permissions
            await interaction.response.send_message(
                f"{interaction.user.name} manage_guild={perms.manage_guild} guild={interaction.guild_id}"
            )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """The default sleeps 5 s before every re-IDENTIFY (Discord's identify rate limit)."""

    async def setup_hook(self) -> None:
        self.add_view(PanelView())
        await self.tree.sync()
        await self.tree.sync(guild=discord.Object(self.guild_id))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        if message.content == "ping":
            await message.channel.send("pong")
        elif message.content == "panel":
            await message.channel.send("panel", view=PanelView())


@pytest_asyncio.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[MiniClient]:
    bot = MiniClient(fake.guild_id)
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await fake.wait_ready(timeout=5)
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 5)  # re-raises if the client crashed


async def test_login_and_command_sync(fake: FakeDiscord, client: MiniClient) -> None:
    me = await fake.wait_for_request(method="GET", path="/users/@me")
    assert me.headers["Authorization"] == f"Bot {TOKEN}"
    put = await fake.wait_for_request(method="PUT", path=rf"/applications/{fake.application_id}/commands")
    assert {c["name"] for c in put.json} == {"ping", "slow", "fruit"}
    assert all(c["id"] for c in put.response)
    guild_put = await fake.wait_for_request(
        method="PUT", path=rf"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    )
    assert [c["name"] for c in guild_put.json] == ["whoami"]
    conn = fake.connections[0]
    assert conn.kind == "identify" and conn.query["encoding"] == "json"
    assert conn.compression in ("zlib-stream", "zstd-stream")
    assert client.user is not None and client.user.id == fake.application_id
    guild = client.get_guild(fake.guild_id)
    assert guild is not None and guild.get_channel(fake.channel_id) is not None
    assert guild.me.guild_permissions.send_messages
    assert fake.unhandled_requests == []


async def test_message_reply(fake: FakeDiscord, client: MiniClient) -> None:
    await fake.send_message("ping")
    req = await fake.wait_for_message(channel_id=fake.channel_id, content="pong")
    assert req.json["allowed_mentions"] == {"parse": []}
    assert req.response["author"]["id"] == str(fake.application_id)


async def test_dm_reply(fake: FakeDiscord, client: MiniClient) -> None:
    msg = await fake.send_message("ping", guild_id=None, author=fake.admin)
    assert "guild_id" not in msg
    req = await fake.wait_for_message(content="pong")
    assert req.path == f"/channels/{msg['channel_id']}/messages"


async def test_ephemeral_slash_command(fake: FakeDiscord, client: MiniClient) -> None:
    cb = await fake.run_command("ping")
    assert cb.json["type"] == 4
    assert cb.json["data"]["content"] == "pong"
    assert cb.json["data"]["flags"] == 64


async def test_guild_command_with_permissions(fake: FakeDiscord, client: MiniClient) -> None:
    payload = fake.interaction_command("whoami", user=fake.admin)
    whoami_id = next(c["id"] for c in fake.commands[fake.guild_id] if c["name"] == "whoami")
    assert payload["data"]["id"] == whoami_id and payload["data"]["guild_id"] == str(fake.guild_id)
    await fake.send_interaction(payload)
    cb = await fake.wait_for_callback(payload)
    assert cb.json["data"]["content"] == f"admin manage_guild=True guild={fake.guild_id}"

    cb = await fake.run_command("whoami", user=fake.member)
    assert cb.json["data"]["content"] == f"member manage_guild=False guild={fake.guild_id}"


async def test_deferred_command_and_followup(fake: FakeDiscord, client: MiniClient) -> None:
    payload = await fake.send_interaction(fake.interaction_command("slow"))
    cb = await fake.wait_for_callback(payload)
    assert cb.json == {"type": 5, "data": {"flags": 64}}
    follow = await fake.wait_for_followup(payload)
    assert follow.path == f"/webhooks/{fake.application_id}/{payload['token']}"
    assert follow.query.get("wait") in ("1", "true")
    assert follow.json["content"] == "done"
    # The first follow-up after a "thinking" defer fills in the original response.
    assert follow.response["id"] == cb.response["resource"]["message"]["id"]


async def test_command_options_and_autocomplete(fake: FakeDiscord, client: MiniClient) -> None:
    ac = await fake.run_autocomplete("fruit", {"name": "ap"}, focused="name")
    assert ac.json["type"] == 8
    assert [c["value"] for c in ac.json["data"]["choices"]] == ["apple", "apricot"]

    cb = await fake.run_command("fruit", {"name": "banana", "count": 3})
    assert cb.json["data"]["content"] == "3x banana"
    assert fake.last_interaction["data"]["options"][1] == {"name": "count", "type": 4, "value": 3}


async def test_persistent_view_button(fake: FakeDiscord, client: MiniClient) -> None:
    await fake.send_message("panel")
    posted = await fake.wait_for_message(content="panel")
    button = posted.json["components"][0]["components"][0]
    assert button["custom_id"] == "selftest:press"

    cb = await fake.click("selftest:press", posted.response, user=fake.member)
    assert cb.json["type"] == 7
    assert cb.json["data"]["content"] == "pressed by member"
    assert fake.messages[int(posted.response["id"])]["content"] == "pressed by member"


async def test_rate_limited_message_is_retried(fake: FakeDiscord, client: MiniClient) -> None:
    fake.fail_next("POST", rf"/channels/{fake.channel_id}/messages", 429, retry_after=0.05)
    mark = fake.request_count
    await fake.send_message("ping")
    ok = await fake.wait_for_message(content="pong", since=mark)
    posts = [r for r in fake.requests if r.index >= mark and r.method == "POST"]
    assert [r.status for r in posts] == [429, 200]
    assert posts[0].response["retry_after"] == 0.05
    assert ok.time - posts[0].time >= 0.05


@pytest.mark.parametrize("resumable", [True, False], ids=["resume", "reidentify"])
async def test_reconnect_after_dropped_websocket(
    fake: FakeDiscord, client: MiniClient, resumable: bool
) -> None:
    await fake.drop_websocket(code=4000, resumable=resumable)
    conn = await fake.wait_connected(2)
    assert conn.kind == ("resume" if resumable else "identify")
    mark = fake.request_count
    await fake.send_message("ping")
    await fake.wait_for_message(content="pong", since=mark)
