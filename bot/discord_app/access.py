"""Who counts as an admin: Manage Server in the guild, a configured admin role, or a configured user.

Enforced on every admin path (slash command, button, DM); `default_permissions` only hides commands."""

from __future__ import annotations

import discord


def is_admin(interaction: discord.Interaction, admin_role_ids: tuple[int, ...], admin_user_ids: tuple[int, ...]) -> bool:
    user = interaction.user
    if user.id in admin_user_ids:
        return True
    if interaction.guild_id is None or not isinstance(user, discord.Member):
        return False
    # interaction.permissions comes from the interaction payload itself, so it is right even when
    # the guild is not cached.
    if interaction.permissions.manage_guild:
        return True
    return any(role.id in admin_role_ids for role in user.roles)
