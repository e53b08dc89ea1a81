"""Lists and look-ups behind the list/detail commands (Discord slash commands and the console)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .model import Entry, Jurisdiction, KnowledgeBase
from .text import normalize


@dataclass(frozen=True)
class PlaceReport:
    place: Jurisdiction
    entries: tuple[Entry, ...]


def find_place(kb: KnowledgeBase, name: str, limit: int = 25) -> tuple[Jurisdiction | None, tuple[Jurisdiction, ...]]:
    """The jurisdiction a typed name means (id, name or alias, typos forgiven), plus the closest others.

    WRatio ranks autocomplete-style candidates; a pick needs an equal normalized name, a plain ratio
    of at least 85 (typos), or a partial match that leads every other place by a clear margin."""
    query = normalize(name)
    names = kb.place_names  # built once per knowledge base: autocomplete calls this on every keystroke
    if not query:
        return None, tuple(kb.jurisdictions.values())[:limit]
    if query in names:
        exact = kb.jurisdictions[names[query]]
        return exact, (exact,)
    ranked = process.extract(query, list(names), scorer=fuzz.WRatio, processor=None, limit=None)
    ordered: list[Jurisdiction] = []
    scores: list[float] = []
    for alias, score, _ in ranked:
        j = kb.jurisdictions[names[alias]]
        if j not in ordered:
            ordered.append(j)
            scores.append(score)
    best = process.extractOne(query, list(names), scorer=fuzz.ratio, processor=None, score_cutoff=85)
    exact = kb.jurisdictions[names[best[0]]] if best else None
    # A clear partial match ("mile high" for "mile high city") is a pick too, when nothing else is close.
    if exact is None and scores and scores[0] >= 88 and (len(scores) == 1 or scores[0] - scores[1] >= 10):
        exact = ordered[0]
    return exact, tuple(ordered[:limit])


def place_report(kb: KnowledgeBase, place: Jurisdiction) -> PlaceReport:
    return PlaceReport(place, kb.entries_for_jurisdiction(place.id))


def about(kb: KnowledgeBase) -> dict:
    s = kb.source
    return {
        "publisher": s.publisher, "date": s.date_text, "author": s.author, "title": s.title, "about": s.about,
        "entries": len(kb.entries), "jurisdictions": len(kb.jurisdictions), "actors": len(kb.actors),
        "loaded_at": kb.loaded_at,
    }
