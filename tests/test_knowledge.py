"""The knowledge base in the repo, and the loader's promises: valid, verbatim, immutable, reloadable."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.engine import Engine, load_snapshot
from bot.core.loader import KnowledgeBaseInvalid, load_knowledge
from bot.core.reports import confusions, uncovered_paragraphs
from bot.core.text import normalize_quote

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot(KNOWLEDGE)


def test_repo_kb_is_valid_covers_every_paragraph_and_has_no_confusion(snapshot):
    assert uncovered_paragraphs(snapshot) == []
    confused = confusions(snapshot)
    assert confused == [], "\n".join(f"{c.entry_id}: {c.phrasing!r} -> {c.got}" for c in confused)


def test_every_quote_is_verbatim_in_the_project_copy_of_the_article(snapshot):
    source = normalize_quote(snapshot.kb.source.text)
    for entry in snapshot.kb.entries.values():
        for quote in entry.quotes:
            assert normalize_quote(quote) in source, (entry.id, quote)


def test_project_copy_matches_the_shared_source_minus_page_furniture():
    shared = ROOT.parent / "shared" / "sources" / "washington-times-2018-03-21.txt"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    ours = (KNOWLEDGE / "source" / "washington-times-2018-03-21.txt").read_text()
    assert shared.read_text().startswith(ours.rstrip("\n"))


def test_kb_covers_what_the_product_promises(snapshot):
    kb = snapshot.kb
    assert {"denver", "baltimore", "brooklyn", "washington-state", "california", "massachusetts", "oakland",
            "federal", "counties"} <= set(kb.jurisdictions)
    assert {"report", "vaughan", "police", "inslee", "ilrc", "obama-administration", "trump-administration",
            "prosecutors"} <= set(kb.actors)
    assert "cali" in kb.jurisdictions["california"].aliases and "mile high city" in kb.jurisdictions["denver"].aliases
    assert {e.kind for e in kb.entries.values()} >= {"fact", "position", "sides", "link"}
    for entry in kb.entries.values():
        assert len(entry.questions) >= 3 and entry.quotes and entry.answer
        if entry.kind in ("position", "sides"):
            assert entry.actors


def test_knowledge_base_is_immutable(snapshot):
    kb = snapshot.kb
    with pytest.raises(dataclasses.FrozenInstanceError):
        kb.source = None
    with pytest.raises(TypeError):
        kb.entries["x"] = None
    entry = next(iter(kb.entries.values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.answer = "changed"
    assert isinstance(entry.quotes, tuple)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def test_errors_name_file_line_and_what_is_wrong(tmp_path):
    kb_dir = _copy(tmp_path)
    (kb_dir / "entries" / "extra.yaml").write_text(
        "entries:\n"
        "  - id: denver-364-days\n"             # line 2: duplicate id
        "    topic: dup\n    kind: fact\n    questions: [a new question about denver]\n"
        "    answer: x\n    quotes: [Denver has already done just that]\n"
        "  - id: new-entry\n"                    # line 8
        "    topic: t\n    kind: fact\n    colour: red\n"  # line 11: unknown key
        "    questions: [What did Denver do?]\n"  # line 12: phrasing already used
        "    answer: x\n"
        "    quotes: [Denver cut taxes]\n"        # line 14: not in the article
        "    jurisdictions: [atlantis]\n"         # line 15: unknown jurisdiction
    )
    with pytest.raises(KnowledgeBaseInvalid) as err:
        load_knowledge(kb_dir)
    text = str(err.value)
    assert "entries/extra.yaml:2: duplicate entry id 'denver-364-days'" in text
    assert "entries/extra.yaml:11: unknown key 'colour'" in text
    assert "entries/extra.yaml:12: phrasing 'What did Denver do?' is also under entry 'denver-364-days'" in text
    assert "entries/extra.yaml:14: entry 'new-entry': quote is not verbatim" in text
    assert "entries/extra.yaml:15: entry 'new-entry' refers to unknown jurisdiction 'atlantis'" in text


def test_a_yes_or_no_typed_as_text_is_reported_not_turned_into_true(tmp_path):
    kb_dir = _copy(tmp_path)
    (kb_dir / "extra.yaml").write_text("synonyms:\n  agree: [yes, ok then]\n")  # YAML reads a bare yes as true
    with pytest.raises(KnowledgeBaseInvalid) as err:
        load_knowledge(kb_dir)
    assert "extra.yaml:2: synonym variant of 'agree' must be non-empty text, got true/false (YAML reads a bare yes" in str(err.value)


def test_missing_field_and_curly_quote_tolerance(tmp_path):
    kb_dir = _copy(tmp_path)
    (kb_dir / "entries" / "extra.yaml").write_text(
        "entries:\n  - id: curly\n    topic: t\n    kind: fact\n    questions: [is the quote with straight quotes ok]\n"
        "    answer: x\n    quotes: [\"In Trump's America,   immigrants have ample reason to fear\"]\n"
        "  - id: no-answer\n    topic: t\n    kind: fact\n    questions: [q without answer]\n    quotes: [Denver]\n"
    )
    with pytest.raises(KnowledgeBaseInvalid) as err:
        load_knowledge(kb_dir)
    assert [str(p) for p in err.value.problems] == ["entries/extra.yaml:8: missing required field 'answer' (in 'no-answer')"]


def test_reload_swaps_atomically_and_reports_what_changed(tmp_path):
    kb_dir = _copy(tmp_path)
    engine = Engine(kb_dir)
    before = engine.snapshot
    denver = kb_dir / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("The article reports that Denver cut", "Per the article, Denver cut"))
    result = engine.reload()
    assert result.ok and result.changed == ("denver-364-days",) and not result.added and not result.removed
    assert engine.snapshot is not before and "Per the article" in engine.ask("what did denver do?").text

    denver.write_text("entries: [")
    failed = engine.reload()
    assert not failed.ok and "entries/denver.yaml:2: YAML syntax error" in failed.summary()
    assert "Per the article" in engine.ask("what did denver do?").text, "the old knowledge base keeps answering"


def test_check_command_passes_on_the_repo_and_fails_with_file_line(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "bot", "check", str(KNOWLEDGE)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "coverage: 28/28 paragraphs" in ok.stdout and "confusion: 0 of" in ok.stdout
    kb_dir = _copy(tmp_path)
    (kb_dir / "actors.yaml").write_text((kb_dir / "actors.yaml").read_text().replace("  - id: vaughan\n", "  - id: Vaughan!\n"))
    bad = subprocess.run([sys.executable, "-m", "bot", "check", str(kb_dir)], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1
    assert "actors.yaml:" in bad.stdout and "must be lowercase" in bad.stdout


@pytest.mark.parametrize("value, line, says", [
    ("!!int abc", 3, "'abc' is not a valid int"),
    ("!!bool maybe", 3, "'maybe' is not a valid bool"),
    ("!!timestamp someday", 3, "'someday' is not a valid timestamp"),
    ("!!bool\n    kind: [fact", 3, "'' is not a valid bool"),  # before the syntax error the parser has not reached
])
def test_a_value_that_does_not_fit_its_explicit_tag_is_reported_with_its_line(tmp_path, value, line, says):
    kb_dir = _copy(tmp_path)
    (kb_dir / "entries" / "bad.yaml").write_text(f"entries:\n  - id: bad\n    topic: {value}\n")
    with pytest.raises(KnowledgeBaseInvalid) as caught:
        load_knowledge(kb_dir)
    first = caught.value.problems[0]
    assert (first.where.file, first.where.line) == ("entries/bad.yaml", line) and says in first.message


def test_a_directory_that_cannot_be_entered_is_reported_not_a_crash(tmp_path, monkeypatch):
    from pathlib import Path as RealPath

    kb_dir = _copy(tmp_path)
    locked = kb_dir / "entries"
    real_is_file = RealPath.is_file

    def is_file(self):  # what a directory readable but not searchable (mode 644) gives a non-root user
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)
    monkeypatch.setattr(RealPath, "is_file", is_file)
    with pytest.raises(KnowledgeBaseInvalid, match="cannot list the files in .*Permission denied"):
        load_knowledge(kb_dir)


def test_aliases_of_any_kind_are_refused(tmp_path):
    from bot.core.yaml_lines import load_with_lines

    for text in ("a: &x hello\nb: *x\n", "a: &x [1]\nb: *x\n", "a: &x {k: v}\nb:\n  <<: *x\n"):
        with pytest.raises(Exception, match="not allowed"):
            load_with_lines(text)
    assert load_with_lines("a: hello\nb: hello\n") == {"a": "hello", "b": "hello"}
