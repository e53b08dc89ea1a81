"""Text normalisation shared by the index and incoming questions, so both are compared alike."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Discord markup that carries no meaning for matching: user/role/channel mentions, custom emoji,
# timestamps; plus links.
_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w{1,64}:\d+>|<t:\d+(?::\w)?>|https?://\S+")
_POSSESSIVE = re.compile(r"['’‘`´]s\b")
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[\W_]+")
_CURLY = str.maketrans({"’": "'", "‘": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "″": '"'})
_SPACES = re.compile(r"\s+")
_INITIALS = re.compile(r"\b(?:[^\W\d_]\.){2,}")  # "A.C.L.U." -> "ACLU", "S.S.N." -> "SSN"
_ASCII_NON_WORD = {c: " " for c in range(128) if not chr(c).isalnum()}

# Words that say nothing about which part of the article is wanted. Question words that do
# discriminate (who, when, where, why, how, which, many) are kept on purpose: "when" has a high
# rarity weight because few entries answer "when", which is how "when did X start?" gets declined.
# "What" is a stopword as users type it too ("wat", "wut"), and so is "w/" (with; "w/o" is a synonym of without).
STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as into onto over about than
    is are was were be been being am do does did doing done have has had having will would shall
    should can could may might must it its it's this that these those there here i me my mine we us
    our you your yours he him his she her they them their what whats whatre s t d ll re ve m
    wat wats wut wuts whut wht w
    just really actually basically literally like kinda sorta pretty very quite also too even still
    please pls plz thanks thx ok okay hey hi hello yo sup bro dude guys folks lol lmao idk tbh imo
    ngl btw fyi um uh hmm so well anyway any some all more most much such own same other
    tell know explain say says said saying mean means meant talk talking thing things stuff deal
    read reading wondering wonder question questions curious confused
    kind kinds sort sorts type types lot lots bit whole part parts way ways thing thingy stuff
    now currently today recently already yet ever never always sometimes often maybe perhaps
    probably definitely certainly surely honestly seriously totally completely mostly mainly generally
    certain specific specifically particular particularly exactly precisely roughly basically overall
    guy guys people person someone somebody everyone everybody anyone thing gonna gotta wanna lemme
    wait sorry heard hear saw see seen look looking looks seems seem seemed sounds sound
    man bruh bro fam yall ya u ur r n pls thx tho though although cuz cause because since
    lost understand understood clarify
    bot someone somebody anyone anybody something anything one ones get got gets getting
    go going went gone want wanted need let lets give show quick quickly exactly again
    does doesnt dont didnt isnt arent wasnt werent cant cannot wont im ive youre thats theres
    up out off down whether via per re regarding somehow anyhow whatever anyways
    angle angles crowd crowds mix
    ong fr frfr lowkey highkey deadass istg above
    simple simply layman laymans eli5 tells different various
    thank dear honey hun hon sweetie sweetheart darling bless rn atm bout else somewhere smh aint spill tea""".split()
)


# Words that only colour a sentence. Dropped before synonyms, aliases and the kind of fact asked for
# are looked up, so "what is this article even about" still reads as "what is this article about",
# and "who even is the Brooklyn DA?" asks for a name as "who is the Brooklyn DA?" does.
FILLERS = frozenset("just really actually basically literally kinda sorta even honestly seriously totally tbh ngl".split())


def fold(text: str) -> str:
    """NFKC + casefold + curly quotes straightened; the base every other form starts from."""
    return unicodedata.normalize("NFKC", text).translate(_CURLY).casefold()


def normalize(text: str) -> str:
    """Lowercase words separated by single spaces; Discord markup, links and punctuation gone."""
    if "." in text:
        text = _INITIALS.sub(lambda m: m.group(0).replace(".", ""), text)
    if text.isascii():  # most text: the same result without NFKC and with one translate, 3x faster
        text = text.lower()
        if "<" in text or "http" in text:
            text = _MARKUP.sub(" ", text)
        if "'" in text or "`" in text:
            text = _APOSTROPHES.sub("", _POSSESSIVE.sub("", text))
        return " ".join(text.translate(_ASCII_NON_WORD).split())
    text = _MARKUP.sub(" ", fold(text))
    text = _APOSTROPHES.sub("", _POSSESSIVE.sub("", text))
    return _NON_WORD.sub(" ", text).strip()


def normalize_quote(text: str) -> str:
    """The form quotes are compared in: only whitespace and curly quotes are forgiven."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_CURLY)).strip()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, symmetric suffix stripper: good enough to join arrest/arrests/arrested/arresting."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                continue
            base = word[: len(word) - len(suffix)] + keep
            if suffix in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    return word

