"""The validated, immutable knowledge base. Built once per load and never mutated, so a reload can
swap a whole new one in with a single assignment while questions are being answered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType

from .text import normalize

ENTRY_KINDS = ("fact", "position", "sides", "link")
_WEEKDAY = re.compile(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday),\s*", re.I)


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a YAML file, for messages that send an admin straight to the line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    publisher: str
    date: str
    date_text: str
    author: str
    author_contact: str
    title: str
    about: str
    text: str = field(repr=False)

    @property
    def citation(self) -> str:
        """The source line under every answer."""
        return f"{self.publisher}, {_WEEKDAY.sub('', self.date_text)}, {self.author}"

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.text.splitlines() if p.strip())


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    summary: str
    where: Where


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    description: str
    aliases: tuple[str, ...]
    where: Where


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    topic: str
    kind: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    quotes: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    actors: tuple[str, ...]
    related: tuple[str, ...]
    where: Where

    @property
    def suggestion(self) -> str:
        """The phrasing offered in "did you mean…" and on suggestion buttons."""
        return self.questions[0]

    @property
    def content(self) -> tuple:
        """Every field but where it sits in its file: moving an entry does not change it."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "where")


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    source: Source
    jurisdictions: Mapping[str, Jurisdiction]
    actors: Mapping[str, Actor]
    entries: Mapping[str, Entry]
    synonyms: Mapping[str, tuple[str, ...]]
    directory: str
    loaded_at: datetime
    files: Mapping[str, bytes] = field(default_factory=dict, compare=False)  # path -> digest of each file read
    # Built once here rather than by scanning every entry on each decline or /jurisdiction call.
    _by_jurisdiction: Mapping[str, tuple[Entry, ...]] = field(init=False, repr=False, compare=False)
    _by_actor: Mapping[str, tuple[Entry, ...]] = field(init=False, repr=False, compare=False)
    place_names: Mapping[str, str] = field(init=False, repr=False, compare=False)  # normalized id/name/alias -> id

    def __post_init__(self) -> None:
        for name, ids_of in (("_by_jurisdiction", lambda e: e.jurisdictions), ("_by_actor", lambda e: e.actors)):
            grouped: dict[str, list[Entry]] = {}
            for entry in self.entries.values():
                for ident in ids_of(entry):
                    grouped.setdefault(ident, []).append(entry)
            object.__setattr__(self, name, MappingProxyType({k: tuple(v) for k, v in grouped.items()}))
        names: dict[str, str] = {}
        for j in self.jurisdictions.values():
            for alias in (j.id, j.name, *j.aliases):
                names.setdefault(normalize(alias), j.id)
        object.__setattr__(self, "place_names", MappingProxyType(names))

    def entries_for_jurisdiction(self, jurisdiction_id: str) -> tuple[Entry, ...]:
        return self._by_jurisdiction.get(jurisdiction_id, ())

    def entries_for_actor(self, actor_id: str) -> tuple[Entry, ...]:
        return self._by_actor.get(actor_id, ())


def broadest_sides(entries) -> Entry | None:
    """The "sides" entry naming the most actors: what a question about the debate as a whole gets."""
    return max((e for e in entries if e.kind == "sides"), key=lambda e: len(e.actors), default=None)
