"""Turns any text — a user's question or a knowledge-base field — into the terms the index counts.

Both sides go through the same steps, so "cops", "police" and "law enforcement" meet, and
"mile high city" and "Denver" become the same entity term:
normalize -> fix typos against the KB vocabulary -> curated synonyms -> entity aliases -> stems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .text import FILLERS, STOPWORDS, normalize, stem

JURISDICTION_PREFIX = "j:"
ACTOR_PREFIX = "a:"
# "What do they want the towns and states to do?": asking someone to do something is a request,
# whatever the words in between, and every text with one also gets this term. Not the word
# "demand": "what did Trump demand?" must keep matching the entry that says he demanded.
REQUEST = "~request"
_REQUEST_WORDS = frozenset("do change take adopt implement go stop".split())  # what they are asked to do
_REQUEST_CUE = re.compile(
    r"\b(want|wants|wanted|wanting|ask|asks|asked|asking|urge|urges|urged|urging|call on|calls on|called on|calling on|"
    rf"push|pushes|pushed|pushing|tell|tells|told|telling) (\w+ ){{1,5}}to ({'|'.join(sorted(_REQUEST_WORDS))})\b"
)
# "What does the ACLU want?" asks for its demand as surely, when the wanting ends the question.
_WANT_LAST = frozenset("want wants wanted wanting propose proposes proposed proposing recommend recommends recommended "
                       "recommending".split())
_WHAT_WANT = re.compile(rf"(so )?(what|whats|wat|wats|wut) (do|does|did|is|are) (\w+ ){{1,5}}({'|'.join(sorted(_WANT_LAST))})$")


def ids_with_prefix(terms, prefix: str) -> list[str]:
    """The ids of the entity terms of one kind: ("j:denver", "a:vaughan"), "j:" -> ["denver"]."""
    return [t[len(prefix):] for t in terms if t.startswith(prefix)]


class PhraseMap:
    """Longest-match replacement of word sequences, scanning tokens left to right.

    With by_stem, phrases are compared by their stems, so "trumps" and "counties" find the aliases
    "trump" and "county"; synonyms are matched exactly, since their variants are listed one by one
    and "print" must not become "fingerprints". A dict keyed by token tuples instead of one big regex alternation: the
    index runs it over every phrasing, keyword and quote of a 10,000-entry knowledge base."""

    def __init__(self, mapping: Mapping[str, tuple[str, ...]], *, by_stem: bool = False):
        self._fold = stem if by_stem else str
        self._map: dict[tuple[str, ...], tuple[str, ...]] = {}
        for phrase, rep in mapping.items():
            key = tuple(self._fold(w) for w in phrase.split())
            if key:
                self._map.setdefault(key, tuple(rep))
        self._longest: dict[str, int] = {}
        for key in self._map:
            self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))
        # Most texts hold no word that starts a phrase, and a set operation in C then skips the scan
        # (the index runs this on every text of the KB). Matched by stem, a word's stem decides, so
        # the words seen so far are remembered with the ones that start a phrase.
        self._seen: set[str] = set()
        self._starters: set[str] = set()

    def __getstate__(self) -> dict:
        """Saved (see IndexCache) without the words questions have added: a saved index must not
        depend on what was asked, and it is saved while questions are being answered."""
        return {**self.__dict__, "_seen": set(), "_starters": set()}

    def _may_match(self, tokens: list[str]) -> bool:
        if self._fold is str:
            return not self._longest.keys().isdisjoint(tokens)
        if self._seen.issuperset(tokens):
            return not self._starters.isdisjoint(tokens)
        if len(self._seen) > 100_000:  # questions bring new words forever; stay bounded
            self._seen.clear()  # _starters stays: it only holds words that start a KB phrase
        long_start = False  # words over 40 letters are classified each time, never remembered
        for t in tokens:
            if t not in self._seen:
                if len(t) > 40:
                    long_start = long_start or self._fold(t) in self._longest
                    continue
                if self._fold(t) in self._longest:
                    self._starters.add(t)  # before _seen: a word seen is always classified
                self._seen.add(t)
        return long_start or not self._starters.isdisjoint(tokens)

    def apply(self, tokens: list[str]) -> list[str]:
        if not self._may_match(tokens):
            return list(tokens)
        out: list[str] = []
        stems = [self._fold(t) for t in tokens] if self._fold is stem else tokens
        i, n = 0, len(tokens)
        longest, table = self._longest, self._map
        while i < n:
            span = longest.get(stems[i])
            if span:
                for length in range(min(span, n - i), 0, -1):
                    rep = table.get(tuple(stems[i : i + length]))
                    if rep is not None:
                        out.extend(rep)
                        i += length
                        break
                else:
                    out.append(tokens[i])
                    i += 1
            else:
                out.append(tokens[i])
                i += 1
        return out

    def __contains__(self, phrase: str) -> bool:
        return tuple(self._fold(w) for w in phrase.split()) in self._map


class Analyzer:
    """Built once per knowledge base; `fix_typos()` and `terms_of()` are the hot path."""

    def __init__(self, synonyms: Mapping[str, tuple[str, ...]], entities: Mapping[str, Iterable[str]]):
        # synonyms: canonical -> variants (all normalized); entities: term ("j:denver") -> aliases.
        self._synonyms = PhraseMap({v: tuple(canon.split()) for canon, variants in synonyms.items() for v in variants})
        entity_of: dict[str, list[str]] = {}
        for term, aliases in entities.items():
            for alias in aliases:
                key = " ".join(self._synonyms.apply(normalize(alias).split()))
                if key and term not in entity_of.setdefault(key, []):
                    entity_of[key].append(term)
        self._entities = PhraseMap({k: tuple(v) for k, v in entity_of.items()}, by_stem=True)
        self._vocab: set[str] = set()
        self._stems: set[str] = set()
        self._buckets: dict[tuple[str, int], list[str]] = {}
        self._corrections: dict[str, str | None] = {}
        for canon, variants in synonyms.items():
            self.add_words(canon.split())
            for v in variants:
                self.add_words(v.split())
        for alias in entity_of:
            self.add_words(alias.split())
        # A misspelt long filler word ("specificaly") is corrected to the stopword and dropped,
        # instead of counting as a word the article does not know. Only long ones: "weather" must
        # not become "whether".
        self.add_words(sorted(w for w in STOPWORDS if len(w) >= 8))

    def __getstate__(self) -> dict:
        """Saved without the typo corrections questions have cached (see PhraseMap.__getstate__)."""
        return {**self.__dict__, "_corrections": {}}

    # -- vocabulary for typo correction -----------------------------------------------------------
    def add_words(self, words: Iterable[str]) -> None:
        """Every word is remembered (so the check below is one set operation on a large KB); only
        words of three letters or more, not numbers, are typo-correction targets."""
        vocab = self._vocab
        if isinstance(words, tuple | list) and vocab.issuperset(words):
            return
        for word in words:
            if word not in vocab:
                vocab.add(word)
                if len(word) >= 3 and not word.isdigit():
                    self._stems.add(stem(word))
                    self._buckets.setdefault((word[0], len(word)), []).append(word)

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
            if not hit and len(word) >= 5:  # two neighbouring letters swapped ("reprot"): ratio counts two edits
                letters = sorted(word)
                swaps = [w for w in self._buckets.get((word[0], len(word)), ()) if sorted(w) == letters]
                hit = process.extractOne(word, swaps, scorer=OSA.distance, processor=None, score_cutoff=1)
            if hit:
                best = hit[0]
        if len(self._corrections) > 50_000:
            self._corrections.clear()
        self._corrections[word] = best
        return best

    def _known(self, word: str) -> bool:
        return word in self._vocab or word in STOPWORDS or word.isdigit() or len(word) < 3 or stem(word) in self._stems

    def fix_typos(self, tokens: list[str]) -> tuple[list[str], list[str]]:
        """The tokens with typos corrected, and the words that are neither known nor correctable."""
        out, unknown = [], []
        for word in tokens:
            if self._known(word):
                out.append(word)
                continue
            fixed = self.correct(word)
            out.append(fixed or word)
            if not fixed:
                unknown.append(word)
        return out, unknown

    # -- analysis ---------------------------------------------------------------------------------
    def tag(self, tokens: list[str]) -> list[str]:
        """The tokens with synonyms and entity aliases replaced ("jay inslee say" -> "a:inslee say")."""
        return self._tag(_without_fillers(tokens))

    def _tag(self, tokens: list[str]) -> list[str]:
        return self._entities.apply(self._synonyms.apply(tokens))

    def terms_of(self, tokens: list[str]) -> list[str]:
        """Stemmed content terms plus entity terms ("j:denver", "a:vaughan"), stopwords dropped, and
        REQUEST when the text asks someone to do something."""
        tokens = _without_fillers(tokens)  # "want cities to actually change" asks them to change
        tagged = self._tag(tokens)
        terms = [t if ":" in t else stem(t) for t in tagged if ":" in t or t not in STOPWORDS]
        if "to" in tokens and not _REQUEST_WORDS.isdisjoint(tokens) and _REQUEST_CUE.search(" ".join(tokens)):
            terms.append(REQUEST)
        return terms


def _without_fillers(tokens: list[str]) -> list[str]:
    return tokens if FILLERS.isdisjoint(tokens) else [t for t in tokens if t not in FILLERS]


def asks_what_is_wanted(tokens: list[str]) -> bool:
    """ "What does the ACLU want?": a question read for a request, though no one is asked to do anything.
    Questions only: the knowledge base's "what do the groups want?" phrasing must still match "what
    did the groups say?" as closely as before."""
    return bool(tokens) and tokens[-1] in _WANT_LAST and bool(_WHAT_WANT.match(" ".join(tokens)))
