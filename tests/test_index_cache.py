"""The index cache: a restart with unchanged files reads the checked, indexed knowledge base back
from DATA_DIR instead of parsing and indexing it again. It must answer exactly as a fresh load,
never serve anything stale (any changed byte, in YAML, the article text or the code, is a miss),
never run code from a planted file, and never stop the bot from starting when it is broken."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import stat
import threading
from pathlib import Path

import pytest

from bot.core import engine as engine_module
from bot.core import index_cache
from bot.core.engine import Engine, Snapshot, load_snapshot
from bot.core.evaluation import load_questions
from bot.core.loader import KnowledgeBaseInvalid

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = load_questions(ROOT / "tests" / "questions" / "dev.yaml")
ASKED = [item["q"] for item in QUESTIONS["in_scope"] + QUESTIONS["off_topic"]]


@pytest.fixture
def kb(kb_dir: Path) -> Path:
    """A private copy of the real knowledge base (conftest), under a short name."""
    return kb_dir


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "data" / "index-cache"


def refuse_parsing(monkeypatch) -> None:
    """From here on any load of the YAML fails: what is served must come from the cache."""
    def refuse(*args, **kwargs):
        raise AssertionError("the knowledge base was parsed again")
    monkeypatch.setattr(engine_module, "load_knowledge", refuse)


def start(knowledge: Path, cache: Path) -> Engine:
    """An engine with the index cache, once its background write (if any) is done."""
    engine = Engine(knowledge, cache_dir=cache)
    engine.index_cache.flush()
    return engine


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("index-*.pickle"))


def answers(engine: Engine) -> list[dict]:
    return [engine.ask(q).to_json() for q in ASKED]


def test_a_restart_reads_the_cache_and_answers_exactly_as_a_fresh_load(kb, cache, monkeypatch, caplog):
    first = start(kb, cache)
    [written] = cache_files(cache)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # the bot's own state, no one else's to read or plant
    stamp = written.stat().st_mtime_ns
    fresh = load_snapshot(kb)
    fresh_answers = [fresh.ask(q).to_json() for q in ASKED]

    refuse_parsing(monkeypatch)
    with caplog.at_level(logging.INFO, logger="bot.core.index_cache"):
        restarted = start(kb, cache)
    assert f"read {len(first.snapshot.kb.entries)} entries" in caplog.text
    assert cache_files(cache) == [written] and written.stat().st_mtime_ns == stamp  # read, not rewritten

    assert answers(restarted) == answers(first) == fresh_answers
    assert restarted.snapshot.kb.directory == str(kb)
    assert restarted.snapshot.kb.loaded_at > first.snapshot.kb.loaded_at  # /about says when this process loaded it
    # The cached knowledge base serves the place lists and lookups of the slash commands too.
    fresh = first.snapshot.kb
    assert restarted.snapshot.kb.entries_for_jurisdiction("denver") == fresh.entries_for_jurisdiction("denver")
    assert restarted.snapshot.kb.place_names == fresh.place_names


def test_an_edited_entry_is_never_served_stale(kb, cache):
    start(kb, cache)
    [before] = cache_files(cache)
    denver = kb / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("      - What did Denver do?\n", "      - What did the Colorado capital do?\n"))
    restarted = start(kb, cache)
    assert restarted.ask("what did the colorado capital do").entry_id == "denver-364-days"
    [after] = cache_files(cache)
    assert after != before  # one knowledge base, one cache file


def test_a_changed_article_text_is_checked_again_not_served_from_the_cache(kb, cache):
    """The quotes were verified against the article text: change the text and they must be again."""
    start(kb, cache)
    [source] = (kb / "source").iterdir()
    source.write_text(source.read_text().replace("364 days", "365 days"))
    with pytest.raises(KnowledgeBaseInvalid, match="not verbatim in the source"):
        start(kb, cache)


def test_new_code_does_not_read_what_old_code_wrote(kb, cache, monkeypatch):
    start(kb, cache)
    [old] = cache_files(cache)
    monkeypatch.setattr(index_cache, "_code_digest", lambda: b"another version of the code")
    start(kb, cache)
    [new] = cache_files(cache)
    assert new != old


def test_a_broken_knowledge_base_is_reported_and_never_cached(kb, cache):
    (kb / "entries" / "bad.yaml").write_text("entries:\n  - id: bad\n    topic: [unclosed\n")
    with pytest.raises(KnowledgeBaseInvalid, match="entries/bad.yaml"):
        start(kb, cache)
    assert cache_files(cache) == []


def test_a_reload_updates_the_cache_for_the_next_start(kb, cache, monkeypatch):
    engine = start(kb, cache)
    denver = kb / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("      - What did Denver do?\n", "      - What did the Colorado capital do?\n"))
    assert engine.reload().changed == ("denver-364-days",)
    engine.index_cache.flush()
    assert len(cache_files(cache)) == 1
    refuse_parsing(monkeypatch)
    assert start(kb, cache).ask("what did the colorado capital do").entry_id == "denver-364-days"


@pytest.mark.parametrize("change", ["edited and changed back", "added and removed"])
def test_files_that_change_while_loading_are_not_cached_under_the_scanned_contents(kb, cache, monkeypatch, change):
    """The cache file is named after the files scanned before the load; what the load read must be
    exactly that, even when the change is undone before anyone could scan again."""
    denver = kb / "entries" / "denver.yaml"
    extra = kb / "entries" / "extra.yaml"
    original = denver.read_text()
    real = engine_module.load_knowledge

    def change_midway(directory, reads=None):
        if change == "edited and changed back":
            denver.write_text(original.replace("What did Denver do?", "What did Denver do, then?"))
        else:
            extra.write_text("entries: []\n")
        try:
            return real(directory, reads)
        finally:
            extra.unlink(missing_ok=True)
            denver.write_text(original)
    monkeypatch.setattr(engine_module, "load_knowledge", change_midway)
    start(kb, cache)
    assert cache_files(cache) == []


class _Planted:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_cache_file_cannot_run_code(kb, cache, tmp_path, caplog, monkeypatch):
    marker = tmp_path / "pwned"
    start(kb, cache)
    [path] = cache_files(cache)
    path.write_bytes(pickle.dumps(_Planted(marker)))
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, cache)
    assert not marker.exists()
    assert "system is not part of a knowledge base" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"
    refuse_parsing(monkeypatch)  # the planted file was replaced by a real one
    assert start(kb, cache).ask("denvr 364 days??").entry_id == "denver-364-days"


@pytest.mark.parametrize("damage", ["truncated", "empty", "another pickle"])
def test_a_damaged_cache_file_is_ignored_and_rewritten(kb, cache, caplog, damage):
    start(kb, cache)
    [path] = cache_files(cache)
    good = path.read_bytes()
    path.write_bytes({"truncated": good[: len(good) // 2], "empty": b"", "another pickle": pickle.dumps({"a": 1})}[damage])
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, cache)
    assert "ignoring index cache file" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"
    assert len(path.read_bytes()) == len(good)


def test_an_unwritable_cache_place_costs_speed_only(kb, tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, blocked / "index-cache")
    assert "could not write the index cache" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"


def test_a_fifo_beside_the_knowledge_files_does_not_hang_the_start(kb, cache, monkeypatch):
    os.mkfifo(kb / "notes.pipe")  # no load reads it, so neither does the cache key: reading would block forever
    assert start(kb, cache).ask("denvr 364 days??").entry_id == "denver-364-days"
    refuse_parsing(monkeypatch)
    assert start(kb, cache).ask("denvr 364 days??").entry_id == "denver-364-days"


def test_a_link_out_of_the_knowledge_directory_is_left_to_the_load_to_report(kb, cache, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("entries: []\n")
    (kb / "entries" / "linked.yaml").symlink_to(outside)
    with pytest.raises(KnowledgeBaseInvalid, match="outside the knowledge directory"):
        start(kb, cache)
    assert cache_files(cache) == []


def test_an_index_that_cannot_be_written_costs_speed_only(kb, cache, monkeypatch, caplog):
    """A later change could put something unpicklable in the index: the bot must still start."""
    real_init = index_cache.index.SearchIndex.__init__

    def with_a_lambda(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.sorter = lambda x: x
    monkeypatch.setattr(index_cache.index.SearchIndex, "__init__", with_a_lambda)
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, cache)
    assert "could not write the index cache" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"
    assert cache_files(cache) == [] and list(cache.glob(".writing-*")) == []


def test_each_knowledge_directory_keeps_its_own_file(kb, cache, tmp_path):
    other = Path(shutil.copytree(kb, tmp_path / "other-knowledge"))
    start(kb, cache)
    start(other, cache)
    assert len(cache_files(cache)) == 2  # the console on another directory does not evict the bot's
    denver = other / "entries" / "denver.yaml"
    denver.write_text(denver.read_text() + "\n# edited\n")
    [mine_before] = [p for p in cache_files(cache) if p.name.startswith(_slot(cache, kb))]
    start(other, cache)
    files = cache_files(cache)
    assert len(files) == 2 and mine_before in files


def _slot(cache: Path, directory: Path) -> str:
    return "index-" + index_cache.IndexCache(cache).scan(directory).key.partition("-")[0]


def test_a_half_written_file_of_a_killed_process_is_removed_once_abandoned(kb, cache):
    cache.mkdir(parents=True)
    abandoned, in_progress = cache / ".writing-abandoned", cache / ".writing-in-progress"
    for path in (abandoned, in_progress):
        path.write_bytes(b"half a pickle")
    an_hour_ago = abandoned.stat().st_mtime - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    start(kb, cache)
    assert not abandoned.exists() and in_progress.exists()


def test_a_reload_does_not_wait_for_the_cache_write(kb, cache, monkeypatch):
    release = threading.Event()
    real_put = index_cache.IndexCache.put

    def slow_put(self, *args):
        assert release.wait(10)
        real_put(self, *args)
    monkeypatch.setattr(index_cache.IndexCache, "put", slow_put)
    engine = Engine(kb, cache_dir=cache)  # its own write is held up too
    denver = kb / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("      - What did Denver do?\n", "      - What did the Colorado capital do?\n"))
    assert engine.reload().changed == ("denver-364-days",)  # returned while both writes wait
    assert engine.ask("what did the colorado capital do").entry_id == "denver-364-days"
    assert cache_files(cache) == []
    release.set()
    engine.index_cache.flush()
    refuse_parsing(monkeypatch)
    assert start(kb, cache).ask("what did the colorado capital do").entry_id == "denver-364-days"


def test_an_older_version_never_overwrites_a_newer_one(kb, cache):
    snapshot = Engine(kb).snapshot
    writer = index_cache.IndexCache(cache)
    older, newer = writer.scan(kb), writer.scan(kb)
    older.key, newer.key = "slot-older", "slot-newer"  # two versions; the files behind them do not matter here
    with writer._write_lock:  # both writes queue behind this one
        writer.put_soon(older, snapshot.kb, snapshot.index)
        writer.put_soon(newer, snapshot.kb, snapshot.index)
    writer.flush()
    assert [p.name for p in cache_files(cache)] == ["index-slot-newer.pickle"]


def test_what_is_saved_does_not_depend_on_the_questions_asked_meanwhile(kb, cache):
    engine = Engine(kb, cache_dir=cache)  # writing in the background from here
    typos = ["denvr 364 dayz", "baltimor prosecuters", "wht did inslee sai", "califronia sanctuery", "jessca vaughn"]
    while any(t.is_alive() for t in engine.index_cache._writers):
        for q in typos:
            engine.ask(q)
    engine.index_cache.flush()
    assert engine.snapshot.index.analyzer._corrections  # the serving analyzer learnt the typos…
    kb_back, saved = engine.index_cache.get(engine.index_cache.scan(kb))
    assert saved.analyzer._corrections == {} and saved.analyzer._entities._seen == set()  # …the saved one did not
    restored = Snapshot.build(kb_back, index=saved)
    fresh = load_snapshot(kb)
    assert [restored.ask(q).to_json() for q in ASKED] == [fresh.ask(q).to_json() for q in ASKED]


@pytest.mark.parametrize("plant", ["another user's file", "a file others can write", "a FIFO", "a link"])
def test_a_cache_file_not_safely_the_bots_own_is_not_read(kb, cache, tmp_path, monkeypatch, caplog, plant):
    start(kb, cache)
    [path] = cache_files(cache)
    if plant == "another user's file":
        os.chown(path, 65534, 65534)
    elif plant == "a file others can write":
        path.chmod(0o666)
    elif plant == "a FIFO":  # opening it for reading would wait forever for a writer
        path.unlink()
        os.mkfifo(path)
    else:
        target = tmp_path / "elsewhere.pickle"
        path.rename(target)
        path.symlink_to(target)
    reads = []
    real = index_cache._Unpickler.load
    monkeypatch.setattr(index_cache._Unpickler, "load", lambda self: reads.append(1) or real(self))
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, cache)
    assert reads == [] and "ignoring index cache file" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"
    [rewritten] = cache_files(cache)
    assert stat.S_ISREG(rewritten.lstat().st_mode) and rewritten.stat().st_uid == os.getuid()


def test_a_cache_file_that_unpickles_but_is_no_usable_index_is_replaced(kb, cache, monkeypatch, caplog):
    start(kb, cache)
    [path] = cache_files(cache)
    scan = index_cache.IndexCache(cache).scan(kb)
    kb_now = Engine(kb).snapshot.kb
    hollow = index_cache.index.SearchIndex.__new__(index_cache.index.SearchIndex)  # allowed class, no state
    with path.open("wb") as handle:
        pickler = pickle.Pickler(handle, protocol=5)
        pickler.dump((scan.key, kb_now.source.file, kb_now.files[kb_now.source.file]))
        pickler.dump((kb_now.source, dict(kb_now.jurisdictions), dict(kb_now.actors), dict(kb_now.entries),
                      dict(kb_now.synonyms), dict(kb_now.files), hollow))
    assert index_cache.IndexCache(cache).get(scan) is not None  # it passes the unpickler's checks…
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, cache)  # …and fails only when the matcher is built on it
    assert "ignoring index cache file" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"
    refuse_parsing(monkeypatch)
    assert start(kb, cache).ask("denvr 364 days??").entry_id == "denver-364-days"


def test_a_knowledge_directory_that_cannot_be_scanned_still_loads(kb, cache, monkeypatch, caplog):
    def unreadable(directory):
        raise PermissionError(13, "Permission denied", str(directory))
    monkeypatch.setattr(index_cache, "fingerprint", unreadable)
    with caplog.at_level(logging.INFO, logger="bot.core.index_cache"):
        engine = start(kb, cache)
    assert "index cache not used" in caplog.text and "Permission denied" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"


def test_a_data_directory_inside_the_knowledge_directory_still_hits(kb, monkeypatch):
    """Only the YAML files (and the article text) name the cache file: the curator database and
    heartbeat changing beside them do not make every start a miss."""
    data = kb / "data"
    start(kb, data / "index-cache")
    (data / "heartbeat").write_text("now")
    refuse_parsing(monkeypatch)
    assert start(kb, data / "index-cache").ask("denvr 364 days??").entry_id == "denver-364-days"


def test_another_yaml_parser_does_not_read_what_libyaml_wrote(monkeypatch):
    """libyaml and PyYAML's own parser disagree on some input (a trailing tab), so each has its own files."""
    import yaml

    from bot.core import yaml_lines
    with_libyaml = index_cache._code_digest.__wrapped__()
    monkeypatch.setattr(yaml_lines, "_Loader", yaml.SafeLoader)
    assert index_cache._code_digest.__wrapped__() != with_libyaml


def test_a_renamed_cache_file_of_the_bots_own_is_not_served(kb, cache):
    """Someone who set aside an older file of the bot's and gives it the current name gets nothing."""
    start(kb, cache)
    [old] = cache_files(cache)
    set_aside = old.read_bytes()
    denver = kb / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace("      - What did Denver do?\n", "      - What did the Colorado capital do?\n"))
    start(kb, cache)
    [current] = cache_files(cache)
    current.write_bytes(set_aside)
    assert "What did the Colorado capital do?" in start(kb, cache).snapshot.kb.entries["denver-364-days"].questions


def test_a_cache_directory_others_can_write_in_is_not_used(kb, cache, monkeypatch, caplog):
    start(kb, cache)
    cache.chmod(0o777)
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = start(kb, cache)
    assert "is not a directory of this user's that only it can write" in caplog.text
    assert engine.ask("denvr 364 days??").entry_id == "denver-364-days"


def test_no_thread_for_the_write_costs_speed_only(kb, cache, monkeypatch, caplog):
    def no_thread(self):
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(threading.Thread, "start", no_thread)
    with caplog.at_level(logging.WARNING, logger="bot.core.index_cache"):
        engine = Engine(kb, cache_dir=cache)
        denver = kb / "entries" / "denver.yaml"
        denver.write_text(denver.read_text() + "\n# edited\n")
        assert engine.reload().ok
    assert "index cache not written (can't start new thread)" in caplog.text
    assert cache_files(cache) == []


def test_a_write_queued_for_an_edit_since_undone_does_not_remove_the_file_now_served(kb, cache):
    engine = start(kb, cache)
    [served] = cache_files(cache)
    denver = kb / "entries" / "denver.yaml"
    original = denver.read_text()
    with engine.index_cache._write_lock:  # a slow write: the edit's version waits behind it
        denver.write_text(original + "\n# edited\n")
        assert engine.reload().ok
        denver.write_text(original)
        assert engine.reload().ok  # read back from `served`
    engine.index_cache.flush()
    assert cache_files(cache) == [served]


def test_an_article_text_named_like_yaml_but_not_listed_still_caches(kb, cache, monkeypatch):
    [source] = (kb / "source").iterdir()
    source.rename(kb / "source" / ".yaml")  # a dotfile: not a YAML file the loader lists
    article = kb / "article.yaml"
    article.write_text(article.read_text().replace(f"source/{source.name}", "source/.yaml"))
    start(kb, cache)
    refuse_parsing(monkeypatch)
    assert start(kb, cache).ask("denvr 364 days??").entry_id == "denver-364-days"
