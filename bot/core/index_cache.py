"""The validated knowledge base and its index, kept on disk so that a restart with unchanged files
skips parsing, checking and indexing: for 10,000 entries that work takes about 2 s, reading it back
about 0.4 s.

A cache file is named after a digest of every file under the knowledge directory (path and bytes)
and of the code that reads and indexes them, so it is only ever used for exactly the inputs it was
built from: there is nothing to invalidate and nothing to go stale. It is written only after a load
that passed every check. Reading it back builds only the classes a knowledge base and an index are
made of, so a planted file cannot run code; a file that cannot be read back is ignored and rebuilt."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

from . import analyzer, index, model, text
from .loader import fingerprint

log = logging.getLogger(__name__)

_PREFIX, _SUFFIX = "index-", ".pickle"
_ABANDONED_AFTER = 600  # seconds: a half-written file this old belongs to no running writer
_ALLOWED = {
    (obj.__module__, obj.__qualname__): obj
    for obj in (model.Source, model.Where, model.Jurisdiction, model.Actor, model.Entry, index.SearchIndex,
                index._Analysis, analyzer.Analyzer, analyzer.PhraseMap, text.stem, str)
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a knowledge base") from None


@cache
def _code_digest() -> bytes:
    """What decides the cached objects besides the files: this package's core code, Python, PyYAML."""
    h = hashlib.blake2b(f"{sys.version}|{yaml.__version__}".encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.digest()


class IndexCache:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._latest: str | None = None  # the last version handed to put_soon
        self._write_lock = threading.Lock()  # one write at a time
        self._writers: list[threading.Thread] = []

    def key(self, knowledge_dir: str | Path) -> str | None:
        """"<directory>-<contents>": which knowledge directory (as configured, so a deploy that swaps
        a symlink keeps its one file), then the digest of its files and of the code. None when a file
        cannot be read the way a load reads it: then the load must run, and report it."""
        files = fingerprint(knowledge_dir)
        if files is None:
            return None
        where = hashlib.blake2b(str(Path(knowledge_dir).absolute()).encode(errors="surrogateescape"), digest_size=6)
        return f"{where.hexdigest()}-{hashlib.blake2b(_code_digest() + files, digest_size=20).hexdigest()}"

    def _path(self, key: str) -> Path:
        return self.directory / f"{_PREFIX}{key}{_SUFFIX}"

    def get(self, key: str, knowledge_dir: str | Path) -> tuple[model.KnowledgeBase, index.SearchIndex] | None:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                state = _Unpickler(handle).load()
            source, jurisdictions, actors, entries, synonyms, built = state
            if not isinstance(built, index.SearchIndex) or not isinstance(source, model.Source):
                raise TypeError("not a knowledge base and its index")
            kb = model.KnowledgeBase(
                source=source, jurisdictions=MappingProxyType(jurisdictions), actors=MappingProxyType(actors),
                entries=MappingProxyType(entries), synonyms=MappingProxyType(synonyms),
                directory=str(knowledge_dir), loaded_at=datetime.now(UTC),
            )
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 — whatever is wrong with the file, the load runs instead
            log.warning("ignoring index cache file %s (%s: %s); loading the knowledge base afresh", path, type(exc).__name__, exc)
            return None
        log.info("read %d entries, checked and indexed before, from %s", len(entries), path)
        return kb, built

    def put_soon(self, key: str, kb: model.KnowledgeBase, built: index.SearchIndex) -> None:
        """Write in a thread of its own, so that a start or a reload does not wait about 0.45 s (for
        10,000 entries) for it. The snapshot may be serving meanwhile: what questions change in it,
        the analyzer's caches, is not saved. A write that a newer version overtook is skipped. Not a
        daemon thread: a process that exits first finishes its write."""
        self._latest = key
        thread = threading.Thread(target=self._put_if_latest, args=(key, kb, built), name="index-cache-writer")
        self._writers = [t for t in self._writers if t.is_alive()] + [thread]
        thread.start()

    def _put_if_latest(self, key: str, kb: model.KnowledgeBase, built: index.SearchIndex) -> None:
        with self._write_lock:
            if key == self._latest:
                self.put(key, kb, built)

    def flush(self) -> None:
        """Wait for the writes under way."""
        for thread in list(self._writers):
            thread.join()

    def put(self, key: str, kb: model.KnowledgeBase, built: index.SearchIndex) -> None:
        """Write atomically (readers see the old file or the new one), readable by this user only,
        and remove the directory's earlier versions: one file per knowledge directory, so the console
        on another directory does not evict the bot's."""
        state = (kb.source, dict(kb.jurisdictions), dict(kb.actors), dict(kb.entries), dict(kb.synonyms), built)
        path = self._path(key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(prefix=".writing-", dir=self.directory)  # created mode 0600
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(state, handle, protocol=5)
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except Exception as exc:  # noqa: BLE001 — a full disk or an unpicklable object costs the next start time, nothing more
            log.warning("could not write the index cache in %s (%s: %s); the next start will index again",
                        self.directory, type(exc).__name__, exc)
            return
        for old in self.directory.glob(f"{_PREFIX}{key.partition('-')[0]}-*{_SUFFIX}"):
            if old != path:
                with suppress(OSError):
                    old.unlink()
        for left in self.directory.glob(".writing-*"):  # by a process killed while writing
            with suppress(OSError):
                if time.time() - left.stat().st_mtime > _ABANDONED_AFTER:
                    left.unlink()
