"""Sync slash commands only when they changed: Discord rate-limits command sync hard, and a bot that
syncs on every start hits that limit during a restart loop. The last synced command set is hashed
into the data directory, per scope (a dev guild or global)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import discord
from discord import app_commands

log = logging.getLogger(__name__)


def command_hash(tree: app_commands.CommandTree, guild: discord.Object | None) -> str:
    payload = [cmd.to_dict(tree) for cmd in tree.get_commands(guild=guild)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def sync_if_changed(tree: app_commands.CommandTree, data_dir: Path, dev_guild_id: int | None) -> bool:
    guild = discord.Object(id=dev_guild_id) if dev_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    # Keyed by application too: a new token (another application) with the same DATA_DIR must sync.
    scope = f"{tree.client.application_id}:" + (f"guild-{dev_guild_id}" if guild else "global")
    state_file = data_dir / "command-sync.json"
    state = _read_state(state_file)
    digest = command_hash(tree, guild)
    if state.get(scope) == digest:
        log.info("slash commands unchanged since the last sync (%s); not syncing", scope)
        return False
    synced = await tree.sync(guild=guild)
    log.info("synced %d slash commands (%s)", len(synced), scope)
    _write_state(state_file, {**state, scope: digest})
    return True


def _read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_state(path: Path, state: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state))
    except OSError as exc:
        log.warning("could not record the command sync in %s: %s", path, exc)
