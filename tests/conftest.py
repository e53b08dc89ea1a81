"""Shared fixtures: a private copy of the knowledge base, a data directory, the fake Discord and
the real bot connected to it."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))

from helpers.fake_discord import FakeDiscord  # noqa: E402
from helpers.running import RunningBot, start_bot  # noqa: E402

KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A copy of the real knowledge base that a test may edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f
        assert not f.errors, f.errors


@pytest_asyncio.fixture
async def running(fake: FakeDiscord, kb_dir: Path, data_dir: Path) -> AsyncIterator[RunningBot]:
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir) as bot:
        yield bot
