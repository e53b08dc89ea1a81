"""The platform-neutral Answer every adapter renders (Discord embeds, console, CLI JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AnswerKind(StrEnum):
    ENTRY = "entry"  # an article-sourced answer to the question
    OPINION = "opinion"  # asked for the bot's view: a refusal plus the sides the article reports
    JURISDICTION = "jurisdiction"  # a place named alone: what the article says of it
    SUGGEST = "suggest"  # a close call: "did you mean…" instead of a guess
    NOT_IN_ARTICLE = "not_in_article"  # on topic, but the article does not say
    OFF_TOPIC = "off_topic"
    CHITCHAT = "chitchat"
    HELP = "help"
    EMPTY = "empty"


ANSWERED_KINDS = frozenset({AnswerKind.ENTRY, AnswerKind.OPINION, AnswerKind.JURISDICTION})
# Questions the bot could not answer from the article: what curators see in /unanswered.
DECLINED_KINDS = frozenset({AnswerKind.SUGGEST, AnswerKind.NOT_IN_ARTICLE, AnswerKind.OFF_TOPIC})


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    kind: AnswerKind
    text: str  # names who holds each position; never the bot's own view
    citation: str  # "The Washington Times, March 21, 2018, Stephen Dinan"
    quotes: tuple[str, ...] = ()
    entry_id: str | None = None
    topic: str | None = None
    confidence: float = 0.0
    suggestions: tuple[str, ...] = ()  # questions to offer, as shown
    suggestion_ids: tuple[str, ...] = ()  # the entry each suggestion asks about, in the same order
    jurisdiction_id: str | None = None
    lines: tuple[str, ...] = field(default=())  # extra list lines (e.g. topics of a jurisdiction)

    @property
    def answered(self) -> bool:
        """True only when an article-sourced answer is given."""
        return self.kind in ANSWERED_KINDS

    def sections(self, quote=lambda q: f"> “{q}”", quotes_joined_by: str = "\n") -> list[str]:
        """The answer text, its list lines and its quotes: the body every adapter shows, in order."""
        parts = [self.text]
        if self.lines:
            parts.append("\n".join(f"• {line}" for line in self.lines))
        if self.quotes:
            parts.append(quotes_joined_by.join(quote(q) for q in self.quotes))
        return parts

    @property
    def suggestion_block(self) -> str:
        """'Did you mean:' on a close call, 'You could ask:' otherwise, then one line per suggestion."""
        if not self.suggestions:
            return ""
        intro = "Did you mean:" if self.kind is AnswerKind.SUGGEST else "You could ask:"
        return intro + "\n" + "\n".join(f"• {s}" for s in self.suggestions)

    def plain_text(self) -> str:
        """Everything a user would see, as plain text (the CLI and the JSON `answer` field)."""
        parts = self.sections()
        if self.answered:
            parts.append(f"— {self.citation}")
        return "\n\n".join([*parts, self.suggestion_block] if self.suggestions else parts)

    def to_json(self) -> dict:
        """The stable `ask --json` object; other tools depend on these keys."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.plain_text(),
            "entry": self.entry_id,
            "confidence": round(self.confidence, 4),
            "quotes": list(self.quotes),
            "suggestions": list(self.suggestions),
            "kind": self.kind.value,
            "topic": self.topic,
            "source": self.citation,
        }
