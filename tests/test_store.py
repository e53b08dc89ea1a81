"""The curator database: a real SQLite file, WAL, deduplicated declined questions, hashed users."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sqlite3
import threading

import pytest

from bot.curator.store import MAX_TEXT, AsyncStore, Store


def test_schema_wal_dedup_and_most_frequent_first(tmp_path):
    store = Store(tmp_path / "c.sqlite3")
    for _ in range(3):
        store.record_declined("What's the population of Denver?", 1, 2)
    store.record_declined("what's the POPULATION of denver", 1, 3)  # same once normalised
    store.record_declined("who is the mayor of brooklyn", None, 4)
    rows = store.unanswered()
    assert [(r.count, r.text) for r in rows] == [(4, "what's the POPULATION of denver"), (1, "who is the mayor of brooklyn")]
    db = sqlite3.connect(tmp_path / "c.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT channel_id FROM declined WHERE count = 4").fetchone() == (3,)
    store.close()


def test_long_text_is_capped_and_empty_text_ignored(tmp_path):
    store = Store(tmp_path / "c.sqlite3")
    assert store.record_declined("x" * 10_000) and not store.record_declined("   <@123>  ")
    (text,) = sqlite3.connect(tmp_path / "c.sqlite3").execute("SELECT text FROM declined").fetchone()
    assert len(text) == MAX_TEXT
    store.close()


def test_feedback_hashes_users_with_a_per_install_salt(tmp_path):
    a, b = Store(tmp_path / "a" / "c.sqlite3"), Store(tmp_path / "b" / "c.sqlite3")
    assert a.hash_user(42) == a.hash_user(42) != b.hash_user(42)
    assert a.hash_user(42) != hashlib.sha256(b"42").hexdigest()[:32], "salted, not a plain hash of the id"
    a.record_feedback(1, "denver-364-days", "what did denver do", True, 42)
    a.record_feedback(1, "denver-364-days", "what did denver do", False, 43)
    assert a.feedback_counts() == {"denver-364-days": (1, 1)}
    for _ in range(50):  # one user hammering the buttons of one answer: one vote, the latest
        a.record_feedback(1, "denver-364-days", "what did denver do", True, 43)
    assert a.feedback_counts() == {"denver-364-days": (2, 0)}
    a.record_feedback(2, "denver-364-days", "what did denver do", False, 43)  # another answer: another vote
    assert a.feedback_counts() == {"denver-364-days": (2, 1)}
    reopened = Store(tmp_path / "a" / "c.sqlite3")
    assert reopened.hash_user(42) == a.hash_user(42), "the salt persists across restarts"
    salt = tmp_path / "a" / "user-hash.salt"
    assert len(salt.read_bytes()) == 32 and salt.stat().st_mode & 0o077 == 0, "a private 32-byte secret"
    salt.write_bytes(b"")  # a crash mid-write once left it empty
    with pytest.raises(ValueError, match="salt"):
        Store(tmp_path / "a" / "c.sqlite3")
    for s in (a, b, reopened):
        s.close()


def test_a_locked_database_is_logged_and_reported_not_raised(tmp_path, caplog):
    store = Store(tmp_path / "c.sqlite3", timeout=0.05)
    blocker = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.WARNING):
        assert store.record_declined("what's the weather") is False
    assert "curator database write failed" in caplog.text
    blocker.execute("ROLLBACK")
    assert store.record_declined("what's the weather") is True
    store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_data_dir_means_no_store_not_a_crash(tmp_path):
    tmp_path.chmod(0o500)
    try:
        assert AsyncStore.open(tmp_path / "data") is None
    finally:
        tmp_path.chmod(0o700)


def test_unopenable_database_means_no_store_not_a_crash(tmp_path, caplog):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "curator.sqlite3").mkdir()  # a directory where the file should be
    with caplog.at_level(logging.ERROR):
        assert AsyncStore.open(tmp_path / "data") is None
    assert "answering without it" in caplog.text


async def test_async_store_writes_off_the_event_loop(tmp_path):
    store = AsyncStore.open(tmp_path)
    threads = set()
    original = store.store.record_declined

    def spy(*args):
        threads.add(threading.current_thread().name)
        return original(*args)

    store.store.record_declined = spy
    results = await asyncio.gather(*(store.record_declined(f"question {i % 5}", 1, 1) for i in range(50)))
    assert all(results)
    assert threads and threading.current_thread().name not in threads, "writes run on the worker thread"
    rows = await store.unanswered()
    assert sorted(r.count for r in rows) == [10] * 5
    await store.close()
