"""The search index: rarity-weighted term evidence per entry (BM25-style), built once per load."""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .analyzer import ACTOR_PREFIX, JURISDICTION_PREFIX, Analyzer
from .answer_types import facts_in
from .model import Entry, KnowledgeBase
from .text import normalize

# How much one occurrence of a term counts, by where it occurs. Phrasings and keywords are written
# to be matched; the answer and quotes are prose, so their words count for less.
FIELD_WEIGHTS = {"questions": 1.0, "topic": 1.0, "keywords": 1.0, "entities": 1.0, "answer": 0.35, "quotes": 0.35}
CANDIDATE_TERMS = 4
SMALL_WALK = 1000  # postings: below this many for all the question's terms, every term picks candidates
SATURATION = 0.5  # match quality of a term = w / (w + SATURATION): repeats help, with diminishing returns.


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: Entry
    score: float  # sum of idf * match quality over the question's terms
    fuzzy: float  # 0..1 closeness of the question to the entry's best phrasing


@dataclass(frozen=True, slots=True)
class SearchResult:
    candidates: tuple[Candidate, ...]
    known_weight: float  # total idf of the question's terms the index knows
    unknown_terms: int  # terms the index has never seen


@dataclass(frozen=True, slots=True)
class _Analysis:
    """One entry as the index sees it, kept so the next reload can reuse it if the entry is unchanged."""

    content: tuple
    quality: dict[str, float]  # term -> match quality (0..1) of its weighted count over the entry's fields
    phrasings: tuple[str, ...]  # sorted terms of each phrasing, for the fuzzy score
    words: tuple[str, ...]  # its words, sorted, for the typo-correction vocabulary (same order either way)
    places: frozenset[str]  # entity terms of the places its quotes name
    topic: frozenset[str]  # terms of its topic line


# An entry adds its weighted count of a term, capped at 1, to the term's document frequency. Only the
# match quality q = count / (count + SATURATION) is kept in memory; count = SATURATION * q / (1 - q),
# and count >= 1 exactly when q >= 1 / (1 + SATURATION).
_FULL_SHARE = 1.0 / (1.0 + SATURATION)


class SearchIndex:
    def __init__(self, kb: KnowledgeBase, previous: SearchIndex | None = None):
        """`previous`: the index this one replaces. Entries it analysed that have not changed since
        are reused when synonyms and aliases are unchanged too, so reloading a large knowledge base
        after editing a few entries re-analyses only those."""
        entities: dict[str, tuple[str, ...]] = {}
        for j in kb.jurisdictions.values():
            entities[JURISDICTION_PREFIX + j.id] = (j.name, *j.aliases)
        for a in kb.actors.values():
            entities[ACTOR_PREFIX + a.id] = a.aliases
        self.analyzer = Analyzer(kb.synonyms, entities)
        self._signature = (tuple(kb.synonyms.items()), tuple(entities.items()))
        self.entries: tuple[Entry, ...] = tuple(kb.entries.values())
        self.jurisdiction_kinds = {j.id: j.kind for j in kb.jurisdictions.values()}
        # The actor that stands for the article's own reporter: every word of the article is theirs.
        author = normalize(kb.source.author)
        self.reporters = frozenset(a.id for a in kb.actors.values() if author in (normalize(x) for x in a.aliases))
        # Actors one name can stand for ("civil rights groups": the report and the advocates alike).
        named: dict[str, set[str]] = {}
        for a in kb.actors.values():
            for alias in a.aliases:
                named.setdefault(normalize(alias), set()).add(a.id)
        self.namesakes = {a: frozenset().union(*(ids for ids in named.values() if a in ids)) for a in kb.actors}
        self.facts = {e.id: facts_in(e.quotes) for e in self.entries}  # names, numbers, dates quoted

        reusable = previous._analyses if previous is not None and previous._signature == self._signature else {}
        self._analyses: dict[str, _Analysis] = {}
        self._weights: list[dict[str, float]] = []  # per entry: term -> match quality (0..1)
        self._phrasings: list[tuple[str, ...]] = []  # per entry: sorted term strings of its phrasings
        # Document frequency counts a term fully where it is in a phrasing, keyword, topic or entity,
        # and only by the prose weight where it is only in the answer or quotes: "article" is in
        # nearly every answer ("The article reports…") but in few phrasings, and must stay telling.
        df: dict[str, float] = {}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        analyzed: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}  # text -> (terms, words): analysed once
        for i, e in enumerate(self.entries):
            content = e.content
            found = reusable.get(e.id)
            if found is None or found.content != content:
                found = self._analyse(e, content, analyzed)
            self.analyzer.add_words(found.words)
            self._analyses[e.id] = found
            self._weights.append(found.quality)
            self._phrasings.append(found.phrasings)
            for t, q in found.quality.items():
                df[t] = df.get(t, 0.0) + (1.0 if q >= _FULL_SHARE else SATURATION * q / (1.0 - q))
                self._postings.setdefault(t, []).append((i, q))
        n = max(len(self.entries), 1)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # An unknown word weighs like a word found in one phrasing of one entry.
        self.unknown_idf = math.log(1 + (n - 1 + 0.5) / 1.5)
        self._rare_df = max(50, n // 20)

    def topic_terms(self, entry_id: str) -> frozenset[str]:
        return self._analyses[entry_id].topic

    def distinct_evidence(self, terms, entry_id: str, rival_id: str) -> float:
        """Rarity-weighted evidence for `terms` that the entry counts at least once in full (a
        phrasing, keyword, topic or entity, or prose that repeats it) and its rival has nowhere."""
        mine, theirs = self._analyses[entry_id].quality, self._analyses[rival_id].quality
        return sum(self.idf[t] * q for t in set(terms) if (q := mine.get(t, 0.0)) >= _FULL_SHARE and t not in theirs)

    def places_quoted(self, entry_id: str) -> frozenset[str]:
        """The places (entity terms) an entry's quotes name: "which state…?" is answered only by a quote naming one."""
        return self._analyses[entry_id].places

    def _analyse(self, e: Entry, content: tuple, analyzed: dict) -> _Analysis:
        by_weight: dict[float, list[str]] = {}  # every occurrence of every term, grouped by field weight
        phrasings: list[str] = []
        words: set[str] = set()
        places: set[str] = set()
        topic: frozenset[str] = frozenset()
        for field, texts in self._fields(e):
            occurrences = by_weight.setdefault(FIELD_WEIGHTS[field], [])
            for text in texts:
                if field == "entities":
                    occurrences.append(text)
                    continue
                if (done := analyzed.get(text)) is None:
                    tokens = normalize(text).split()
                    # Interned: thousands of entries share a few thousand words.
                    done = analyzed[text] = (frozenset(self.analyzer.terms_of(tokens)), tuple(map(sys.intern, tokens)))
                terms = done[0]
                occurrences.extend(terms)
                words.update(done[1])
                if field == "quotes":
                    places.update(t for t in terms if t.startswith(JURISDICTION_PREFIX))
                elif field == "questions":
                    phrasings.append(" ".join(sorted(terms)))
                elif field == "topic":
                    topic = terms
        tf: dict[str, float] = {}
        for weight, occurrences in by_weight.items():
            for t, count in Counter(occurrences).items():  # counted in C
                tf[t] = tf.get(t, 0.0) + weight * count
        quality = {t: w / (w + SATURATION) for t, w in tf.items()}  # the counts themselves are not kept
        return _Analysis(content, quality, tuple(phrasings), tuple(sorted(words)), frozenset(places), topic)

    @staticmethod
    def _fields(e: Entry):
        yield "questions", e.questions
        yield "topic", (e.topic,)
        yield "keywords", e.keywords
        yield "answer", (e.answer,)
        yield "quotes", e.quotes
        # The first actor listed is the one whose position the entry reports ("what did the police
        # say?"); it counts twice as much as actors merely mentioned.
        yield "entities", tuple(JURISDICTION_PREFIX + j for j in e.jurisdictions) + tuple(
            ACTOR_PREFIX + a for a in e.actors
        ) + tuple(ACTOR_PREFIX + a for a in e.actors[:1])

    def search(self, terms: list[str], limit: int = 5) -> SearchResult:
        """Entries ranked by evidence. Rare terms pick candidates; every term then scores them."""
        query = list(dict.fromkeys(terms))
        known = [t for t in query if t in self.idf]
        known_weight = sum(self.idf[t] for t in known)
        unknown = len(query) - len(known)
        if not known:
            return SearchResult((), known_weight, unknown)
        partial: dict[int, float] = {}
        # When all the question's postings are few (a small knowledge base), every term picks
        # candidates. Otherwise only its rarest terms do (at most CANDIDATE_TERMS of them, and always
        # at least one), so a long question on a large knowledge base does not walk thousands of
        # postings. Every term of the question then scores the shortlist.
        by_rarity = sorted(known, key=lambda t: len(self._postings[t]))
        if sum(len(self._postings[t]) for t in known) <= SMALL_WALK:
            rare = by_rarity
        else:
            rare = [t for t in by_rarity[:CANDIDATE_TERMS] if len(self._postings[t]) <= self._rare_df] or by_rarity[:1]
        for t in rare:
            w = self.idf[t]
            for i, q in self._postings[t]:
                partial[i] = partial.get(i, 0.0) + w * q
        if not partial:
            return SearchResult((), known_weight, unknown)
        shortlist = sorted(partial, key=partial.__getitem__, reverse=True)[: max(limit * 4, 20)]
        query_string = " ".join(sorted(set(query)))
        out = []
        for i in shortlist:
            quality = self._weights[i]
            score = sum(self.idf[t] * quality[t] for t in query if t in quality)
            # token_sort_ratio of two strings whose tokens are sorted already is their plain ratio: one C call per entry.
            best = process.extractOne(query_string, self._phrasings[i], scorer=fuzz.ratio, processor=None)
            out.append(Candidate(self.entries[i], score, best[1] / 100.0 if best else 0.0))
        out.sort(key=lambda c: c.score, reverse=True)
        return SearchResult(tuple(out[:limit]), known_weight, unknown)
