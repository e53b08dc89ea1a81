"""`make bench`: match time per question, load+index time, `ask` cold start, peak memory.

Figures are printed, never asserted: the machine's load decides timings, the README records them.
Targets (issue #2): median match <= 0.2 ms on the article KB and <= 1 ms at 10,000 entries,
load+index of 10,000 entries <= 1 s, cold start <= 0.5 s."""

from __future__ import annotations

import functools
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.engine import Engine, Snapshot, _gc_paused, load_snapshot  # noqa: E402
from bot.core.loader import load_knowledge  # noqa: E402
from bot.core.text import normalize_quote  # noqa: E402
from bot.core.yaml_lines import load_with_lines  # noqa: E402


def questions() -> list[str]:
    out = []
    for name in ("dev", "holdout"):
        data = yaml.safe_load((ROOT / "tests" / "questions" / f"{name}.yaml").read_text())
        out += [q["q"] for q in data["in_scope"]] + [q["q"] for q in data["off_topic"]]
    return out


def timed_matches(snapshot, qs: list[str], rounds: int) -> list[float]:
    for q in qs:  # warm caches (typo corrections) the way a running bot has them
        snapshot.ask(q)
    times = []
    for _ in range(rounds):
        for q in qs:
            t0 = time.perf_counter()
            snapshot.ask(q)
            times.append(time.perf_counter() - t0)
    return times


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def generate_kb(directory: Path, n: int, seed: int = 7) -> Path:
    """A 10,000-entry knowledge base shaped like the real one: the article as source, quotes taken
    from it, phrasings and keywords drawn from a large synthetic vocabulary."""
    rng = random.Random(seed)
    source = (ROOT / "knowledge" / "source" / "washington-times-2018-03-21.txt").read_text()
    sentences = [s.strip() + "." for p in source.splitlines() for s in p.split(". ") if len(s.split()) > 5]
    sentences = [s for s in sentences if normalize_quote(s) in normalize_quote(source)]
    syllables = ["ka", "lo", "mi", "ner", "to", "va", "shi", "den", "ro", "pa", "qui", "zen", "bor", "lex", "tum"]
    vocab = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(30000)})
    common = ["what", "did", "the", "city", "policy", "police", "report", "say", "about", "why", "how", "who"]
    (directory / "entries").mkdir(parents=True)
    (directory / "source").mkdir()
    (directory / "source" / "article.txt").write_text(source)
    (directory / "article.yaml").write_text(yaml.safe_dump({"source": {
        "file": "source/article.txt", "publisher": "The Washington Times", "date": "2018-03-21",
        "date_text": "Wednesday, March 21, 2018", "author": "Stephen Dinan", "author_contact": "-",
        "title": "Generated benchmark KB", "about": "Benchmark."}}))
    (directory / "people.yaml").write_text(yaml.safe_dump({
        "jurisdictions": [{"id": f"place-{i}", "name": f"Place {w}", "kind": "city", "aliases": [w], "summary": "s"}
                          for i, w in enumerate(vocab[:200])],
        "actors": [{"id": "holder", "name": "the holder", "description": "d", "aliases": ["holder"]}]}))
    per_file = 1000
    for f in range(0, n, per_file):
        entries = []
        for i in range(f, min(f + per_file, n)):
            words = rng.sample(vocab, 12)
            entries.append({
                "id": f"entry-{i}", "topic": f"Topic {words[0]} {words[1]}", "kind": "position",
                "questions": [f"{rng.choice(common)} {' '.join(rng.sample(words, 4))} {rng.choice(common)}?" for _ in range(4)],
                "keywords": words[4:10], "answer": f"According to the holder, {' '.join(words[:8])}.",
                "quotes": [rng.choice(sentences)], "jurisdictions": [f"place-{rng.randrange(200)}"], "actors": ["holder"],
            })
        (directory / "entries" / f"part-{f // per_file:03d}.yaml").write_text(yaml.safe_dump({"entries": entries}, sort_keys=False))
    return directory


def best_of(rounds: int, fn) -> float:
    """Best wall time of `fn`, with the garbage collector paused as load_snapshot pauses it."""
    best = float("inf")
    for _ in range(rounds):
        with _gc_paused():
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
    return best


def load_time(directory: Path, rounds: int = 3) -> tuple[float, object]:
    best, snap = float("inf"), None
    for _ in range(rounds):
        t0 = time.perf_counter()
        snap = load_snapshot(directory)
        best = min(best, time.perf_counter() - t0)
    return best, snap


def reload_times(directory: Path, rounds: int = 3) -> tuple[float, float, int]:
    """Best times of Engine.reload (what /reload runs) with nothing changed, and after one entry of
    one file was edited (unchanged files are not parsed again, unchanged entries not re-analysed),
    and how many files there are."""
    engine = Engine(directory)
    same = edit = float("inf")
    parts = sorted(directory.rglob("part-*.yaml"))
    part = parts[len(parts) // 2]
    for i in range(rounds):
        t0 = time.perf_counter()
        assert engine.reload().ok
        same = min(same, time.perf_counter() - t0)
        text = part.read_text()
        part.write_text(text.replace("According to the holder,", f"According to the holder (edit {i}),", 1))
        t0 = time.perf_counter()
        result = engine.reload()
        edit = min(edit, time.perf_counter() - t0)
        assert result.ok and len(result.changed) == 1, result.summary()
    return same, edit, len(parts)


_ENGINE_START = """
import sys, time
sys.path.insert(0, sys.argv[3])
from bot.core.engine import Engine
t0 = time.perf_counter()
Engine(sys.argv[1], cache_dir=sys.argv[2])
print(time.perf_counter() - t0)
"""


def engine_starts(directory: Path, cache_dir: Path, restarts: int = 3) -> tuple[float, list[float]]:
    """What the bot's start costs in a fresh process (imports excluded): the first start, which
    loads, checks and indexes (the index cache is then written in the background, and the process
    finishes that write before it exits), then restarts with unchanged files, which read it back."""
    def start() -> float:
        out = subprocess.run([sys.executable, "-c", _ENGINE_START, str(directory), str(cache_dir), str(ROOT)],
                             check=True, capture_output=True, text=True)
        return float(out.stdout)
    first = start()
    return first, [start() for _ in range(restarts)]


def cold_start(rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "denver 364 days?"], cwd=ROOT, check=True,
                       capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    qs = questions()
    t_small, small = load_time(ROOT / "knowledge")
    small_times = timed_matches(small, qs, rounds=20)
    print(f"article KB ({len(small.kb.entries)} entries): load+index {t_small * 1000:.1f} ms")
    print(f"  answer time per question over {len(small_times)} runs: median {statistics.median(small_times) * 1e3:.3f} ms, "
          f"p99 {pct(small_times, 0.99) * 1e3:.3f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        big_dir = generate_kb(Path(tmp) / "kb", 10_000)
        size = sum(p.stat().st_size for p in big_dir.rglob("*.yaml"))
        t_big, big = load_time(big_dir, rounds=2)
        texts = [path.read_text() for path in sorted(big_dir.rglob("*.yaml"))]
        t_parse = best_of(2, lambda: [load_with_lines(t) for t in texts])
        t_load = best_of(2, lambda: load_knowledge(big_dir))
        t_index = best_of(2, functools.partial(Snapshot.build, big.kb))
        big_qs = qs + [e.questions[1] for e in list(big.kb.entries.values())[:: 100]]
        big_times = timed_matches(big, big_qs, rounds=3)
        print(f"generated KB ({len(big.kb.entries)} entries, {size / 1e6:.1f} MB of YAML): load+index {t_big * 1000:.0f} ms "
              f"(of which: YAML parse {t_parse * 1000:.0f} ms, load with validation {t_load * 1000:.0f} ms, index {t_index * 1000:.0f} ms)")
        del big  # the reload engine below holds its own copy
        first, restarts = engine_starts(big_dir, Path(tmp) / "index-cache")
        print(f"  bot start in a fresh process: first start (load, check, index; the cache is written after) {first * 1000:.0f} ms; "
              f"restarts with unchanged files (read the index cache) {', '.join(f'{t * 1000:.0f}' for t in restarts)} ms")
        t_reload_same, t_reload_edit, files = reload_times(big_dir)
        print(f"  /reload with nothing changed: {t_reload_same * 1000:.0f} ms; after editing one entry in one of "
              f"{files} files: {t_reload_edit * 1000:.0f} ms")
        print(f"  answer time per question over {len(big_times)} runs: median {statistics.median(big_times) * 1e3:.3f} ms, "
              f"p99 {pct(big_times, 0.99) * 1e3:.3f} ms")
    print(f"`python -m bot ask` cold start (median of 5): {cold_start() * 1000:.0f} ms")
    print(f"peak memory (max RSS of this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
