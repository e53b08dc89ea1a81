"""Turns any text — a user's question or a knowledge-base field — into the terms the index counts.

Both sides go through the same steps, so "cops", "police" and "law enforcement" meet, and
"mile high city" and "Denver" become the same entity term:
normalize -> fix typos against the KB vocabulary -> curated synonyms -> entity aliases -> stems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process

from .text import STOPWORDS, content_tokens, normalize, stem

JURISDICTION_PREFIX = "j:"
ACTOR_PREFIX = "a:"


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern | None:
    ordered = sorted({p for p in phrases if p}, key=lambda p: (-len(p), p))
    if not ordered:
        return None
    return re.compile(r"(?<![\w:])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w:])")


class Analyzer:
    """Built once per knowledge base; `terms()` is the hot path and allocates little."""

    def __init__(self, synonyms: Mapping[str, tuple[str, ...]], entities: Mapping[str, Iterable[str]]):
        # synonyms: canonical -> variants (all normalized); entities: term ("j:denver") -> aliases.
        self._synonym_of = {v: canon for canon, variants in synonyms.items() for v in variants}
        self._synonym_re = _phrase_regex(self._synonym_of)
        self._entity_of: dict[str, list[str]] = {}
        for term, aliases in entities.items():
            for alias in aliases:
                alias = self.apply_synonyms(normalize(alias))
                if alias:
                    self._entity_of.setdefault(alias, [])
                    if term not in self._entity_of[alias]:
                        self._entity_of[alias].append(term)
        self._entity_re = _phrase_regex(self._entity_of)
        self._vocab: set[str] = set()
        self._stems: set[str] = set()
        self._buckets: dict[tuple[str, int], list[str]] = {}
        self._corrections: dict[str, str | None] = {}
        self.add_vocabulary(self._synonym_of)
        self.add_vocabulary(self._entity_of)
        self.add_vocabulary(synonyms)

    # -- vocabulary for typo correction -----------------------------------------------------------
    def add_vocabulary(self, texts: Iterable[str]) -> None:
        for text in texts:
            for word in normalize(text).split():
                if word not in self._vocab and len(word) >= 3 and not word.isdigit():
                    self._vocab.add(word)
                    self._stems.add(stem(word))
                    self._buckets.setdefault((word[0], len(word)), []).append(word)

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._vocab)

    def correct(self, word: str) -> str | None:
        """The KB word a typo most likely meant, or None. Cached: users repeat their typos.

        Only words of about the same length and the same first letter are candidates: real typos
        rarely change the first letter, and "cracking" must not become "tracking"."""
        if word in self._corrections:
            return self._corrections[word]
        best = None
        if len(word) >= 4 and not word.isdigit() and stem(word) not in self._stems:
            cutoff = 88 if len(word) <= 5 else 85
            choices = [w for n in range(len(word) - 2, len(word) + 3) for w in self._buckets.get((word[0], n), ())]
            hit = process.extractOne(word, choices, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff)
            if hit:
                best = hit[0]
        if len(self._corrections) > 50_000:
            self._corrections.clear()
        self._corrections[word] = best
        return best

    def fix_typos(self, normalized: str) -> tuple[str, list[str]]:
        """Returns the corrected text and the words that are neither known nor correctable."""
        out, unknown = [], []
        for word in normalized.split():
            if word in self._vocab or word in STOPWORDS or word.isdigit() or len(word) < 3 or stem(word) in self._stems:
                out.append(word)
                continue
            fixed = self.correct(word)
            if fixed:
                out.append(fixed)
            else:
                out.append(word)
                unknown.append(word)
        return " ".join(out), unknown

    # -- phrase rewriting -------------------------------------------------------------------------
    def apply_synonyms(self, normalized: str) -> str:
        if self._synonym_re is None:
            return normalized
        return self._synonym_re.sub(lambda m: self._synonym_of[m.group(0)], normalized)

    def tag_entities(self, normalized: str) -> str:
        if self._entity_re is None:
            return normalized
        return self._entity_re.sub(lambda m: " ".join(self._entity_of[m.group(0)]), normalized)

    def terms(self, text: str, *, correct: bool = False) -> list[str]:
        """Stemmed content terms plus entity terms ("j:denver", "a:vaughan")."""
        normalized = normalize(text)
        if correct:
            normalized, _ = self.fix_typos(normalized)
        tagged = self.tag_entities(self.apply_synonyms(normalized))
        return [w if ":" in w else t for w in tagged.split() for t in ([w] if ":" in w else content_tokens(w))]
