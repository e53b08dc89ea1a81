"""Broken knowledge bases: every variant of a bad knowledge/ directory is refused, whole, with the
file and line an admin needs to fix it, quickly and without eating memory; and a bad reload never
replaces the knowledge base that is serving.

Each variant edits a private copy of the repo's knowledge/ (never the real one). Where a variant
writes its own small file, the expected line is exact; where it edits a real file, the line is found
from the text, so the tests keep working while the knowledge base is being curated."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.fake_discord import FakeDiscord
from helpers.payloads import embed_of as _embed

from bot.core.engine import Engine
from bot.core.loader import MAX_FILE_BYTES, KnowledgeBaseInvalid, load_knowledge
from bot.core.model import KnowledgeBase
from bot.core.text import normalize_quote

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

PROBE = "entries/zz-probe.yaml"  # sorts after every real entries file
EXTRA = "zz-extra.yaml"  # sorts after every real top-level file
MAX_SECONDS = 3.0
MAX_TRACED_MB = 25  # the real knowledge base peaks well under 1 MB; reading the 50 MB file would not fit
MAX_RSS_GROWTH_MB = 200


# ---------------------------------------------------------------------------------------------------
# what a variant expects


@dataclass(frozen=True)
class Expect:
    file: str | None  # path relative to the knowledge dir; None: the problem has no file (e.g. no source at all)
    lines: frozenset[int] | None  # acceptable lines; None: any line of that file
    fragment: str  # a piece of the message, case-insensitive
    absent: str | None = None  # a message that must not appear (a misleading one)

    def __str__(self) -> str:
        where = f"{self.file}:{'/'.join(map(str, sorted(self.lines)))}" if self.lines else str(self.file)
        return f"{where} ~ {self.fragment!r}"


def expect(file: str | None, lines: int | set[int] | range | None, fragment: str, absent: str | None = None) -> Expect:
    if isinstance(lines, int):
        lines = {lines}
    return Expect(file, frozenset(lines) if lines is not None else None, fragment, absent)


@dataclass(frozen=True)
class Variant:
    id: str
    apply: Callable[[Path, KnowledgeBase, Path], Expect]  # (copy of knowledge/, the real KB, scratch dir)
    heavy: bool = False  # built to exhaust time or memory: measured with tracemalloc too


VARIANTS: list[Variant] = []


def variant(ident: str, *, heavy: bool = False):
    def register(fn):
        VARIANTS.append(Variant(ident, fn, heavy))
        return fn
    return register


# ---------------------------------------------------------------------------------------------------
# helpers to build variants


def write(kb: Path, rel: str, text: str | bytes) -> Path:
    path = kb / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def line_of(kb: Path, rel: str, pattern: str) -> int:
    """1-based line of the first line matching the regex `pattern` (the variant's anchor must exist)."""
    for n, line in enumerate((kb / rel).read_text(encoding="utf-8").split("\n"), 1):
        if re.search(pattern, line):
            return n
    raise AssertionError(f"anchor {pattern!r} not found in {rel}; the variant needs a new anchor")


def replace_line(kb: Path, rel: str, pattern: str, new: str) -> int:
    """Replace the first line matching `pattern` with `new`; returns its line number."""
    n = line_of(kb, rel, pattern)
    lines = (kb / rel).read_text(encoding="utf-8").split("\n")
    lines[n - 1] = new
    (kb / rel).write_text("\n".join(lines), encoding="utf-8")
    return n


def article_file(kb: Path) -> str:
    for path in sorted(kb.rglob("*.yaml")):
        if re.search(r"(?m)^source:", path.read_text(encoding="utf-8")):
            return str(path.relative_to(kb))
    raise AssertionError("no file with a source: section")


def first_entries_file(kb: Path) -> str:
    for path in sorted((kb / "entries").glob("*.yaml")):
        if re.search(r"(?m)^entries:", path.read_text(encoding="utf-8")) and re.search(r"(?m)^    kind: ", path.read_text()):
            return str(path.relative_to(kb))
    raise AssertionError("no entries file")


def y(value: str) -> str:
    """A YAML scalar for any text (JSON strings are valid YAML double-quoted scalars)."""
    return json.dumps(value, ensure_ascii=False)


def a_quote(real: KnowledgeBase) -> str:
    """A whole paragraph of the article: verbatim by construction."""
    return max((p for p in real.source.paragraphs if len(p) < 400), key=len)


PROBE_FIELDS = ("id", "topic", "kind", "questions", "keywords", "answer", "quotes", "jurisdictions", "actors", "related")


def probe_entry(real: KnowledgeBase, **override: str | None) -> str:
    """One valid entry, one field per line, as the text of a list item. `override` replaces a field's
    raw YAML value (None drops the field); keys not in the schema are appended."""
    fields = {
        "id": "zz-probe",
        "topic": "A probe entry",
        "kind": "fact",
        "questions": "[" + y("what does the zebrawidget probe entry say?") + "]",
        "keywords": "[zebrawidget]",
        "answer": "The article reports something, according to the probe.",
        "quotes": "\n      - " + y(a_quote(real)),
        "jurisdictions": f"[{next(iter(real.jurisdictions))}]",
        "actors": f"[{next(iter(real.actors))}]",
        "related": f"[{next(iter(real.entries))}]",
    }
    fields.update(override)
    lines = [f"{k}: {v}" for k, v in fields.items() if v is not None]
    return "  - " + "\n    ".join(lines) + "\n"


def probe_file(kb: Path, real: KnowledgeBase, *entries: str) -> None:
    write(kb, PROBE, "# a probe entry written by the test\nentries:\n" + "".join(entries or (probe_entry(real),)))


def at(kb: Path, pattern: str, rel: str = PROBE) -> int:
    return line_of(kb, rel, pattern)


# ---------------------------------------------------------------------------------------------------
# the variants: YAML syntax and encoding


@variant("syntax-unclosed-flow-list-in-a-real-file")
def _(kb, real, scratch):
    rel = first_entries_file(kb)
    n = replace_line(kb, rel, r"^    kind: ", "    kind: [fact")
    return expect(rel, {n, n + 1}, "YAML syntax error")


@variant("syntax-unterminated-quote")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, related="'no-such-entry, oops"))
    n = at(kb, r"^    related:")
    # the scanner notices only at the end of the file; the message names where the quote opened
    last = len((kb / PROBE).read_text().split("\n"))
    return expect(PROBE, {n, last, last + 1}, f"started at line {n}")


@variant("syntax-bad-indentation")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real).replace("\n    kind:", "\n   kind:"))
    return expect(PROBE, {at(kb, r"^   kind:"), at(kb, r"^   kind:") + 1}, "YAML syntax error")


@variant("syntax-colon-in-plain-text")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, topic="Denver: the sequel"))
    return expect(PROBE, at(kb, r"^    topic:"), "mapping values are not allowed")


@variant("tab-indentation-in-a-real-file")
def _(kb, real, scratch):
    rel = first_entries_file(kb)
    n = line_of(kb, rel, r"^    topic: ")
    text = (kb / rel).read_text().split("\n")
    text[n - 1] = "\t" + text[n - 1].lstrip(" ")
    (kb / rel).write_text("\n".join(text))
    return expect(rel, n, "tab")


@variant("two-yaml-documents")
def _(kb, real, scratch):
    write(kb, PROBE, "entries: []\n---\nactors: []\n")
    return expect(PROBE, 2, "another document")


@variant("python-object-tag-is-not-executed")
def _(kb, real, scratch):
    marker = scratch / "pwned"
    probe_file(kb, real, probe_entry(real, topic=f"!!python/object/apply:os.system [{y('touch ' + str(marker))}]"))
    return expect(PROBE, at(kb, r"^    topic:"), "tag")


@variant("unknown-yaml-tag")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, answer="!include secrets.yaml"))
    return expect(PROBE, at(kb, r"^    answer:"), "tag")


@variant("duplicate-mapping-key")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real).replace("\n    kind: fact", "\n    kind: fact\n    kind: link"))
    return expect(PROBE, at(kb, r"^    kind: link"), "duplicate key 'kind'")


@variant("duplicate-mapping-key-in-a-real-file")
def _(kb, real, scratch):
    rel = first_entries_file(kb)
    n = line_of(kb, rel, r"^    kind: ")
    text = (kb / rel).read_text().split("\n")
    text.insert(n, "    kind: link")
    (kb / rel).write_text("\n".join(text))
    return expect(rel, n + 1, "duplicate key")


@variant("unhashable-mapping-key")
def _(kb, real, scratch):
    write(kb, PROBE, "entries:\n  - id: zz-probe\n    ? [a, b]\n    : c\n")
    return expect(PROBE, 3, "plain value")


@variant("alias-bomb-billion-laughs", heavy=True)
def _(kb, real, scratch):
    names = "abcdefghi"
    lines = ["# billion laughs: 9^9 'lol's if aliases were expanded", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{n}: &{n} [{','.join('*' + p for _ in range(9))}]" for p, n in zip(names, names[1:], strict=False)]
    lines.append("entries: *i")
    write(kb, PROBE, "\n".join(lines) + "\n")
    return expect(PROBE, {2, 3}, "aliases")  # the anchor (line 2) or its first use (line 3)


@variant("yaml-merge-key")
def _(kb, real, scratch):
    write(kb, PROBE, "base: &base {kind: fact}\nentries:\n  - <<: *base\n    id: zz-probe\n")
    return expect(PROBE, 3, "merge keys")


@variant("deep-nesting-flow-5000", heavy=True)
def _(kb, real, scratch):
    write(kb, PROBE, "entries: " + "[" * 5000 + "]" * 5000 + "\n")
    return expect(PROBE, 1, "nest")


@variant("deep-nesting-block-2000", heavy=True)
def _(kb, real, scratch):
    write(kb, PROBE, "entries:\n" + "".join("  " * i + "a:\n" for i in range(1, 2000)) + "  " * 2000 + "b: 1\n")
    return expect(PROBE, None, "nest")  # where the nesting limit is hit (libyaml) or line 1 (pure-Python parser)


@variant("not-utf8-latin1")
def _(kb, real, scratch):
    write(kb, PROBE, "entries:\n  - id: zz-probe\n    topic: Caf\xe9 society\n".encode("latin-1"))
    return expect(PROBE, 3, "not UTF-8")


@variant("not-utf8-utf16")
def _(kb, real, scratch):
    write(kb, PROBE, "entries: []\n".encode("utf-16"))
    return expect(PROBE, 1, "not UTF-8")


@variant("nul-byte-in-text")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, answer="The article reports\x00 a NUL."))
    return expect(PROBE, at(kb, r"^    answer:"), "not allowed")


@variant("empty-file")
def _(kb, real, scratch):
    write(kb, PROBE, "")
    return expect(PROBE, 1, "empty")


@variant("only-a-comment")
def _(kb, real, scratch):
    write(kb, PROBE, "# TODO: write the entries\n# (nothing here yet)\n")
    return expect(PROBE, 1, "empty")


@variant("huge-50mb-file", heavy=True)
def _(kb, real, scratch):
    with open(kb / PROBE, "wb") as f:  # sparse: instant to make, 50 MB to anyone who reads it
        f.truncate(50 * 1024 * 1024)
    return expect(PROBE, 1, "limit")


@variant("top-level-list")
def _(kb, real, scratch):
    write(kb, PROBE, "- id: zz-probe\n  topic: t\n")
    return expect(PROBE, 1, "top level must be a mapping")


@variant("top-level-text")
def _(kb, real, scratch):
    write(kb, PROBE, "just some notes about the article\n")
    return expect(PROBE, 1, "top level must be a mapping")


# ---------------------------------------------------------------------------------------------------
# the variants: the file system


@variant("symlink-outside-the-directory")
def _(kb, real, scratch):
    outside = write(scratch, "outside.yaml", "entries: []\n")
    (kb / PROBE).symlink_to(outside)
    return expect(PROBE, 1, "outside the knowledge directory")


@variant("symlink-dangling")
def _(kb, real, scratch):
    (kb / PROBE).symlink_to(kb / "entries" / "gone.yaml")
    return expect(PROBE, 1, "cannot read")


@variant("symlink-loop")
def _(kb, real, scratch):
    (kb / PROBE).symlink_to(kb / PROBE)
    return expect(PROBE, 1, "cannot read")


@variant("symlink-to-a-fifo", heavy=True)
def _(kb, real, scratch):
    os.mkfifo(kb / "entries" / "pipe")  # reading it would block forever
    (kb / PROBE).symlink_to(kb / "entries" / "pipe")
    return expect(PROBE, 1, "not a regular file")


def _set_source_file(kb: Path, value: str) -> tuple[str, int]:
    rel = article_file(kb)
    n = replace_line(kb, rel, r"^  file: ", f"  file: {y(value)}")
    return rel, n


@variant("source-path-escapes-the-directory")
def _(kb, real, scratch):
    rel, n = _set_source_file(kb, "../../etc/passwd")
    return expect(rel, n, "outside the knowledge directory")


@variant("source-absolute-path")
def _(kb, real, scratch):
    rel, n = _set_source_file(kb, "/etc/passwd")
    return expect(rel, n, "outside the knowledge directory")


@variant("source-symlink-outside")
def _(kb, real, scratch):
    (kb / "source" / "linked.txt").symlink_to(write(scratch, "article.txt", real.source.text))
    rel, n = _set_source_file(kb, "source/linked.txt")
    return expect(rel, n, "outside the knowledge directory")


@variant("source-file-missing")
def _(kb, real, scratch):
    rel, n = _set_source_file(kb, "source/no-such-article.txt")
    return expect(rel, n, "cannot read source file")


@variant("source-file-not-utf8")
def _(kb, real, scratch):
    write(kb, "source/latin1.txt", real.source.text.encode("utf-8") + "\ncaf\xe9\n".encode("latin-1"))
    rel, n = _set_source_file(kb, "source/latin1.txt")
    return expect(rel, n, "cannot read source file")


@variant("source-file-50mb", heavy=True)
def _(kb, real, scratch):
    with open(kb / "source" / "huge.txt", "wb") as f:
        f.truncate(50 * 1024 * 1024)
    rel, n = _set_source_file(kb, "source/huge.txt")
    return expect(rel, n, "limit")


@variant("source-file-is-a-fifo", heavy=True)
def _(kb, real, scratch):
    os.mkfifo(kb / "source" / "pipe.txt")
    rel, n = _set_source_file(kb, "source/pipe.txt")
    return expect(rel, n, "not a regular file")


@variant("source-file-name-with-nul")
def _(kb, real, scratch):
    rel, n = _set_source_file(kb, "source/a\x00b.txt")
    return expect(rel, n, "cannot read source file")


# ---------------------------------------------------------------------------------------------------
# the variants: schema


@variant("list-where-text-expected")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, topic="[Denver, Baltimore]"))
    return expect(PROBE, at(kb, r"^    topic:"), "'topic' must be non-empty text, got a list")


@variant("number-id")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, id="12345"))
    return expect(PROBE, at(kb, r"^  - id:"), "'id' must be text")


@variant("yaml11-octal-id-010")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, id="010"))  # YAML 1.1 reads 010 as the number 8
    return expect(PROBE, at(kb, r"^  - id:"), "'id' must be text")


@variant("yes-as-text-is-a-boolean")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, topic="yes"))
    return expect(PROBE, at(kb, r"^    topic:"), "got true/false")


@variant("mapping-as-quote")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, quotes="\n      - {text: " + y(a_quote(real)) + "}"))
    return expect(PROBE, at(kb, r"^      - \{text:"), "'quotes' items must be non-empty text, got a mapping")


@variant("missing-required-answer")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, answer=None))
    return expect(PROBE, at(kb, r"^  - id:"), "missing required field 'answer'")


@variant("answer-key-with-no-value")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, answer=""))
    return expect(PROBE, at(kb, r"^    answer:"), "missing required field 'answer'")


@variant("answer-empty-string")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, answer='"   "'))
    return expect(PROBE, at(kb, r"^    answer:"), "'answer' must be non-empty text")


@variant("empty-quotes-list")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, quotes="[]"))
    return expect(PROBE, at(kb, r"^    quotes:"), "'quotes' must not be empty")


@variant("unknown-key-in-entry")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, colour="red"))
    return expect(PROBE, at(kb, r"^    colour:"), "unknown key 'colour'")


@variant("unknown-top-level-key")
def _(kb, real, scratch):
    write(kb, PROBE, "# typo\nentrys:\n  - id: zz-probe\n")
    return expect(PROBE, 2, "unknown top-level key 'entrys'")


@variant("entries-is-a-mapping")
def _(kb, real, scratch):
    write(kb, PROBE, "entries:\n  zz-probe:\n    topic: t\n")
    return expect(PROBE, 1, "'entries' must be a list")


@variant("entries-section-left-empty")
def _(kb, real, scratch):
    write(kb, PROBE, "entries:\n")
    return expect(PROBE, 1, "'entries' must be a list")


@variant("entry-is-a-sentence")
def _(kb, real, scratch):
    write(kb, PROBE, "entries:\n  - Denver cut sentences to 364 days\n")
    return expect(PROBE, 2, "must be a mapping")


@variant("id-with-capitals-and-spaces")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, id="Denver Day"))
    return expect(PROBE, at(kb, r"^  - id:"), "lowercase")


@variant("entry-kind-not-allowed")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, kind="opinion"))
    return expect(PROBE, at(kb, r"^    kind:"), "kind 'opinion' is not one of")


@variant("position-entry-with-no-actors")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, kind="position", actors=None))
    return expect(PROBE, at(kb, r"^  - id:"), "names no actor")


@variant("synonyms-not-a-mapping")
def _(kb, real, scratch):
    write(kb, EXTRA, "synonyms: [cops, police]\n")
    return expect(EXTRA, 1, "'synonyms' must be a mapping")


@variant("source-missing-a-field")
def _(kb, real, scratch):
    rel = article_file(kb)
    start = line_of(kb, rel, r"^source:")
    replace_line(kb, rel, r"^  author: ", "")
    return expect(rel, range(start, start + 12), "missing required field 'author'", absent="no 'source' section")


# ---------------------------------------------------------------------------------------------------
# the variants: references and consistency across the knowledge base


@variant("duplicate-id-in-the-same-file")
def _(kb, real, scratch):
    second = probe_entry(real, questions="[" + y("a second zebrawidget phrasing") + "]")
    probe_file(kb, real, probe_entry(real), second)
    ids = [n for n, line in enumerate((kb / PROBE).read_text().split("\n"), 1) if line.startswith("  - id:")]
    return expect(PROBE, ids[1], "duplicate entry id 'zz-probe'")


@variant("duplicate-entry-id-across-files")
def _(kb, real, scratch):
    taken = next(iter(real.entries))
    probe_file(kb, real, probe_entry(real, id=taken, related=None))
    return expect(PROBE, at(kb, r"^  - id:"), f"duplicate entry id {taken!r} (first at entries/")


@variant("duplicate-jurisdiction-id-across-files")
def _(kb, real, scratch):
    taken = next(iter(real.jurisdictions))
    write(kb, EXTRA, f"jurisdictions:\n  - id: {taken}\n    name: Another {taken}\n    kind: city\n    summary: Again.\n")
    return expect(EXTRA, 2, f"duplicate jurisdiction id {taken!r}")


@variant("dangling-jurisdiction")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, jurisdictions="[atlantis]"))
    return expect(PROBE, at(kb, r"^    jurisdictions:"), "unknown jurisdiction 'atlantis'")


@variant("dangling-actor")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, actors="\n      - " + next(iter(real.actors)) + "\n      - the-lizard-people"))
    return expect(PROBE, at(kb, r"the-lizard-people"), "unknown actor 'the-lizard-people'")


@variant("dangling-related")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, related="[no-such-entry]"))
    return expect(PROBE, at(kb, r"^    related:"), "unknown entry 'no-such-entry'")


@variant("quote-not-in-the-article")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, quotes="\n      - Denver abolished all jail sentences."))
    return expect(PROBE, at(kb, r"Denver abolished"), "not verbatim in the source")


@variant("quote-with-one-word-changed")
def _(kb, real, scratch):
    quote = a_quote(real)
    word = max(re.findall(r"[A-Za-z]{5,}", quote), key=len)
    changed = quote.replace(word, "banana", 1)
    assert normalize_quote(changed) not in normalize_quote(real.source.text)
    probe_file(kb, real, probe_entry(real, quotes="\n      - " + y(changed)))
    return expect(PROBE, at(kb, r"banana"), "not verbatim in the source")


@variant("duplicate-phrasing-across-entries")
def _(kb, real, scratch):
    owner = next(iter(real.entries.values()))
    probe_file(kb, real, probe_entry(real, questions="\n      - " + y(owner.questions[0].upper())))
    return expect(PROBE, at(kb, r"^      - " + re.escape(y(owner.questions[0].upper()))), f"also under entry {owner.id!r}")


@variant("duplicate-phrasing-within-an-entry")
def _(kb, real, scratch):
    probe_file(kb, real, probe_entry(real, questions="\n      - Zebrawidget probe?\n      - zebrawidget   PROBE"))
    return expect(PROBE, at(kb, r"zebrawidget   PROBE"), "also under entry 'zz-probe'")


@variant("duplicate-synonym-variant-across-files")
def _(kb, real, scratch):
    word, variants = next((w, v) for w, v in real.synonyms.items() if v)
    write(kb, EXTRA, f"synonyms:\n  zebrawidget: [{variants[0]}]\n")
    return expect(EXTRA, 2, "is already listed at synonyms.yaml:")


@variant("synonym-variant-is-the-word-itself")
def _(kb, real, scratch):
    write(kb, EXTRA, "synonyms:\n  zebrawidget:\n    - gizmo\n    - Zebrawidget\n")
    return expect(EXTRA, 4, "is the word itself")


@variant("missing-source-section")
def _(kb, real, scratch):
    (kb / article_file(kb)).unlink()
    return expect(None, None, "no 'source' section")


@variant("two-source-sections")
def _(kb, real, scratch):
    s = real.source
    fields = {k: getattr(s, k) for k in ("file", "publisher", "date", "date_text", "author", "author_contact", "title", "about")}
    write(kb, EXTRA, "source:\n" + "".join(f"  {k}: {y(str(v))}\n" for k, v in fields.items()))
    return expect(EXTRA, 2, "second 'source' section (first at ")


# ---------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """One frozen copy of the repo's knowledge/ for the whole module (it is being curated meanwhile)."""
    target = tmp_path_factory.mktemp("base") / "knowledge"
    shutil.copytree(KNOWLEDGE, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def real(base) -> KnowledgeBase:
    return load_knowledge(base)


def make_variant(v: Variant, base: Path, real: KnowledgeBase, tmp_path: Path) -> tuple[Path, Expect]:
    kb = tmp_path / "knowledge"
    shutil.copytree(base, kb, symlinks=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return kb, v.apply(kb, real, scratch)


def _lines_in(path: Path) -> int:
    if path.is_symlink() or not path.is_file():
        return 1
    if path.stat().st_size > MAX_FILE_BYTES:
        return 1
    return path.read_bytes().count(b"\n") + 1


def assert_reported(problems, exp: Expect, kb: Path) -> None:
    listing = "\n".join(map(str, problems))
    assert problems, "KnowledgeBaseInvalid without problems"
    hits = [p for p in problems if exp.fragment.casefold() in p.message.casefold()]
    assert hits, f"expected a problem {exp}; got:\n{listing}"
    if exp.file is None:
        assert any(p.where is None for p in hits), f"expected a problem without a file; got:\n{listing}"
    else:
        placed = [p for p in hits if p.where and p.where.file == exp.file]
        assert placed, f"expected {exp}; got:\n{listing}"
        if exp.lines is not None:
            assert any(p.where.line in exp.lines for p in placed), f"expected {exp}; got:\n{listing}"
    if exp.absent:
        assert not [p for p in problems if exp.absent.casefold() in p.message.casefold()], listing
    for p in problems:  # every location is a real file and a line that can exist in it
        if p.where is not None:
            path = kb / p.where.file
            assert path.exists() or path.is_symlink(), f"{p} names a file that is not there"
            assert 1 <= p.where.line <= _lines_in(path) + 1, f"{p}: line past the end of the file"


def load_measured(kb: Path, traced: bool):
    """load_knowledge, timed; returns (exception or None, seconds, peak traced MB, growth of the process's
    peak resident memory in MB). tracemalloc (peak of Python allocations) slows loading about 5x, so
    it is used only for the variants built to exhaust memory; the resident-memory bound holds for all."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    error = None
    try:
        load_knowledge(kb)
    except KnowledgeBaseInvalid as exc:
        error = exc
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6 if traced else 0.0
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before
    return error, elapsed, peak, rss_growth


def question_for(real: KnowledgeBase) -> str:
    return next(iter(real.entries.values())).questions[0]


# ---------------------------------------------------------------------------------------------------
# tests


def test_there_are_enough_variants():
    assert len(VARIANTS) >= 30
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)


def test_the_unbroken_copy_and_the_probe_entry_are_valid(base, real, tmp_path):
    """The control: without a breakage, the copy and the probe file load, so each failure below is
    caused by its variant alone."""
    kb = tmp_path / "knowledge"
    shutil.copytree(base, kb, symlinks=True)
    probe_file(kb, real, probe_entry(real))
    write(kb, EXTRA, "synonyms:\n  zebrawidget: [gizmo]\n")
    loaded = load_knowledge(kb)
    assert "zz-probe" in loaded.entries and loaded.entries["zz-probe"].quotes == (a_quote(real),)


@pytest.mark.parametrize("v", VARIANTS, ids=[v.id for v in VARIANTS])
def test_broken_variant_is_refused_with_file_and_line(v, base, real, tmp_path):
    kb, exp = make_variant(v, base, real, tmp_path)
    error, elapsed, peak, rss_growth = load_measured(kb, traced=v.heavy)
    assert error is not None, f"{v.id}: the broken knowledge base was accepted"
    assert_reported(error.problems, exp, kb)
    assert elapsed < MAX_SECONDS, f"{v.id}: took {elapsed:.1f}s"
    assert peak < MAX_TRACED_MB, f"{v.id}: peak {peak:.0f} MB of Python allocations"
    assert rss_growth < MAX_RSS_GROWTH_MB, f"{v.id}: resident memory grew {rss_growth:.0f} MB"
    assert not (tmp_path / "scratch" / "pwned").exists(), "a YAML tag ran a command"


CLI_VARIANTS = ["syntax-unclosed-flow-list-in-a-real-file", "quote-not-in-the-article", "alias-bomb-billion-laughs",
                "huge-50mb-file", "symlink-dangling"]


@pytest.mark.parametrize("ident", CLI_VARIANTS)
def test_check_command_exits_non_zero_printing_file_line(ident, base, real, tmp_path):
    v = next(v for v in VARIANTS if v.id == ident)
    kb, exp = make_variant(v, base, real, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "bot", "check", str(kb)], capture_output=True, text=True,
                          cwd=ROOT, timeout=30)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    printed = {int(m) for m in re.findall(rf"^\s+{re.escape(exp.file)}:(\d+): ", proc.stdout, re.M)}
    assert printed & exp.lines, f"expected {exp} in:\n{proc.stdout}"


ENGINE_VARIANTS = ["syntax-unclosed-flow-list-in-a-real-file", "tab-indentation-in-a-real-file", "alias-bomb-billion-laughs",
                   "huge-50mb-file", "not-utf8-latin1", "symlink-to-a-fifo", "quote-not-in-the-article",
                   "dangling-actor", "missing-source-section", "source-path-escapes-the-directory"]


@pytest.mark.parametrize("ident", ENGINE_VARIANTS)
def test_failed_reload_keeps_serving_the_previous_snapshot(ident, base, real, tmp_path):
    v = next(v for v in VARIANTS if v.id == ident)
    kb = tmp_path / "knowledge"
    shutil.copytree(base, kb, symlinks=True)
    engine = Engine(kb)
    before, question = engine.snapshot, question_for(real)
    answer = engine.ask(question)
    (tmp_path / "scratch").mkdir()
    exp = v.apply(kb, real, tmp_path / "scratch")

    result = engine.reload()
    assert not result.ok
    assert_reported(result.problems, exp, kb)
    assert "still serving the previous knowledge base" in result.summary()
    assert engine.snapshot is before
    assert engine.ask(question) == answer


def test_fixing_the_file_after_a_failed_reload_recovers(base, real, tmp_path):
    kb = tmp_path / "knowledge"
    shutil.copytree(base, kb, symlinks=True)
    engine = Engine(kb)
    probe_file(kb, real, probe_entry(real, quotes="\n      - Denver abolished all jail sentences."))
    assert not engine.reload().ok and "zz-probe" not in engine.snapshot.kb.entries
    probe_file(kb, real, probe_entry(real))
    fixed = engine.reload()
    assert fixed.ok and fixed.added == ("zz-probe",)
    assert engine.ask("what does the zebrawidget probe entry say?").entry_id == "zz-probe"


def test_a_file_that_is_not_yaml_is_reported_first_and_named_in_the_errors_it_causes(base, tmp_path):
    """Entries elsewhere that relate to entries of the broken file cannot resolve them; the admin is
    told where the cause is instead of chasing each reference."""
    kb = tmp_path / "knowledge"
    shutil.copytree(base, kb, symlinks=True)
    files = sorted((kb / "entries").glob("*.yaml"))
    broken = files[-1]  # the last in file order, so sorting by file alone would list it last
    broken.write_text("entries:\n  - id: [unclosed\n")
    with pytest.raises(KnowledgeBaseInvalid) as caught:
        load_knowledge(kb)
    rel = str(broken.relative_to(kb))
    first, *rest = caught.value.problems
    assert first.where.file == rel and "syntax error" in first.message
    unknown = [p for p in rest if "refers to unknown" in p.message]
    assert unknown and all(f"may be defined in {rel}" in p.message for p in unknown)


# ---------------------------------------------------------------------------------------------------
# end to end: /reload as an admin through the fake Discord


E2E_VARIANTS = ["syntax-unclosed-flow-list-in-a-real-file", "quote-not-in-the-article", "alias-bomb-billion-laughs"]


@pytest.mark.asyncio
@pytest.mark.e2e
@pytest.mark.parametrize("ident", E2E_VARIANTS)
async def test_reload_command_shows_file_line_and_ask_still_answers(ident, running, kb_dir, tmp_path):
    fake: FakeDiscord = running.fake
    real = running.bot.engine.snapshot.kb
    question = question_for(real)
    before = await fake.run_command("ask", {"question": question})
    snapshot = running.bot.engine.snapshot

    v = next(v for v in VARIANTS if v.id == ident)
    (tmp_path / "scratch").mkdir()
    exp = v.apply(kb_dir, real, tmp_path / "scratch")

    payload = await fake.send_interaction(fake.interaction_command("reload", user=fake.admin))
    deferred = await fake.wait_for_callback(payload)
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & 64, "the reload is answered privately"
    follow = await fake.wait_for_followup(payload)
    content = follow.json["content"]
    assert follow.json["flags"] & 64
    assert follow.json["allowed_mentions"] == {"parse": []}
    assert "Reload failed" in content and "still serving the previous knowledge base" in content
    assert any(f"{exp.file}:{line}" in content for line in exp.lines), f"expected {exp} in:\n{content}"
    assert len(content) <= 2000

    after = await fake.run_command("ask", {"question": question})
    assert running.bot.engine.snapshot is snapshot
    assert _embed(after.json) == _embed(before.json), "the previous knowledge base keeps answering the same way"
