"""The one object adapters talk to. It holds an immutable snapshot (knowledge base + index + matcher)
and swaps in a new one on reload with a single assignment, so a question in flight always sees one
whole version, never a mix, and a failed reload leaves the old snapshot serving."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .answer import Answer
from .index import SearchIndex
from .index_cache import IndexCache
from .loader import KnowledgeBaseInvalid, Problem, load_knowledge
from .matcher import Match, Matcher, Tuning
from .model import KnowledgeBase
from .responder import Responder


@dataclass(frozen=True)
class Snapshot:
    kb: KnowledgeBase
    index: SearchIndex
    matcher: Matcher
    responder: Responder

    @classmethod
    def build(cls, kb: KnowledgeBase, tuning: Tuning | None = None, previous: Snapshot | None = None,
              index: SearchIndex | None = None) -> Snapshot:
        """`index`: one already built for `kb` (read from the index cache); else it is built here."""
        if index is None:
            index = SearchIndex(kb, previous.index if previous else None)
        matcher = Matcher(index, tuning)
        return cls(kb, index, matcher, Responder(kb, matcher.tuning.suggest_at, matcher.calibrate))

    def ask(self, question: str) -> Answer:
        return self.responder.respond(self.match(question))

    def match(self, question: str) -> Match:
        return self.matcher.match(question)


def load_snapshot(directory: str | Path, tuning: Tuning | None = None, previous: Snapshot | None = None,
                  reads: dict | None = None, cache: IndexCache | None = None) -> Snapshot:
    """Load, validate and index a knowledge directory (raises KnowledgeBaseInvalid).

    A reload passes the snapshot it replaces and the file reads of the last load: unchanged files
    are not parsed again and unchanged entries are not analysed again (see FileRead, SearchIndex).
    With a `cache`, a directory whose files and code are byte for byte those of an earlier good load
    is read back from disk instead (see IndexCache), and a new good load is written to it in the
    background.
    The cyclic garbage collector is paused meanwhile: loading allocates hundreds of thousands of
    objects and creates no cycles, and with a large knowledge base already in memory each
    collection pass scanned all of it again, which made a reload up to twice as slow."""
    with _gc_paused():
        scan = cache.scan(directory) if cache is not None else None
        if scan is not None and (hit := cache.get(scan)) is not None:
            try:
                return Snapshot.build(hit[0], tuning, index=hit[1])
            except Exception as exc:  # noqa: BLE001 — a file that unpickles but is not a usable index
                cache.discard(scan, exc)
        snapshot = Snapshot.build(load_knowledge(directory, reads), tuning, previous)
        if scan is not None:
            cache.put_soon(scan, snapshot.kb, snapshot.index)
        return snapshot


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    problems: tuple[Problem, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def summary(self) -> str:
        if not self.ok:
            lines = [f"Reload failed with {len(self.problems)} error(s); still serving the previous knowledge base:"]
            return "\n".join(lines + [f"- {p}" for p in self.problems])
        if not (self.added or self.removed or self.changed):
            return "Reloaded: no entries changed."
        parts = [f"{label}: {', '.join(ids)}" for label, ids in
                 (("added", self.added), ("removed", self.removed), ("changed", self.changed)) if ids]
        return "Reloaded. " + "; ".join(parts)


class Engine:
    def __init__(self, directory: str | Path, tuning: Tuning | None = None, cache_dir: str | Path | None = None):
        """`cache_dir`: where to keep the index cache (see IndexCache); None keeps none."""
        self.directory = Path(directory)
        self.tuning = tuning
        self.index_cache = IndexCache(cache_dir) if cache_dir is not None else None
        self._reads: dict = {}  # what the last load read from each file; only used under _reload_lock
        self.snapshot = load_snapshot(self.directory, tuning, reads=self._reads, cache=self.index_cache)
        self._reload_lock = threading.Lock()

    def ask(self, question: str) -> Answer:
        return self.snapshot.ask(question)

    def reload(self) -> ReloadResult:
        """Validate the directory afresh; swap only if all of it is good."""
        with self._reload_lock:
            old = self.snapshot.kb
            try:
                new = load_snapshot(self.directory, self.tuning, self.snapshot, self._reads, self.index_cache)
            except KnowledgeBaseInvalid as exc:
                return ReloadResult(False, exc.problems)
            self.snapshot = new
        before, after = old.entries, new.kb.entries
        return ReloadResult(
            True,
            added=tuple(sorted(after.keys() - before.keys())),
            removed=tuple(sorted(before.keys() - after.keys())),
            changed=tuple(sorted(k for k in before.keys() & after.keys() if before[k].content != after[k].content)),
        )

