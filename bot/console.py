"""`python -m bot console`: chat with the bot in a terminal, on the same engine as Discord.

Line editing and history come from readline when the terminal has it. A leading `/` runs the same
list/detail commands the Discord bot has."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from .core.catalog import about, find_place, place_report
from .core.engine import Engine
from .core.loader import KnowledgeBaseInvalid

HELP = """Ask anything about the article in your own words, or use a command:
  /jurisdictions         every place the article names
  /jurisdiction NAME     everything the article says about one place
  /about                 what this bot knows
  /ask QUESTION          the same as typing the question
  /reload                reload the knowledge base from disk
  /help                  this text
  /quit                  leave (Ctrl-D works too)"""


def _wrap(text: str) -> str:
    return "\n".join(textwrap.fill(p, 100, replace_whitespace=False) if not p.startswith((">", "•")) else p
                     for p in text.split("\n"))


def run_command(engine: Engine, line: str) -> str | None:
    """The reply to one console line; None means quit."""
    name, _, arg = line[1:].partition(" ")
    kb = engine.snapshot.kb
    if name in ("quit", "exit", "q"):
        return None
    if name == "jurisdictions":
        return "\n".join(f"• {j.name} ({j.kind}): {j.summary}" for j in sorted(kb.jurisdictions.values(), key=lambda j: j.name))
    if name == "jurisdiction":
        place, closest = find_place(kb, arg, limit=5)
        if place is None:
            return f"The article doesn't name a place called “{arg}”. Closest it does name: {', '.join(j.name for j in closest)}."
        report = place_report(kb, place)
        lines = [f"{place.name} ({place.kind}): {place.summary}", ""]
        for e in report.entries:
            lines += [f"■ {e.topic}", e.answer, *(f"> “{q}”" for q in e.quotes), ""]
        return "\n".join(lines + [f"— {kb.source.citation}"])
    if name == "about":
        info = about(kb)
        return (f"{info['title']} — {info['publisher']}, {info['date']}, by {info['author']}.\n{info['about']}\n"
                f"{info['entries']} entries, {info['jurisdictions']} places; loaded {info['loaded_at']:%Y-%m-%d %H:%M:%S} UTC.")
    if name == "reload":
        return engine.reload().summary()
    if name == "ask":
        return engine.ask(arg).plain_text()
    return HELP


def run_console(knowledge_dir: Path, stdin=None, stdout=None, cache_dir: Path | None = None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        engine = Engine(knowledge_dir, cache_dir=cache_dir)
    except KnowledgeBaseInvalid as exc:
        print(exc.report(knowledge_dir), file=sys.stderr)
        return 1
    interactive = stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        kb = engine.snapshot.kb
        print(f"Ask-the-Article — {kb.source.publisher}, {kb.source.date_text}, {kb.source.author}. "
              "Type a question, /help for commands, /quit to leave.", file=stdout)
    while True:
        try:
            line = input("? ") if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive and not line:
            break
        line = line.strip()
        if not line:
            continue
        reply = run_command(engine, line) if line.startswith("/") else engine.ask(line).plain_text()
        if reply is None:
            break
        print(_wrap(reply) + "\n", file=stdout, flush=True)
    return 0
