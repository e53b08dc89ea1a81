"""Turns a Match into the Answer a person reads. All wording that users see lives here, so every
adapter says the same thing and the neutrality rules are enforced in one place."""

from __future__ import annotations

from .answer import Answer, AnswerKind
from .intents import Intent
from .matcher import Decision, Match
from .model import Entry, KnowledgeBase, broadest_sides

MAX_SUGGESTIONS = 3
SUGGEST_WINDOW = 0.15  # on a close call, offer every entry within this much of the leader


def _mid_sentence(name: str) -> str:
    """A name as it reads inside a sentence: "about the federal government", not "about The federal
    government" (names are written to stand alone as titles in /jurisdictions)."""
    first, _, rest = name.partition(" ")
    return f"{first.lower()} {rest}" if rest and first in ("The", "More", "A", "An", "Over", "Some") else name


def suggesting(entries) -> dict:
    """The suggestion fields of an Answer for these entries (at most three, no repeats)."""
    unique = list({e.id: e for e in entries}.values())[:MAX_SUGGESTIONS]  # by id: hashing an Entry hashes all its text
    return {"suggestions": tuple(e.suggestion for e in unique), "suggestion_ids": tuple(e.id for e in unique)}


class Responder:
    def __init__(self, kb: KnowledgeBase, suggest_at: float, calibrate=lambda raw: raw):
        self.kb = kb
        self.suggest_at = suggest_at
        self.calibrate = calibrate  # raw match score -> the probability an answer reports
        self.citation = kb.source.citation
        publisher = kb.source.publisher
        # "The Washington Times article…", not "the The Washington Times article…"
        lead = publisher if publisher.lower().startswith("the ") else f"the {publisher}"
        self.about = f"{lead} article “{kb.source.title}” ({self.citation})"
        entries = list(kb.entries.values())
        self._starters = suggesting(entries)
        # Asked for an opinion with no topic in sight, lay out the broadest "sides" entry.
        self._sides = broadest_sides(entries)

    def _answer(self, match: Match, kind: AnswerKind, text: str, confidence: float = 0.0, **kw) -> Answer:
        return self._build(match.question, kind, text, confidence, **kw)

    def _build(self, question: str, kind: AnswerKind, text: str, confidence: float, **kw) -> Answer:
        """Every answer carries the citation and reports the calibrated confidence, not the raw score."""
        return Answer(question=question, kind=kind, text=text, citation=self.citation,
                      confidence=self.calibrate(confidence), **kw)

    def entry_answer(self, question: str, entry: Entry, confidence: float = 1.0, prefix: str = "") -> Answer:
        """The answer of one entry, as given for a question or a clicked suggestion."""
        return self._build(
            question, AnswerKind.OPINION if prefix else AnswerKind.ENTRY, (prefix + entry.answer).strip(), confidence,
            quotes=entry.quotes, entry_id=entry.id, topic=entry.topic,
            **suggesting(self.kb.entries[r] for r in entry.related if r in self.kb.entries),
        )

    def respond(self, match: Match) -> Answer:
        if match.decision is Decision.INTENT:
            return self._intent(match)
        best = match.best
        if match.decision is Decision.ANSWER:
            return self.entry_answer(match.question, best.entry, best.confidence)
        if match.decision is Decision.PLACE:
            return self.place(match, match.jurisdictions[0])
        if match.decision is Decision.SUGGEST:
            close = [s.entry for s in match.ranked if s.confidence >= best.confidence - SUGGEST_WINDOW]
            return self._answer(
                match, AnswerKind.SUGGEST,
                "I'm not sure which part of the article you mean, so I won't guess.",
                confidence=best.confidence, **suggesting(close),
            )
        return self._decline(match)

    def _intent(self, match: Match) -> Answer:
        about = self.about
        if match.intent is Intent.OPINION:
            # The confidence shown is the sides entry's own, not that of whatever ranked first.
            scored = next((s for s in match.ranked if s.entry.kind == "sides"), None)
            sides = scored.entry if scored else self._sides
            refusal = "I don't have opinions of my own on this. "
            if sides is None:
                return self._answer(match, AnswerKind.OFF_TOPIC, refusal + "I can only report what the article says, and I won't pick a side.",
                                    **self._starters)
            return self.entry_answer(match.question, sides, scored.confidence if scored else 0.0,
                                     prefix=refusal)
        if match.intent is Intent.HELP:
            return self._answer(
                match, AnswerKind.HELP,
                f"I answer questions about {about}. Ask in your own words; every answer says who holds "
                "each position and quotes the article word for word. I don't give opinions, and when the "
                "article doesn't say something, I tell you so.",
                **self._starters,
            )
        if match.intent is Intent.CHITCHAT:
            return self._answer(match, AnswerKind.CHITCHAT, f"Hi! I answer questions about {about}.",
                                **self._starters)
        return self._answer(match, AnswerKind.EMPTY, f"Ask me a question about {about}.", **self._starters)

    def _decline(self, match: Match) -> Answer:
        about = self.about
        confidence = match.confidence
        for jid in match.jurisdictions:
            place = self.kb.jurisdictions.get(jid)
            if place:
                entries = self.kb.entries_for_jurisdiction(jid)
                return self._answer(
                    match, AnswerKind.NOT_IN_ARTICLE,
                    f"The article doesn't say that. What it does report about {_mid_sentence(place.name)}: {place.summary}",
                    confidence=confidence, jurisdiction_id=jid,
                    **suggesting(entries),
                )
        for aid in match.actors:
            actor = self.kb.actors.get(aid)
            entries = self.kb.entries_for_actor(aid)
            if actor and entries:
                return self._answer(
                    match, AnswerKind.NOT_IN_ARTICLE,
                    f"The article doesn't say that. It mentions {_mid_sentence(actor.name)}: {actor.description}",
                    confidence=confidence, **suggesting(entries),
                )
        near = [s.entry for s in match.ranked if s.confidence >= self.suggest_at]
        if near:
            return self._answer(
                match, AnswerKind.SUGGEST,
                "I couldn't find that exactly in the article, and I won't guess.",
                confidence=confidence, **suggesting(near),
            )
        return self._answer(
            match, AnswerKind.OFF_TOPIC,
            f"I couldn't find that in the article. I only answer questions about {about}.",
            confidence=confidence, **self._starters,
        )

    def place(self, match: Match, jurisdiction_id: str) -> Answer:
        """What the article says of one place: its summary and the topics to ask about."""
        place = self.kb.jurisdictions[jurisdiction_id]
        entries = self.kb.entries_for_jurisdiction(jurisdiction_id)
        return self._answer(
            match, AnswerKind.JURISDICTION, f"{place.name} ({place.kind}): {place.summary}",
            confidence=match.confidence, jurisdiction_id=jurisdiction_id,
            lines=tuple(e.topic for e in entries), **suggesting(entries),
        )
