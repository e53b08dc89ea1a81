"""What kind of fact a question wants (a name, a number, a date, an amount of money) and what kind
of facts an entry's quotes contain. "What's the name of Brooklyn's DA?" matches the Brooklyn entry
on every word, but the article never names the DA: the quotes have no name, so the bot says the
article doesn't say instead of answering something else."""

from __future__ import annotations

import re
from functools import lru_cache

from .text import normalize

NAME, NUMBER, DATE, DAY, MONEY = "name", "number", "date", "day", "money"

_ASKS = {
    NAME: re.compile(
        # "what's the name of…", "what was it called", "names of the laws" — not "fake names".
        r"\b(what|whats|which)\b.{0,40}\b(name|names|named|called)\b|\bnames? of\b|\bnamed\b|\bnames? (pls|please|plz)\b"
        r"|\bwho (is|s|was) (the |their |its )?(\w+ ){0,2}(mayor|governor|da|district attorney|attorney|"
        r"prosecutor|judge|chief|police chief|sheriff|head|director|ceo|founder|leader|boss)\b"
        r"|\b(came up with|invented|coined|founded|founder|originated|created by|title|titled)\b"
    ),
    NUMBER: re.compile(r"\bhow (many|much)\b|\bnumber of\b|\bpercent(age)?\b|\bpopulation\b|\bstat(istic)?s?\b"),
    DATE: re.compile(
        r"^(when|since when)\b|\bwhen (did|was|were|is|will|does|do|had|has|are)\b|\bwhat (year|date|day|month)\b"
        r"|\bhow (long ago|old)\b|\bsince when\b|\b(age|birthday)\b"
    ),
    DAY: re.compile(r"\b(exact|specific|precise|which|what) (date|day)\b|\bon what day\b"),
    MONEY: re.compile(r"\b(cost|costs|price|priced|funding|funds|funded|fund|budget|dollars|money|paid|pay|salary|spend|spent)\b"),
}

_PROVIDES = {
    NAME: re.compile(r"\b[A-Z][a-z]+\.?(?: (?:[A-Z]\. )?[A-Z][a-z]+)+"),
    NUMBER: re.compile(r"\d+|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b", re.I),
    # A point in time, not a duration: "this year" and "2018" date something, "a full year" does not.
    DATE: re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|"
        r"wednesday|thursday|friday|saturday|sunday|today|yesterday|\d{4})\b|\b(this|last|next) (year|week|month)\b", re.I
    ),
    DAY: re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|"
        r"tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I
    ),
    MONEY: re.compile(r"\$|\b(dollars?|cost|costs|funding|funded|budget|billion)\b", re.I),
}


def asks_for(normalized_question: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in _ASKS.items() if pattern.search(normalized_question))


Facts = dict[str, tuple[str, ...]]  # kind -> the normalized strings of that kind found in the quotes


@lru_cache(maxsize=4096)
def _facts_of(text: str) -> Facts:
    found = {kind: {normalize(m.group(0)) for m in pattern.finditer(text)} for kind, pattern in _PROVIDES.items()}
    return {kind: tuple(sorted(values)) for kind, values in found.items() if values}


def facts_in(texts) -> Facts:
    """Facts of each kind in these quotes. Cached per quote: a large knowledge base quotes the same
    few paragraphs of one article over and over."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for kind, values in _facts_of(text).items():
            found.setdefault(kind, set()).update(values)
    return {kind: tuple(sorted(values)) for kind, values in found.items()}


def provides(facts: Facts, wanted: frozenset[str], normalized_question: str) -> bool:
    """True if the quotes hold a fact of a wanted kind that the question does not already contain:
    "what was the Obama program called?" is not answered by the name "The Obama administration"."""
    asked = f" {normalized_question} "
    return any(f" {value} " not in asked for kind in wanted for value in facts.get(kind, ()))
