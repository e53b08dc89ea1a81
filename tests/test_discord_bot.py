"""The real bot, unmodified discord.py, against the fake Discord over loopback HTTP + websockets."""

from __future__ import annotations

import sqlite3

import pytest
from helpers.payloads import custom_ids as _custom_ids
from helpers.payloads import embed_of as _embed
from helpers.payloads import mention as _mention
from helpers.running import start_bot

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

NO_PINGS = {"parse": []}


async def test_mention_gets_an_attributed_answer_with_the_verbatim_quote(running):
    fake = running.fake
    msg, reply = await _mention(fake, "why are cops mad about the washington law?")
    body = reply.json
    embed = _embed(body)
    assert "police" in embed["description"].lower() and "KOMONews" in embed["description"]
    assert "> “But KOMONews.com reported this week that police say they can’t even run numbers" in embed["description"] or \
        "run numbers from traffic stops" in embed["description"]
    assert "The Washington Times, March 21, 2018, Stephen Dinan" in embed["footer"]["text"]
    assert body["allowed_mentions"]["parse"] == []
    assert str(body["message_reference"]["message_id"]) == msg["id"]
    assert any(c.startswith("ata:fb:u:") for c in _custom_ids(body))


async def test_hostile_mentions_in_the_question_never_ping(running):
    fake = running.fake
    _, reply = await _mention(fake, "@everyone @here <@&123> <@456> what did denver do?? @everyone")
    assert reply.json["allowed_mentions"]["parse"] == []
    assert reply.json["allowed_mentions"].get("replied_user") in (False, None)
    assert "364 days" in _embed(reply.json)["description"]


async def test_dm_and_reply_to_an_answer_are_answered_but_plain_chatter_is_not(running):
    fake = running.fake
    since = fake.request_count
    await fake.send_message("just chatting about denver, no question", mentions=[])
    dm = await fake.send_message("who is jessica vaughan?", guild_id=None)
    reply = await fake.wait_for_message(since=since)
    assert str(reply.json["message_reference"]["message_id"]) == dm["id"], "only the DM is answered"
    assert "Vaughan" in _embed(reply.json)["description"]

    since = fake.request_count
    answer = reply.response
    follow = await fake.send_message("and what did the baltimore prosecutor do?", referenced_message=answer,
                                     channel_id=int(answer["channel_id"]), guild_id=None)
    reply2 = await fake.wait_for_message(since=since)
    assert str(reply2.json["message_reference"]["message_id"]) == follow["id"]
    assert "Baltimore" in _embed(reply2.json)["description"]


async def test_slash_ask_answers_and_off_topic_is_declined_and_logged(running, data_dir):
    fake = running.fake
    cb = await fake.run_command("ask", {"question": "denvr 364 days??"})
    assert cb.json["type"] == 4
    embed = _embed(cb.json)
    assert "364 days" in embed["description"]
    assert cb.json["data"]["allowed_mentions"] == NO_PINGS

    cb = await fake.run_command("ask", {"question": "what's the population of Denver?"})
    embed = _embed(cb.json)
    assert "doesn't say" in embed["description"]
    assert not any(c.startswith("ata:fb:") for c in _custom_ids(cb.json))
    # the declined question reaches /unanswered for an admin, and is refused to a member
    refused = await fake.run_command("unanswered", user=fake.member)
    assert refused.json["data"]["flags"] & 64 and "Only server admins" in refused.json["data"]["content"]
    payload = await fake.send_interaction(fake.interaction_command("unanswered", user=fake.admin))
    follow = await fake.wait_for_followup(payload)
    assert "population of Denver" in follow.json["content"]
    assert follow.json["flags"] & 64


async def test_jurisdictions_list_detail_and_autocomplete(running):
    fake = running.fake
    kb = running.bot.engine.snapshot.kb
    cb = await fake.run_command("jurisdictions")
    embed = _embed(cb.json)
    names = [f["name"] for f in embed["fields"]]
    assert any(n.startswith("Denver (city)") for n in names)
    assert len(names) == len(kb.jurisdictions)

    cb = await fake.run_autocomplete("jurisdiction", {"name": "mile high"}, "name")
    assert cb.json["type"] == 8
    choices = cb.json["data"]["choices"]
    assert 0 < len(choices) <= 25 and choices[0]["value"] == "denver"

    cb = await fake.run_command("jurisdiction", {"name": "washington"})
    embed = _embed(cb.json)
    assert embed["title"].startswith("Washington state")
    assert any("Social Security" in f["value"] for f in embed["fields"])

    cb = await fake.run_command("jurisdiction", {"name": "Atlantis"})
    assert cb.json["data"]["flags"] & 64
    assert "doesn't name a place" in cb.json["data"]["content"]


async def test_reload_is_refused_to_members_and_applies_changes_for_admins(running, kb_dir):
    fake = running.fake
    denver = kb_dir / "entries" / "denver.yaml"
    denver.write_text(denver.read_text().replace(
        "The article reports that Denver cut", "EDITED: The article reports that Denver cut"))

    cb = await fake.run_command("reload", user=fake.member)
    assert cb.json["data"]["flags"] & 64 and "Only server admins" in cb.json["data"]["content"]
    cb = await fake.run_command("ask", {"question": "what did denver do?"})
    assert "EDITED" not in _embed(cb.json)["description"], "a refused reload must not reload"

    payload = await fake.send_interaction(fake.interaction_command("reload", user=fake.admin))
    deferred = await fake.wait_for_callback(payload)
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & 64
    follow = await fake.wait_for_followup(payload)
    assert "changed: denver-364-days" in follow.json["content"]
    cb = await fake.run_command("ask", {"question": "what did denver do?"})
    assert "EDITED" in _embed(cb.json)["description"]


async def test_broken_yaml_is_reported_with_its_line_and_the_old_kb_keeps_answering(running, kb_dir):
    fake = running.fake
    broken = kb_dir / "entries" / "denver.yaml"
    text = broken.read_text()
    line = text[: text.index("    kind: fact")].count("\n") + 1
    broken.write_text(text.replace("    kind: fact", "    kind: [fact", 1))
    payload = await fake.send_interaction(fake.interaction_command("reload", user=fake.admin))
    follow = await fake.wait_for_followup(payload)
    assert "Reload failed" in follow.json["content"]
    assert f"entries/denver.yaml:{line}" in follow.json["content"] or f"entries/denver.yaml:{line + 1}" in follow.json["content"]
    cb = await fake.run_command("ask", {"question": "what did denver do?"})
    assert "364 days" in _embed(cb.json)["description"]


async def test_feedback_click_is_stored_in_sqlite_and_suggestion_buttons_answer(running, data_dir):
    fake = running.fake
    _, reply = await _mention(fake, "who wrote the report?")
    fb_id = next(c for c in _custom_ids(reply.json) if c.startswith("ata:fb:u:"))
    cb = await fake.click(fb_id, reply.response, user=fake.member)
    assert cb.json["type"] == 4 and cb.json["data"]["flags"] & 64
    rows = sqlite3.connect(data_dir / "curator.sqlite3").execute(
        "SELECT entry_id, helpful, question, user_hash FROM feedback").fetchall()
    assert rows and rows[0][0] == "report-authors" and rows[0][1] == 1
    assert "who wrote the report" in rows[0][2]
    assert str(fake.member["id"]) not in rows[0][3], "user ids are stored hashed"
    for _ in range(3):  # the same member changes their mind and hammers the other button
        await fake.click(fb_id.replace(":u:", ":d:"), reply.response, user=fake.member)
    await fake.click(fb_id, reply.response, user=fake.admin)
    rows = sqlite3.connect(data_dir / "curator.sqlite3").execute("SELECT helpful FROM feedback ORDER BY id").fetchall()
    assert rows == [(0,), (1,)], "one vote per user per answer, the latest one"

    suggestion = next(c for c in _custom_ids(reply.json) if c.startswith("ata:ask:"))
    cb = await fake.click(suggestion, reply.response)
    assert cb.json["type"] == 4
    assert _embed(cb.json)["description"]


async def test_buttons_still_work_after_a_restart(fake, kb_dir, data_dir):
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir):
        _, reply = await _mention(fake, "what did denver do?")
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir):
        fb_id = next(c for c in _custom_ids(reply.json) if c.startswith("ata:fb:d:"))
        cb = await fake.click(fb_id, reply.response, user=fake.admin)
        assert cb.json["type"] == 4
    rows = sqlite3.connect(data_dir / "curator.sqlite3").execute("SELECT entry_id, helpful FROM feedback").fetchall()
    assert rows == [("denver-364-days", 0)]


async def test_commands_sync_once_and_not_again_when_unchanged(fake, kb_dir, data_dir):
    syncs = lambda: [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]  # noqa: E731
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir):
        pass
    assert len(syncs()) == 1 and "/guilds/" not in syncs()[0].path
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir):
        pass
    assert len(syncs()) == 1, "an unchanged command set is not synced again"
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir, dev_guild_id=fake.guild_id):
        pass
    assert len(syncs()) == 2 and f"/guilds/{fake.guild_id}/commands" in syncs()[1].path


async def test_cooldown_tells_slash_users_to_slow_down(fake, kb_dir, data_dir):
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir, cooldown_rate=1, cooldown_seconds=60):
        first = await fake.run_command("ask", {"question": "what did denver do?"})
        assert "364" in _embed(first.json)["description"]
        second = await fake.run_command("ask", {"question": "what did denver do?"})
        assert second.json["data"]["flags"] & 64 and "Slow down" in second.json["data"]["content"]


async def test_bot_reconnects_after_the_websocket_drops_and_answers_again(running):
    fake = running.fake
    await fake.drop_websocket(code=None)
    await fake.wait_connected(2, timeout=10)
    _, reply = await _mention(fake, "how many counties adopted sanctuary policies?")
    assert "400" in _embed(reply.json)["description"]


async def test_about_describes_the_article_and_the_kb(running):
    cb = await running.fake.run_command("about")
    embed = _embed(cb.json)
    assert "The Washington Times" in embed["description"] and "Stephen Dinan" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Entries"] == str(len(running.bot.engine.snapshot.kb.entries))


async def test_jurisdictions_paginate_on_a_large_kb_and_pages_turn(fake, tmp_path, data_dir):
    from helpers.kb import write_kb

    places = [{"id": f"town-{i}", "name": f"Town {i:02d}", "kind": "city", "summary": "S" * 900} for i in range(60)]
    kb = write_kb(tmp_path / "big", "The council met. Town 01 voted.\n", [
        {"id": "met", "topic": "Meeting", "kind": "fact", "answer": "The article reports a meeting.",
         "questions": ["did the council meet?"], "quotes": ["The council met."], "jurisdictions": ["town-1"]}],
        jurisdictions=places)
    async with start_bot(fake, knowledge_dir=kb, data_dir=data_dir):
        cb = await fake.run_command("jurisdictions")
        first = _embed(cb.json)
        assert len(first["fields"]) <= 25 and "page 1 of" in first["footer"]["text"]
        total = sum(len(f["name"]) + len(f["value"]) for f in first["fields"]) + len(first["title"]) + len(first["description"])
        assert total <= 6000
        next_id = [c for c in _custom_ids(cb.json) if c.startswith("ata:jl:")][-1]
        turned = await fake.click(next_id)  # on the message the command's response created
        assert turned.json["type"] == 7  # UPDATE_MESSAGE
        assert "page 2 of" in _embed(turned.json)["footer"]["text"]


async def test_sharded_client_connects_and_answers(fake, kb_dir, data_dir):
    import discord

    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir, shard_count=1, shard_ids=(0,)) as running:
        assert isinstance(running.bot, discord.AutoShardedClient) and running.bot.shard_ids == [0]
        _, reply = await _mention(fake, "what did denver do?")
        assert "364" in _embed(reply.json)["description"]


async def test_a_reply_without_text_is_ignored_not_answered_with_help(running):
    fake = running.fake
    _, reply = await _mention(fake, "what did denver do?")
    since = fake.request_count
    await fake.send_message("", referenced_message=reply.response)  # what Discord sends without the content intent
    _, second = await _mention(fake, "who wrote the report?")
    posted = [r for r in fake.requests[since:] if r.method == "POST" and r.path.endswith("/messages")]
    assert posted == [second], "only the real question got a reply"


async def test_configured_channels_answer_question_like_messages_and_ask_for_the_content_intent(fake, kb_dir, data_dir):
    async with start_bot(fake, knowledge_dir=kb_dir, data_dir=data_dir, answer_channel_ids=(fake.channel_id,)):
        identify = await fake.wait_for_gateway(2)
        assert identify.d["intents"] & (1 << 15), "MESSAGE_CONTENT is requested only when configured"
        since = fake.request_count
        await fake.send_message("lunch anyone")  # not a question: ignored
        question = await fake.send_message("why did denver cut sentences to 364 days?")
        reply = await fake.wait_for_message(since=since)
        assert str(reply.json["message_reference"]["message_id"]) == question["id"]
        assert "364" in _embed(reply.json)["description"]


async def test_without_configured_channels_the_privileged_intent_is_not_requested(running):
    identify = await running.fake.wait_for_gateway(2)
    assert not identify.d["intents"] & (1 << 15)
