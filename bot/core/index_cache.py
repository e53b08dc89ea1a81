"""The validated knowledge base and its index, kept on disk so that a restart with unchanged files
skips parsing, checking and indexing: for 10,000 entries that work takes about 2.5 s, reading it
back about 0.4 s.

A cache file is named after the digests of the knowledge directory's YAML files and of the code
that reads and indexes them, and it records the digest of the article text it was checked against:
it is only ever used for exactly the inputs it was built from, so there is nothing to invalidate
and nothing to go stale. It is written only after a load that passed every check, and only if what
that load read is what was scanned before it. Reading it back accepts only a regular file of this
user's that no one else can write, and builds only the classes a knowledge base and an index are
made of, so a planted file cannot run code; a file that cannot be used is ignored and rebuilt."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
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

from . import analyzer, index, model, text, yaml_lines
from .loader import fingerprint, read_digest

log = logging.getLogger(__name__)

_PREFIX, _SUFFIX = "index-", ".pickle"
_ABANDONED_AFTER = 600  # seconds: a half-written file this old belongs to no running writer
MAX_BYTES = 1 << 30  # 10,000 entries take 21 MB
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
    """What decides the cached objects besides the files: this package's core code, Python, and
    which YAML parser (libyaml or PyYAML's own, which disagree on some input) in which version."""
    libyaml = getattr(getattr(yaml, "_yaml", None), "get_version_string", lambda: "none")()
    h = hashlib.blake2b(f"{sys.version}|{yaml.__version__}|{yaml_lines._Loader.__name__}|{libyaml}".encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.digest()


class Scan:
    """The knowledge directory's YAML files as they were just before a load, and the cache file
    name they give."""

    def __init__(self, directory: str | Path, files: dict[str, bytes]):
        self.directory, self.files = directory, files
        where = hashlib.blake2b(str(Path(directory).absolute()).encode(errors="surrogateescape"), digest_size=6)
        contents = hashlib.blake2b(_code_digest(), digest_size=20)
        for rel, digest in sorted(files.items()):
            name = rel.encode(errors="surrogateescape")
            contents.update(b"%d:%s" % (len(name), name) + digest)
        # "<directory>-<contents>": the directory as configured, so a deploy that swaps a symlink keeps one file.
        self.key = f"{where.hexdigest()}-{contents.hexdigest()}"

    def matches(self, kb: model.KnowledgeBase) -> bool:
        """Whether `kb` was read from exactly the YAML files scanned (none changed, came or went while
        it loaded, not even to change back)."""
        return {rel: d for rel, d in kb.files.items() if rel != kb.source.file} == self.files


class IndexCache:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._latest: str | None = None  # the last version handed to put_soon
        self._write_lock = threading.Lock()  # one write at a time
        self._writers: list[threading.Thread] = []

    def scan(self, knowledge_dir: str | Path) -> Scan | None:
        """None when a YAML file cannot be read the way a load reads it: then the load must run, and report it."""
        try:
            return Scan(knowledge_dir, fingerprint(knowledge_dir))
        except (OSError, RuntimeError, ValueError) as exc:
            log.info("index cache not used for %s: %s", knowledge_dir, exc)
            return None

    def _path(self, key: str) -> Path:
        return self.directory / f"{_PREFIX}{key}{_SUFFIX}"

    def _safe_directory(self) -> bool:
        """The cache directory is the bot's own and no one else can write in it: otherwise anyone
        could swap its files for others of the bot's (an older version, renamed)."""
        try:
            info = os.lstat(self.directory)
        except OSError:  # not there yet (or a file stands in its way: writing says so)
            return False
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            log.warning("index cache not used: %s is not a directory of this user's that only it can write", self.directory)
            return False
        return True

    def get(self, scan: Scan) -> tuple[model.KnowledgeBase, index.SearchIndex] | None:
        path = self._path(scan.key)
        if not self._safe_directory():
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:  # a link (ELOOP) or unreadable
            log.warning("ignoring index cache file %s (%s)", path, exc)
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
                    raise PermissionError("not a regular file of this user's that only it can write")
                if info.st_size > MAX_BYTES:
                    raise ValueError(f"{info.st_size} bytes")
                unpickler = _Unpickler(handle)
                key, source_file, source_digest = unpickler.load()
                if key != scan.key:  # a file of the bot's own, renamed
                    raise ValueError(f"written for {key}")
                if read_digest(scan.directory, source_file) != source_digest:
                    log.info("index cache file %s was checked against another version of %s", path, source_file)
                    return None
                source, jurisdictions, actors, entries, synonyms, files, built = unpickler.load()
            if not isinstance(built, index.SearchIndex) or not isinstance(source, model.Source):
                raise TypeError("not a knowledge base and its index")
            kb = model.KnowledgeBase(
                source=source, jurisdictions=MappingProxyType(jurisdictions), actors=MappingProxyType(actors),
                entries=MappingProxyType(entries), synonyms=MappingProxyType(synonyms),
                directory=str(Path(scan.directory)), loaded_at=datetime.now(UTC), files=MappingProxyType(files),
            )
        except Exception as exc:  # noqa: BLE001 — whatever is wrong with the file, the load runs instead
            self.discard(scan, exc)
            return None
        log.info("read %d entries, checked and indexed before, from %s", len(entries), path)
        self._latest = scan.key  # what serves now: a write still queued for an older version must not remove it
        return kb, built

    def discard(self, scan: Scan, why: Exception) -> None:
        """Set aside a file that could not be used, so that the load that follows rewrites it."""
        path = self._path(scan.key)
        log.warning("ignoring index cache file %s (%s: %s); loading the knowledge base afresh", path, type(why).__name__, why)
        with suppress(OSError):
            path.unlink()

    def put_soon(self, scan: Scan, kb: model.KnowledgeBase, built: index.SearchIndex) -> None:
        """Write in a thread of its own, so that a start or a reload does not wait about 0.45 s (for
        10,000 entries) for it. The snapshot may be serving meanwhile: what questions change in it,
        the analyzer's caches, is not saved. A write that a newer version overtook is skipped. Not a
        daemon thread: a process that exits first finishes its write."""
        if not scan.matches(kb):
            log.info("index cache not written: the knowledge files changed while they were loaded")
            return
        self._latest = scan.key
        thread = threading.Thread(target=self._put_if_latest, args=(scan, kb, built), name="index-cache-writer")
        try:
            thread.start()
        except RuntimeError as exc:  # no thread to be had (a process or memory limit): the next start indexes again
            log.warning("index cache not written (%s)", exc)
            return
        self._writers = [t for t in self._writers if t.is_alive()] + [thread]

    def _put_if_latest(self, scan: Scan, kb: model.KnowledgeBase, built: index.SearchIndex) -> None:
        with self._write_lock:
            if scan.key == self._latest:
                self.put(scan, kb, built)

    def flush(self) -> None:
        """Wait for the writes under way."""
        for thread in list(self._writers):
            thread.join()

    def put(self, scan: Scan, kb: model.KnowledgeBase, built: index.SearchIndex) -> None:
        """Write atomically (readers see the old file or the new one), readable by this user only,
        and remove the directory's earlier versions: one file per knowledge directory, so the console
        on another directory does not evict the bot's."""
        header = (scan.key, kb.source.file, kb.files[kb.source.file])  # checked before the rest is read back
        state = (kb.source, dict(kb.jurisdictions), dict(kb.actors), dict(kb.entries), dict(kb.synonyms), dict(kb.files), built)
        path = self._path(scan.key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self._safe_directory():
                return
            fd, temp = tempfile.mkstemp(prefix=".writing-", dir=self.directory)  # created mode 0600
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickler = pickle.Pickler(handle, protocol=5)  # one pickler, one memo: read back by one unpickler
                    pickler.dump(header)
                    pickler.dump(state)
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except Exception as exc:  # noqa: BLE001 — a full disk or an unpicklable object costs the next start time, nothing more
            log.warning("could not write the index cache in %s (%s: %s); the next start will index again",
                        self.directory, type(exc).__name__, exc)
            return
        for old in self.directory.glob(f"{_PREFIX}{scan.key.partition('-')[0]}-*{_SUFFIX}"):
            if old != path:
                with suppress(OSError):
                    old.unlink()
        for left in self.directory.glob(".writing-*"):  # by a process killed while writing
            with suppress(OSError):
                if time.time() - left.stat().st_mtime > _ABANDONED_AFTER:
                    left.unlink()
