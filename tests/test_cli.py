"""The command line as a person and as another program use it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "KNOWLEDGE_DIR": str(ROOT / "knowledge"), "DISCORD_TOKEN": ""}


def run(*args, stdin=None, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env or ENV, cwd=cwd, timeout=60)


def test_ask_prints_the_answer_for_a_person():
    out = run("ask", "denvr 364 days??")
    assert out.returncode == 0
    assert "364 days" in out.stdout and "> “Denver has already done just that" in out.stdout
    assert "— The Washington Times, March 21, 2018, Stephen Dinan" in out.stdout


def test_ask_json_is_one_object_with_the_stable_keys():
    out = run("ask", "--json", "why are cops mad about the washington law?")
    data = json.loads(out.stdout)
    assert data["question"] == "why are cops mad about the washington law?"
    assert data["answered"] is True and data["entry"] == "wa-police-objections"
    assert 0 < data["confidence"] <= 1 and isinstance(data["quotes"], list) and isinstance(data["suggestions"], list)
    assert all(q in data["answer"] for q in data["quotes"])


def test_ask_json_stdin_answers_line_by_line_in_order_and_flushes_each():
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--json", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    try:
        for question, entry in (("who wrote the report?", "report-authors"), ("what's the weather in paris", None),
                                ("baltimore prosecutor policy", "baltimore-prosecutor")):
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()  # would block forever if the answer were not flushed
            data = json.loads(line)
            assert data["question"] == question and data["entry"] == entry
            assert data["answered"] is (entry is not None)
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


def test_ask_does_not_import_discord():
    code = "import sys, bot.cli; bot.cli.main(['ask', 'hi']); print('discord' in sys.modules, 'pydantic_settings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT)
    assert out.stdout.strip().endswith("False True"), out.stdout + out.stderr


def test_eval_prints_the_figures_and_the_misses():
    out = run("eval", str(ROOT / "tests" / "questions" / "dev.yaml"))
    assert out.returncode == 0
    first, second = out.stdout.splitlines()[:2]
    assert first.startswith("in-scope  (") and "correct" in first and "wrong" in first and "declined" in first
    assert second.startswith("off-topic (") and "declined" in second


def test_console_answers_and_runs_slash_commands(tmp_path):
    session = "what did denver do?\n/jurisdiction cali\n/jurisdictions\n/about\n/quit\nnot reached\n"
    env = {**ENV, "DATA_DIR": str(tmp_path)}
    out = run("console", stdin=session, env=env)
    assert out.returncode == 0
    assert "364 days" in out.stdout
    assert "California (state)" in out.stdout and "three laws" in out.stdout
    assert "Oakland (city)" in out.stdout and "26 entries" in out.stdout
    assert "not reached" not in out.stdout

    # The next start reads the indexed knowledge base back from DATA_DIR and says the same.
    [cached] = (tmp_path / "index-cache").glob("index-*.pickle")
    stamp = cached.stat().st_mtime_ns
    again = run("console", stdin=session, env=env)
    assert cached.stat().st_mtime_ns == stamp
    loaded_line = re.compile(r"loaded \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
    assert loaded_line.sub("", again.stdout) == loaded_line.sub("", out.stdout)

    off = tmp_path / "off"
    assert run("console", stdin=session, env={**env, "DATA_DIR": str(off), "INDEX_CACHE": "false"}).returncode == 0
    # An explicit directory is an ad-hoc look: no settings needed, nothing written.
    assert run("console", "--knowledge", str(ROOT / "knowledge"), stdin=session, env={**env, "DATA_DIR": str(off)}).returncode == 0
    assert not off.exists()


def test_no_arguments_starts_the_console_when_there_is_no_token(tmp_path):
    out = run(stdin="hi\n", env={**ENV, "DATA_DIR": str(tmp_path)})
    assert out.returncode == 0
    assert "DISCORD_TOKEN is not set" in out.stderr and "article" in out.stdout


def test_malformed_setting_exits_2_naming_it_without_a_traceback_or_the_token():
    env = {**ENV, "DISCORD_TOKEN": "secret-token-value", "DEV_GUILD_ID": "not-a-number"}
    out = run("discord", env=env)
    assert out.returncode == 2
    assert "DEV_GUILD_ID" in out.stderr and "Traceback" not in out.stderr
    assert "secret-token-value" not in out.stdout + out.stderr


def test_discord_without_token_exits_2_with_a_clear_message(tmp_path):
    out = run("discord", cwd=tmp_path, env={**ENV, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 2 and "DISCORD_TOKEN" in out.stderr


def test_docker_compose_runs_what_the_readme_says_with_paths_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["bot"]
    assert (ROOT / service["build"] / "Dockerfile").exists()
    assert service["env_file"] == ".env" and service["restart"] == "unless-stopped" and service["healthcheck"]["test"]
    host_paths = [v.split(":")[0] for v in service["volumes"]]
    assert "./knowledge" in host_paths and (ROOT / "knowledge").is_dir()
    named = [p for p in host_paths if not p.startswith(".")]
    assert named and all(n in compose["volumes"] for n in named)
    readme = (ROOT / "README.md").read_text()
    assert "docker compose up -d" in readme
    assert " ".join(service["command"]) in readme
    env_example = (ROOT / ".env.example").read_text()
    from bot.settings import Settings
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in env_example, name


def test_discord_unreachable_at_start_is_a_clear_message_not_a_traceback(tmp_path):
    env = {**ENV, "DISCORD_TOKEN": "secret-token-value", "DATA_DIR": str(tmp_path)}
    code = (
        "import discord, sys; discord.http.Route.BASE = 'http://127.0.0.1:9/api/v10'; "
        "from bot.cli import main; sys.exit(main(['discord']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 1
    assert "cannot reach Discord" in out.stderr and "Traceback" not in out.stderr
    assert "secret-token-value" not in out.stdout + out.stderr


def test_unanswered_prints_the_declined_questions_most_frequent_first(tmp_path):
    from bot.curator.store import Store

    store = Store(tmp_path / "curator.sqlite3")
    store.record_declined("who is the mayor of brooklyn")
    for _ in range(3):
        store.record_declined("what's the population of denver")
    store.close()
    out = run("unanswered", env={**ENV, "DATA_DIR": str(tmp_path)})
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and "3 × what's the population of denver" in lines[0] and "1 × who is the mayor" in lines[1]
