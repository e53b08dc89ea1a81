"""The curator database: declined questions (deduplicated, counted) and answer feedback.

Plain sqlite3, WAL mode, one connection used from one worker thread: the Discord adapter calls the
async wrappers, which run the writes on that thread so the event loop never waits on the disk.
A write is committed before the caller hears it succeeded, so a click the bot acknowledged is on
disk even if the process is killed right after. A locked or unwritable database is logged and
reported as False; the bot keeps answering either way."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..core.text import normalize

log = logging.getLogger(__name__)

SALT_BYTES = 32
MAX_TEXT = 500  # characters of a declined question kept; a 4,000-character wall is not stored whole

_SCHEMA = """
CREATE TABLE IF NOT EXISTS declined (
    norm TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    guild_id INTEGER,
    channel_id INTEGER,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS declined_last_seen ON declined(last_seen);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    question TEXT NOT NULL,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    user_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (message_id, user_hash)
);
CREATE INDEX IF NOT EXISTS feedback_entry ON feedback(entry_id);
"""


@dataclass(frozen=True)
class Unanswered:
    text: str
    count: int
    last_seen: datetime


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: str | Path, *, timeout: float = 2.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._salt = self._load_salt()

    def _load_salt(self) -> bytes:
        """A per-install secret, so hashed user ids cannot be reversed by hashing every id.

        Created exclusively and privately (two processes sharing DATA_DIR agree on one salt) and
        checked on read: an empty or short salt would make the hashes reversible."""
        path = self.path.parent / "user-hash.salt"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(SALT_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
        salt = path.read_bytes()
        if len(salt) != SALT_BYTES:
            raise ValueError(f"{path}: the user-hash salt is damaged ({len(salt)} bytes); delete it to start a new one")
        return salt

    def hash_user(self, user_id: int) -> str:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    def _write(self, sql: str, params: tuple) -> bool:
        try:
            with self._lock:
                self._db.execute(sql, params)
            return True
        except sqlite3.Error as exc:
            log.warning("curator database write failed (%s): %s", self.path, exc)
            return False

    def record_declined(self, text: str, guild_id: int | None = None, channel_id: int | None = None) -> bool:
        text = text.strip()[:MAX_TEXT]
        norm = normalize(text)[:MAX_TEXT]
        if not norm:
            return False
        now = _now()
        return self._write(
            "INSERT INTO declined (norm, text, guild_id, channel_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(norm) DO UPDATE SET count = count + 1, text = excluded.text, guild_id = excluded.guild_id, "
            "channel_id = excluded.channel_id, last_seen = excluded.last_seen",
            (norm, text, guild_id, channel_id, now, now),
        )

    def record_feedback(self, message_id: int, entry_id: str, question: str, helpful: bool, user_id: int) -> bool:
        """One vote per user per answer message: clicking again changes the vote, it doesn't add one."""
        return self._write(
            "INSERT INTO feedback (message_id, entry_id, question, helpful, user_hash, created_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(message_id, user_hash) DO UPDATE SET helpful = excluded.helpful, created_at = excluded.created_at",
            (message_id, entry_id[:64], question.strip()[:MAX_TEXT], int(helpful), self.hash_user(user_id), _now()),
        )

    def unanswered(self, limit: int = 20, days: float = 30.0) -> list[Unanswered]:
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        with self._lock:
            rows = self._db.execute(
                "SELECT text, count, last_seen FROM declined WHERE last_seen >= ? ORDER BY count DESC, last_seen DESC LIMIT ?",
                (since, limit),
            ).fetchall()
        return [Unanswered(t, c, datetime.fromisoformat(s)) for t, c, s in rows]

    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY entry_id"
            ).fetchall()
        return {e: (int(up), int(down)) for e, up, down in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()


class AsyncStore:
    """The Store for the event loop: every call runs on one worker thread."""

    def __init__(self, store: Store):
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="curator-db")

    @classmethod
    def open(cls, data_dir: str | Path) -> AsyncStore | None:
        try:
            return cls(Store(Path(data_dir) / "curator.sqlite3"))
        except (sqlite3.Error, OSError, ValueError) as exc:
            log.error("curator database unavailable in %s (%s); answering without it", data_dir, exc)
            return None

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def record_declined(self, text: str, guild_id: int | None, channel_id: int | None) -> bool:
        return await self._run(self.store.record_declined, text, guild_id, channel_id)

    async def record_feedback(self, message_id: int, entry_id: str, question: str, helpful: bool, user_id: int) -> bool:
        return await self._run(self.store.record_feedback, message_id, entry_id, question, helpful, user_id)

    async def unanswered(self, limit: int = 20, days: float = 30.0) -> list[Unanswered]:
        return await self._run(self.store.unanswered, limit, days)

    async def close(self) -> None:
        await self._run(self.store.close)
        self._pool.shutdown(wait=True)
