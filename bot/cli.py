"""`python -m bot …`: ask, check, eval, console, unanswered, discord.

Imports stay inside each command so `ask` never loads discord.py and starts fast."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_QUESTIONS = Path("tests") / "questions" / "dev.yaml"  # run from a checkout of the repository


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Ask-the-Article: questions about one news article.")
    sub = p.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question (or one per line from stdin with -)")
    ask.add_argument("question", help='the question, or "-" to read one per line from stdin')
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--knowledge", type=Path, help="knowledge directory (default: KNOWLEDGE_DIR)")
    check = sub.add_parser("check", help="validate a knowledge directory; coverage and confusion reports")
    check.add_argument("directory", nargs="?", type=Path, help="default: KNOWLEDGE_DIR, else ./knowledge")
    ev = sub.add_parser("eval", help="score the matcher on a question set")
    ev.add_argument("file", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    ev.add_argument("--knowledge", type=Path)
    con = sub.add_parser("console", help="chat with the bot in the terminal")
    con.add_argument("--knowledge", type=Path)
    un = sub.add_parser("unanswered", help="the questions the bot declined, most frequent first")
    un.add_argument("--limit", type=int, default=20)
    un.add_argument("--days", type=float, default=30.0)
    sub.add_parser("discord", help="run the Discord bot (needs DISCORD_TOKEN)")
    health = sub.add_parser("health", help="exit 0 if the running bot touched DATA_DIR/heartbeat recently")
    health.add_argument("--max-age", type=float, default=120.0, help="seconds (default 120)")
    return p


def _settings():
    from .settings import load_settings

    return load_settings()


def _knowledge_dir(arg: Path | None) -> Path:
    return arg if arg is not None else _settings().knowledge_dir


def _snapshot(directory: Path):
    from .core.engine import load_snapshot
    from .core.loader import KnowledgeBaseInvalid

    try:
        return load_snapshot(directory)
    except KnowledgeBaseInvalid as exc:
        print(exc.report(directory), file=sys.stderr)
        raise SystemExit(1) from None


def cmd_ask(args) -> int:
    snapshot = _snapshot(_knowledge_dir(args.knowledge))
    questions = sys.stdin if args.question == "-" else [args.question]
    for line in questions:
        question = line.rstrip("\r\n") if args.question == "-" else line
        answer = snapshot.ask(question)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(answer.plain_text(), flush=True)
            if args.question == "-":
                print(flush=True)
    return 0


def cmd_check(args) -> int:
    from .core.engine import Snapshot
    from .core.loader import KnowledgeBaseInvalid, load_knowledge
    from .core.reports import confusions, uncovered_paragraphs

    directory = args.directory if args.directory is not None else _knowledge_dir(None)
    try:
        kb = load_knowledge(directory)
    except KnowledgeBaseInvalid as exc:
        print(exc.report(directory))
        return 1
    snapshot = Snapshot.build(kb)
    phrasings = sum(len(e.questions) for e in kb.entries.values())
    print(f"{directory}: OK — {len(kb.entries)} entries, {phrasings} phrasings, "
          f"{len(kb.jurisdictions)} jurisdictions, {len(kb.actors)} actors")
    uncovered = uncovered_paragraphs(snapshot)
    paragraphs = len(kb.source.paragraphs)
    print(f"coverage: {paragraphs - len(uncovered)}/{paragraphs} paragraphs of the article are quoted")
    for paragraph in uncovered:
        print(f"  not quoted: {paragraph[:100]!r}")
    confused = confusions(snapshot)
    print(f"confusion: {len(confused)} of {phrasings} phrasings are not answered by their own entry")
    for c in confused:
        print(f"  {c.entry_id}: {c.phrasing!r} -> {c.got} ({c.confidence:.2f})")
    return 0


def cmd_eval(args) -> int:
    from .core.evaluation import evaluate, load_questions

    if not args.file.exists():
        print(f"No question set at {args.file}; give one: python -m bot eval FILE", file=sys.stderr)
        return 2
    snapshot = _snapshot(_knowledge_dir(args.knowledge))
    report = evaluate(snapshot, load_questions(args.file))
    print("\n".join(report.lines()))
    return 0


def cmd_console(args) -> int:
    from .console import run_console

    if args.knowledge is not None:  # an explicit directory: no settings needed, nothing written to DATA_DIR
        return run_console(args.knowledge)
    settings = _settings()
    return run_console(settings.knowledge_dir, cache_dir=settings.index_cache_dir)


def cmd_unanswered(args) -> int:
    from .curator.store import Store

    path = _settings().data_dir / "curator.sqlite3"
    if not path.exists():  # reading must not create a database
        print(f"No declined questions recorded ({path} does not exist yet).")
        return 0
    store = Store(path)
    try:
        rows = store.unanswered(limit=args.limit, days=args.days)
    finally:
        store.close()
    if not rows:
        print("No declined questions recorded.")
    for row in rows:
        print(f"{row.count:>4} × {row.text}  (last {row.last_seen:%Y-%m-%d %H:%M} UTC)")
    return 0


def cmd_health(args) -> int:
    import time

    path = _settings().data_dir / "heartbeat"
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        print(f"unhealthy: {path} does not exist (the bot has not connected yet)")
        return 1
    print(f"{'healthy' if age <= args.max_age else 'unhealthy'}: last heartbeat {age:.0f}s ago")
    return 0 if age <= args.max_age else 1


def cmd_discord(args) -> int:
    from .discord_app.runner import run

    return run(_settings())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        settings = _settings()
        if settings.token:
            from .discord_app.runner import run

            return run(settings)
        print("DISCORD_TOKEN is not set, so starting the terminal console instead of the Discord bot.", file=sys.stderr)
        from .console import run_console

        return run_console(settings.knowledge_dir, cache_dir=settings.index_cache_dir)
    handler = globals()[f"cmd_{args.command}"]
    try:
        return handler(args)
    except BrokenPipeError:
        return 0
