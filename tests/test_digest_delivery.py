"""Digests and alerts end to end: feeds over local HTTP, the real store, the outbox, and a
fake Telegram Bot API that checks HTML and limits as Telegram does."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.delivery.console import ConsoleSender
from bot.delivery.outbox import flush
from bot.delivery.ratelimit import RateLimits
from bot.delivery.telegram import RetryPolicy, TelegramSender
from bot.match.matcher import Topic
from bot.pipeline.digests import ChatPlan, alert_pass, digest_chat, prepare_chats
from bot.scheduler import build_scheduler
from tests.conftest import add_feeds, poll, rss

REPO = Path(__file__).resolve().parent.parent
NOW = datetime.now(UTC)
MPP = '"remain in mexico" OR "migrant protection protocols" OR "quedate en mexico"'
TOPICS = [Topic(id="mpp", query=MPP), Topic(id="asylum", query="asylum OR asilo")]
FAST = {
    "limits": RateLimits(per_chat_interval=0.05, group_period=1.0, overall_period=0.1),
    "retry": RetryPolicy(attempts=3, backoff=0.05, max_backoff=0.1, max_flood_wait=2),
}


def plan(chat=1001, *, name="Border team", alerts=(), quiet=False, thread=None) -> ChatPlan:
    key = f"{chat}/{thread}" if thread is not None else str(chat)
    titles = {"mpp": "Remain in Mexico (MPP)", "asylum": "Asylum"}
    return ChatPlan(key=key, chat=chat, thread=thread, name=name,
                    topics=tuple(titles.items()),
                    alert_topics=tuple((t, titles[t]) for t in alerts),
                    timezone="America/Tijuana", schedule="08:00", quiet=quiet)  # fmt: skip


def item(n: int, title: str, hours_ago: float = 2, text: str = "") -> dict:
    return {"title": title, "link": f"https://border.example/{n}", "guid": f"g{n}",
            "pubDate": NOW - timedelta(hours=hours_ago),
            "description": text or f"Story {n}: {title}."}  # fmt: skip


def serve_and_poll(store, httpserver, items, path="/feed"):
    httpserver.expect_request(path).respond_with_data(rss(items), content_type="text/xml")
    add_feeds(store, (f"Feed {path}", httpserver.url_for(path)))
    return poll(store, topics=TOPICS)


def send(store, fake, chat_plan, **kw):
    async def go():
        async with TelegramSender(fake.token, base_url=fake.base_url, **FAST) as sender:
            return await digest_chat(store, sender, chat_plan, now=datetime.now(UTC), **kw)

    return asyncio.run(go())


def test_a_digest_from_ingested_feeds_reaches_telegram_once(store, httpserver, fake_bot_api):
    serve_and_poll(store, httpserver, [
        item(1, "Asylum officers urge court to end Remain in Mexico"),
        item(2, "Tijuana shelters prepare for Remain in Mexico's return"),
        item(3, "Credible fear interviews slow as asylum backlog grows"),
        item(4, "City council approves bike lanes"),
    ])  # fmt: skip
    outcome = send(store, fake_bot_api, plan())
    (message,) = fake_bot_api.sent_to(1001)
    assert outcome.report.sent == 1 and not outcome.report.problems
    assert message.parse_mode == "HTML" and message.preview_disabled is True
    assert "Remain in Mexico (MPP): 2 · Asylum: 1" in message.text
    assert "bike lanes" not in message.text
    assert message.text.index("Tijuana shelters") < message.text.index("Credible fear")
    again = send(store, fake_bot_api, plan())  # nothing new: "no new coverage", no repeats
    assert len(fake_bot_api.sent_to(1001)) == 2
    assert "No new coverage" in fake_bot_api.sent_to(1001)[1].text
    assert again.digest.empty
    send(store, fake_bot_api, plan(quiet=True))  # a quiet chat gets nothing when empty
    assert len(fake_bot_api.sent_to(1001)) == 2


def test_hostile_titles_are_escaped_and_accepted(store, httpserver, fake_bot_api):
    serve_and_poll(store, httpserver, [
        item(1, "<script>alert(1)</script> Remain in Mexico & a < b"),
        item(2, "Asylum </b><i>unbalanced 🇲🇽 שלום עליכם"),
    ])  # fmt: skip
    outcome = send(store, fake_bot_api, plan())
    assert outcome.report.sent == 1 and outcome.report.refused == 0
    text = fake_bot_api.sent_to(1001)[0].text
    assert "<script>alert(1)</script> Remain in Mexico & a < b" in text
    assert "unbalanced 🇲🇽 שלום עליכם" in text  # the stray tags were markup: stripped at ingestion


def test_a_large_digest_is_split_and_every_part_is_accepted(store, httpserver, fake_bot_api):
    serve_and_poll(store, httpserver, [
        item(n, f"Asylum story {n} k{n} m{n} p{n} " + "ñ" * 200,
             text="asylum " + f"detalle{n} " * 120) for n in range(40)
    ])  # fmt: skip
    outcome = send(store, fake_bot_api, plan(), max_items=40)
    sent = fake_bot_api.sent_to(1001)
    assert len(sent) == len(outcome.parts) > 2
    assert sum(m.text.count("Asylum story") for m in sent) == 40
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in sent)


def test_outage_keeps_parts_pending_until_telegram_is_back(store, httpserver, fake_bot_api):
    serve_and_poll(store, httpserver, [item(1, "Remain in Mexico returns")])
    fake_bot_api.fail(502, times=FAST["retry"].attempts, method="sendMessage")  # every retry
    outcome = send(store, fake_bot_api, plan())
    assert outcome.report.pending == 1 and outcome.report.sent == 0
    assert fake_bot_api.sent_to(1001) == []
    assert store.pending_parts()  # kept, not lost

    async def retry():
        async with TelegramSender(fake_bot_api.token, base_url=fake_bot_api.base_url,
                                  **FAST) as sender:  # fmt: skip
            return await flush(store, sender)

    report = asyncio.run(retry())  # the outage is over
    assert report.sent == 1 and not store.pending_parts()
    assert "Remain in Mexico returns" in fake_bot_api.sent_to(1001)[0].text


def test_a_refused_part_is_reported_and_the_others_still_go(store, fake_bot_api):
    store.enqueue(chat="1001", kind="digest", thread=None, preview=False, created=NOW,
                  since=NOW, parts=["<b>one</b>", "<b>broken</i>", "three"],
                  article_ids=[])  # fmt: skip

    async def go():
        async with TelegramSender(fake_bot_api.token, base_url=fake_bot_api.base_url,
                                  **FAST) as sender:  # fmt: skip
            return await flush(store, sender)

    report = asyncio.run(go())
    assert (report.sent, report.refused) == (2, 1)
    assert "can't parse entities" in report.problems[0].lower()
    assert [m.text for m in fake_bot_api.sent_to(1001)] == ["one", "three"]
    assert len(fake_bot_api.calls_to("sendMessage")) == 3  # the refused one: never retried


def test_an_unreachable_chat_is_marked_and_others_still_get_theirs(store, httpserver, fake_bot_api):
    serve_and_poll(store, httpserver, [item(1, "Remain in Mexico returns")])
    fake_bot_api.kick(-1001)
    kicked = send(store, fake_bot_api, plan(-1001))
    fine = send(store, fake_bot_api, plan(-2002, name="Legal team"))
    assert kicked.report.pending == 1 and "removed from chat" in kicked.report.problems[0]
    assert "removed from chat" in store.chat_state("-1001").unreachable
    assert fine.report.sent == 1 and len(fake_bot_api.sent_to(-2002)) == 1


def test_alerts_of_one_cycle_are_one_message_in_the_right_thread(store, httpserver, fake_bot_api):
    chat = plan(3003, alerts=("mpp",), thread=7)
    prepare_chats(store, [chat], datetime.now(UTC) - timedelta(hours=3))  # known before the news
    serve_and_poll(store, httpserver, [
        item(1, "Remain in Mexico restarts in Tijuana"),
        item(2, "Shelters brace as Remain in Mexico returns"),
        item(3, "Asylum backlog grows"),  # not an alert topic
    ])  # fmt: skip

    async def go():
        async with TelegramSender(fake_bot_api.token, base_url=fake_bot_api.base_url,
                                  **FAST) as sender:  # fmt: skip
            first = await alert_pass(store, sender, [chat], now=datetime.now(UTC), max_items=10)
            second = await alert_pass(store, sender, [chat], now=datetime.now(UTC), max_items=10)
            return first, second

    first, second = asyncio.run(go())
    (message,) = fake_bot_api.sent_to(3003)
    assert first.sent == 1 and second.sent == 0
    assert message.thread == 7 and "alert" in message.text
    assert (
        "Restarts in Tijuana".lower() in message.text.lower()
        and "Asylum backlog" not in message.text
    )
    digest = send(store, fake_bot_api, chat)  # alerted stories are not repeated in the digest
    assert "Asylum backlog" in fake_bot_api.sent_to(3003)[-1].text
    assert digest.digest.article_ids and "restarts" not in fake_bot_api.sent_to(3003)[-1].text


def test_console_sink_prints_readable_text(store, httpserver):
    serve_and_poll(store, httpserver, [item(1, "Remain in Mexico & shelters")])
    out = io.StringIO()

    async def go():
        return await digest_chat(store, ConsoleSender(out), plan(), now=datetime.now(UTC))

    outcome = asyncio.run(go())
    assert outcome.report.sent == 1
    printed = out.getvalue()
    assert "Remain in Mexico & shelters" in printed and "<b>" not in printed
    assert "https://border.example/1" in printed


def test_a_digest_missed_while_down_is_sent_once_at_start(store):
    chat = plan(4004)
    store.update_chat(chat.key, last_digest_at=datetime.now(UTC) - timedelta(days=3))

    class App:
        def __init__(self, store):
            self.store = store
            self.chat_plans = [chat]

        polls = True  # the role that polls (run --role all or worker)

        def tick_seconds(self):
            return 900

        def beat(self): ...
        async def poll_due(self): ...
        async def send_digest(self, plan): ...
        async def flush_outbox(self): ...
        async def prune(self): ...

    scheduler = build_scheduler(App(store), "UTC")
    jobs = {job.id for job in scheduler.get_jobs()}
    assert {"poll", "digest:4004", "catch-up:4004", "outbox", "prune", "heartbeat"} <= jobs
    App.polls = False  # run --role telegram: chats only
    assert {job.id for job in build_scheduler(App(store), "UTC").get_jobs()} == {"heartbeat"}
    App.polls = True
    store.update_chat(chat.key, last_digest_at=datetime.now(UTC))
    assert "catch-up:4004" not in {job.id for job in build_scheduler(App(store), "UTC").get_jobs()}


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.slow
def test_a_crash_between_parts_repeats_nothing_already_sent(tmp_path, httpserver, fake_bot_api):
    """Kill `python -m bot digest` while Telegram holds the second part, start it again:
    the first part is not sent twice, and the rest arrives."""
    httpserver.expect_request("/feed").respond_with_data(
        rss([item(n, f"Asylum story {n} k{n} m{n} p{n} " + "ñ" * 200,
                  text="asylum " + f"detalle{n} " * 120) for n in range(30)]),
        content_type="text/xml",
    )  # fmt: skip
    config = {
        "settings": {"digest_items": 30},
        "feeds": [{"name": "Feed", "url": httpserver.url_for("/feed")}],
        "topics": {"asylum": {"title": "Asylum", "query": "asylum"}},
        "chats": [{"id": 5005, "name": "Crash team", "topics": ["asylum"]}],
    }
    (tmp_path / "feeds.yaml").write_text(yaml.safe_dump(config))
    env = {
        **os.environ,
        "BOT_CONFIG": str(tmp_path / "feeds.yaml"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
        "TELEGRAM_API_BASE_URL": fake_bot_api.base_url,
    }
    run = [sys.executable, "-m", "bot"]
    subprocess.run([*run, "poll", "--all"], cwd=REPO, env=env, check=True, capture_output=True)
    proc = subprocess.Popen([*run, "digest"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(lambda: len(fake_bot_api.sent_to(5005)) == 1)
        # Parts to one chat go a second apart: the next one meets a Telegram that hangs.
        fake_bot_api.hang(30, times=1, method="sendMessage")
        wait_for(lambda: len(fake_bot_api.calls_to("sendMessage")) == 2)
    finally:
        proc.kill()
        proc.wait()
    assert len(fake_bot_api.sent_to(5005)) == 1
    result = subprocess.run([*run, "digest"], cwd=REPO, env=env, capture_output=True, text=True)
    sent = fake_bot_api.sent_to(5005)
    texts = [m.text for m in sent]
    assert len(texts) == len(set(texts))  # nothing twice
    assert sum(t.count("Asylum story") for t in texts) == 30, result.stderr


@pytest.mark.slow
def test_make_demo_polls_the_sample_feeds_and_prints_a_digest(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, str(REPO / "demo" / "run.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "3 ok, 0 not modified, 0 failed" in out
    assert "Demo team — daily digest" in out and "Remain in Mexico (MPP)" in out
    assert "+ 1 more" in out  # the wire copy collapsed into its story
    assert "Ontario" not in out and "MPPT" not in out and "bike lanes" not in out


# --- Off the event loop --------------------------------------------------------------------


def _compose_waiting_for_the_loop(monkeypatch) -> tuple[threading.Event, list]:
    """compose, made to wait until a coroutine on the loop has run: on the loop itself it
    would wait in vain (the loop is blocked) and fail."""
    import bot.pipeline.digests as digests

    answered, threads = threading.Event(), []
    real = digests.compose

    def waiting(*args, **kw):
        threads.append(threading.current_thread())
        if not answered.wait(5):
            raise AssertionError("the event loop was blocked while the digest was composed")
        return real(*args, **kw)

    monkeypatch.setattr(digests, "compose", waiting)
    return answered, threads


async def _answer_a_chat(answered: threading.Event) -> None:
    await asyncio.sleep(0.01)  # a command that comes while the digest is being built
    answered.set()


def test_a_digest_is_built_off_the_loop_while_chats_are_answered(store, httpserver, monkeypatch):
    serve_and_poll(store, httpserver, [item(1, "Asylum officers urge court to act")])
    answered, threads = _compose_waiting_for_the_loop(monkeypatch)

    async def go():
        command = asyncio.create_task(_answer_a_chat(answered))
        outcome = await digest_chat(store, None, plan(), now=datetime.now(UTC))
        await command
        return outcome

    outcome = asyncio.run(go())
    assert threads and threads[0] is not threading.main_thread()
    assert outcome.delivery_id is not None and outcome.digest.article_ids
    assert "Asylum officers urge court" in outcome.parts[0]
    assert store.chat_state(plan().key).last_digest_at is not None  # written as before


def test_alerts_are_built_off_the_loop_too(store, httpserver, monkeypatch):
    chat = plan(alerts=("asylum",))
    prepare_chats(store, [chat], datetime.now(UTC) - timedelta(hours=3))  # known before the news
    serve_and_poll(store, httpserver, [item(1, "Asylum officers urge court to act")])
    answered, threads = _compose_waiting_for_the_loop(monkeypatch)

    async def go():
        command = asyncio.create_task(_answer_a_chat(answered))
        await alert_pass(store, None, [chat], now=datetime.now(UTC), max_items=10)
        await command

    asyncio.run(go())
    assert threads and all(t is not threading.main_thread() for t in threads)
    (pending,) = store.pending_parts(chat.key)
    assert "Asylum officers urge court" in pending.html


def test_the_back_catalogue_of_a_first_start_goes_to_the_digest_not_to_alerts(
    store, httpserver, fake_bot_api
):
    """A new installation's first poll brings in weeks of stories: none is an alert, and
    the first digest carries them; a story published after the chat was first seen,
    and found soon after, is one."""
    chat = plan(4004, alerts=("mpp",))
    prepare_chats(store, [chat], NOW - timedelta(minutes=1))  # the service starts
    serve_and_poll(store, httpserver, [
        item(1, "Remain in Mexico hearings resume in Matamoros", hours_ago=30),
        item(2, "Tent courts close as Remain in Mexico ends", hours_ago=1),
    ])  # fmt: skip

    async def alerts():
        async with TelegramSender(fake_bot_api.token, base_url=fake_bot_api.base_url,
                                  **FAST) as sender:  # fmt: skip
            return await alert_pass(store, sender, [chat], now=datetime.now(UTC), max_items=10)

    assert asyncio.run(alerts()).sent == 0 and fake_bot_api.sent_to(4004) == []
    send(store, fake_bot_api, chat)
    (digest,) = fake_bot_api.sent_to(4004)
    assert "Matamoros" in digest.text and "Tent courts" in digest.text
    item_3 = [item(3, "Remain in Mexico returns to Ciudad Juárez", hours_ago=0)]
    serve_and_poll(store, httpserver, item_3, path="/later")
    assert asyncio.run(alerts()).sent == 1
    assert "Ciudad Juárez" in fake_bot_api.sent_to(4004)[-1].text


def test_news_only_keeps_what_was_published_since_the_chat_was_seen_and_found_fresh():
    from bot.digest.compose import ALERT_FRESHNESS, news_only
    from tests.test_digest_compose import NOW, cand

    seen = NOW - timedelta(hours=12)
    fresh = cand(1, hours_ago=2, found_ago=1)
    before_the_chat = cand(2, hours_ago=20, found_ago=1)
    stale_when_found = cand(3, hours_ago=9, found_ago=1)  # published after, found late
    assert timedelta(hours=8) > ALERT_FRESHNESS
    kept = news_only([fresh, before_the_chat, stale_when_found], not_before=seen)
    assert [c.article_id for c in kept] == [1]
