"""What kind of fact a question wants (a name, a number, a date, an amount of money) and what kind
of facts an entry's quotes contain. "What's the name of Brooklyn's DA?" matches the Brooklyn entry
on every word, but the article never names the DA: the quotes have no name, so the bot says the
article doesn't say instead of answering something else."""

from __future__ import annotations

import re

NAME, NUMBER, DATE, DAY, MONEY = "name", "number", "date", "day", "money"

_ASKS = {
    NAME: re.compile(
        r"\b(name|names|named|called)\b|\bwho (is|s|was) (the |their |its )?(mayor|governor|da|district attorney|"
        r"prosecutor|judge|chief|police chief|sheriff|head|director|ceo|founder|leader|boss)\b"
        r"|\b(came up with|invented|coined|founded|founder|originated|created by|title|titled)\b"
    ),
    NUMBER: re.compile(r"\bhow (many|much)\b|\bnumber of\b|\bpercent(age)?\b|\bpopulation\b|\bstat(istic)?s?\b"),
    DATE: re.compile(
        r"^(when|since when)\b|\bwhen (did|was|were|is|will|does|do|had|has|are)\b|\bwhat (year|date|day|month)\b"
        r"|\bhow (long ago|old)\b|\bsince when\b"
    ),
    DAY: re.compile(r"\b(exact|specific|precise|which|what) (date|day)\b|\bon what day\b"),
    MONEY: re.compile(r"\b(cost|costs|price|priced|funding|funds|funded|fund|budget|dollars|money|paid|pay|salary|spend|spent)\b"),
}

_PROVIDES = {
    NAME: re.compile(r"\b[A-Z][a-z]+\.? (?:[A-Z]\. )?[A-Z][a-z]+"),
    NUMBER: re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|single|dozen)\b", re.I),
    DATE: re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|"
        r"wednesday|thursday|friday|saturday|sunday|year|years|week|month|months|today|yesterday|\d{4})\b", re.I
    ),
    DAY: re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|"
        r"tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I
    ),
    MONEY: re.compile(r"\$|\b(dollars?|cost|costs|funding|funded|budget|billion)\b", re.I),
}


def asks_for(normalized_question: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in _ASKS.items() if pattern.search(normalized_question))


def provided_by(texts) -> frozenset[str]:
    return frozenset(kind for kind, pattern in _PROVIDES.items() if any(pattern.search(t) for t in texts))
