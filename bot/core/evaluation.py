"""Scores the matcher on a question set written apart from the knowledge base (tests/questions/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .answer import AnswerKind
from .engine import Snapshot


@dataclass
class Miss:
    question: str
    expected: str
    got: str
    confidence: float


@dataclass
class EvalReport:
    in_correct: int = 0
    in_wrong: int = 0
    in_declined: int = 0
    in_one_click: int = 0  # declined, but the right entry is the first suggestion offered
    off_declined: int = 0
    off_answered: int = 0
    misses: list[Miss] = field(default_factory=list)
    answered: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right) of every answer given

    @property
    def in_total(self) -> int:
        return self.in_correct + self.in_wrong + self.in_declined

    @property
    def off_total(self) -> int:
        return self.off_declined + self.off_answered

    def rate(self, n: int, total: int) -> float:
        return n / total if total else 0.0

    def calibration(self) -> list[str]:
        """How often answers are right at each confidence: what the confidence number is worth."""
        out = ["calibration (answers given, by confidence):"]
        for low in (0.5, 0.6, 0.7, 0.8, 0.9):
            band = [right for conf, right in self.answered if low <= conf < low + 0.1 or (low == 0.9 and conf >= 1.0)]
            if band:
                out.append(f"  {low:.1f}-{low + 0.1:.1f}: {len(band):>3} answered, {self.rate(sum(band), len(band)):.0%} right")
        return out if len(out) > 1 else []

    def lines(self) -> list[str]:
        it, ot = self.in_total, self.off_total
        out = [
            f"in-scope  ({it}): correct {self.in_correct} ({self.rate(self.in_correct, it):.1%}), "
            f"wrong {self.in_wrong} ({self.rate(self.in_wrong, it):.1%}), "
            f"declined {self.in_declined} ({self.rate(self.in_declined, it):.1%}; "
            f"the right entry was the first suggestion for {self.in_one_click})",
            f"off-topic ({ot}): declined {self.off_declined} ({self.rate(self.off_declined, ot):.1%}), "
            f"answered {self.off_answered} ({self.rate(self.off_answered, ot):.1%})",
        ]
        out += self.calibration()
        if self.misses:
            out.append("misses:")
            out += [f"  [{m.confidence:.2f}] {m.question!r}: expected {m.expected}, got {m.got}" for m in self.misses]
        return out


def load_questions(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("in_scope"), list):
        raise ValueError(f"{path}: expected a mapping with 'in_scope' and 'off_topic' lists")
    return data


def evaluate(snapshot: Snapshot, data: dict) -> EvalReport:
    report = EvalReport()
    for item in data.get("in_scope", []):
        expected = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
        answer = snapshot.ask(item["q"])
        got = answer.entry_id or (f"jurisdiction:{answer.jurisdiction_id}" if answer.jurisdiction_id else None)
        if answer.answered:
            report.answered.append((answer.confidence, got in expected))
        if answer.answered and got in expected:
            report.in_correct += 1
            continue
        if answer.answered:
            report.in_wrong += 1
        else:
            report.in_declined += 1
            report.in_one_click += bool(answer.suggestion_ids) and answer.suggestion_ids[0] in expected
        label = got if answer.answered else f"declined ({answer.kind.value}; best {answer.suggestions[:1]})"
        report.misses.append(Miss(item["q"], "|".join(expected), label, answer.confidence))
    for item in data.get("off_topic", []):
        answer = snapshot.ask(item["q"])
        # Asked for the bot's own view, the bot refuses and lays out the attributed sides: a decline.
        if not answer.answered or answer.kind is AnswerKind.OPINION:
            report.off_declined += 1
        else:
            report.off_answered += 1
            report.answered.append((answer.confidence, False))
            report.misses.append(Miss(item["q"], f"decline ({item.get('category')})", answer.entry_id or answer.kind.value,
                                      answer.confidence))
    return report
