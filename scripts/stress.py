#!/usr/bin/env python3
"""Stress the real bot through the fake Discord (127.0.0.1 only): N mention questions in flight
(default 1,000) while an admin reloads the knowledge base through /reload (default 100 times,
alternating between two versions of one entry), then print the figures:

    questions answered, errors, p50/p99 latency from MESSAGE_CREATE dispatch to the reply POST,
    reloads ok, peak RSS (bot and fake Discord share this one process).

By default the questions go out in as many waves as there are reloads, each wave fired together
with its /reload, so questions are in flight across every reload; --burst sends all of them at once
first. The run stops by itself: when everything is answered, or at --timeout. Exit code 0 only when
every question was answered, every reload succeeded and nothing failed.

    make stress
    python scripts/stress.py --questions 5000 --reloads 20 --burst
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import yaml  # noqa: E402
from helpers.fake_discord import FakeDiscord  # noqa: E402
from helpers.running import start_bot  # noqa: E402

REPLY_PATH = re.compile(r"/channels/\d+/messages")
FALLBACK_QUESTIONS = ["what did denver do?", "who wrote the report?", "who is jessica vaughan?",
                      "how many counties adopted sanctuary policies?", "what's the population of Denver?"]


class Counter(logging.Handler):
    """Counts the bot's and discord.py's warnings and errors while the run goes."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors.append(f"{record.name}: {record.getMessage()}"[:300])
        elif "voice will NOT be supported" not in record.getMessage():
            self.warnings += 1


def questions_pool() -> list[str]:
    path = ROOT / "tests" / "questions" / "dev.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        pool = [item["q"] for section in ("in_scope", "off_topic") for item in data.get(section) or []]
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
        pool = []
    return pool or FALLBACK_QUESTIONS


def two_versions(kb: Path) -> tuple[Path, str, str]:
    """One entries file in two versions (the first answer prefixed or not), for reloads that change something."""
    path = sorted((kb / "entries").glob("*.yaml"))[0]
    original = path.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    data["entries"][0]["answer"] = "STRESS-EDIT " + data["entries"][0]["answer"]
    return path, original, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100_000)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(1, round(p / 100 * len(sorted_values) + 0.5))  # nearest rank
    return sorted_values[min(rank, len(sorted_values)) - 1]


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


async def run(args) -> int:
    counter = Counter()
    logging.getLogger().addHandler(counter)
    logging.getLogger().setLevel(logging.WARNING)
    scratch = Path(tempfile.mkdtemp(prefix="ata-stress-"))
    kb, data = scratch / "knowledge", scratch / "data"
    shutil.copytree(args.knowledge, kb)
    edited_file, version_a, version_b = two_versions(kb)
    pool = questions_pool()
    started = time.monotonic()
    deadline = started + args.timeout

    sent_at: dict[str, float] = {}  # question message id -> when its MESSAGE_CREATE went out
    latencies: dict[str, float] = {}
    reloads_ok = 0
    reload_failures: list[str] = []
    failures: list[str] = []  # everything else that went wrong

    async with FakeDiscord() as fake:
        assert fake.base_url.startswith("http://127.0.0.1:"), fake.base_url
        users = [fake.add_user(f"asker{i}") for i in range(args.users)]
        async with start_bot(fake, knowledge_dir=kb, data_dir=data, cooldown_rate=10**9, cooldown_seconds=0) as running:
            mention = f"<@{fake.application_id}> "

            async def ask(i: int) -> None:
                msg = fake.message_create(mention + pool[i % len(pool)], author=users[i % len(users)],
                                          mentions=[fake.bot_user])
                await fake.dispatch("MESSAGE_CREATE", msg, timeout=max(deadline - time.monotonic(), 0.1))
                sent_at[msg["id"]] = time.monotonic()

            async def reload(i: int) -> None:
                nonlocal reloads_ok
                edited_file.write_text(version_b if i % 2 == 0 else version_a, encoding="utf-8")
                payload = await fake.send_interaction(fake.interaction_command("reload", user=fake.admin))
                follow = await fake.wait_for_followup(payload, timeout=max(deadline - time.monotonic(), 0.1))
                text = (follow.json or {}).get("content") or ""
                if follow.status == 200 and text.startswith("Reloaded"):
                    reloads_ok += 1
                else:
                    reload_failures.append(f"reload {i}: {follow.status} {text[:200]!r}")

            async def collect() -> None:
                """Match replies to questions by message_reference, scanning new requests as they come."""
                seen = 0
                while len(latencies) < args.questions and time.monotonic() < deadline:
                    requests = fake.requests
                    for rec in requests[seen:]:
                        if rec.method == "POST" and REPLY_PATH.fullmatch(rec.path):
                            ref = str(((rec.json or {}).get("message_reference") or {}).get("message_id"))
                            if ref in sent_at and 200 <= rec.status < 300 and ref not in latencies:
                                latencies[ref] = rec.time - sent_at[ref]
                            elif not 200 <= rec.status < 300:
                                failures.append(f"reply POST answered {rec.status}")
                    seen = len(requests)
                    await asyncio.sleep(0.02)

            collector = asyncio.create_task(collect())
            tasks: list[asyncio.Task] = []
            try:
                if args.burst:
                    tasks += [asyncio.create_task(ask(i)) for i in range(args.questions)]
                    for k in range(args.reloads):
                        await reload(k)
                else:
                    per = -(-args.questions // max(args.reloads, 1))
                    for k in range(max(args.reloads, 1)):
                        wave = range(k * per, min((k + 1) * per, args.questions))
                        tasks += [asyncio.create_task(ask(i)) for i in wave]
                        if k < args.reloads:
                            await reload(k)
                for outcome in await asyncio.gather(*tasks, return_exceptions=True):
                    if isinstance(outcome, BaseException):
                        failures.append(f"dispatch failed: {outcome!r}"[:200])
                await asyncio.wait_for(collector, max(deadline - time.monotonic(), 0.1))
            except TimeoutError:
                failures.append(f"stopped at the {args.timeout:g} s timeout")
            finally:
                collector.cancel()
                for t in tasks:
                    t.cancel()
                await asyncio.gather(collector, *tasks, return_exceptions=True)
            snapshot_entries = len(running.bot.engine.snapshot.kb.entries)
        failures += [f"fake Discord error: {e.splitlines()[-1]}" for e in fake.errors]
    wall = time.monotonic() - started
    shutil.rmtree(scratch, ignore_errors=True)

    unanswered = args.questions - len(latencies)
    errors = unanswered + len(reload_failures) + len(counter.errors) + len(failures)
    ms = sorted(v * 1000 for v in latencies.values())
    print(f"questions asked      {args.questions}  ({'one burst' if args.burst else f'{args.reloads} waves'}, "
          f"{args.users} users)")
    print(f"questions answered   {len(latencies)}")
    print(f"errors               {errors}  (unanswered {unanswered}, failed reloads {len(reload_failures)}, "
          f"error log lines {len(counter.errors)}, other {len(failures)}; warnings {counter.warnings})")
    print(f"latency p50          {percentile(ms, 50):.1f} ms  (MESSAGE_CREATE sent -> reply POST received)")
    print(f"latency p99          {percentile(ms, 99):.1f} ms  (max {ms[-1] if ms else float('nan'):.1f} ms)")
    print(f"reloads ok           {reloads_ok}/{args.reloads}")
    print(f"peak RSS             {peak_rss_mb():.1f} MB  (bot + fake Discord, one process)")
    print(f"wall time            {wall:.1f} s  ({snapshot_entries} entries in the final knowledge base)")
    for line in (reload_failures + counter.errors + failures)[:10]:
        print(f"  ! {line}")
    return 0 if errors == 0 and reloads_ok == args.reloads else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=int, default=1000, help="mention questions to send (default 1000)")
    p.add_argument("--reloads", type=int, default=100, help="/reload commands as admin (default 100)")
    p.add_argument("--users", type=int, default=50, help="distinct users asking (default 50)")
    p.add_argument("--burst", action="store_true", help="send every question at once instead of in waves")
    p.add_argument("--timeout", type=float, default=180.0, help="stop after this many seconds (default 180)")
    p.add_argument("--knowledge", type=Path, default=ROOT / "knowledge", help="knowledge directory to copy")
    args = p.parse_args(argv)
    if args.questions < 1 or args.reloads < 0 or args.users < 1:
        p.error("--questions and --users must be at least 1, --reloads at least 0")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
