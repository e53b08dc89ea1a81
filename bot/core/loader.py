"""Read a knowledge directory into a validated KnowledgeBase, or report every problem with file:line.

Nothing half-valid is ever returned: either the whole directory is good, or KnowledgeBaseInvalid
carries all the errors, so a reload can keep serving the knowledge base it had.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType

import yaml

from .model import ENTRY_KINDS, Actor, Entry, Jurisdiction, KnowledgeBase, Source, Where
from .text import normalize, normalize_quote
from .yaml_lines import LineList, LineMap, load_with_lines

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_FILES = 2000
SECTIONS = ("source", "jurisdictions", "actors", "synonyms", "entries")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Problem:
    where: Where | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class KnowledgeBaseInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(map(str, self.problems)))

    def report(self, directory) -> str:
        """What `check`, `ask` and the console print: a count, then one file:line problem a line."""
        return "\n".join([f"{directory}: {len(self.problems)} error(s)", *(f"  {p}" for p in self.problems)])


# field name -> (type, required). "str" values must be non-empty; lists hold non-empty strings.
_SCHEMAS: dict[str, dict[str, tuple[str, bool]]] = {
    "source": {
        "file": ("str", True), "publisher": ("str", True), "date": ("str", True),
        "date_text": ("str", True), "author": ("str", True), "author_contact": ("str", True),
        "title": ("str", True), "about": ("str", True),
    },
    "jurisdictions": {
        "id": ("id", True), "name": ("str", True), "kind": ("str", True),
        "aliases": ("list", False), "summary": ("str", True),
    },
    "actors": {
        "id": ("id", True), "name": ("str", True), "description": ("str", True), "aliases": ("list", False),
    },
    "entries": {
        "id": ("id", True), "topic": ("str", True), "kind": ("str", True), "questions": ("list", True),
        "keywords": ("list", False), "answer": ("str", True), "quotes": ("list", True),
        "jurisdictions": ("list", False), "actors": ("list", False), "related": ("list", False),
    },
}


class _Reader:
    """Collects problems while turning LineMaps into plain validated values."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, file: str | None, line: int | None, message: str) -> None:
        self.problems.append(Problem(Where(file, line or 1) if file else None, message))

    # -- files -----------------------------------------------------------------------------------
    def parse(self, rel: str, raw: bytes):
        """One file's bytes as a LineMap, or None (problems recorded)."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.problem(rel, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
            return None
        if "\t" in text:
            for n, line_text in enumerate(text.splitlines(), 1):
                if "\t" in line_text[: len(line_text) - len(line_text.lstrip())]:
                    self.problem(rel, n, "a tab is used for indentation; YAML needs spaces")
                    return None
        try:
            data = load_with_lines(text)
        except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
            at = text.find(chr(exc.character))
            line = text[:at].count("\n") + 1 if at >= 0 else 1
            self.problem(rel, line, f"YAML syntax error: character U+{exc.character:04X} is not allowed in YAML")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            context, started = getattr(exc, "context", None), getattr(exc, "context_mark", None)
            if context and mark and started and started.line != mark.line:  # e.g. where an unclosed [ or " opened
                context = f"{context} (started at line {started.line + 1})"
            what = " ".join(str(x) for x in (context, getattr(exc, "problem", None)) if x)
            self.problem(rel, mark.line + 1 if mark else 1, f"YAML syntax error: {what or exc}")
            return None
        except RecursionError:
            self.problem(rel, 1, "YAML nests too deeply")
            return None
        if data is None:
            self.problem(rel, 1, "file is empty")
            return None
        if not isinstance(data, LineMap):
            self.problem(rel, 1, f"the top level must be a mapping with some of: {', '.join(SECTIONS)}")
            return None
        for key in data:
            if key not in SECTIONS:
                self.problem(rel, data.line_of(key), f"unknown top-level key {key!r} (allowed: {', '.join(SECTIONS)})")
        return data

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- records ---------------------------------------------------------------------------------
    def record(self, section: str, item, file: str, line: int) -> dict | None:
        """Check one mapping against its schema; returns plain values or None when unusable."""
        if not isinstance(item, LineMap):
            self.problem(file, line, f"each item of {section!r} must be a mapping, got {_kind(item)}")
            return None
        schema = _SCHEMAS[section]
        out: dict = {"where": Where(file, item.line), "lines": dict(item.key_lines)}
        ok = True
        if not schema.keys() >= item.keys():
            for key in item:
                if key not in schema:  # reported, but the rest of the record is still checked
                    self.problem(file, item.line_of(key), f"unknown key {key!r} in {section} (allowed: {', '.join(schema)})")
        for key, (kind, required) in schema.items():
            value = item.get(key)
            if kind == "str" and type(value) is str and (text := value.strip()):
                out[key] = text  # the common case, in one step
                continue
            if kind == "list" and type(value) is LineList and (items := _plain_items(value)):
                out[key] = items
                continue
            kline = item.line_of(key)
            if value is None:
                if required:
                    self.problem(file, kline, f"missing required field {key!r}" + _named(item))
                    ok = False
                out[key] = () if kind == "list" else None
                continue
            if isinstance(value, date | datetime) and kind == "str":
                value = value.isoformat()
            if kind == "id" and not isinstance(value, str):
                self.problem(file, kline, f"{key!r} must be text like 'denver-364-days', got {_kind(value)} {value!r}")
                ok = False
                continue
            if kind in ("str", "id"):
                if (text := _text(value)) is None:
                    self.problem(file, kline, f"{key!r} must be non-empty text, got {_kind(value)}")
                    ok = False
                    continue
                value = text
                if kind == "id" and not _ID.match(value):
                    self.problem(file, kline, f"id {value!r} must be lowercase letters, digits and dashes")
                    ok = False
                out[key] = value
            else:
                if isinstance(value, str):
                    value = LineList([value])
                    value.line, value.item_lines = kline, [kline]
                if not isinstance(value, list):
                    self.problem(file, kline, f"{key!r} must be a list, got {_kind(value)}")
                    ok = False
                    continue
                items = []
                for i, v in enumerate(value):
                    if (text := _text(v)) is None:
                        self.problem(file, value.line_of(i), f"{key!r} items must be non-empty text, got {_kind(v)}")
                        ok = False
                    else:
                        items.append((text, value.line_of(i)))
                if required and not items:
                    self.problem(file, kline, f"{key!r} must not be empty")
                    ok = False
                out[key] = tuple(items)
        return out if ok else None


def _plain_items(value: LineList) -> tuple[tuple[str, int], ...] | None:
    """(text, line) of each item when every item is non-blank text, as nearly all are; else None,
    and the caller checks item by item to say which one is wrong."""
    texts = [v.strip() for v in value if type(v) is str]
    if not texts or len(texts) != len(value) or not all(texts):
        return None
    return tuple(zip(texts, value.item_lines, strict=True))


def _text(value) -> str | None:
    """A scalar written where text is expected, as stripped text ("2018" may be typed unquoted), or
    None when it is not text at all (true/false, a list, a mapping) or is blank."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def _kind(value) -> str:
    """How a YAML value reads to the person who wrote it."""
    for types, name in ((bool, "true/false (YAML reads a bare yes, no, on or off as one: quote the word)"), (dict, "a mapping"), (list, "a list"), (str, "text"), (type(None), "nothing")):
        if isinstance(value, types):
            return name
    return type(value).__name__


def _named(item) -> str:
    ident = item.get("id")
    return f" (in {ident!r})" if isinstance(ident, str) else ""


def _texts(pairs) -> tuple[str, ...]:
    return tuple(text for text, _ in pairs)


@dataclass(frozen=True, slots=True)
class FileRead:
    """What one file contributes, worked out from its bytes alone, so a reload can reuse it when the
    bytes are unchanged: a 10,000-entry knowledge base spends most of its load parsing and checking
    records. Everything that depends on other files (duplicate ids and synonyms, references,
    quotes against the source) is checked again on every load."""

    problems: tuple[Problem, ...]
    records: tuple[tuple[str, dict], ...]  # (section, checked record) for jurisdictions, actors, entries
    source: tuple[dict, ...]
    source_sections: int
    synonyms: tuple[object, int] | None  # the raw synonyms mapping and its line
    unreadable: bool = False  # not YAML at all (syntax error, encoding…): none of its ids are known


def _read_cached(root: Path, path: Path, rel: str, reads: dict | None) -> tuple[bytes, FileRead]:
    """(content hash, FileRead) of one file: from `reads` when its bytes are unchanged."""
    reader = _Reader(root)
    raw = _read_regular_file(reader, rel, 1, path, root, "file")
    if raw is None:
        return b"", FileRead(tuple(reader.problems), (), (), 0, None, unreadable=True)
    digest = file_digest(raw)
    if reads is not None and (hit := reads.get(rel)) and hit[0] == digest:
        return hit
    return digest, _read_one(reader, raw, rel)


def _read_one(reader: _Reader, raw: bytes, rel: str) -> FileRead:
    data = reader.parse(rel, raw)
    records: list[tuple[str, dict]] = []
    source: list[dict] = []
    sections = 0
    synonyms = None
    for section in SECTIONS if data is not None else ():
        if section not in data:
            continue
        value, line = data[section], data.line_of(section)
        if section == "source":
            sections += 1
            if rec := reader.record("source", value, rel, line):
                source.append(rec)
        elif section == "synonyms":
            synonyms = (value, line)
        elif not isinstance(value, list):
            reader.problem(rel, line, f"{section!r} must be a list, got {_kind(value)}")
        else:
            for i, item in enumerate(value):
                if rec := reader.record(section, item, rel, value.line_of(i)):
                    if section == "entries":  # normalised here, where a reload can reuse it
                        rec["question_keys"] = tuple(normalize(q) for q, _ in rec["questions"])
                    records.append((section, rec))
    return FileRead(tuple(reader.problems), tuple(records), tuple(source), sections, synonyms, unreadable=data is None)


def file_digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def _yaml_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.suffix in (".yaml", ".yml") and (p.is_file() or p.is_symlink()))


def fingerprint(directory: str | Path) -> dict[str, bytes]:
    """The digest of every YAML file a load of `directory` reads, by path: listed and read the way
    a load lists and reads them (no links out of the directory, no FIFOs, no oversized files).
    Raises ValueError, naming the file, when one of them cannot be read so: only a load can then
    say what is wrong. The article text is not here: its path is known only once the YAML is
    parsed (see read_digest)."""
    tree = Path(directory).resolve()
    if not tree.is_dir():
        raise ValueError(f"{directory} is not a directory")
    reader = _Reader(tree)
    files = _yaml_files(tree)
    if len(files) > MAX_FILES:
        raise ValueError(f"over {MAX_FILES} YAML files")
    digests = {}
    for path in files:
        rel = reader.rel(path)
        if (raw := _read_regular_file(reader, rel, 1, path, tree, "file")) is None:
            raise ValueError(str(reader.problems[-1]))
        digests[rel] = file_digest(raw)
    return digests


def read_digest(directory: str | Path, rel: str) -> bytes | None:
    """The digest of one file under `directory`, read with the loader's guards; None if it cannot be."""
    tree = Path(directory).resolve()
    raw = _read_regular_file(_Reader(tree), rel, 1, tree / rel, tree, "file")
    return None if raw is None else file_digest(raw)


def load_knowledge(directory: str | Path, reads: dict | None = None) -> KnowledgeBase:
    """Load and validate every *.yaml file under `directory`; raise KnowledgeBaseInvalid listing all errors.

    `reads`, when given, is kept by the caller from one load to the next (see FileRead): a file whose
    bytes have not changed is not parsed and checked again."""
    root = Path(directory)
    # Resolved once: when `directory` is a symlink that a deploy swaps to a new tree, one load still
    # reads one whole tree (never article.yaml from the old tree and entries/ from the new one).
    tree = root.resolve()
    reader = _Reader(tree)
    if not tree.is_dir():
        raise KnowledgeBaseInvalid([Problem(None, f"knowledge directory {root} does not exist")])
    try:
        files = _yaml_files(tree)
    except OSError as exc:  # a directory that can be listed but not entered, and the like
        raise KnowledgeBaseInvalid([Problem(None, f"cannot list the files in {root}: {exc.strerror or exc} ({exc.filename})")]) from None
    if not files:
        raise KnowledgeBaseInvalid([Problem(None, f"no .yaml files in {root}")])
    if len(files) > MAX_FILES:
        raise KnowledgeBaseInvalid([Problem(None, f"{len(files)} YAML files in {root}, over the {MAX_FILES} limit")])

    raw: dict[str, list[tuple[dict, str]]] = {s: [] for s in SECTIONS}
    source_records: list[dict] = []
    source_sections = 0
    synonyms: dict[str, tuple[str, ...]] = {}
    variant_at: dict[str, Where] = {}
    kept: dict[str, tuple[bytes, FileRead]] = {}
    unreadable: list[str] = []
    for path in files:
        rel = reader.rel(path)
        read = _read_cached(tree, path, rel, reads)
        kept[rel] = read
        done = read[1]
        reader.problems.extend(done.problems)
        if done.unreadable:
            unreadable.append(rel)
        for section, rec in done.records:
            raw[section].append((rec, rel))
        source_records.extend(done.source)
        source_sections += done.source_sections
        if done.synonyms is not None:
            _read_synonyms(reader, done.synonyms[0], rel, done.synonyms[1], synonyms, variant_at)
    if reads is not None:  # only the files read this time: a deleted file's records must not come back
        reads.clear()
        reads.update(kept)

    read = {rel: digest for rel, (digest, done) in kept.items() if not done.unreadable}
    source = _build_source(reader, tree, source_records, source_sections, read)
    jurisdictions = _unique(reader, "jurisdiction", [r for r, _ in raw["jurisdictions"]])
    actors = _unique(reader, "actor", [r for r, _ in raw["actors"]])
    entries = _unique(reader, "entry", [r for r, _ in raw["entries"]])
    built_entries = _check_entries(reader, entries, jurisdictions, actors, source, unreadable)

    if reader.problems:
        # A file that is not YAML at all comes first: its error is the cause of the others.
        raise KnowledgeBaseInvalid(sorted(reader.problems, key=lambda p: (not (p.where and p.where.file in unreadable), _order(p))))
    return KnowledgeBase(
        source=source,
        jurisdictions=MappingProxyType({
            k: Jurisdiction(k, r["name"], r["kind"], _texts(r["aliases"]), r["summary"], r["where"])
            for k, r in jurisdictions.items()
        }),
        actors=MappingProxyType({
            k: Actor(k, r["name"], r["description"], _texts(r["aliases"]), r["where"]) for k, r in actors.items()
        }),
        entries=MappingProxyType(built_entries),
        synonyms=MappingProxyType(synonyms),
        directory=str(root),
        loaded_at=datetime.now(UTC),
        files=MappingProxyType(read),
    )


def _order(p: Problem):
    return (p.where.file, p.where.line) if p.where else ("", 0)


def _read_synonyms(reader, value, rel, line, synonyms, variant_at) -> None:
    if not isinstance(value, LineMap):
        reader.problem(rel, line, f"'synonyms' must be a mapping of word -> [variants], got {_kind(value)}")
        return
    for canonical, variants in value.items():
        cline = value.line_of(canonical)
        canon = normalize(str(canonical))
        if not canon:
            reader.problem(rel, cline, f"synonym {canonical!r} has no words")
            continue
        if isinstance(variants, str):
            variants = [variants]
        if not isinstance(variants, list) or not variants:
            reader.problem(rel, cline, f"synonyms of {canonical!r} must be a non-empty list")
            continue
        kept = []
        for i, variant in enumerate(variants):
            vline = variants.line_of(i) if isinstance(variants, LineList) else cline
            norm = normalize(text) if (text := _text(variant)) else ""
            if not norm:
                reader.problem(rel, vline, f"synonym variant of {canonical!r} must be non-empty text, got {_kind(variant)}")
            elif norm == canon:
                reader.problem(rel, vline, f"synonym variant {variant!r} is the word itself")
            elif norm in variant_at:
                reader.problem(rel, vline, f"synonym variant {variant!r} is already listed at {variant_at[norm]}")
            else:
                variant_at[norm] = Where(rel, vline)
                kept.append(norm)
        synonyms[canon] = synonyms.get(canon, ()) + tuple(kept)


def _build_source(reader, root: Path, records: list[dict], sections: int, read: dict[str, bytes]) -> Source | None:
    """The article, its file's digest added to `read`."""
    if not records:
        if not sections:  # a source section that is there but invalid has had its problems reported
            reader.problem(None, None, "no 'source' section: one file must describe the article (see article.yaml)")
        return None
    if len(records) > 1:
        for rec in records[1:]:
            reader.problem(rec["where"].file, rec["where"].line, f"second 'source' section (first at {records[0]['where']})")
    rec = records[0]
    file, line = rec["where"].file, rec["lines"].get("file", rec["where"].line)
    raw = _read_regular_file(reader, file, line, root / rec["file"], root, f"source file {rec['file']!r}")
    if raw is None:
        return None
    read[rec["file"]] = file_digest(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reader.problem(file, line, f"cannot read source file {rec['file']!r}: {exc}")
        return None
    return Source(**{k: rec[k] for k in _SCHEMAS["source"]}, text=text)


def _read_regular_file(reader, file: str, line: int, path: Path, root: Path, what: str) -> bytes | None:
    """The bytes of a regular file inside `root`, at most MAX_FILE_BYTES; None (problem recorded) otherwise.

    Broken or looping links, links out of the directory, FIFOs and devices (which would block or
    never end) and oversized files are refused before anything is read."""
    try:
        target = path.resolve()  # follows links; a missing target fails at stat() below
        if not target.is_relative_to(root.resolve()):
            reader.problem(file, line, f"{what} points outside the knowledge directory (to {target}); refused")
            return None
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            reader.problem(file, line, f"{what} is not a regular file; refused")
            return None
        if info.st_size > MAX_FILE_BYTES:
            reader.problem(file, line, f"{what} is {info.st_size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit")
            return None
        with open(target, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: symlink loop; ValueError: NUL in the name
        reader.problem(file, line, f"cannot read {what}: {getattr(exc, 'strerror', None) or exc}")
        return None
    if len(raw) > MAX_FILE_BYTES:
        reader.problem(file, line, f"{what} grew past the {MAX_FILE_BYTES / 1e6:.0f} MB limit while being read")
        return None
    return raw


def _unique(reader, what: str, records: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for rec in records:
        ident = rec["id"]
        if ident in out:
            reader.problem(rec["where"].file, rec["where"].line, f"duplicate {what} id {ident!r} (first at {out[ident]['where']})")
        else:
            out[ident] = rec
    return out


def _check_entries(reader, entries, jurisdictions, actors, source, unreadable=()) -> dict[str, Entry]:
    # An id defined in a file that could not be read shows up as "unknown" everywhere it is used;
    # say so, so the admin fixes the one syntax error instead of chasing each reference.
    maybe = f" (it may be defined in {', '.join(unreadable)}, which could not be read)" if unreadable else ""
    source_norm = normalize_quote(source.text) if source else None
    phrasing_at: dict[str, tuple[str, Where]] = {}
    verified: dict[str, bool] = {}  # quotes repeat across entries; each is searched for once
    built: dict[str, Entry] = {}
    for ident, rec in entries.items():
        file = rec["where"].file
        if rec["kind"] not in ENTRY_KINDS:
            reader.problem(file, rec["lines"].get("kind", rec["where"].line), f"entry {ident!r}: kind {rec['kind']!r} is not one of {', '.join(ENTRY_KINDS)}")
        for field_name, known, what in (("jurisdictions", jurisdictions, "jurisdiction"), ("actors", actors, "actor"), ("related", entries, "entry")):
            for ref, line in rec[field_name]:
                if ref not in known:
                    reader.problem(file, line, f"entry {ident!r} refers to unknown {what} {ref!r}{maybe}")
        if rec["kind"] in ("position", "sides") and not rec["actors"]:
            reader.problem(file, rec["where"].line, f"entry {ident!r} states a position but names no actor holding it")
        for quote, line in rec["quotes"]:
            if quote not in verified:
                verified[quote] = source_norm is None or normalize_quote(quote) in source_norm
            if not verified[quote]:
                reader.problem(file, line, f"entry {ident!r}: quote is not verbatim in the source: {quote[:80]!r}")
        for (question, line), key in zip(rec["questions"], rec["question_keys"], strict=True):
            if not key:
                reader.problem(file, line, f"entry {ident!r}: phrasing {question!r} has no words")
            elif key in phrasing_at:
                other, where = phrasing_at[key]
                reader.problem(file, line, f"phrasing {question!r} is also under entry {other!r} at {where}")
            else:
                phrasing_at[key] = (ident, Where(file, line))
        built[ident] = Entry(
            id=ident, topic=rec["topic"], kind=rec["kind"], questions=_texts(rec["questions"]),
            keywords=_texts(rec["keywords"]), answer=rec["answer"], quotes=_texts(rec["quotes"]),
            jurisdictions=_texts(rec["jurisdictions"]), actors=_texts(rec["actors"]),
            related=_texts(rec["related"]), where=rec["where"],
        )
    return built
