"""Curator reports run by `python -m bot check`: what the article says that no entry quotes, and
which phrasings the matcher would send to another entry than the one they are written under."""

from __future__ import annotations

from dataclasses import dataclass

from .engine import Snapshot
from .matcher import Decision
from .text import normalize_quote


def uncovered_paragraphs(snapshot: Snapshot) -> list[str]:
    kb = snapshot.kb
    quotes = [normalize_quote(q) for e in kb.entries.values() for q in e.quotes]
    out = []
    for paragraph in kb.source.paragraphs:
        norm = normalize_quote(paragraph)
        if not any(q in norm or norm in q for q in quotes):
            out.append(paragraph)
    return out


@dataclass(frozen=True)
class Confusion:
    entry_id: str
    phrasing: str
    got: str  # the other entry id, or the decision when nothing was answered
    confidence: float


def confusions(snapshot: Snapshot) -> list[Confusion]:
    out = []
    for entry in snapshot.kb.entries.values():
        for phrasing in entry.questions:
            match = snapshot.match(phrasing)
            best = match.best
            if match.decision is Decision.INTENT:
                # Opinion-shaped phrasings of a "sides" entry are answered with that entry anyway.
                if best is None or best.entry.id != entry.id:
                    out.append(Confusion(entry.id, phrasing, f"({match.intent.value})", match.confidence))
            elif match.decision is not Decision.ANSWER or best.entry.id != entry.id:
                got = best.entry.id if best and match.decision is Decision.ANSWER else f"({match.decision.value})"
                out.append(Confusion(entry.id, phrasing, got, match.confidence))
    return out
