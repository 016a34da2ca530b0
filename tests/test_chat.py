"""The chat commands end to end: the real service (python-telegram-bot polling) against
the fake Bot API; updates go in through getUpdates, answers are read from the fake."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.store import Store
from tests.chatbot import Running, button, clear_of_midnight, earlier_today, message, wait_for
from tests.conftest import rss

pytestmark = pytest.mark.slow  # the real service, end to end: `make test-fast` leaves it out

GROUP, ADMIN, MEMBER, STRANGER_GROUP = -1001, 7, 8, -2002


def config(feed_url: str = "", **settings) -> str:
    feeds = f'feeds: [{{name: "Border Wire", url: "{feed_url}"}}]\n' if feed_url else ""
    extra = ", ".join(f"{k}: {v}" for k, v in settings.items())
    return f"""
settings: {{timezone: UTC{", " + extra if extra else ""}}}
{feeds}topics:
  mpp: {{title: "Remain in Mexico", query: '"remain in mexico" OR mpp'}}
  asylum: {{title: "Asylum", query: 'asylum OR asilo'}}
chats:
  - {{id: {GROUP}, name: "Border team", topics: [mpp]}}
admins: [{ADMIN}]
"""


def story(n: int, title: str, hours_ago: float = 1, text: str = "", today=False) -> dict:
    """An RSS item published `hours_ago` (with today=True: a few minutes ago, today)."""
    published = earlier_today(n + 1) if today else datetime.now(UTC) - timedelta(hours=hours_ago)
    return {"title": title, "link": f"https://news.example/{n}", "guid": f"g{n}",
            "pubDate": published, "description": text or f"Story {n}: {title}."}  # fmt: skip


@pytest.fixture
def start(fake_bot_api, tmp_path, httpserver):
    """start(items=[...], **settings) → a running service whose one feed holds `items`."""
    running = []

    def go(items=(), monitoring_days=0, **settings):
        """monitoring_days: the database has polled since that many days ago."""
        clear_of_midnight()
        database = f"sqlite:///{tmp_path / 'bot.db'}"
        if monitoring_days:
            store, now = Store.open(database), datetime.now(UTC)
            since = now - timedelta(days=monitoring_days)
            store.record_cycle(since, since, {"feeds": 0})
            store.close()
        url = ""
        if items:
            httpserver.expect_request("/feed").respond_with_data(
                rss(list(items)), content_type="text/xml"
            )
            url = httpserver.url_for("/feed")
        bot = Running(fake_bot_api, config(url, **settings), database)
        running.append(bot)
        if items:
            wait_for(bot.store.last_cycle, what="the first poll")
        return bot

    yield go
    for bot in running:
        bot.close()


def answers(fake, chat, n=1):
    """The first n messages the bot sent to chat (waits for them)."""
    return wait_for(
        lambda: (sent := fake.sent_to(chat)) and len(sent) >= n and sent, what=f"{n} answers"
    )


def test_commands_are_registered_and_help_names_the_chats_topics(start, fake_bot_api):
    start()
    names = [c["command"] for c in fake_bot_api.commands]
    assert {"help", "search", "digest", "topics", "subscribe", "watch", "feeds", "trend",
            "status", "addfeed", "removefeed", "unsubscribe", "unwatch"} <= set(names)  # fmt: skip
    fake_bot_api.push_update(message(GROUP, MEMBER, "/start"))
    text = answers(fake_bot_api, GROUP)[0].text
    assert "Remain in Mexico" in text and "Next digest" in text and "/search" in text


def test_an_unknown_chat_is_told_once_then_ignored(start, fake_bot_api):
    bot = start()
    fake_bot_api.push_update(message(STRANGER_GROUP, MEMBER, "/help"))
    first = answers(fake_bot_api, STRANGER_GROUP)[0].text
    assert str(STRANGER_GROUP) in first and "private" in first and "/approve" in first
    fake_bot_api.push_update(message(STRANGER_GROUP, MEMBER, "/search mpp"))
    fake_bot_api.push_update(message(GROUP, MEMBER, "/help"))  # a marker: handled after those
    answers(fake_bot_api, GROUP)
    assert len(fake_bot_api.sent_to(STRANGER_GROUP)) == 1
    assert bot.store.chat_access(str(STRANGER_GROUP)) == "told"


def markup(params: dict) -> list[tuple[str, str]]:
    """(text, callback data) of every inline button in a request's reply_markup."""
    value = params.get("reply_markup")
    value = json.loads(value) if isinstance(value, str) else value
    if not value:
        return []
    return [(b["text"], b["callback_data"]) for row in value["inline_keyboard"] for b in row]


def with_text(fake, chat, needle: str):
    """The first message to chat containing needle (waits for it)."""
    return wait_for(
        lambda: next((m for m in fake.sent_to(chat) if needle in m.text), None), what=repr(needle)
    )


def test_search_pages_with_buttons_and_expired_buttons(start, fake_bot_api):
    items = [story(n, f"Remain in Mexico hearing {n} in Matamoros", hours_ago=30 + n)
             for n in range(12)]  # fmt: skip
    start(items)
    fake_bot_api.push_update(message(GROUP, MEMBER, '/search "remain in mexico" matamoros'))
    first = with_text(fake_bot_api, GROUP, "results")
    assert "12 results" in first.text and "page 1 of 3" in first.text
    assert re.findall(r"^(\d+)\. ", first.text, re.M) == ["1", "2", "3", "4", "5"]
    assert "<b>Remain in Mexico</b>" in first.html  # the hits of the snippet, in bold
    ((label, data),) = markup(first.params)
    assert label.startswith("Next") and len(data.encode()) <= 64
    fake_bot_api.push_update(button(GROUP, MEMBER, data, first.message_id))
    edit = wait_for(lambda: fake_bot_api.calls_to("editMessageText"), what="the page edit")[0]
    page = first_message(fake_bot_api, GROUP).text
    assert "page 2 of 3" in page and "6. " in page and "11. " not in page
    assert [label for label, _ in markup(edit.params)] == ["‹ Previous", "Next ›"]
    assert fake_bot_api.callback_answers
    fake_bot_api.push_update(button(GROUP, MEMBER, "s:99999:2", first.message_id))
    wait_for(lambda: any("expired" in (a.get("text") or "") for a in fake_bot_api.callback_answers),
             what="the expired answer")  # fmt: skip


def test_search_by_topic_as_a_digest_suggests(start, fake_bot_api):
    """A digest ends a long topic with "…and K more — /search topic:mpp"."""
    start([story(1, "Remain in Mexico returns to Tijuana", hours_ago=3),
           story(2, "City council approves bike lanes", hours_ago=3)])  # fmt: skip
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search topic:mpp"))
    found = with_text(fake_bot_api, GROUP, "result")
    assert "Tijuana" in found.text and "bike lanes" not in found.text
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search topic:nothing"))
    assert with_text(fake_bot_api, GROUP, "No topic")


def all_with(fake, chat, needle: str) -> list:
    return [m for m in fake.sent_to(chat) if needle in m.text]


def first_message(fake, chat):
    return fake.sent_to(chat)[0]


def test_search_mistakes_get_the_column_and_examples(start, fake_bot_api):
    start()
    fake_bot_api.push_update(message(GROUP, MEMBER, '/search "remain in'))
    error = with_text(fake_bot_api, GROUP, "Query error")
    assert "column" in error.text and "^" in error.text and "Hint" in error.text
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search"))
    assert "/search" in with_text(fake_bot_api, GROUP, "For example").text
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search asilo"))
    assert with_text(fake_bot_api, GROUP, "No articles match")


def test_digest_now_sends_what_is_pending(start, fake_bot_api):
    start([story(1, "Remain in Mexico returns", hours_ago=2), story(2, "Weather", hours_ago=2)])
    fake_bot_api.push_update(message(GROUP, MEMBER, "/digest"))
    digest = with_text(fake_bot_api, GROUP, "daily digest")
    assert "Remain in Mexico returns" in digest.text and "Weather" not in digest.text
    fake_bot_api.push_update(message(GROUP, MEMBER, "/digest"))
    assert with_text(fake_bot_api, GROUP, "No new coverage")


def test_subscribe_needs_an_admin_and_changes_the_plan(start, fake_bot_api):
    bot = start()
    fake_bot_api.push_update(message(GROUP, MEMBER, "/subscribe asylum"))
    assert with_text(fake_bot_api, GROUP, "Only an admin")
    fake_bot_api.set_admins(GROUP, 42, MEMBER)
    bot.store.set_chat_access("x", None)  # no-op; keeps the store warm
    # The cache remembers the first answer for a while: a fresh user id is asked again.
    bot.app.__dict__.pop("chat_plans", None)
    fake_bot_api.push_update(message(GROUP, ADMIN, "/subscribe asylum alerts"))
    assert with_text(fake_bot_api, GROUP, "with instant alerts")
    plan = next(p for p in bot.app.chat_plans if p.chat == GROUP)
    assert ("asylum", "Asylum") in plan.topics and ("asylum", "Asylum") in plan.alert_topics
    fake_bot_api.push_update(message(GROUP, MEMBER, "/topics"))
    topics = with_text(fake_bot_api, GROUP, "Topics (")
    assert "✅ 🔔 Asylum (asylum)" in topics.text and "✅ Remain in Mexico (mpp)" in topics.text
    assert "Looks for: remain in mexico" in topics.text and " OR " not in topics.text
    fake_bot_api.push_update(message(GROUP, ADMIN, "/unsubscribe mpp"))
    assert with_text(fake_bot_api, GROUP, "no longer receives")
    plan = next(p for p in bot.app.chat_plans if p.chat == GROUP)
    assert [t for t, _ in plan.topics] == ["asylum"]
    fake_bot_api.push_update(message(GROUP, ADMIN, "/subscribe nonsense"))
    assert with_text(fake_bot_api, GROUP, "No topic named nonsense")


def test_group_administrators_are_asked_once_and_cached(start, fake_bot_api):
    start()
    fake_bot_api.set_admins(GROUP, 42, MEMBER)
    fake_bot_api.push_update(message(GROUP, MEMBER, "/subscribe asylum"))
    fake_bot_api.push_update(message(GROUP, MEMBER, "/unsubscribe asylum"))
    assert with_text(fake_bot_api, GROUP, "no longer receives")
    assert with_text(fake_bot_api, GROUP, "now receives")
    assert len(fake_bot_api.calls_to("getChatAdministrators")) == 1


def test_watch_becomes_a_topic_of_the_chat(start, fake_bot_api):
    bot = start()
    fake_bot_api.push_update(message(GROUP, MEMBER, '/watch tps "temporary protected status"'))
    assert with_text(fake_bot_api, GROUP, "Only an admin")
    fake_bot_api.push_update(message(GROUP, ADMIN, '/watch tps "temporary protected'))
    assert "column" in with_text(fake_bot_api, GROUP, "Query error").text
    fake_bot_api.push_update(
        message(GROUP, ADMIN, '/watch tps "temporary protected status" alerts')
    )
    assert with_text(fake_bot_api, GROUP, "Watching tps")
    topic_id = f"watch:{GROUP}:tps"
    assert topic_id in {t[0].id for t in bot.app.matcher.topics}
    plan = next(p for p in bot.app.chat_plans if p.chat == GROUP)
    assert (topic_id, "tps") in plan.topics and (topic_id, "tps") in plan.alert_topics
    fake_bot_api.push_update(message(GROUP, ADMIN, "/unwatch tps"))
    assert with_text(fake_bot_api, GROUP, "removed")
    assert topic_id not in {t[0].id for t in bot.app.matcher.topics}


def test_feeds_addfeed_and_removefeed(start, fake_bot_api, httpserver):
    bot = start([story(1, "Asylum news", hours_ago=30)], allow_private_hosts="[localhost]")
    httpserver.expect_request("/new").respond_with_data(
        rss([story(5, "Quédate en México")], title="Frontera"), content_type="text/xml"
    )
    httpserver.expect_request("/page").respond_with_data("<html><body>hi</body></html>",
                                                         content_type="text/html")  # fmt: skip
    fake_bot_api.push_update(message(GROUP, MEMBER, f"/addfeed {httpserver.url_for('/new')}"))
    assert with_text(fake_bot_api, GROUP, "Only an admin")
    fake_bot_api.push_update(message(GROUP, ADMIN, f"/addfeed {httpserver.url_for('/page')}"))
    assert "not a working feed (parse:" in with_text(fake_bot_api, GROUP, "Not added").text
    fake_bot_api.push_update(message(GROUP, ADMIN, f"/addfeed {httpserver.url_for('/new')}"))
    assert "1 entries" in with_text(fake_bot_api, GROUP, "Added Frontera").text
    added = {f.name: f.origin for f in bot.store.feed_states()}
    assert added == {"Border Wire": "config", "Frontera": "chat"}
    fake_bot_api.push_update(message(GROUP, MEMBER, "/feeds"))
    listing = with_text(fake_bot_api, GROUP, "Feeds (")
    assert "Border Wire: ok" in listing.text and "Frontera [chat]: new" in listing.text
    fake_bot_api.push_update(message(GROUP, ADMIN, "/removefeed Border Wire"))
    assert with_text(fake_bot_api, GROUP, "is in feeds.yaml")
    fake_bot_api.push_update(message(GROUP, ADMIN, "/removefeed frontera"))
    assert with_text(fake_bot_api, GROUP, "Removed Frontera")
    assert not next(f for f in bot.store.feed_states() if f.name == "Frontera").enabled


@pytest.mark.parametrize(
    "target, reason",
    [
        ("http://127.0.0.1:{port}/new", "127.0.0.1 is a loopback address"),
        ("http://10.1.2.3/feed", "10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private address"),
        ("http://localhost:{port}/redirect", "10.9.9.9 is a private address"),
        ("ftp://example.org/feed", "only http and https"),
    ],
    ids=["loopback", "private-10", "metadata", "redirect-to-private", "not-http"],
)
def test_addfeed_refuses_non_public_addresses(start, fake_bot_api, httpserver, target, reason):
    bot = start(allow_private_hosts="[localhost]")
    httpserver.expect_request("/new").respond_with_data(
        rss([story(1, "x")]), content_type="text/xml"
    )
    httpserver.expect_request("/redirect").respond_with_data(
        "", status=302, headers={"Location": "http://10.9.9.9/feed"}
    )
    url = target.format(port=httpserver.port)
    fake_bot_api.push_update(message(GROUP, ADMIN, f"/addfeed {url}"))
    refusal = with_text(fake_bot_api, GROUP, "Not added").text
    assert reason in refusal
    assert [f.name for f in bot.store.feed_states()] == []


def test_status_and_trend(start, fake_bot_api):
    items = [story(n, f"Remain in Mexico day {n}", hours_ago=24 * (n % 4) + 1) for n in range(6)]
    start(items)
    fake_bot_api.push_update(message(GROUP, MEMBER, "/status"))
    status = with_text(fake_bot_api, GROUP, "Status").text
    assert "Last poll:" in status and "1 ok, 0 failing" in status and "6 articles" in status
    assert "Next digest" in status
    fake_bot_api.push_update(message(GROUP, MEMBER, "/trend mpp 7d"))
    photo = wait_for(lambda: [m for m in fake_bot_api.sent_to(GROUP) if m.photo], what="a chart")[0]
    assert photo.photo.startswith(b"\x89PNG") and "6 articles in 7 days" in photo.text
    assert "Busiest:" in photo.text
    fake_bot_api.push_update(message(GROUP, MEMBER, "/trend mpp 9999d"))
    assert with_text(fake_bot_api, GROUP, "number of days from 1 to 365")
    fake_bot_api.push_update(message(GROUP, MEMBER, "/trend nothing"))
    assert with_text(fake_bot_api, GROUP, "No topic or watch named nothing")


def test_rate_limit_is_answered_politely_once(start, fake_bot_api):
    start(commands_per_minute=3)
    for _ in range(5):
        fake_bot_api.push_update(message(GROUP, MEMBER, "/help"))
    fake_bot_api.push_update(message(GROUP, ADMIN, "/topics"))  # another user is not held up
    with_text(fake_bot_api, GROUP, "Topics (")
    texts = [m.text for m in fake_bot_api.sent_to(GROUP)]
    assert sum("News monitoring" in t for t in texts) == 3
    assert sum("faster than I answer" in t for t in texts) == 1


def test_a_failing_handler_answers_and_the_bot_goes_on(start, fake_bot_api, caplog):
    bot = start()

    def broken(since):
        raise RuntimeError("database is locked")

    bot.store.counts_since = broken
    with caplog.at_level("ERROR", logger="bot.chat"):
        fake_bot_api.push_update(message(GROUP, MEMBER, "/status"))
        assert with_text(fake_bot_api, GROUP, "Something went wrong; it was logged")
    fake_bot_api.push_update(message(GROUP, MEMBER, "/help"))
    assert with_text(fake_bot_api, GROUP, "News monitoring")
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1 and "database is locked" in str(failures[0].exc_info[1])


def test_edits_channel_posts_and_other_updates_are_ignored(start, fake_bot_api, caplog):
    start()
    edited = message(GROUP, MEMBER, "/help")["message"]
    fake_bot_api.push_update({"edited_message": {**edited, "edit_date": edited["date"]}})
    channel = {**message(-1005, MEMBER, "/help", kind="channel")["message"]}
    del channel["from"]
    fake_bot_api.push_update({"channel_post": channel})
    fake_bot_api.push_update({"some_future_update": {"x": 1}})
    fake_bot_api.push_update(message(GROUP, MEMBER, "just chatting, no command"))
    fake_bot_api.push_update(message(GROUP, MEMBER, "/help@some_other_bot"))
    fake_bot_api.push_update(message(GROUP, MEMBER, "/topics"))  # the marker, handled last
    with_text(fake_bot_api, GROUP, "Topics (")
    assert len(fake_bot_api.messages) == 1
    assert not [r for r in caplog.records if r.levelno >= 40]


def test_admins_private_chats_and_approvals(start, fake_bot_api):
    bot = start()
    fake_bot_api.push_update(message(MEMBER, MEMBER, "/help"))  # a stranger's private chat
    assert with_text(fake_bot_api, MEMBER, "private bot")
    fake_bot_api.push_update(message(ADMIN, ADMIN, "/help"))  # an admin's always works
    assert with_text(fake_bot_api, ADMIN, "News monitoring")
    fake_bot_api.push_update(message(STRANGER_GROUP, MEMBER, "/approve"))
    assert with_text(fake_bot_api, STRANGER_GROUP, "private bot")
    fake_bot_api.push_update(message(STRANGER_GROUP, ADMIN, "/approve"))
    assert with_text(fake_bot_api, STRANGER_GROUP, "is approved")
    fake_bot_api.push_update(message(STRANGER_GROUP, MEMBER, "/help"))
    assert with_text(fake_bot_api, STRANGER_GROUP, "receives no digest yet")
    fake_bot_api.push_update(message(STRANGER_GROUP, ADMIN, "/subscribe asylum"))
    assert with_text(fake_bot_api, STRANGER_GROUP, "now receives")
    plan = next(p for p in bot.app.chat_plans if p.chat == STRANGER_GROUP)
    assert [t for t, _ in plan.topics] == ["asylum"] and plan.schedule == "08:00"
    assert bot.app.scheduler.get_job(f"digest:{STRANGER_GROUP}") is not None
    fake_bot_api.push_update(message(ADMIN, ADMIN, f"/revoke {STRANGER_GROUP}"))
    assert with_text(fake_bot_api, ADMIN, "can no longer use")
    assert bot.store.chat_access(str(STRANGER_GROUP)) == "told"


def test_a_spike_alerts_subscribed_chats_once_a_day(start, fake_bot_api):
    items = [story(n, f"Remain in Mexico surge {n}", today=True) for n in range(6)]
    bot = start(items, monitoring_days=10)
    spike = with_text(fake_bot_api, GROUP, "Coverage spike")
    assert "Remain in Mexico" in spike.text and "6 articles today" in spike.text
    assert "the median of the 10 days before is 0" in spike.text
    assert "1. Remain in Mexico surge" in spike.text

    import asyncio

    from bot.pipeline.digests import spike_pass

    again = asyncio.run(spike_pass(bot.store, None, bot.app.chat_plans, now=datetime.now(UTC)))
    assert again == 0


def test_schedule_and_timezone_are_changed_by_admins_and_reschedule_the_digest(start, fake_bot_api):
    bot = start()
    fake_bot_api.push_update(message(GROUP, MEMBER, "/schedule"))
    shown = with_text(fake_bot_api, GROUP, "Digest schedule").text
    assert "08:00 (UTC), from feeds.yaml" in shown and "next digest" in shown
    fake_bot_api.push_update(message(GROUP, MEMBER, "/schedule 09:30"))
    assert with_text(fake_bot_api, GROUP, "Only an admin can change the digest schedule")
    fake_bot_api.push_update(message(GROUP, ADMIN, "/schedule 25:00"))
    assert "neither a time" in with_text(fake_bot_api, GROUP, "Not changed").text
    fake_bot_api.push_update(message(GROUP, ADMIN, "/timezone Mars/Olympus"))
    assert "is not a time zone" in with_text(fake_bot_api, GROUP, "Mars/Olympus").text
    fake_bot_api.push_update(message(GROUP, ADMIN, "/timezone America/Tijuana"))
    assert with_text(fake_bot_api, GROUP, "(America/Tijuana), set in this chat")
    fake_bot_api.push_update(message(GROUP, ADMIN, "/schedule 0 7 * * 1-5"))
    changed = with_text(fake_bot_api, GROUP, "0 7 * * 1-5").text
    assert "set in this chat" in changed and "07:00 (America/Tijuana)" in changed
    job = bot.app.scheduler.get_job(f"digest:{GROUP}")
    local = job.next_run_time.astimezone(ZoneInfo("America/Tijuana"))
    assert (local.hour, local.minute) == (7, 0) and local.weekday() < 5  # rescheduled
    assert bot.store.chat_settings().schedules[str(GROUP)].schedule == "0 7 * * 1-5"
    fake_bot_api.push_update(message(GROUP, MEMBER, "/status"))
    assert "0 7 * * 1-5" in with_text(fake_bot_api, GROUP, "Status").text
    fake_bot_api.push_update(message(GROUP, ADMIN, "/schedule default"))
    wait_for(lambda: len(all_with(fake_bot_api, GROUP, "08:00 (America/Tijuana), set in")) == 2,
             what="feeds.yaml's 08:00 again, in the chat's time zone")  # fmt: skip
    job = bot.app.scheduler.get_job(f"digest:{GROUP}")
    assert job.next_run_time.astimezone(ZoneInfo("America/Tijuana")).hour == 8


def test_a_new_watch_matches_the_recent_archive_for_the_digest_not_alerts(start, fake_bot_api):
    bot = start([
        story(1, "Temporary protected status for Venezuelans extended", hours_ago=30),
        story(2, "Temporary protected status in 2019", hours_ago=24 * 40),  # before the window
        story(3, "Weather in Matamoros", hours_ago=2),
    ])  # fmt: skip
    fake_bot_api.push_update(
        message(GROUP, ADMIN, '/watch tps "temporary protected status" alerts')
    )
    reply = with_text(fake_bot_api, GROUP, "Watching tps").text
    assert "1 stored articles of the last 30 days match already" in reply
    assert "those of the last 3 days in the next digest" in reply
    topic = f"watch:{GROUP}:tps"
    assert len(bot.store.topic_times(topic, datetime.now(UTC) - timedelta(days=60))) == 1

    import asyncio

    from bot.pipeline.digests import alert_pass

    asyncio.run(alert_pass(bot.store, None, bot.app.chat_plans, now=datetime.now(UTC),
                           max_items=10))  # fmt: skip
    assert not [p for p in bot.store.pending_parts(str(GROUP))]  # an old story: no alert
    fake_bot_api.push_update(message(GROUP, MEMBER, "/digest"))
    digest = with_text(fake_bot_api, GROUP, "daily digest").text
    assert "Venezuelans extended" in digest and "2019" not in digest and "Weather" not in digest


def test_a_flood_wait_on_a_reply_is_honoured_once(start, fake_bot_api, caplog):
    start()
    fake_bot_api.flood(retry_after=1, method="sendMessage")
    fake_bot_api.push_update(message(GROUP, MEMBER, "/help"))
    assert with_text(fake_bot_api, GROUP, "News monitoring")
    first, second = fake_bot_api.calls_to("sendMessage")[:2]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.9  # Telegram's retry_after, waited
    assert not [r for r in caplog.records if r.levelno >= 40]
    fake_bot_api.flood(retry_after=1, times=2, method="sendMessage")  # twice: an error
    fake_bot_api.push_update(message(GROUP, MEMBER, "/topics"))
    assert with_text(fake_bot_api, GROUP, "Something went wrong")


def test_the_token_is_in_no_log_record_even_at_debug(start, fake_bot_api, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    bot = start()
    fake_bot_api.drop(method="getUpdates")  # PTB logs the failed poll with its exception
    fake_bot_api.flood(retry_after=1, method="sendMessage")
    fake_bot_api.push_update(message(GROUP, MEMBER, "/help"))
    assert with_text(fake_bot_api, GROUP, "News monitoring")
    bot.close()
    formatter = logging.Formatter("%(name)s %(message)s")
    names = {r.name for r in caplog.records}
    assert {"httpx", "telegram.ext.ExtBot", "telegram.ext.Updater"} <= names  # they did log
    leaks = [formatter.format(r) for r in caplog.records if fake_bot_api.token in (
        formatter.format(r) + str(r.exc_info and r.exc_info[1]) + str(r.args))]  # fmt: skip
    assert leaks == []
