"""Write small, valid knowledge bases for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_kb(directory: Path, source_text: str, entries: list[dict], *, jurisdictions=(), actors=(), synonyms=None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "source.txt").write_text(source_text, encoding="utf-8")
    doc = {
        "source": {
            "file": "source.txt", "publisher": "The Test Times", "date": "2018-03-21",
            "date_text": "Wednesday, March 21, 2018", "author": "A. Writer", "author_contact": "a@example.com",
            "title": "A test article", "about": "Testing.",
        },
        "jurisdictions": list(jurisdictions),
        "actors": list(actors) or [{"id": "someone", "name": "someone", "description": "a holder"}],
        "synonyms": synonyms or {},
        "entries": entries,
    }
    (directory / "kb.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return directory
