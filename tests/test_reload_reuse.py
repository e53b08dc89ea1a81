"""A reload reuses what has not changed (file parses, entry analyses) and must then behave exactly
like a fresh load of the same directory: same index, same answers, nothing stale left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core import loader
from bot.core.engine import Engine, load_snapshot
from bot.core.evaluation import load_questions

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = load_questions(ROOT / "tests" / "questions" / "fresh3.yaml")
ASKED = [item["q"] for item in QUESTIONS["in_scope"] + QUESTIONS["off_topic"]]


@pytest.fixture
def kb(tmp_path) -> Path:
    return Path(shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge"))


def assert_same_as_a_fresh_load(engine: Engine, directory: Path) -> None:
    reused, fresh = engine.snapshot, load_snapshot(directory)
    assert reused.kb.entries.keys() == fresh.kb.entries.keys()
    a, b = reused.index, fresh.index
    assert a.idf == b.idf
    assert a._weights == b._weights and a._phrasings == b._phrasings
    assert a._analyses == b._analyses and a.facts == b.facts
    assert a.analyzer._buckets == b.analyzer._buckets  # the typo vocabulary, in the same order
    assert [reused.ask(q).to_json() for q in ASKED] == [fresh.ask(q).to_json() for q in ASKED]


def test_reload_after_edits_equals_a_fresh_load(kb):
    engine = Engine(kb)
    denver = kb / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("      - What did Denver do?\n", "      - What did the Colorado capital do?\n"))
    (kb / "entries" / "extra.yaml").write_text(
        "entries:\n  - id: extra-larceny\n    topic: Larceny\n    kind: fact\n"
        "    questions: [Is shoplifting on the list?]\n    answer: The article lists larceny.\n"
        "    quotes: ['with crimes such as drug offenses, driving without a license, larceny and trespassing']\n"
    )
    result = engine.reload()
    assert result.ok and result.added == ("extra-larceny",) and result.changed == ("denver-364-days",)
    assert_same_as_a_fresh_load(engine, kb)
    assert engine.ask("what did the colorado capital do").entry_id == "denver-364-days"

    # A new synonym changes how existing texts are analysed: nothing may be reused.
    synonyms = kb / "synonyms.yaml"
    synonyms.write_text(synonyms.read_text() + "  sentence cut: [full year]\n")
    assert engine.reload().ok
    assert_same_as_a_fresh_load(engine, kb)
    assert "cut" in engine.snapshot.index._analyses["denver-364-days"].quality

    (kb / "entries" / "extra.yaml").unlink()
    result = engine.reload()
    assert result.ok and result.removed == ("extra-larceny",)
    assert_same_as_a_fresh_load(engine, kb)


def test_only_changed_files_are_parsed_again(kb, monkeypatch):
    engine = Engine(kb)
    parsed: list[str] = []
    real = loader.load_with_lines
    monkeypatch.setattr(loader, "load_with_lines", lambda text: parsed.append(text) or real(text))
    assert engine.reload().ok and parsed == []
    denver = kb / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("What did Denver do?", "What did Denver do about it?"))
    assert engine.reload().changed == ("denver-364-days",)
    assert parsed == [denver.read_text()]


def test_an_unchanged_broken_file_is_still_reported_on_every_reload(kb):
    engine = Engine(kb)
    (kb / "entries" / "bad.yaml").write_text("entries:\n  - id: bad\n    topic: [unclosed\n")
    first, second = engine.reload(), engine.reload()
    assert not first.ok and first.problems == second.problems
    assert any(p.where and p.where.file == "entries/bad.yaml" for p in second.problems)
    (kb / "entries" / "bad.yaml").unlink()
    assert engine.reload().ok
    assert_same_as_a_fresh_load(engine, kb)
