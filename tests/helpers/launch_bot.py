"""Test-only launcher: `python tests/helpers/launch_bot.py` behaves like `python -m bot discord`, except
that discord.py is pointed at a FakeDiscord on loopback first.

A subprocess cannot see the in-test patch of `discord.http.Route.BASE`, so this module applies the same
two patches the fake applies in-process, from environment variables, and then runs the real CLI entry
point (`bot.cli.main(["discord"])` -> `bot.discord_app.runner.run(settings)`), settings, logging and
SIGTERM handling included:

    FAKE_DISCORD_API      e.g. http://127.0.0.1:40123/api/v10
    FAKE_DISCORD_GATEWAY  e.g. ws://127.0.0.1:40123/gateway-ws

Both must point at 127.0.0.1; anything else is refused so a misconfigured test can never reach Discord.
"""

from __future__ import annotations

import importlib
import os
import sys
from urllib.parse import urlsplit


def _loopback(name: str) -> str:
    url = os.environ.get(name, "")
    if urlsplit(url).hostname != "127.0.0.1":
        print(f"launch_bot: {name} must be a 127.0.0.1 URL, got {url!r}", file=sys.stderr)
        raise SystemExit(3)
    return url


def patch_discord(api: str, gateway: str) -> None:
    import yarl
    from discord.gateway import DiscordWebSocket

    seen = []
    for modname in ("discord.http", "discord.webhook.async_", "discord.webhook.sync"):
        cls = getattr(importlib.import_module(modname), "Route", None)
        if cls is not None and cls not in seen:
            seen.append(cls)
            cls.BASE = api
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


def main() -> int:
    patch_discord(_loopback("FAKE_DISCORD_API"), _loopback("FAKE_DISCORD_GATEWAY"))
    from bot.cli import main as cli_main

    return cli_main(["discord"])


if __name__ == "__main__":
    sys.exit(main())
