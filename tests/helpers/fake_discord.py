"""A small fake Discord (REST API + gateway) for end-to-end tests of discord.py bots.

The real, unmodified discord.py client talks to this server over real HTTP and
websockets on 127.0.0.1.  Nothing inside discord.py is mocked; we only point two
URLs at the fake while it runs:

* ``discord.http.Route.BASE`` (shared by the interaction/webhook adapter in
  ``discord/webhook/async_.py``, which imports the same ``Route`` class), and
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` -- a plain ``Client``
  never asks ``GET /gateway``; it connects straight to this constant (only
  ``AutoShardedClient`` uses ``/gateway/bot``).

Typical use::

    async with FakeDiscord() as fake:
        client = MyClient(guild_ready_timeout=0.05)   # see "Client options" below
        task = asyncio.create_task(client.start("fake-token"))
        await fake.wait_ready()
        await fake.send_message("ping")
        req = await fake.wait_for_message(content="pong")
        await client.close()
        await task

Client options worth knowing about:

* ``guild_ready_timeout`` (default 2 s): discord.py fires ``on_ready`` only after
  this long without a further GUILD_CREATE.  The fake does not need it, but tests
  awaiting ``client.wait_until_ready()`` should pass something small like 0.05.
* ``before_identify_hook``: the default sleeps 5 s before every *re*-IDENTIFY
  (e.g. after ``drop_websocket(resumable=False)``); override it with a no-op.
  RESUMEs are not delayed.
* Member chunking works either way: if the client sends REQUEST_GUILD_MEMBERS
  (op 8) the fake answers with a single GUILD_MEMBERS_CHUNK.

Like Discord, and unlike a permissive mock, the fake rejects some misuse so bot
bugs surface: a second callback for one interaction -> 400 (code 40060); a
follow-up or ``@original`` access before the interaction was acknowledged -> 404;
posting to an unknown channel -> 404; an empty message -> 400.  Routes it does
not know fall through to a catch-all that answers 200 ``{}`` and marks the
request ``handled=False`` (see ``unhandled_requests``).  Errors inside the fake
are answered with 400 (so discord.py fails fast instead of retrying a 500) and
collected in ``errors``.

Scope: one guild, one bot session at a time, JSON encoding only, no voice.
Only one FakeDiscord may run at a time because the patched URLs are global.
"""

# Test-facing waits take explicit `timeout=` arguments by design (clear failures, no hangs).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import copy
import json
import math
import re
import secrets
import socket
import time
import traceback
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web
from multidict import CIMultiDict

__all__ = [
    "FakeDiscord",
    "RecordedRequest",
    "RecordedFile",
    "GatewayFrame",
    "GatewayConnection",
    "Permissions",
]

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
DISCORD_EPOCH_MS = 1420070400000
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Fixed, valid-looking snowflakes (their timestamps decode to 2023) so tests can
# use readable constants.  Message/interaction ids are generated from "now".
DEFAULT_APPLICATION_ID = 1200000000000000001
DEFAULT_GUILD_ID = 1200000000000000100
DEFAULT_CHANNEL_ID = 1200000000000000200
DEFAULT_OWNER_ID = 1200000000000000300
DEFAULT_ADMIN_ID = 1200000000000000301
DEFAULT_MEMBER_ID = 1200000000000000302
DEFAULT_ADMIN_ROLE_ID = 1200000000000000400
DEFAULT_BOT_ROLE_ID = 1200000000000000401

Json = Any
RequestPredicate = Callable[["RecordedRequest"], bool]


class Permissions:
    """Discord permission bits used by the fake (kept local so the fake doesn't
    depend on discord.py internals)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )


# Application flags: GATEWAY_PRESENCE_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED |
# GATEWAY_MESSAGE_CONTENT_LIMITED -- what an unverified bot with intents enabled has.
DEFAULT_APPLICATION_FLAGS = (1 << 13) | (1 << 15) | (1 << 19)

_MESSAGE_FLAG_EPHEMERAL = 1 << 6
_MESSAGE_FLAG_LOADING = 1 << 7


# --------------------------------------------------------------------------- records


@dataclass
class RecordedFile:
    """One uploaded file of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request the client made, with the fake's answer.

    ``path`` is relative to ``/api/v10`` (e.g. ``/channels/1/messages``); ``json``
    is the JSON body, or the ``payload_json`` part of a multipart body; ``time``
    is ``time.monotonic()`` at arrival.
    """

    index: int
    method: str
    path: str
    query: dict[str, str]
    json: Json
    headers: CIMultiDict[str]
    time: float
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    response: Json = None
    injected: bool = False  # answered by fail_next()
    handled: bool = True  # False: fell through to the catch-all
    error: str | None = None  # traceback if the fake itself crashed

    def __repr__(self) -> str:  # compact, so timeout messages stay readable
        flag = " injected" if self.injected else ("" if self.handled else " UNHANDLED")
        return f"<{self.index} {self.method} {self.path} -> {self.status}{flag}>"


@dataclass
class GatewayFrame:
    """One gateway payload the client sent (heartbeats included)."""

    op: int
    d: Json
    time: float
    connection: int


@dataclass
class GatewayConnection:
    """Bookkeeping for one websocket connection (1-based ``number``)."""

    number: int
    query: dict[str, str]
    compression: str | None
    kind: str | None = None  # "identify" or "resume" once the handshake finished
    identify: dict[str, Any] | None = None
    ready: bool = False
    closed: bool = False
    close_code: int | None = None


@dataclass
class _Session:
    id: str
    shard: list[int] | None
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    resumable: bool = True


@dataclass
class _InteractionState:
    payload: dict[str, Any]
    acked: bool = False
    callback_type: int | None = None
    original_id: int | None = None


@dataclass
class _Fault:
    method: str
    path_regex: re.Pattern[str]
    status: int
    count: int
    retry_after: float | None
    body: Json
    is_global: bool


class _Conn:
    """Server side of one gateway websocket."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        info: GatewayConnection,
        compressor: Callable[[bytes], bytes] | None,
    ) -> None:
        self.ws = ws
        self.request = request
        self.info = info
        self.compressor = compressor
        self.session: _Session | None = None
        # Sends must not interleave: the zlib stream and sequence numbers are ordered.
        self.lock = asyncio.Lock()

    async def send_unlocked(self, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload, separators=(",", ":"))
        if self.compressor is None:
            await self.ws.send_str(raw)
        else:
            await self.ws.send_bytes(self.compressor(raw.encode("utf-8")))

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            await self.send_unlocked(payload)


def _make_compressor(kind: str | None) -> Callable[[bytes], bytes] | None:
    """Transport compression as requested by the ``compress`` query parameter.

    discord.py 2.7 always asks for it: ``zstd-stream`` when ``zstandard`` or
    Python 3.14's ``compression.zstd`` is importable, else ``zlib-stream``.  Both
    are one shared stream per connection, flushed at every gateway message.
    Unknown kinds fall back to plain text frames, which discord.py also accepts.
    """
    if kind == "zlib-stream":
        zc = zlib.compressobj()
        return lambda data: zc.compress(data) + zc.flush(zlib.Z_SYNC_FLUSH)
    if kind == "zstd-stream":
        try:
            from compression import zstd  # type: ignore[import-not-found]

            sc = zstd.ZstdCompressor()
            return lambda data: sc.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
        except ImportError:
            pass
        try:
            import zstandard  # type: ignore[import-not-found]

            zso = zstandard.ZstdCompressor().compressobj()
            return lambda data: zso.compress(data) + zso.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        except ImportError:
            pass
    return None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _sid(value: int | str | Mapping[str, Any]) -> str:
    """Snowflake as the string Discord sends; accepts ids or objects with an id."""
    if isinstance(value, Mapping):
        return str(value["id"])
    return str(int(value))


_DEFAULT: Any = object()  # sentinel: "use the fake's default" (None means DM)

_Handler = Callable[[RecordedRequest, "re.Match[str]"], Awaitable[tuple[int, Json]]]

_ACTIVE: FakeDiscord | None = None


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """Fake Discord REST API + gateway on 127.0.0.1 for one discord.py client.

    Predefined: one guild (``guild_id``) owned by ``owner``, a text channel
    (``channel_id``), a plain ``member``, an ``admin`` whose role grants
    MANAGE_GUILD, and the bot itself (user id == ``application_id``) with a
    managed bot role.  User objects are plain dicts shaped like Discord's.
    """

    def __init__(
        self,
        *,
        application_id: int = DEFAULT_APPLICATION_ID,
        guild_id: int = DEFAULT_GUILD_ID,
        channel_id: int = DEFAULT_CHANNEL_ID,
        channel_name: str = "general",
        extra_channels: Mapping[int, str] | None = None,
        guild_name: str = "Fake Guild",
        bot_name: str = "FakeBot",
        token: str | None = None,
        heartbeat_interval: float = 41.25,
        application_flags: int = DEFAULT_APPLICATION_FLAGS,
    ) -> None:
        self.application_id = application_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.guild_name = guild_name
        self.token = token  # None: accept any token
        self.heartbeat_interval = heartbeat_interval
        self.application_flags = application_flags

        self.requests: list[RecordedRequest] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.connections: list[GatewayConnection] = []
        self.errors: list[str] = []
        self.ready_count = 0

        self.bot_user = self._new_user(application_id, bot_name, bot=True)
        self.owner = self._new_user(DEFAULT_OWNER_ID, "owner")
        self.admin = self._new_user(DEFAULT_ADMIN_ID, "admin")
        self.member = self._new_user(DEFAULT_MEMBER_ID, "member")
        self.users: dict[int, dict[str, Any]] = {}
        self.member_roles: dict[int, list[int]] = {}
        self.admin_role_id = DEFAULT_ADMIN_ROLE_ID
        self.bot_role_id = DEFAULT_BOT_ROLE_ID
        self.roles: dict[int, dict[str, Any]] = {}
        self._add_role_payload(guild_id, "@everyone", Permissions.EVERYONE_DEFAULT, position=0)
        self._add_role_payload(
            DEFAULT_ADMIN_ROLE_ID, "Admin", Permissions.MANAGE_GUILD | Permissions.MANAGE_MESSAGES, position=2
        )
        self._add_role_payload(
            DEFAULT_BOT_ROLE_ID,
            bot_name,
            Permissions.MANAGE_MESSAGES | Permissions.EMBED_LINKS,
            position=1,
            tags={"bot_id": str(application_id)},
            managed=True,
        )
        for user, roles in (
            (self.bot_user, [DEFAULT_BOT_ROLE_ID]),
            (self.owner, []),
            (self.admin, [DEFAULT_ADMIN_ROLE_ID]),
            (self.member, []),
        ):
            self.users[int(user["id"])] = user
            self.member_roles[int(user["id"])] = list(roles)

        self.channels: dict[int, dict[str, Any]] = {}
        for position, (cid, name) in enumerate([(channel_id, channel_name), *(extra_channels or {}).items()]):
            self.channels[cid] = {
                "id": str(cid),
                "type": 0,
                "guild_id": str(guild_id),
                "name": name,
                "position": position,
                "permission_overwrites": [],
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "parent_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            }
        self.dm_channels: dict[int, dict[str, Any]] = {}  # user id -> DM channel
        self.messages: dict[int, dict[str, Any]] = {}  # every message the fake knows
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> commands

        self._interactions: dict[str, _InteractionState] = {}  # by token
        self._faults: list[_Fault] = []
        self._session: _Session | None = None
        self._conns: set[_Conn] = set()
        self._ready_conn: _Conn | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._next_index = 0  # RecordedRequest.index; survives clear_requests()
        self._last_snowflake = 0
        self._patches: list[tuple[Any, str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    async def start(self) -> FakeDiscord:
        """Bind a random port, start serving and point discord.py at it."""
        global _ACTIVE
        if _ACTIVE is not None:
            raise RuntimeError("another FakeDiscord is running; discord.py's URLs are process-global")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self._handle_gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._patch_discord()
        _ACTIVE = self
        return self

    async def stop(self) -> None:
        """Close gateway sockets, stop the server and restore discord.py's URLs.

        Close the discord.py client first, or it will keep trying to reconnect.
        """
        global _ACTIVE
        for conn in list(self._conns):
            try:
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake shutting down"), 2)
            except Exception:
                pass
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for obj, attr, old in reversed(self._patches):
            setattr(obj, attr, old)
        self._patches.clear()
        if _ACTIVE is self:
            _ACTIVE = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _patch_discord(self) -> None:
        import importlib

        import yarl

        route_classes = []
        for modname in ("discord.http", "discord.webhook.async_", "discord.webhook.sync"):
            try:
                mod = importlib.import_module(modname)
            except ImportError:
                continue
            cls = getattr(mod, "Route", None)
            if cls is not None and cls not in route_classes:
                route_classes.append(cls)
        for cls in route_classes:
            self._patches.append((cls, "BASE", cls.__dict__["BASE"]))
            cls.BASE = self.api_base
        from discord.gateway import DiscordWebSocket

        self._patches.append((DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY))
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    # ------------------------------------------------------------------ waiting

    def _changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _wait_until(self, check: Callable[[], Any], timeout: float, describe: Callable[[], str]) -> Any:
        """Re-evaluate ``check`` on every state change until truthy; no polling sleeps."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {describe()}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass

    def _recent(self) -> str:
        return f"recent requests: {self.requests[-12:]}"

    async def wait_ready(self, timeout: float = 5.0) -> GatewayConnection:
        """Wait until a client identified/resumed and got READY (+GUILD_CREATE) or RESUMED."""
        conn = await self._wait_until(
            lambda: self._ready_conn,
            timeout,
            lambda: f"a ready gateway connection; connections={self.connections}",
        )
        return conn.info

    async def wait_connected(self, count: int, timeout: float = 5.0) -> GatewayConnection:
        """Wait for the ``count``-th successful (re)connection (1 = the first READY)."""
        await self._wait_until(
            lambda: self.ready_count >= count and self._ready_conn,
            timeout,
            lambda: f"ready connection #{count}; connections={self.connections}",
        )
        return [c for c in self.connections if c.ready][count - 1]

    async def wait_for_request(
        self,
        predicate: RequestPredicate | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        since: int = 0,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """First recorded request (past or future) with ``index >= since`` matching
        ``method``, ``path`` (regex, full match) and ``predicate``."""
        path_rx = re.compile(path) if path is not None else None

        def matches(r: RecordedRequest) -> bool:
            return (
                r.index >= since
                and (method is None or r.method == method.upper())
                and (path_rx is None or path_rx.fullmatch(r.path) is not None)
                and (predicate is None or predicate(r))
            )

        return await self._wait_until(
            lambda: next((r for r in self.requests if matches(r)), None),
            timeout,
            lambda: f"request method={method} path={path} {self._recent()}",
        )

    async def wait_for_message(
        self,
        predicate: RequestPredicate | None = None,
        *,
        channel_id: int | None = None,
        content: str | None = None,
        since: int = 0,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """First successful ``POST /channels/{id}/messages`` matching the filters.
        The created message object is in ``.response``."""
        chan = str(channel_id) if channel_id is not None else r"\d+"

        def ok(r: RecordedRequest) -> bool:
            return (
                200 <= r.status < 300
                and (content is None or (r.json or {}).get("content") == content)
                and (predicate is None or predicate(r))
            )

        return await self.wait_for_request(
            ok, method="POST", path=rf"/channels/{chan}/messages", since=since, timeout=timeout
        )

    async def wait_for_gateway(
        self, op: int, predicate: Callable[[GatewayFrame], bool] | None = None, *, timeout: float = 5.0
    ) -> GatewayFrame:
        """First gateway frame (past or future) the client sent with this opcode."""
        return await self._wait_until(
            lambda: next(
                (f for f in self.gateway_frames if f.op == op and (predicate is None or predicate(f))), None
            ),
            timeout,
            lambda: f"gateway op {op}",
        )

    @property
    def request_count(self) -> int:
        """Index the next recorded request will get; use as ``since=`` marker."""
        return self._next_index

    @property
    def unhandled_requests(self) -> list[RecordedRequest]:
        """Requests that hit the catch-all (the fake has no real route for them)."""
        return [r for r in self.requests if not r.handled]

    def clear_requests(self) -> None:
        """Forget recorded requests (indices keep increasing, so ``since=`` marks stay valid)."""
        self.requests.clear()

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        count: int = 1,
        retry_after: float | None = None,
        body: Json = None,
        *,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` ("*" = any) and
        ``path_regex`` (full match against the path after /api/v10) with ``status``.

        429 gets Discord's rate-limit body and headers (incl. ``Via``: discord.py
        treats a 429 without it as a Cloudflare ban and raises instead of retrying);
        ``retry_after`` defaults to 0.05 s.  Note discord.py retries 500/502/504
        only after sleeping 1 s, 3 s, ... and raises other 4xx immediately.
        """
        self._faults.append(
            _Fault(method.upper(), re.compile(path_regex), status, count, retry_after, body, is_global)
        )

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.path_regex.fullmatch(path):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _fault_response(self, fault: _Fault) -> tuple[int, Json, dict[str, str]]:
        headers: dict[str, str] = {}
        body = fault.body
        if fault.status == 429:
            retry_after = 0.05 if fault.retry_after is None else fault.retry_after
            if body is None:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": fault.is_global,
                    "code": 0,
                }
            headers = {
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket" + format(abs(hash(fault.path_regex.pattern)), "x"),
                "X-RateLimit-Scope": "global" if fault.is_global else "user",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
        elif body is None:
            messages = {
                400: "400: Bad Request",
                401: "401: Unauthorized",
                403: "Missing Permissions",
                404: "404: Not Found",
                500: "500: Internal Server Error",
                502: "502: Bad Gateway",
            }
            codes = {403: 50013, 401: 0, 404: 0}
            body = {
                "message": messages.get(fault.status, f"{fault.status}: error"),
                "code": codes.get(fault.status, 0),
            }
        return fault.status, body, headers

    async def drop_websocket(self, code: int | None = 4000, *, resumable: bool = True) -> None:
        """Close the client's gateway socket abruptly so it reconnects.

        ``code`` is the close code (4000 and 1000 make discord.py RESUME; 4004
        etc. are fatal to it); ``None`` aborts the TCP connection without a close
        frame.  ``resumable=False`` invalidates the session so the RESUME gets an
        INVALID_SESSION (op 9) and the client re-IDENTIFYs.  Use
        ``wait_connected(n)`` / ``wait_ready()`` afterwards.
        """
        conn = self._ready_conn
        if conn is None:
            raise RuntimeError("no ready gateway connection to drop")
        self._ready_conn = None
        if not resumable and conn.session is not None:
            conn.session.resumable = False
        if code is None:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            await conn.ws.close(code=code, message=b"fake_discord drop")
        self._changed()

    # ------------------------------------------------------------------ ids, users, payloads

    def snowflake(self) -> int:
        """A fresh, increasing snowflake whose timestamp is now."""
        value = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
        value = max(value, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    @staticmethod
    def _new_user(user_id: int, username: str, *, bot: bool = False) -> dict[str, Any]:
        user = {
            "id": str(user_id),
            "username": username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if bot:
            user.update(bot=True, global_name=None, verified=True, mfa_enabled=False, locale="en-US")
        else:
            user["global_name"] = username.title()
        return user

    def _add_role_payload(
        self,
        role_id: int,
        name: str,
        permissions: int,
        *,
        position: int,
        tags: dict[str, Any] | None = None,
        managed: bool = False,
    ) -> dict[str, Any]:
        role = {
            "id": str(role_id),
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        self.roles[role_id] = role
        return role

    def add_role(self, name: str, permissions: int) -> int:
        """Add a guild role; returns its id.  Call before the client connects (or
        dispatch GUILD_ROLE_CREATE yourself)."""
        role_id = self.snowflake()
        self._add_role_payload(role_id, name, permissions, position=len(self.roles))
        return role_id

    def add_user(
        self, username: str, *, role_ids: Iterable[int] = (), bot: bool = False, member: bool = True
    ) -> dict[str, Any]:
        """Add a user (and guild member unless ``member=False``); returns the user dict."""
        user = self._new_user(self.snowflake(), username, bot=bot)
        self.users[int(user["id"])] = user
        if member:
            self.member_roles[int(user["id"])] = list(role_ids)
        return user

    def user(self, who: int | str | Mapping[str, Any]) -> dict[str, Any]:
        """Resolve a user dict from an id or user dict (unknown ids get a stub user)."""
        uid = int(_sid(who))
        if uid not in self.users:
            self.users[uid] = self._new_user(uid, f"user{uid % 10000}")
        return self.users[uid]

    def permissions_for(self, who: int | Mapping[str, Any]) -> int:
        """Guild-level permissions of a member (owner/ADMINISTRATOR => all)."""
        uid = int(_sid(who))
        if uid == DEFAULT_OWNER_ID:
            return Permissions.ALL
        perms = int(self.roles[self.guild_id]["permissions"])
        for rid in self.member_roles.get(uid, []):
            perms |= int(self.roles[rid]["permissions"])
        return Permissions.ALL if perms & Permissions.ADMINISTRATOR else perms

    def member_payload(
        self, who: int | Mapping[str, Any], *, with_user: bool = True, permissions: int | None = None
    ) -> dict[str, Any]:
        """Guild member object; ``permissions`` adds the interaction-style string field."""
        user = self.user(who)
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.member_roles.get(int(user["id"]), [])],
            "joined_at": "2023-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def guild_payload(self) -> dict[str, Any]:
        """The full GUILD_CREATE payload (channels, roles, all members incl. the bot)."""
        members = [self.member_payload(uid) for uid in self.member_roles]
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(DEFAULT_OWNER_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "joined_at": "2023-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "members": members,
            "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "lazy": True,
        }

    def dm_channel(self, who: int | Mapping[str, Any]) -> dict[str, Any]:
        """The (stable) DM channel between the bot and a user."""
        user = self.user(who)
        uid = int(user["id"])
        if uid not in self.dm_channels:
            self.dm_channels[uid] = {
                "id": str(self.snowflake()),
                "type": 1,
                "recipients": [user],
                "last_message_id": None,
                "flags": 0,
            }
        return self.dm_channels[uid]

    def _channel_by_id(self, channel_id: int) -> dict[str, Any] | None:
        if channel_id in self.channels:
            return self.channels[channel_id]
        return next((c for c in self.dm_channels.values() if int(c["id"]) == channel_id), None)

    @staticmethod
    def mention(who: int | Mapping[str, Any]) -> str:
        return f"<@{_sid(who)}>"

    # ------------------------------------------------------------------ gateway-side builders

    def message_create(
        self,
        content: str,
        *,
        author: int | Mapping[str, Any] | None = None,
        channel_id: int | None = None,
        guild_id: int | None = _DEFAULT,
        mentions: Sequence[int | Mapping[str, Any]] = (),
        mention_roles: Sequence[int] = (),
        referenced_message: Mapping[str, Any] | None = None,
        attachments: Sequence[Mapping[str, Any]] = (),
        embeds: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload from a user (default ``member``).

        ``guild_id=None`` makes it a DM (channel defaults to the author's DM channel).
        The message is stored so replies/fetches can reference it.
        """
        user = self.user(author if author is not None else self.member)
        is_dm = guild_id is None
        gid = None if is_dm else (self.guild_id if guild_id is _DEFAULT else guild_id)
        if channel_id is None:
            channel_id = int(self.dm_channel(user)["id"]) if is_dm else self.channel_id
        msg: dict[str, Any] = {
            "id": str(self.snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": user,
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [str(r) for r in mention_roles],
            "attachments": list(attachments),
            "embeds": list(embeds),
            "components": [],
            "pinned": False,
            "flags": 0,
            "nonce": str(self.snowflake()),
        }
        for m in mentions:
            mu = dict(self.user(m))
            if gid is not None and int(mu["id"]) in self.member_roles:
                mu["member"] = self.member_payload(mu, with_user=False)
            msg["mentions"].append(mu)
        if gid is not None:
            msg["guild_id"] = str(gid)
            if int(user["id"]) in self.member_roles:
                msg["member"] = self.member_payload(user, with_user=False)
        if referenced_message is not None:
            msg["type"] = 19
            msg["message_reference"] = {
                "type": 0,
                "message_id": str(referenced_message["id"]),
                "channel_id": str(referenced_message["channel_id"]),
                **({"guild_id": str(gid)} if gid is not None else {}),
            }
            msg["referenced_message"] = dict(referenced_message)
        self.messages[int(msg["id"])] = msg
        return msg

    def _find_command(self, name: str, guild_id: int | None) -> dict[str, Any] | None:
        for scope in ([guild_id] if guild_id is not None else []) + [None]:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        return None

    def _option_type(self, value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, Mapping) and "username" in value:
            return 6
        return 3

    def _build_options(
        self,
        values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        spec: Sequence[Mapping[str, Any]],
        guild_id: int | None,
        resolved: dict[str, Any],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        """Typed option list from ``{name: value}``; types come from the synced
        command when known.  Users/channels/roles are added to ``resolved``."""
        if values is None:
            return []
        if not isinstance(values, Mapping):
            return [dict(v) for v in values]  # already raw option dicts
        out = []
        for name, value in values.items():
            s = next((o for o in spec if o.get("name") == name), None)
            otype = int(s["type"]) if s else self._option_type(value)
            if otype in (6, 9) and (isinstance(value, Mapping) or int(_sid(value)) in self.users):
                user = self.user(value)
                value = user["id"]
                resolved.setdefault("users", {})[value] = user
                if guild_id is not None and int(value) in self.member_roles:
                    resolved.setdefault("members", {})[value] = self.member_payload(
                        user, with_user=False, permissions=self.permissions_for(user)
                    )
            elif otype == 7:
                chan = self._channel_by_id(int(_sid(value))) or {
                    "id": _sid(value),
                    "type": 0,
                    "name": "unknown",
                }
                value = chan["id"]
                resolved.setdefault("channels", {})[value] = {
                    **{k: chan[k] for k in ("id", "type", "name") if k in chan},
                    "permissions": str(Permissions.ALL),
                    "parent_id": chan.get("parent_id"),
                    "topic": chan.get("topic"),
                    "nsfw": False,
                    "position": 0,
                }
            elif otype == 8:
                rid = int(_sid(value))
                value = str(rid)
                if rid in self.roles:
                    resolved.setdefault("roles", {})[value] = self.roles[rid]
            elif otype == 11 and isinstance(value, Mapping):
                value = str(value["id"])
                resolved.setdefault("attachments", {})[value] = dict(values[name])
            opt: dict[str, Any] = {"name": name, "type": otype, "value": value}
            if focused is not None and name == focused:
                opt["focused"] = True
            out.append(opt)
        return out

    def _command_data(
        self, name: str, options: Any, guild_id: int | None, focused: str | None = None
    ) -> dict[str, Any]:
        """``data`` of a chat-input interaction; ``name`` may be "group sub" for subcommands."""
        parts = name.split()
        cmd = self._find_command(parts[0], guild_id)
        resolved: dict[str, Any] = {}
        spec = list(cmd.get("options", [])) if cmd else []
        chain: list[tuple[str, int]] = []
        for part in parts[1:]:
            sub = next((o for o in spec if o.get("name") == part), None)
            chain.append((part, int(sub["type"]) if sub else (2 if part != parts[-1] else 1)))
            spec = list(sub.get("options", [])) if sub else []
        opts = self._build_options(options, spec, guild_id, resolved, focused)
        for part, kind in reversed(chain):
            opts = [{"name": part, "type": kind, "options": opts}]
        data: dict[str, Any] = {
            "id": str(cmd["id"]) if cmd else str(self.snowflake()),
            "name": parts[0],
            "type": 1,
            "options": opts,
        }
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = str(cmd["guild_id"])
        if resolved:
            data["resolved"] = resolved
        return data

    def _interaction(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: Any,
        guild_id: int | None,
        channel_id: int | None,
        permissions: int | None,
        app_permissions: int | None,
        locale: str,
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        u = self.user(user if user is not None else self.member)
        payload: dict[str, Any] = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": "fake-itoken-" + secrets.token_hex(20),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(
                app_permissions if app_permissions is not None else self.permissions_for(self.application_id)
            ),
        }
        if guild_id is not None:
            cid = channel_id if channel_id is not None else self.channel_id
            perms = permissions if permissions is not None else self.permissions_for(u)
            chan = self.channels.get(
                cid, {"id": str(cid), "type": 0, "name": "unknown", "guild_id": str(guild_id)}
            )
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self.member_payload(u, permissions=perms),
                channel={**chan, "permissions": str(perms)},
                channel_id=str(cid),
                context=0,
                authorizing_integration_owners={"0": str(guild_id)},
            )
        else:
            chan = (
                self.dm_channel(u)
                if channel_id is None
                else {"id": str(channel_id), "type": 1, "recipients": [u]}
            )
            payload.update(
                user=u,
                channel=chan,
                channel_id=chan["id"],
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        if message is not None:
            payload["message"] = dict(message)
        self._interactions[payload["token"]] = _InteractionState(payload)
        return payload

    def interaction_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        user: Any = None,
        guild_id: int | None = _DEFAULT,
        channel_id: int | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """INTERACTION_CREATE payload for a slash command (type 2).

        ``options`` is ``{name: value}`` (typed via the synced command) or raw option
        dicts; ``name`` may be "group sub".  ``guild_id=None`` makes it a DM.
        ``permissions`` overrides ``member.permissions`` (default: from roles).
        """
        gid = self.guild_id if guild_id is _DEFAULT else guild_id
        data = self._command_data(name, options, gid)
        return self._interaction(
            2,
            data,
            user=user,
            guild_id=gid,
            channel_id=channel_id,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
        )

    def interaction_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: Any = None,
        guild_id: int | None = _DEFAULT,
        channel_id: int | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """INTERACTION_CREATE payload for autocomplete (type 4); ``focused`` names the option being typed."""
        gid = self.guild_id if guild_id is _DEFAULT else guild_id
        data = self._command_data(name, options, gid, focused=focused)
        return self._interaction(
            4,
            data,
            user=user,
            guild_id=gid,
            channel_id=channel_id,
            permissions=permissions,
            app_permissions=None,
            locale=locale,
        )

    def _find_component_message(self, custom_id: str) -> dict[str, Any] | None:
        def ids(components: Iterable[Mapping[str, Any]]) -> Iterable[str]:
            for c in components:
                if "custom_id" in c:
                    yield c["custom_id"]
                yield from ids(c.get("components", []))
                if isinstance(c.get("accessory"), Mapping):
                    yield from ids([c["accessory"]])

        for msg in reversed(list(self.messages.values())):
            if custom_id in ids(msg.get("components", [])):
                return msg
        return None

    def interaction_component(
        self,
        custom_id: str,
        message: Mapping[str, Any] | int | None = None,
        component_type: int = 2,
        *,
        values: Sequence[str] | None = None,
        user: Any = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """INTERACTION_CREATE payload for a component (type 3; 2 = button, 3 = select).

        ``message`` is the message carrying the component (a dict such as
        ``wait_for_message(...).response``, or a message id); by default the
        latest known message containing ``custom_id``.
        """
        if message is None:
            message = self._find_component_message(custom_id)
            if message is None:
                raise LookupError(f"no known message has a component with custom_id {custom_id!r}")
        elif not isinstance(message, Mapping):
            message = self.messages[int(message)]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None or component_type in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        channel_id = int(message["channel_id"])
        in_guild = channel_id in self.channels
        return self._interaction(
            3,
            data,
            user=user,
            guild_id=self.guild_id if in_guild else None,
            channel_id=channel_id if in_guild else None,
            permissions=permissions,
            app_permissions=None,
            locale=locale,
            message=message,
        )

    def interaction_modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        user: Any = None,
        guild_id: int | None = _DEFAULT,
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE payload for a modal submit (type 5) with text-input values."""
        gid = self.guild_id if guild_id is _DEFAULT else guild_id
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in fields.items()
            ],
        }
        return self._interaction(
            5,
            data,
            user=user,
            guild_id=gid,
            channel_id=None,
            permissions=None,
            app_permissions=None,
            locale="en-US",
            message=message,
        )

    # ------------------------------------------------------------------ gateway-side actions

    async def dispatch(self, event: str, data: dict[str, Any], *, timeout: float = 5.0) -> int:
        """Send an op 0 dispatch to the connected client (waiting for a ready
        connection if it is reconnecting); returns the sequence number."""
        if event == "INTERACTION_CREATE" and data.get("token") not in self._interactions:
            self._interactions[data["token"]] = _InteractionState(data)
        if event == "MESSAGE_CREATE":
            self.messages[int(data["id"])] = data
        conn = await self._wait_until(lambda: self._ready_conn, timeout, lambda: "a ready gateway connection")
        return await self._send_dispatch(conn, event, data)

    async def send_message(self, content: str, **kwargs: Any) -> dict[str, Any]:
        """Build (see ``message_create``) and dispatch a MESSAGE_CREATE; returns it."""
        msg = self.message_create(content, **kwargs)
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def send_interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Dispatch an INTERACTION_CREATE built by one of the ``interaction_*`` helpers."""
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def wait_for_callback(
        self, interaction: Mapping[str, Any], *, timeout: float = 5.0
    ) -> RecordedRequest:
        """The client's ``POST /interactions/{id}/{token}/callback`` for this interaction."""
        return await self.wait_for_request(
            method="POST",
            path=rf"/interactions/{interaction['id']}/{re.escape(interaction['token'])}/callback",
            timeout=timeout,
        )

    async def wait_for_followup(
        self, interaction: Mapping[str, Any], *, since: int = 0, timeout: float = 5.0
    ) -> RecordedRequest:
        """The client's follow-up ``POST /webhooks/{app}/{token}`` for this interaction."""
        return await self.wait_for_request(
            method="POST",
            path=rf"/webhooks/\d+/{re.escape(interaction['token'])}",
            since=since,
            timeout=timeout,
        )

    async def run_command(
        self, name: str, options: Any = None, *, timeout: float = 5.0, **kwargs: Any
    ) -> RecordedRequest:
        """Dispatch a slash command and return its interaction callback request
        (the dispatched payload is ``last_interaction``)."""
        payload = await self.send_interaction(self.interaction_command(name, options, **kwargs))
        return await self.wait_for_callback(payload, timeout=timeout)

    async def run_autocomplete(
        self, name: str, options: Mapping[str, Any], focused: str, *, timeout: float = 5.0, **kwargs: Any
    ) -> RecordedRequest:
        """Dispatch an autocomplete interaction and return its callback (type 8, ``data.choices``)."""
        payload = await self.send_interaction(self.interaction_autocomplete(name, options, focused, **kwargs))
        return await self.wait_for_callback(payload, timeout=timeout)

    async def click(
        self,
        custom_id: str,
        message: Mapping[str, Any] | int | None = None,
        *,
        component_type: int = 2,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> RecordedRequest:
        """Dispatch a component interaction and return its callback request."""
        payload = await self.send_interaction(
            self.interaction_component(custom_id, message, component_type, **kwargs)
        )
        return await self.wait_for_callback(payload, timeout=timeout)

    @property
    def last_interaction(self) -> dict[str, Any] | None:
        """Most recently built/dispatched interaction payload."""
        return next(reversed(self._interactions.values())).payload if self._interactions else None

    # ------------------------------------------------------------------ gateway server

    async def _send_dispatch(self, conn: _Conn, event: str, data: dict[str, Any]) -> int:
        session = conn.session
        assert session is not None
        async with conn.lock:
            session.seq += 1
            payload = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.events.append(payload)  # replayed on RESUME if the send is lost
            try:
                await conn.send_unlocked(payload)
            except (ConnectionError, RuntimeError):
                pass
            return session.seq

    def _mark_ready(self, conn: _Conn, kind: str) -> None:
        conn.info.kind = kind
        conn.info.ready = True
        self.ready_count += 1
        self._ready_conn = conn
        self._changed()

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True, timeout=5.0)
        await ws.prepare(request)
        query = dict(request.query)
        compression = query.get("compress")
        info = GatewayConnection(number=len(self.connections) + 1, query=query, compression=compression)
        self.connections.append(info)
        conn = _Conn(ws, request, info, _make_compressor(compression))
        self._conns.add(conn)
        try:
            if query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"fake_discord only speaks encoding=json")
                return ws
            await conn.send(
                {
                    "op": 10,
                    "s": None,
                    "t": None,
                    "d": {
                        "heartbeat_interval": int(self.heartbeat_interval * 1000),
                        "_trace": ['["fake-gateway"]'],
                    },
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                raw = msg.data if msg.type is WSMsgType.TEXT else msg.data.decode("utf-8")
                frame = json.loads(raw)
                self.gateway_frames.append(
                    GatewayFrame(frame.get("op"), frame.get("d"), time.monotonic(), info.number)
                )
                try:
                    await self._on_frame(conn, frame)
                except (ConnectionError, RuntimeError):
                    break
                self._changed()
        except Exception:
            self.errors.append(traceback.format_exc())
            raise
        finally:
            info.closed = True
            info.close_code = ws.close_code
            self._conns.discard(conn)
            if self._ready_conn is conn:
                self._ready_conn = None
            self._changed()
        return ws

    async def _on_frame(self, conn: _Conn, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:  # HEARTBEAT
            await conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:  # IDENTIFY
            await self._identify(conn, d or {})
        elif op == 6:  # RESUME
            await self._resume(conn, d or {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            await self._members_chunk(conn, d or {})
        # op 3 (presence), 4 (voice state), ... are only recorded.

    async def _identify(self, conn: _Conn, d: dict[str, Any]) -> None:
        if self.token is not None and d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        conn.info.identify = d
        shard = d.get("shard")
        session = _Session(id=secrets.token_hex(16), shard=shard)
        self._session = session
        conn.session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "user_settings": {},
            "session_type": "normal",
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "_trace": ['["fake-gateway"]'],
        }
        if shard is not None:
            ready["shard"] = shard
        await self._send_dispatch(conn, "READY", ready)
        await self._send_dispatch(conn, "GUILD_CREATE", self.guild_payload())
        self._mark_ready(conn, "identify")

    async def _resume(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = self._session
        token_ok = self.token is None or d.get("token") == self.token
        if session is None or not session.resumable or d.get("session_id") != session.id or not token_ok:
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return
        conn.session = session
        seq = d.get("seq") or 0
        async with conn.lock:
            for event in [e for e in session.events if e["s"] > seq]:
                await conn.send_unlocked(event)
        await self._send_dispatch(conn, "RESUMED", {"_trace": ['["fake-gateway"]']})
        self._mark_ready(conn, "resume")

    async def _members_chunk(self, conn: _Conn, d: dict[str, Any]) -> None:
        guild_ids = d.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            if gid is None or int(gid) != self.guild_id or conn.session is None:
                continue
            uids = list(self.member_roles)
            not_found: list[str] = []
            if d.get("user_ids"):
                wanted = [int(u) for u in d["user_ids"]]
                not_found = [str(u) for u in wanted if u not in self.member_roles]
                uids = [u for u in wanted if u in self.member_roles]
            elif d.get("query"):
                q = str(d["query"]).lower()
                uids = [u for u in uids if self.users[u]["username"].lower().startswith(q)]
            if d.get("limit"):
                uids = uids[: int(d["limit"])]
            chunk: dict[str, Any] = {
                "guild_id": str(self.guild_id),
                "members": [self.member_payload(u) for u in uids],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": not_found,
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            if d.get("presences"):
                chunk["presences"] = []
            await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ REST server

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], _Handler]]:
        cmds = r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands"
        msg = r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)"
        hook_msg = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", r"/gateway", self._r_gateway),
            ("GET", r"/gateway/bot", self._r_gateway_bot),
            ("GET", r"/users/@me", self._r_users_me),
            ("GET", r"/oauth2/applications/@me", self._r_app_info),
            ("GET", r"/applications/@me", self._r_app_info),
            ("GET", cmds, self._r_get_commands),
            ("PUT", cmds, self._r_put_commands),
            ("POST", cmds, self._r_post_command),
            ("GET", cmds + r"/(?P<cmd>\d+)", self._r_get_command),
            ("PATCH", cmds + r"/(?P<cmd>\d+)", self._r_patch_command),
            ("DELETE", cmds + r"/(?P<cmd>\d+)", self._r_delete_command),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._r_create_message),
            ("GET", r"/channels/(?P<channel>\d+)/messages", self._r_list_messages),
            ("GET", msg, self._r_get_message),
            ("PATCH", msg, self._r_edit_message),
            ("DELETE", msg, self._r_delete_message),
            ("PUT", msg + r"/reactions/.+", self._r_no_content),
            ("DELETE", msg + r"/reactions(?:/.*)?", self._r_no_content),
            ("POST", r"/channels/(?P<channel>\d+)/typing", self._r_no_content),
            ("GET", r"/channels/(?P<channel>\d+)", self._r_get_channel),
            ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._r_interaction_callback),
            ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._r_webhook_execute),
            ("GET", hook_msg, self._r_webhook_get),
            ("PATCH", hook_msg, self._r_webhook_edit),
            ("DELETE", hook_msg, self._r_webhook_delete),
            ("POST", r"/users/@me/channels", self._r_create_dm),
            ("GET", r"/users/(?P<user>\d+)", self._r_get_user),
            ("GET", r"/guilds/(?P<guild>\d+)", self._r_get_guild),
            ("GET", r"/guilds/(?P<guild>\d+)/channels", self._r_guild_channels),
            ("GET", r"/guilds/(?P<guild>\d+)/roles", self._r_guild_roles),
            ("GET", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)", self._r_get_member),
        ]
        return [(method, re.compile(rx), fn) for method, rx, fn in table]

    @staticmethod
    async def _parse_body(request: web.Request) -> tuple[Json, list[RecordedFile]]:
        files: list[RecordedFile] = []
        if not request.body_exists:
            return None, files
        if request.content_type.startswith("multipart/"):
            payload: Json = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not hasattr(part, "read"):
                    continue  # nested multipart: not used by discord.py
                raw = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":
                    payload = json.loads(raw)
                else:
                    files.append(
                        RecordedFile(
                            part.name or "", part.filename, part.headers.get("Content-Type"), bytes(raw)
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode("utf-8", "replace"), files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :] or "/"
        index, self._next_index = self._next_index, self._next_index + 1  # arrival order
        body, files = await self._parse_body(request)
        rec = RecordedRequest(
            index=index,
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            headers=CIMultiDict(request.headers),
            time=time.monotonic(),
            files=files,
        )
        headers: dict[str, str] = {}
        fault = self._take_fault(request.method, path)
        if fault is not None:
            status, payload, headers = self._fault_response(fault)
            rec.injected = True
        else:
            for method, rx, handler in self._routes:
                m = rx.fullmatch(path) if method == request.method else None
                if m is not None:
                    try:
                        status, payload = await handler(rec, m)
                    except Exception:
                        # 400 (not 500) so discord.py raises at once instead of retrying for ~25 s.
                        rec.error = traceback.format_exc()
                        self.errors.append(rec.error)
                        status, payload = (
                            400,
                            {"message": f"fake_discord crashed: {rec.error[-300:]}", "code": 0},
                        )
                    break
            else:
                status, payload, rec.handled = 200, {}, False
        rec.status, rec.response = status, payload
        self.requests.append(rec)
        self._changed()
        headers["Via"] = "1.1 google"
        if status == 204 or payload is None:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json": discord.py compares the header verbatim, so
        # aiohttp's json_response ("; charset=utf-8") would be read as plain text.
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode("utf-8"), headers=headers)

    @staticmethod
    def _error(status: int, code: int, message: str) -> tuple[int, Json]:
        return status, {"message": message, "code": code}

    async def _r_no_content(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        return 204, None

    async def _r_gateway(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        return 200, {"url": self.gateway_url}

    async def _r_gateway_bot(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    async def _r_users_me(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        auth = rec.headers.get("Authorization", "")
        if self.token is not None and auth != f"Bot {self.token}":
            return self._error(401, 0, "401: Unauthorized")
        return 200, self.bot_user

    async def _r_app_info(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self.owner,
            "team": None,
            "bot": self.bot_user,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": 1,
            "integration_types_config": {"0": {}},
        }

    # -- application commands

    def _scope(self, m: re.Match[str]) -> int | None:
        return int(m["guild"]) if m["guild"] else None

    def _store_command(
        self, scope: int | None, body: Mapping[str, Any], existing: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        ctype = int(body.get("type", 1))
        prev = next(
            (c for c in existing if c["name"] == body.get("name") and c.get("type", 1) == ctype), None
        )
        cmd = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **body,
            "id": prev["id"] if prev else str(self.snowflake()),
            "application_id": str(self.application_id),
            "version": str(self.snowflake()),
            "type": ctype,
        }
        if scope is not None:
            cmd["guild_id"] = str(scope)
        return cmd

    async def _r_get_commands(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        return 200, self.commands.get(self._scope(m), [])

    async def _r_put_commands(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        scope = self._scope(m)
        existing = self.commands.get(scope, [])
        self.commands[scope] = [self._store_command(scope, c, existing) for c in rec.json or []]
        return 200, self.commands[scope]

    async def _r_post_command(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        scope = self._scope(m)
        existing = self.commands.setdefault(scope, [])
        cmd = self._store_command(scope, rec.json or {}, existing)
        existing[:] = [c for c in existing if c["id"] != cmd["id"]] + [cmd]
        return 201, cmd

    def _command_by_id(self, m: re.Match[str]) -> dict[str, Any] | None:
        return next((c for c in self.commands.get(self._scope(m), []) if c["id"] == m["cmd"]), None)

    async def _r_get_command(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        cmd = self._command_by_id(m)
        return (200, cmd) if cmd else self._error(404, 10063, "Unknown application command")

    async def _r_patch_command(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        cmd = self._command_by_id(m)
        if cmd is None:
            return self._error(404, 10063, "Unknown application command")
        cmd.update(rec.json or {})
        return 200, cmd

    async def _r_delete_command(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        scope = self._scope(m)
        self.commands[scope] = [c for c in self.commands.get(scope, []) if c["id"] != m["cmd"]]
        return 204, None

    # -- messages

    def _attachments(
        self, data: Mapping[str, Any], files: Sequence[RecordedFile], keep: Sequence[Mapping[str, Any]] = ()
    ) -> list[dict[str, Any]]:
        """Attachment objects for uploaded ``files[n]`` parts (+ kept existing ones)."""
        by_field = {f.field: f for f in files}
        kept_ids = {str(a.get("id")) for a in data.get("attachments", []) or []}
        out = [dict(a) for a in keep if str(a["id"]) in kept_ids]
        for att in data.get("attachments", []) or []:
            f = by_field.get(f"files[{att.get('id')}]")
            if f is None:
                continue
            aid = str(self.snowflake())
            url = f"{self.base_url}/attachments/{aid}/{f.filename}"
            out.append(
                {
                    "id": aid,
                    "filename": att.get("filename") or f.filename or "file",
                    "size": len(f.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": f.content_type,
                    "description": att.get("description"),
                    "ephemeral": False,
                }
            )
        return out

    def _new_bot_message(
        self,
        channel_id: int,
        data: Mapping[str, Any],
        files: Sequence[RecordedFile] = (),
        *,
        webhook: bool = False,
        interaction: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Message object as Discord returns it for something the bot sent."""
        msg: dict[str, Any] = {
            "id": str(self.snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": data.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(data, files),
            "embeds": list(data.get("embeds") or []),
            "components": list(data.get("components") or []),
            "pinned": False,
            "flags": int(data.get("flags") or 0),
        }
        if data.get("nonce") is not None:
            msg["nonce"] = data["nonce"]
        if data.get("poll"):
            msg["poll"] = dict(data["poll"])
        if data.get("sticker_ids"):
            msg["sticker_items"] = [
                {"id": str(s), "name": "sticker", "format_type": 1} for s in data["sticker_ids"]
            ]
        ref = data.get("message_reference")
        if ref and ref.get("message_id"):
            msg["type"] = 19 if ref.get("type", 0) == 0 else 0
            msg["message_reference"] = {
                "type": ref.get("type", 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel_id),
                **({"guild_id": str(ref["guild_id"])} if ref.get("guild_id") else {}),
            }
            msg["referenced_message"] = self.messages.get(int(ref["message_id"]))
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            if interaction.get("type") == 2:
                msg["type"] = 20
            user = interaction.get("member", {}).get("user") or interaction.get("user")
            msg["interaction_metadata"] = {
                "id": str(interaction["id"]),
                "type": interaction["type"],
                "user": user,
                "authorizing_integration_owners": interaction.get("authorizing_integration_owners", {}),
            }
        self.messages[int(msg["id"])] = msg
        return msg

    def _edit(
        self, msg: dict[str, Any], data: Mapping[str, Any], files: Sequence[RecordedFile]
    ) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "poll"):
            if key in data:
                msg[key] = data[key] if data[key] is not None else ("" if key == "content" else [])
        if "flags" in data and data["flags"] is not None:
            msg["flags"] = int(data["flags"]) | (msg["flags"] & _MESSAGE_FLAG_EPHEMERAL)
        if "attachments" in data or files:
            msg["attachments"] = self._attachments(data, files, keep=msg.get("attachments", []))
        if msg["flags"] & _MESSAGE_FLAG_LOADING:
            msg["flags"] &= ~_MESSAGE_FLAG_LOADING  # first edit of a deferred response isn't an "edit"
        else:
            msg["edited_timestamp"] = _now_iso()
        return msg

    async def _r_create_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        channel_id = int(m["channel"])
        if self._channel_by_id(channel_id) is None:
            return self._error(404, 10003, "Unknown Channel")
        data = rec.json or {}
        if (
            not any(data.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))
            and not rec.files
        ):
            return self._error(400, 50006, "Cannot send an empty message")
        return 200, self._new_bot_message(channel_id, data, rec.files)

    async def _r_list_messages(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        limit = int(rec.query.get("limit", 50))
        msgs = [x for x in self.messages.values() if x["channel_id"] == m["channel"]]
        return 200, sorted(msgs, key=lambda x: int(x["id"]), reverse=True)[:limit]

    def _message(self, m: re.Match[str]) -> dict[str, Any] | None:
        msg = self.messages.get(int(m["message"]))
        return msg if msg is not None and msg["channel_id"] == m["channel"] else None

    async def _r_get_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        msg = self._message(m)
        return (200, msg) if msg else self._error(404, 10008, "Unknown Message")

    async def _r_edit_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        msg = self._message(m)
        if msg is None:
            return self._error(404, 10008, "Unknown Message")
        return 200, self._edit(msg, rec.json or {}, rec.files)

    async def _r_delete_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        if self._message(m) is None:
            return self._error(404, 10008, "Unknown Message")
        del self.messages[int(m["message"])]
        return 204, None

    async def _r_get_channel(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        chan = self._channel_by_id(int(m["channel"]))
        return (200, chan) if chan else self._error(404, 10003, "Unknown Channel")

    # -- interactions & webhooks

    async def _r_interaction_callback(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        state = self._interactions.get(m["token"])
        if state is not None:
            if state.acked:
                return self._error(400, 40060, "Interaction has already been acknowledged.")
            state.acked = True
        payload = state.payload if state is not None else {"id": m["iid"], "type": 2}
        body = rec.json or {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        if state is not None:
            state.callback_type = ctype
        channel_id = int(payload.get("channel_id") or self.channel_id)
        inter: dict[str, Any] = {
            "id": str(m["iid"]),
            "type": payload.get("type", 2),
            "activity_instance_id": None,
            "response_message_id": None,
            "response_message_loading": False,
            "response_message_ephemeral": False,
        }
        out: dict[str, Any] = {"interaction": inter}
        if ctype in (4, 5):  # message / deferred "thinking" message
            flags = int(data.get("flags") or 0)
            msg_data = dict(data) if ctype == 4 else {"flags": flags | _MESSAGE_FLAG_LOADING}
            msg = self._new_bot_message(channel_id, msg_data, rec.files, webhook=True, interaction=payload)
            if state is not None:
                state.original_id = int(msg["id"])
            inter.update(
                response_message_id=msg["id"],
                response_message_loading=ctype == 5,
                response_message_ephemeral=bool(flags & _MESSAGE_FLAG_EPHEMERAL),
            )
            out["resource"] = {"type": ctype, "message": msg}
        elif ctype in (6, 7) and payload.get("message"):  # (deferred) update of the component's message
            target = payload["message"]
            msg = self.messages.setdefault(int(target["id"]), copy.deepcopy(dict(target)))
            if state is not None:
                state.original_id = int(msg["id"])
            inter["response_message_id"] = msg["id"]
            if ctype == 7:
                self._edit(msg, data, rec.files)
                out["resource"] = {"type": 7, "message": msg}
        return 200, out

    def _hook_state(self, m: re.Match[str]) -> tuple[_InteractionState | None, tuple[int, Json] | None]:
        """Interaction state for a webhook token; an error if it's known but unacknowledged."""
        state = self._interactions.get(m["token"])
        if state is not None and not state.acked:
            return state, self._error(404, 10015, "Unknown Webhook")
        return state, None

    async def _r_webhook_execute(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        state, err = self._hook_state(m)
        if err:
            return err
        data = rec.json or {}
        if state is not None and state.callback_type == 5 and state.original_id in self.messages:
            original = self.messages[state.original_id]
            if original["flags"] & _MESSAGE_FLAG_LOADING:
                # Discord: the first follow-up after a "thinking" defer fills in the original.
                msg = self._edit(original, {k: v for k, v in data.items() if k != "flags"}, rec.files)
                return (200, msg) if rec.query.get("wait") in ("true", "1", "True") else (204, None)
        channel_id = int(state.payload.get("channel_id") or self.channel_id) if state else self.channel_id
        msg = self._new_bot_message(
            channel_id, data, rec.files, webhook=True, interaction=state.payload if state else None
        )
        return (200, msg) if rec.query.get("wait") in ("true", "1", "True") else (204, None)

    def _hook_message(self, m: re.Match[str], state: _InteractionState | None) -> dict[str, Any] | None:
        if m["message"] == "@original":
            return self.messages.get(state.original_id) if state and state.original_id else None
        return self.messages.get(int(m["message"]))

    async def _r_webhook_get(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        state, err = self._hook_state(m)
        msg = None if err else self._hook_message(m, state)
        return (200, msg) if msg else self._error(404, 10008, "Unknown Message")

    async def _r_webhook_edit(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        state, err = self._hook_state(m)
        msg = None if err else self._hook_message(m, state)
        if msg is None:
            return self._error(404, 10008, "Unknown Message")
        return 200, self._edit(msg, rec.json or {}, rec.files)

    async def _r_webhook_delete(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        state, err = self._hook_state(m)
        msg = None if err else self._hook_message(m, state)
        if msg is None:
            return self._error(404, 10008, "Unknown Message")
        self.messages.pop(int(msg["id"]), None)
        return 204, None

    # -- users, guilds

    async def _r_create_dm(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        recipient = (rec.json or {}).get("recipient_id")
        if recipient is None:
            return self._error(400, 50035, "Invalid Form Body")
        return 200, self.dm_channel(int(recipient))

    async def _r_get_user(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        uid = int(m["user"])
        return (200, self.users[uid]) if uid in self.users else self._error(404, 10013, "Unknown User")

    def _guild_ok(self, m: re.Match[str]) -> bool:
        return int(m["guild"]) == self.guild_id

    async def _r_get_guild(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        if not self._guild_ok(m):
            return self._error(404, 10004, "Unknown Guild")
        g = self.guild_payload()
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "joined_at",
            "large",
            "member_count",
            "unavailable",
            "lazy",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ):
            g.pop(key, None)
        return 200, g

    async def _r_guild_channels(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        if not self._guild_ok(m):
            return self._error(404, 10004, "Unknown Guild")
        return 200, list(self.channels.values())

    async def _r_guild_roles(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        if not self._guild_ok(m):
            return self._error(404, 10004, "Unknown Guild")
        return 200, list(self.roles.values())

    async def _r_get_member(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Json]:
        uid = int(m["user"])
        if not self._guild_ok(m) or uid not in self.member_roles:
            return self._error(404, 10007, "Unknown Member")
        return 200, self.member_payload(uid)
