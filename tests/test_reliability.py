"""Reliability and security: reloads under load, REST/gateway faults, durability across SIGKILL,
clean SIGTERM, admin-only commands on every path, and secrets kept out of every log and reply.

Everything runs on 127.0.0.1 against the fake Discord; nothing asserts on elapsed time."""

# Waits take explicit `timeout=` arguments by design (clear failures, no hangs), as in the fake.
# ruff: noqa: ASYNC109

from __future__ import annotations

import ast
import asyncio
import copy
import itertools
import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import discord
import pytest
import yaml
from helpers.fake_discord import FakeDiscord, Permissions
from helpers.payloads import custom_ids as _custom_ids
from helpers.payloads import embed_of as _embed
from helpers.payloads import mention as _mention
from helpers.running import TOKEN, start_bot

from bot.core import loader as loader_module
from bot.core.engine import Engine
from bot.core.loader import KnowledgeBaseInvalid, load_knowledge

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
KNOWLEDGE = ROOT / "knowledge"

B_ONLY = "version-b-only"
B_ONLY_QUESTION = "What does the zebrawidget marker entry say?"
MARK_A, MARK_B = "VERSION-A: ", "VERSION-B: "
AUTHOR_A, AUTHOR_B = "(KB-A)", "(KB-B)"


# ---------------------------------------------------------------------------------------------------
# helpers


def _edit_entries(directory: Path, edit) -> None:
    """Rewrite every entries/*.yaml through `edit(entry_dict)` (comments are lost; it is a tmp copy)."""
    for path in sorted((directory / "entries").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("entries") or []:
            edit(entry)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100_000), encoding="utf-8")


def _set_author(directory: Path, marker: str) -> None:
    path = directory / "article.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source"]["author"] = f"{data['source']['author']} {marker}"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100_000), encoding="utf-8")


def _b_only_quote(directory: Path) -> str:
    """A verbatim sentence of the article for the B-only entry (the loader checks it is in the source)."""
    kb = load_knowledge(directory)
    paragraph = max(kb.source.paragraphs, key=len)
    return paragraph.split(". ")[0].rstrip(".") + "."


def build_versions(tmp_path: Path, *, b_only_entry: bool = True) -> tuple[Path, Path, set[str]]:
    """Two valid copies of the knowledge base that differ everywhere a torn answer would show:

    - every entry answer starts with VERSION-A: / VERSION-B: (from the entry, via the matcher);
    - the citation's author ends in (KB-A) / (KB-B) (from the source, via the responder);
    - B adds an entry of its own (own phrasing, own verbatim quote), listed as `related` by several
      B entries so their answers suggest it — which only B's responder can do."""
    a, b = tmp_path / "kb-a", tmp_path / "kb-b"
    shutil.copytree(KNOWLEDGE, a)
    shutil.copytree(KNOWLEDGE, b)
    _edit_entries(a, lambda e: e.update(answer=MARK_A + e["answer"]))
    relating: set[str] = set()

    def edit_b(entry: dict) -> None:
        entry["answer"] = MARK_B + entry["answer"]
        if b_only_entry and len(relating) < 5 and len(entry.get("related") or []) < 2:
            entry["related"] = [*(entry.get("related") or []), B_ONLY]
            relating.add(entry["id"])

    _edit_entries(b, edit_b)
    if b_only_entry:
        (b / "entries" / "zz-version-b.yaml").write_text(yaml.safe_dump({"entries": [{
            "id": B_ONLY, "topic": "The zebrawidget marker", "kind": "fact",
            "questions": [B_ONLY_QUESTION, "zebrawidget marker"], "keywords": ["zebrawidget"],
            "answer": MARK_B + "This entry exists only in version B.", "quotes": [_b_only_quote(KNOWLEDGE)],
        }]}, sort_keys=False, allow_unicode=True, width=100_000), encoding="utf-8")
    _set_author(a, AUTHOR_A)
    _set_author(b, AUTHOR_B)
    for d in (a, b):  # both must be valid, or the test would only be exercising failed reloads
        load_knowledge(d)
    assert relating or not b_only_entry, "no entry could be made to relate to the B-only entry"
    return a, b, relating


def _point(link: Path, target: Path) -> None:
    """Swap a symlink atomically (what a deploy does): build it aside, then rename over."""
    tmp = link.with_name(link.name + ".new")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(target, target_is_directory=True)
    os.replace(tmp, link)


def _version_of(answer, b_only_suggestion: str, relating: set[str]) -> str:
    """The one version an answer comes from; fails on any mix of A and B."""
    by_citation = "B" if AUTHOR_B in answer.citation else "A"
    assert (AUTHOR_A in answer.citation) != (AUTHOR_B in answer.citation), answer.citation
    votes = {by_citation}
    if answer.entry_id is not None:
        assert answer.text.count("VERSION-") == 1, answer.text
        votes.add("B" if MARK_B.strip() in answer.text else "A")
    if answer.entry_id == B_ONLY or b_only_suggestion in answer.suggestions:
        votes.add("B")
    if answer.kind.value == "entry" and answer.entry_id in relating and "B" in votes:
        # B's entry relates to the B-only entry, so B's responder must offer it
        assert b_only_suggestion in answer.suggestions, (answer.entry_id, answer.suggestions)
    assert len(votes) == 1, f"answer mixes knowledge-base versions: {votes} {answer!r}"
    return votes.pop()


def _question_pool() -> list[str]:
    data = yaml.safe_load((TESTS / "questions" / "dev.yaml").read_text(encoding="utf-8"))
    qs = [item["q"] for section in ("in_scope", "off_topic") for item in data.get(section) or []]
    return [*qs, B_ONLY_QUESTION, "zebrawidget?", "tell me about the zebrawidget marker"]


# ---------------------------------------------------------------------------------------------------
# 1. reload under load


class _SwapGate:
    """Widens the race a torn read would need, deterministically: an ask that has just matched on the
    snapshot a reload is about to replace parks until the swap has happened, and the reload only swaps
    once at least one ask is parked. So every reload lands in the middle of asks, by construction, and
    an implementation that read `engine.snapshot` twice per question (match on one, respond with
    another) would mix versions here. Waits are bounded; nothing is asserted on time."""

    def __init__(self, engine: Engine, real_match, real_load):
        self.engine, self.real_match, self.real_load = engine, real_match, real_load
        self.reloading = threading.Event()
        self.changed = threading.Condition()
        self.parked = 0
        self.straddled = 0

    def match(self, matcher, question):
        result = self.real_match(matcher, question)
        if not self.reloading.is_set():
            return result
        with self.changed:
            if self.reloading.is_set() and self.engine.snapshot.matcher is matcher:
                self.parked += 1
                self.changed.notify_all()
                self.changed.wait_for(lambda: not self.reloading.is_set(), timeout=5)
                self.straddled += self.engine.snapshot.matcher is not matcher
        return result

    def load(self, directory, tuning=None, previous=None, reads=None, cache=None):
        snapshot = self.real_load(directory, tuning, previous, reads, cache)
        with self.changed:
            self.changed.wait_for(lambda: self.parked > 0, timeout=2)
        return snapshot  # Engine.reload swaps it in right after this returns

    def begin(self) -> None:
        """Called before a reload and its batch of questions start (no ask is parked now)."""
        with self.changed:
            self.parked = 0
            self.reloading.set()

    def reload(self):
        try:
            return self.engine.reload()
        finally:
            with self.changed:
                self.reloading.clear()  # the swap has happened (or the reload failed): release the parked asks
                self.changed.notify_all()


async def test_a_thousand_questions_during_a_hundred_reloads_each_see_one_whole_version(tmp_path, monkeypatch):
    import bot.core.engine as engine_module
    from bot.core.matcher import Matcher

    a, b, relating = build_versions(tmp_path)
    link = tmp_path / "current"
    _point(link, a)
    engine = Engine(link)
    gate = _SwapGate(engine, Matcher.match, engine_module.load_snapshot)
    monkeypatch.setattr(Matcher, "match", lambda self, question: gate.match(self, question))
    monkeypatch.setattr(engine_module, "load_snapshot", gate.load)
    b_only_suggestion = load_knowledge(b).entries[B_ONLY].suggestion
    pool = _question_pool()
    questions = [pool[i % len(pool)] for i in range(1000)]
    loop = asyncio.get_running_loop()
    errors: list[BaseException] = []
    reloads = []

    def ask(q: str):
        try:
            return engine.ask(q)
        except BaseException as exc:  # collected, so one failure does not hide the others
            errors.append(exc)
            raise

    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="ask") as askers, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="reload") as reloader:
        pending = []
        per_reload = len(questions) // 100
        for k in range(100):
            target = b if k % 2 == 0 else a
            _point(link, target)
            gate.begin()  # before the batch starts, so its asks count as in flight for this reload
            reload = loop.run_in_executor(reloader, gate.reload)
            pending += [loop.run_in_executor(askers, ask, q) for q in questions[k * per_reload:(k + 1) * per_reload]]
            reloads.append((target, await reload))
        results = await asyncio.gather(*pending, return_exceptions=True)

    assert not errors, errors[:3]
    assert len(results) == 1000 and not [r for r in results if isinstance(r, BaseException)]
    assert len(reloads) == 100
    for target, result in reloads:
        assert result.ok, result.summary()
        if target == b:  # A -> B
            assert result.added == (B_ONLY,) and not result.removed and result.changed, result.summary()
        else:  # B -> A
            assert result.removed == (B_ONLY,) and not result.added and result.changed, result.summary()
    assert gate.straddled >= 100, f"only {gate.straddled} asks were in flight across a swap; the gate no longer sees them"
    versions = [_version_of(r, b_only_suggestion, relating) for r in results]
    assert set(versions) == {"A", "B"}, "the questions should have straddled both versions"
    answered_b_only = [r for r in results if r.entry_id == B_ONLY]
    assert answered_b_only and all(MARK_B.strip() in r.text for r in answered_b_only)
    assert engine.snapshot.kb.source.author.endswith(AUTHOR_A) and B_ONLY not in engine.snapshot.kb.entries


def test_a_symlink_swapped_in_the_middle_of_a_reload_never_yields_a_mixed_knowledge_base(tmp_path, monkeypatch):
    """Deploys swap a `current` symlink to a new tree; a reload running at that moment must read one
    tree, not article.yaml from the old one and entries/ from the new one. The swap is made to land
    right after article.yaml is parsed (deterministic, no timing)."""
    a, b, _ = build_versions(tmp_path, b_only_entry=False)  # A and B differ only by their markers
    link = tmp_path / "current"
    _point(link, b)
    engine = Engine(link)
    _point(link, a)  # every file differs from what the engine last read, so the reload parses them all
    real = loader_module.load_with_lines
    swapped = []

    def swap_after_the_source_file(text):
        data = real(text)
        if not swapped and "source" in (data or {}):
            _point(link, b)  # the deploy lands while the reload is reading
            swapped.append(True)
        return data

    monkeypatch.setattr(loader_module, "load_with_lines", swap_after_the_source_file)
    result = engine.reload()
    assert swapped
    kb = engine.snapshot.kb
    author_says = "B" if kb.source.author.endswith(AUTHOR_B) else "A"
    entries_say = {"B" if e.answer.startswith(MARK_B) else "A" for e in kb.entries.values()}
    assert entries_say == {author_says}, f"mixed KB after reload ({result.summary()}): source {author_says}, entries {entries_say}"


# ---------------------------------------------------------------------------------------------------
# 2. faults through the fake Discord

CALLBACK = r"/interactions/\d+/[^/]+/callback"
MESSAGES = r"/channels/\d+/messages"
EXPIRED = {"message": "Unknown interaction", "code": 10062}


def _expected_text(bot, question: str) -> str:
    """The start of what the bot's current knowledge base answers (robust to KB edits elsewhere)."""
    return bot.engine.ask(question).text[:60]


def _calls(fake: FakeDiscord, payload: dict) -> list:
    return [r for r in fake.requests if r.path.startswith(f"/interactions/{payload['id']}/")]


class _FastBackoff:
    """Stands in for the `asyncio` module inside discord.http only: its retry backoff (1 s, 3 s, 5 s,
    7 s, 9 s for a 5xx) is shortened so a send that keeps failing gives up in milliseconds. Every
    other attribute is the real asyncio."""

    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay, result=None):
        return await asyncio.sleep(min(delay, 0.01), result)


@pytest.mark.asyncio
async def test_429_on_the_interaction_callback_is_retried_and_the_answer_arrives(running):
    fake, q = running.fake, "what did denver do?"
    fake.fail_next("POST", CALLBACK, 429, retry_after=0.1)
    payload = await fake.send_interaction(fake.interaction_command("ask", {"question": q}))
    ok = await fake.wait_for_request(lambda r: r.status == 200, method="POST", path=rf"/interactions/{payload['id']}/.+/callback")
    assert [(r.status, r.injected) for r in _calls(fake, payload)] == [(429, True), (200, False)]
    assert ok.json["type"] == 4 and _expected_text(running.bot, q) in _embed(ok.json)["description"]


@pytest.mark.asyncio
async def test_429_on_a_channel_message_is_retried_and_the_reply_arrives(running):
    fake, q = running.fake, "who wrote the report?"
    fake.fail_next("POST", MESSAGES, 429, retry_after=0.1)
    since = fake.request_count
    msg, reply = await _mention(fake, q)
    sends = [r for r in fake.requests if r.index >= since and r.method == "POST" and re.fullmatch(MESSAGES, r.path)]
    assert [(r.status, r.injected) for r in sends] == [(429, True), (200, False)]
    assert sends[0].json == sends[1].json, "the retry sends the same answer"
    assert _expected_text(running.bot, q) in _embed(reply.json)["description"]


@pytest.mark.asyncio
async def test_a_500_once_is_retried_by_discord_py_and_the_reply_arrives(running):
    """discord.py retries a 500 after ~1 s on its own; the bot's answer still lands."""
    fake, q = running.fake, "how many counties adopted sanctuary policies?"
    fake.fail_next("POST", MESSAGES, 500, count=1)
    since = fake.request_count
    _, reply = await _mention(fake, q, timeout=8)
    sends = [r for r in fake.requests if r.index >= since and r.method == "POST" and re.fullmatch(MESSAGES, r.path)]
    assert [r.status for r in sends] == [500, 200]
    assert _expected_text(running.bot, q) in _embed(reply.json)["description"]


@pytest.mark.asyncio
async def test_a_message_send_that_keeps_failing_with_500_is_logged_and_the_next_question_is_answered(running, caplog, monkeypatch):
    fake = running.fake
    monkeypatch.setattr(discord.http, "asyncio", _FastBackoff())
    caplog.set_level(logging.WARNING)
    fake.fail_next("POST", MESSAGES, 500, count=5)  # discord.py makes 5 attempts, then raises
    since = fake.request_count
    await fake.send_message(f"<@{fake.application_id}> what did denver do?", mentions=[fake.bot_user])
    await fake.wait_for_request(lambda r: r.status == 500 and not fake._faults, method="POST", path=MESSAGES, since=since)
    await _wait_for_log(caplog, "could not reply in channel")
    failed = [r for r in caplog.records if "could not reply in channel" in r.getMessage()]
    assert failed and failed[0].levelno == logging.WARNING and "500" in failed[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "a failed send is a warning, not a crash"

    q = "who is jessica vaughan?"
    _, reply = await _mention(fake, q)
    assert _expected_text(running.bot, q) in _embed(reply.json)["description"]


async def _wait_for_log(caplog, text: str, timeout: float = 5.0) -> None:
    """Until a log line containing `text` has been captured (from any thread)."""
    loop = asyncio.get_running_loop()
    seen = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                loop.call_soon_threadsafe(seen.set)

    watch = Watch()
    logging.getLogger().addHandler(watch)
    try:
        if not any(text in r.getMessage() for r in caplog.records):
            await asyncio.wait_for(seen.wait(), timeout)
    finally:
        logging.getLogger().removeHandler(watch)


@pytest.mark.asyncio
@pytest.mark.parametrize("command", ["ask", "reload", "unanswered"])
async def test_an_expired_interaction_is_a_warning_and_the_next_command_is_answered(running, caplog, command):
    """Discord answers 404 "Unknown interaction" (10062) once the 3-second deadline has passed. /ask
    answers directly; /reload and /unanswered defer first, so the defer is what fails."""
    fake = running.fake
    caplog.set_level(logging.INFO)
    fake.fail_next("POST", CALLBACK, 404, body=EXPIRED)
    options = {"question": "what did denver do?"} if command == "ask" else None
    payload = await fake.send_interaction(fake.interaction_command(command, options, user=fake.admin))
    await fake.wait_for_callback(payload)
    await _wait_for_log(caplog, "expired")
    expired = [r for r in caplog.records if "expired" in r.getMessage()]
    assert expired[0].levelno == logging.WARNING and payload["id"] in expired[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]

    q = "who wrote the report?"
    cb = await fake.run_command("ask", {"question": q})
    assert cb.status == 200 and _expected_text(running.bot, q) in _embed(cb.json)["description"]
    assert [r.status for r in _calls(fake, payload)] == [404], "no second, doomed response to an expired interaction"


@pytest.mark.asyncio
async def test_an_expired_feedback_click_is_a_warning_and_the_bot_keeps_answering(running, caplog):
    fake = running.fake
    caplog.set_level(logging.INFO)
    _, reply = await _mention(fake, "who wrote the report?")
    fb = next(c for c in _custom_ids(reply.json) if c.startswith("ata:fb:u:"))
    fake.fail_next("POST", CALLBACK, 404, body=EXPIRED)
    await fake.click(fb, reply.response)
    await _wait_for_log(caplog, "expired")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    _, again = await _mention(fake, "what did denver do?")
    assert _embed(again.json)["description"]


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [4000, None], ids=["close-4000", "tcp-abort"])
async def test_a_dropped_websocket_with_an_invalidated_session_re_identifies_and_answers_again(running, code):
    fake = running.fake
    await fake.drop_websocket(code=code, resumable=False)
    conn = await fake.wait_connected(2, timeout=10)
    assert conn.kind == "identify", "the session was invalidated, so the bot must IDENTIFY afresh"
    assert [f for f in fake.gateway_frames if f.op == 6], "it first tried to RESUME"
    assert len([f for f in fake.gateway_frames if f.op == 2]) == 2
    q = "how many counties adopted sanctuary policies?"
    _, reply = await _mention(fake, q)
    assert _expected_text(running.bot, q) in _embed(reply.json)["description"]
    cb = await fake.run_command("ask", {"question": q})
    assert _expected_text(running.bot, q) in _embed(cb.json)["description"]


# ---------------------------------------------------------------------------------------------------
# 3. durability: the real process, SIGKILL mid-stream, then a clean SIGTERM

LAUNCHER = TESTS / "helpers" / "launch_bot.py"


def _child_env(fake: FakeDiscord, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KNOWLEDGE_", "DATA_", "ADMIN_", "DEV_GUILD",
                                                                      "ANSWER_CHANNEL", "COOLDOWN_", "SHARD_", "LOG_LEVEL"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", FAKE_DISCORD_API=fake.api_base,
               FAKE_DISCORD_GATEWAY=fake.gateway_url, **settings)
    return env


def _log_file(path: Path):
    return path.open("wb")


async def _spawn(fake: FakeDiscord, tmp_path: Path, kb_dir: Path, data_dir: Path, n: int):
    """The real bot in its own process (cwd is a scratch dir, so no developer .env is read)."""
    path = tmp_path / f"bot-{n}.log"
    env = _child_env(fake, DISCORD_TOKEN=TOKEN, KNOWLEDGE_DIR=str(kb_dir), DATA_DIR=str(data_dir),
                     COOLDOWN_SECONDS="0", LOG_LEVEL="INFO")
    with _log_file(path) as log:  # the child has its own copy of the descriptor
        proc = await asyncio.create_subprocess_exec(sys.executable, str(LAUNCHER), cwd=tmp_path, env=env,
                                                    stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
    return proc, path


async def _stop(proc) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


@pytest.mark.asyncio
async def test_every_acknowledged_click_survives_sigkill_and_sigterm_exits_cleanly(fake, kb_dir, data_dir, tmp_path):
    (tmp_path / "cwd").mkdir()
    proc, log1 = await _spawn(fake, tmp_path / "cwd", kb_dir, data_dir, 1)
    clicks: dict[str, int] = {}  # interaction token -> click number (also the stored "question")
    try:
        await fake.wait_ready(timeout=20)
        _, reply = await _mention(fake, "who wrote the report?", timeout=10)
        votes = [c for c in _custom_ids(reply.json) if c.startswith("ata:fb:")]
        assert len(votes) == 2
        users = [fake.member, fake.admin, fake.owner]
        counter = itertools.count()
        acked = 0
        enough = asyncio.Event()

        async def clicker() -> None:
            nonlocal acked
            while True:
                n = next(counter)
                message = copy.deepcopy(reply.response)
                message["embeds"][0]["author"]["name"] = f"Q: click-{n}"  # the question column names the click
                message["id"] = str(fake.snowflake())  # one vote per user per answer: each click on its own answer
                payload = fake.interaction_component(votes[n % 2], message, user=users[n % 3])
                clicks[payload["token"]] = n
                await fake.send_interaction(payload)
                cb = await fake.wait_for_callback(payload, timeout=10)
                if cb.status == 200:
                    acked += 1
                    if acked >= 150:
                        enough.set()

        workers = [asyncio.create_task(clicker()) for _ in range(8)]
        try:
            await asyncio.wait_for(enough.wait(), 30)
            proc.send_signal(signal.SIGKILL)  # mid-stream: eight clicks are in flight
            assert await asyncio.wait_for(proc.wait(), 10) == -signal.SIGKILL
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    finally:
        await _stop(proc)

    acknowledged = {clicks[m["token"]] for r in fake.requests
                    if r.status == 200 and r.method == "POST"
                    and (m := re.fullmatch(r"/interactions/\d+/(?P<token>[^/]+)/callback", r.path)) and m["token"] in clicks}
    assert len(acknowledged) >= 150

    # A restart on the same data directory: the WAL left by the killed process is recovered.
    proc, log2 = await _spawn(fake, tmp_path / "cwd", kb_dir, data_dir, 2)
    try:
        await fake.wait_connected(2, timeout=20)
        q = "what did denver do?"
        _, reply = await _mention(fake, q, timeout=10)
        assert _embed(reply.json)["description"]
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0, log2.read_text(errors="replace")[-2000:]
    finally:
        await _stop(proc)
    out = log2.read_text(errors="replace")
    assert "received SIGTERM; shutting down" in out
    # The restart read the knowledge base back from the index cache the first process wrote.
    assert "read 26 entries, checked and indexed before, from " + str(data_dir / "index-cache") in out, out[-2000:]
    for bad in ("Traceback", "Task was destroyed", "Unclosed", "Exception ignored", "ERROR"):
        assert bad not in out, out[-3000:]
    for log in (log1, log2):
        assert TOKEN not in log.read_text(errors="replace")

    db = sqlite3.connect(data_dir / "curator.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = [q for (q,) in db.execute("SELECT question FROM feedback")]
    finally:
        db.close()
    numbers = [int(q.removeprefix("click-")) for q in stored]
    assert len(numbers) == len(set(numbers)), "a click is stored once"
    missing = acknowledged - set(numbers)
    assert not missing, f"{len(missing)} acknowledged clicks are not in the database: {sorted(missing)[:10]}"


@pytest.mark.asyncio
async def test_sigterm_with_work_in_flight_finishes_it_and_exits_0_without_errors(fake, kb_dir, data_dir, tmp_path):
    """SIGTERM while 200 questions and 10 reloads are in flight: the handlers already running finish
    (their replies arrive) before the HTTP session closes; no tracebacks, exit code 0."""
    (tmp_path / "cwd").mkdir()
    proc, log = await _spawn(fake, tmp_path / "cwd", kb_dir, data_dir, 1)
    try:
        await fake.wait_ready(timeout=20)
        await _mention(fake, "who wrote the report?", timeout=10)  # warmed up: commands synced, caches filled
        since = fake.request_count
        asked = [await fake.send_message(f"<@{fake.application_id}> what did denver do? #{i}", mentions=[fake.bot_user])
                 for i in range(200)]
        reloads = [await fake.send_interaction(fake.interaction_command("reload", user=fake.admin)) for _ in range(10)]
        await fake.wait_for_message(since=since, timeout=10)  # the bot is busy with them
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        await _stop(proc)
    out = log.read_text(errors="replace")
    for bad in ("Traceback", "ERROR", "Task was destroyed", "never retrieved", "Unclosed", "Session is closed"):
        assert bad not in out, out[-3000:]
    running = re.search(r"letting (\d+) running handler\(s\) finish", out)
    ids = {m["id"] for m in asked}
    replied = {str(r.json["message_reference"]["message_id"]) for r in fake.requests
               if r.index >= since and r.status == 200 and r.method == "POST" and re.fullmatch(MESSAGES, r.path)} & ids
    finished_reloads = [p for p in reloads if any(p["token"] in r.path and r.path.startswith("/webhooks/") and r.status in (200, 204)
                                                  for r in fake.requests)]
    started_reloads = [p for p in reloads if _calls(fake, p)]
    assert replied, "some questions were answered before the stop"
    assert len(finished_reloads) == len(started_reloads), "a deferred /reload that started also reports back"
    if running:  # every handler that was running when SIGTERM came has finished its work
        assert len(replied) + len(finished_reloads) >= int(running[1]), (len(replied), len(finished_reloads), running[0])


# ---------------------------------------------------------------------------------------------------
# 4. security

REFUSED = "Only server admins"


async def _admin_command(fake: FakeDiscord, name: str, *, user, guild_id, options=None) -> tuple[dict, object]:
    """Run an admin command; returns (payload, callback). Allowed -> deferred (type 5) + a follow-up."""
    kwargs = {} if guild_id == "guild" else {"guild_id": None}
    payload = await fake.send_interaction(fake.interaction_command(name, options, user=user, **kwargs))
    return payload, await fake.wait_for_callback(payload)


def _refused(cb) -> bool:
    data = cb.json.get("data") or {}
    return cb.json["type"] == 4 and bool(data.get("flags", 0) & 64) and REFUSED in (data.get("content") or "")


@pytest.mark.asyncio
async def test_admin_commands_are_refused_to_non_admins_on_every_path_and_a_refused_reload_changes_nothing(fake, kb_dir, data_dir):
    curator_role = fake.add_role("Curator", Permissions.EVERYONE_DEFAULT)  # a configured role, no Manage Server
    curator = fake.add_user("curator", role_ids=[curator_role])
    trusted = fake.add_user("trusted")  # named in ADMIN_USER_IDS; no role at all
    bystander = fake.add_user("bystander", role_ids=[fake.add_role("Helper", Permissions.EVERYONE_DEFAULT | Permissions.MANAGE_MESSAGES)])
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir, admin_user_ids=(int(trusted["id"]),),
                         admin_role_ids=(curator_role,)) as running:
        bot = running.bot
        q = "what did denver do?"
        before_text = bot.engine.ask(q).text
        before = bot.engine.snapshot
        _edit_entries(kb_dir, lambda e: e.update(answer="EDITED-ON-DISK " + e["answer"]))

        refused_cases = [
            ("member in the guild", fake.member, "guild"),
            ("member with an unrelated role", bystander, "guild"),
            ("member in a DM", fake.member, None),
            ("Manage Server admin in a DM (no guild permissions there)", fake.admin, None),
            ("admin-role holder in a DM (roles do not apply there)", curator, None),
            ("a user Discord never showed the bot, in a DM", {"id": "1200000000000009999", "username": "stranger"}, None),
        ]
        for command in ("reload", "unanswered"):
            for label, user, where in refused_cases:
                payload, cb = await _admin_command(fake, command, user=user, guild_id=where)
                assert _refused(cb), (command, label, cb.json)
                assert [r.status for r in _calls(fake, payload)] == [200]
                assert not [r for r in fake.requests if payload["token"] in r.path and r.path.startswith("/webhooks/")], \
                    f"/{command} for {label} sent more than the refusal"
        assert bot.engine.snapshot is before, "a refused /reload must not reload"
        assert bot.engine.ask(q).text == before_text and "EDITED-ON-DISK" not in before_text

        allowed_cases = [
            ("Manage Server admin in the guild", fake.admin, "guild"),
            ("owner in the guild", fake.owner, "guild"),
            ("ADMIN_ROLE_IDS role without Manage Server, in the guild", curator, "guild"),
            ("ADMIN_USER_IDS user in a DM", trusted, None),
            ("ADMIN_USER_IDS user in the guild", trusted, "guild"),
        ]
        for command in ("unanswered", "reload"):
            for label, user, where in allowed_cases:
                payload, cb = await _admin_command(fake, command, user=user, guild_id=where)
                assert cb.json["type"] == 5 and cb.json["data"]["flags"] & 64, (command, label, cb.json)
                follow = await fake.wait_for_followup(payload)
                assert REFUSED not in follow.json["content"], (command, label)
                if command == "reload":
                    assert "Reload failed" not in follow.json["content"], follow.json["content"]
        assert bot.engine.snapshot is not before
        assert bot.engine.ask(q).text.startswith("EDITED-ON-DISK"), "an admin's /reload applies the edit"


@pytest.mark.asyncio
async def test_reload_takes_no_path_and_ignores_one_smuggled_into_the_payload(running, kb_dir, tmp_path):
    fake, bot = running.fake, running.bot
    for name in ("reload", "unanswered"):
        assert bot.tree.get_command(name).parameters == []
        synced = next(c for c in fake.commands[None] if c["name"] == name)
        assert synced.get("options", []) == [] and int(synced["default_member_permissions"]) & Permissions.MANAGE_GUILD
    elsewhere, _, _ = build_versions(tmp_path / "elsewhere", b_only_entry=False)  # a valid KB marked VERSION-A
    payload, cb = await _admin_command(fake, "reload", user=fake.admin, guild_id="guild",
                                       options=[{"name": "path", "type": 3, "value": str(elsewhere)},
                                                {"name": "directory", "type": 3, "value": str(elsewhere)}])
    if cb.json["type"] == 5:
        await fake.wait_for_followup(payload)
    assert Path(bot.engine.snapshot.kb.directory) == kb_dir
    assert not any(e.answer.startswith(MARK_A) for e in bot.engine.snapshot.kb.entries.values())


@pytest.mark.asyncio
async def test_the_loader_refuses_a_yaml_symlink_pointing_out_of_knowledge_dir(running, kb_dir, tmp_path):
    fake, bot = running.fake, running.bot
    outside = tmp_path / "outside"
    outside.mkdir()
    stolen = outside / "stolen.yaml"
    stolen.write_text((kb_dir / "entries" / "denver.yaml").read_text(encoding="utf-8").replace("id: denver-364-days", "id: stolen-entry")
                      .replace("answer: >-\n      ", "answer: >-\n      STOLEN "), encoding="utf-8")
    (kb_dir / "entries" / "zz-link.yaml").symlink_to(stolen)
    before = bot.engine.snapshot
    payload, cb = await _admin_command(fake, "reload", user=fake.admin, guild_id="guild")
    follow = await fake.wait_for_followup(payload)
    text = follow.json["content"]
    assert "Reload failed" in text and "entries/zz-link.yaml" in text and "outside the knowledge directory" in text, text
    assert bot.engine.snapshot is before and "stolen-entry" not in bot.engine.snapshot.kb.entries
    with pytest.raises(KnowledgeBaseInvalid):
        load_knowledge(kb_dir)


@pytest.mark.asyncio
async def test_the_token_never_appears_in_any_log_line_or_reply_over_a_full_session(kb_dir, data_dir, caplog, monkeypatch):
    from bot.discord_app.runner import serve
    from bot.settings import Settings

    caplog.set_level(logging.DEBUG)
    sent: list = []
    async with FakeDiscord(token=TOKEN) as fake:
        async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir) as running:
            bot = running.bot
            _, reply = await _mention(fake, "who wrote the report?")
            await fake.run_command("ask", {"question": "what did denver do?"})
            await fake.run_command("ask", {"question": "what's the population of Denver?"})
            await fake.run_command("about")
            await fake.run_command("jurisdictions")
            await fake.click(next(c for c in _custom_ids(reply.json) if c.startswith("ata:fb:d:")), reply.response)
            # faults: a 429, a send that keeps failing, an expired interaction
            fake.fail_next("POST", MESSAGES, 429, retry_after=0.05)
            await _mention(fake, "who is jessica vaughan?")
            with monkeypatch.context() as m:
                m.setattr(discord.http, "asyncio", _FastBackoff())
                fake.fail_next("POST", MESSAGES, 500, count=5)
                await fake.send_message(f"<@{fake.application_id}> what did denver do?", mentions=[fake.bot_user])
                await _wait_for_log(caplog, "could not reply in channel")
            fake.fail_next("POST", CALLBACK, 404, body=EXPIRED)
            payload = await fake.send_interaction(fake.interaction_command("ask", {"question": "who wrote the report?"}))
            await fake.wait_for_callback(payload)
            await _wait_for_log(caplog, "expired")
            # reload errors, refusals, the admin list
            broken = kb_dir / "entries" / "denver.yaml"
            good = broken.read_text(encoding="utf-8")
            broken.write_text(good.replace("    kind: fact", "    kind: [fact", 1), encoding="utf-8")
            payload = await fake.send_interaction(fake.interaction_command("reload", user=fake.admin))
            assert "Reload failed" in (await fake.wait_for_followup(payload)).json["content"]
            broken.write_text(good, encoding="utf-8")
            await fake.run_command("reload", user=fake.member)
            payload = await fake.send_interaction(fake.interaction_command("unanswered", user=fake.admin))
            await fake.wait_for_followup(payload)
            # the gateway drops and the session is invalidated: re-IDENTIFY (which carries the token)
            await fake.drop_websocket(code=4000, resumable=False)
            await fake.wait_connected(2, timeout=10)
            await _mention(fake, "how many counties adopted sanctuary policies?")
            assert bot.is_ready()
        sent += fake.requests

    settings = Settings(_env_file=None, discord_token=TOKEN, knowledge_dir=kb_dir, data_dir=data_dir)
    async with FakeDiscord(token="expected") as rejecting:
        assert await serve(settings) == 1
        sent += rejecting.requests
    assert any("rejected DISCORD_TOKEN" in r.getMessage() for r in caplog.records)

    assert len(caplog.records) > 100 and any(r.levelno == logging.DEBUG for r in caplog.records)
    secret_parts = [TOKEN, *[p for p in re.split(r"[.\-]", TOKEN) if len(p) >= 6]]
    for record in caplog.records:
        rendered = logging.Formatter().format(record) + repr(record.args)
        for part in secret_parts:
            assert part not in rendered, f"token fragment {part!r} in log line: {rendered[:300]}"
    for r in sent:  # every reply and every other request the bot made; only the auth header may carry it
        body = json.dumps(r.json, default=str) + r.path + json.dumps(r.query)
        assert TOKEN not in body, r


def _setting_names() -> set[str]:
    from bot.settings import Settings

    return {name.upper() for name in Settings.model_fields}


def _run_cli(tmp_path: Path, *args: str, **env: str):
    """`python -m bot …` in a scratch cwd (no .env), with none of the caller's settings leaking in."""
    import subprocess

    names = _setting_names()
    clean = {k: v for k, v in os.environ.items() if k.upper() not in names}
    clean.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=clean, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(("name", "value"), [("DEV_GUILD_ID", "abc"), ("DEV_GUILD_ID", TOKEN), ("ADMIN_USER_IDS", "12,x"),
                                             ("COOLDOWN_RATE", "0"), ("LOG_LEVEL", TOKEN)])
def test_a_malformed_setting_exits_2_naming_the_setting_and_never_printing_the_token(tmp_path, name, value):
    done = _run_cli(tmp_path, "discord", DISCORD_TOKEN=TOKEN, KNOWLEDGE_DIR=str(KNOWLEDGE), DATA_DIR=str(tmp_path / "data"),
                    **{name: value})
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert f"Configuration error: {name}:" in done.stderr and "Traceback" not in out
    assert TOKEN not in out and "NEVER-LOG-ME" not in out


YAML_ENTRY_POINTS = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all",
                     "compose", "compose_all", "parse", "scan", "safe_load", "safe_load_all"}


def _safe_loader_class(cls) -> bool:
    """SafeLoader / CSafeLoader or a subclass: builds only plain YAML types (no python/* tags)."""
    from yaml.constructor import FullConstructor, SafeConstructor

    return isinstance(cls, type) and issubclass(cls, SafeConstructor) and not issubclass(cls, FullConstructor)


def test_only_safe_loader_derived_yaml_loading_is_used_in_the_bot():
    import importlib

    from yaml.constructor import ConstructorError, SafeConstructor

    from bot.core.yaml_lines import load_with_lines

    unsafe = re.compile(r"yaml\.unsafe_load|yaml\.full_load|Loader\s*=\s*yaml\.(Loader|FullLoader|UnsafeLoader|CLoader|CFullLoader|CUnsafeLoader)\b"
                        r"|\b(FullLoader|UnsafeLoader|CFullLoader|CUnsafeLoader|UnsafeConstructor)\b")
    calls = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT))
        assert not unsafe.search(source), f"{rel} uses an unsafe YAML loader"
        module = None
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "yaml"
                    and node.func.attr in YAML_ENTRY_POINTS):
                continue
            calls.append((rel, node.func.attr))
            if node.func.attr in ("safe_load", "safe_load_all"):
                continue
            loader = next((k.value for k in node.keywords if k.arg == "Loader"), node.args[1] if len(node.args) > 1 else None)
            assert loader is not None, f"{rel}: yaml.{node.func.attr} without an explicit Loader (line {node.lineno})"
            if isinstance(loader, ast.Attribute) and isinstance(loader.value, ast.Name) and loader.value.id == "yaml":
                cls = getattr(yaml, loader.attr)
            else:
                assert isinstance(loader, ast.Name), f"{rel}:{node.lineno}: Loader={ast.unparse(loader)} cannot be checked"
                module = module or importlib.import_module(rel[:-3].replace("/", "."))
                cls = getattr(module, loader.id)
            assert _safe_loader_class(cls), f"{rel}:{node.lineno}: yaml.{node.func.attr} with {cls!r}, not SafeLoader-derived"
    # The knowledge base loader reads libyaml's events itself, from a loader it builds directly.
    from bot.core import yaml_lines

    assert re.search(r"\b_Loader\(text\)", (ROOT / "bot" / "core" / "yaml_lines.py").read_text()), "the knowledge base loader no longer found"
    assert _safe_loader_class(yaml_lines._Loader)
    assert "SafeConstructor()" in (ROOT / "bot" / "core" / "yaml_lines.py").read_text()
    assert yaml_lines._SAFE_TAGS <= set(SafeConstructor.yaml_constructors) and not any("python" in (t or "") for t in yaml_lines._SAFE_TAGS)
    for evil in ("!!python/object/apply:os.system ['true']", "x: !!python/name:os.system", "a: &a [1]\nb: *a"):
        with pytest.raises(ConstructorError):
            load_with_lines(evil)
