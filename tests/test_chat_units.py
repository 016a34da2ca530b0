"""The chat interface's pure parts and edges without Telegram: splitting, spikes, trend
captions, the rate limit, the connected-address check, and what `check` shows."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest

from bot.chat.access import RateLimit
from bot.chat.chart import busiest, caption, parse_days
from bot.digest.spikes import daily_counts, spike
from bot.errors import FetchError
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.http1 import Target
from bot.feeds.safety import connected_reason
from bot.store import ChatSchedule, TopicChoice, Watch
from bot.telegram_html import split_message, visible_length
from tests.test_cli import bot


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def test_long_answers_are_split_at_4096_between_blocks():
    blocks = [f"<b>{n}.</b> " + "word &amp; " * 40 for n in range(60)]
    parts = split_message(blocks)
    assert len(parts) > 1 and all(visible_length(p) <= 4096 for p in parts)
    assert sum(p.count("<b>") for p in parts) == 60  # nothing lost, no block cut
    huge = split_message(["<b>x</b>" + "y" * 5000])
    assert len(huge) == 1 and visible_length(huge[0]) <= 4096 and "<b>" not in huge[0]


@pytest.mark.parametrize(
    "counts, expected",
    [
        ([1] * 14 + [5], True),  # 5 against a median of 1
        ([2] * 14 + [5], False),  # not three times the normal
        ([0] * 14 + [4], False),  # a quiet topic: 4 articles are not a spike
        ([0] * 13 + [30] + [5], True),  # one busy day does not raise the median
        ([3] * 14 + [9], True),
    ],
    ids=["5-vs-1", "5-vs-2", "4-vs-0", "busy-day-ignored", "9-vs-3"],
)
def test_spike_rule(counts, expected):
    assert (spike(counts, date(2026, 5, 1)) is not None) is expected


@pytest.mark.parametrize(
    "history, expected",
    [(0, None), (6, None), (7, 7), (14, None), (30, None)],
    ids=["first-day", "six-days", "seven-days", "fourteen-with-the-busy-week", "thirty"],
)
def test_spike_needs_a_week_of_history_and_counts_the_days_it_has(history, expected):
    counts = [3] * 8 + [0] * 6 + [6]  # the last 7 days before today are quiet, the 7 before not
    found = spike(counts, date(2026, 5, 1), history)
    assert (found and found.days) == expected


def test_spike_pass_says_how_many_days_of_history_and_waits_for_seven(httpserver, tmp_path):
    """Independent of the wall clock: `now` is yesterday noon (UTC), passed in."""
    from sqlalchemy import update

    from bot.config import parse_config
    from bot.match.matcher import Topic
    from bot.model import FeedSpec
    from bot.pipeline.digests import chat_plans, spike_pass
    from bot.store import Store
    from bot.store.tables import poll_runs
    from tests.conftest import poll, rss

    now = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(12), UTC)
    items = [{"title": f"Remain in Mexico surge {n}", "link": f"https://x.example/{n}",
              "guid": f"g{n}", "pubDate": now - timedelta(minutes=5 * n + 1)}
             for n in range(6)]  # fmt: skip
    items += [{"title": f"Remain in Mexico day {d}", "link": f"https://x.example/d{d}",
               "guid": f"d{d}", "pubDate": now - timedelta(days=d)}
              for d in range(1, 12)]  # fmt: skip
    httpserver.expect_request("/feed").respond_with_data(rss(items), content_type="text/xml")
    config = parse_config(
        "settings: {timezone: UTC}\ntopics: {mpp: {title: MPP, query: '\"remain in mexico\"'}}\n"
        "chats: [{id: -1001, name: Team}]\n"
    )
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        store.sync_feeds([FeedSpec("Wire", httpserver.url_for("/feed"))], now)
        poll(store, topics=[Topic(id="mpp", query='"remain in mexico"')])
        plans = chat_plans(config, store.chat_settings())

        def monitoring_since(days: int) -> int:
            with store.engine.begin() as conn:
                conn.execute(update(poll_runs).values(started_at=now - timedelta(days=days)))
            return asyncio.run(spike_pass(store, None, plans, now=now))

        assert monitoring_since(3) == 0  # 3 days of history: no normal to compare with yet
        assert monitoring_since(9) == 1
        (part,) = store.pending_parts("-1001")
        assert "6 articles today" in part.html and "median of the 9 days before is 1" in part.html
        assert monitoring_since(30) == 0  # once a day
    finally:
        store.close()


def test_daily_counts_use_local_days():
    times = [datetime(2026, 5, 1, 6, 30, tzinfo=UTC), datetime(2026, 5, 1, 8, tzinfo=UTC)]
    # 06:30 UTC is still April 30 in Los Angeles.
    assert daily_counts(times, "America/Los_Angeles", date(2026, 5, 1), 3) == [0, 1, 1]


def test_trend_caption_and_period():
    counts = [0, 4, 1, 7, 0, 2, 3]
    text = caption("MPP & courts", counts, date(2026, 5, 7))
    assert "MPP &amp; courts" in text and "17 articles in 7 days" in text
    assert "Busiest: May 4 (7), May 2 (4), May 7 (3)" in text
    assert busiest([0, 0]) == [] and parse_days("14d") == 14 and parse_days(None) == 30
    with pytest.raises(ValueError):
        parse_days("forever")


def test_rate_limit_window():
    now = [0.0]
    limit = RateLimit(2, clock=lambda: now[0])
    assert [limit.allow(1) for _ in range(4)] == ["ok", "ok", "refuse", "silent"]
    assert limit.allow(2) == "ok"
    now[0] = 61
    assert limit.allow(1) == "ok"


def test_the_connected_address_is_checked_not_only_the_name(httpserver):
    """DNS rebinding: a name that resolved to a public address at the check may connect to
    an internal one; the address the connection reached is what is refused."""
    assert "loopback" in connected_reason(("127.0.0.1", 80), "public.example", frozenset())
    assert connected_reason(("93.184.216.34", 80), "public.example", frozenset()) is None
    assert connected_reason(None, "public.example", frozenset()) is not None
    httpserver.expect_request("/f").respond_with_data("<rss/>")

    async def go():
        async with Fetcher(FetchLimits()) as fetcher:
            where = Target("http", httpserver.host, httpserver.port, "/f")
            response, _, _ = await fetcher._follow(httpserver.url_for("/f"), where, {})
            with pytest.raises(FetchError, match="connected to a non-public address"):
                await fetcher._check_connected(response, httpx.URL("http://public.example/f"))

    asyncio.run(go())


def test_polls_of_chat_feeds_refuse_private_hosts(httpserver, tmp_path):
    from bot.model import FeedSpec
    from bot.store import Store
    from tests.conftest import poll, rss

    httpserver.expect_request("/feed").respond_with_data(rss([]), content_type="text/xml")
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        spec = FeedSpec("Sneaky", httpserver.url_for("/feed").replace("localhost", "127.0.0.1"))
        store.add_feed(FeedSpec(spec.name, spec.url, origin="chat"), datetime.now(UTC))
        poll(store)
        feed = store.feed_states()[0]
        assert "refused: 127.0.0.1 resolves to a non-public address" in feed.last_error
    finally:
        store.close()


def test_check_shows_what_chats_changed(workdir):
    from bot.store import Store

    config = "topics: {mpp: {title: MPP, query: mpp}}\nchats: [{id: -1001, name: T}]\n"
    first = bot(workdir, "check", config=config)
    assert first.returncode == 0 and "database:" not in first.stdout
    bot(workdir, "stats", config=config)  # creates the database
    store = Store.open(f"sqlite:///{workdir / 'bot.db'}")
    now = datetime.now(UTC)
    store.set_chat_access("-2002", "approved", name="Legal aid", by=7, now=now)
    store.set_topic_choice("-1001", "mpp", TopicChoice(True, True), 7, now)
    store.add_watch(Watch("-1001", "tps", '"temporary protected status"', False), 7, now)
    store.set_chat_schedule("-1001", ChatSchedule("0 8 * * 1-5", "America/Tijuana"), 7, now)
    store.close()
    shown = bot(workdir, "check", config=config).stdout
    assert "1 chats approved from Telegram, 1 topic choices, 1 watches, 1 digest sch" in shown
    assert "chat -1001: topic mpp: digest+alerts" in shown and "watch tps" in shown
    assert "chat -1001: digest 0 8 * * 1-5, timezone America/Tijuana" in shown


def test_watch_backfill_is_bounded_and_keeps_other_matches(httpserver, tmp_path):
    from bot.chat.backfill import backfill
    from bot.match.matcher import Topic
    from bot.model import FeedSpec
    from bot.store import Store
    from tests.conftest import poll, rss

    now = datetime.now(UTC)
    items = [{"title": f"Asylum ruling {n}", "link": f"https://x.example/{n}", "guid": f"g{n}",
              "pubDate": now - timedelta(days=n * 10)} for n in range(5)]  # fmt: skip
    httpserver.expect_request("/feed").respond_with_data(rss(items), content_type="text/xml")
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        store.sync_feeds([FeedSpec("Wire", httpserver.url_for("/feed"))], now)
        poll(store, topics=[Topic(id="asylum", query="asylum")])
        watch = Watch("-1001", "rulings", "ruling", False)
        capped = backfill(store, watch, now=now, stamp=now, limit=2, batch=1)
        assert (capped.articles, capped.matched, capped.complete) == (2, 2, False)
        full = backfill(store, watch, now=now, stamp=now, batch=2)  # 0, 10, 20 days old
        assert (full.articles, full.matched, full.complete) == (3, 1, True)
        assert len(store.topic_times(watch.topic_id, now - timedelta(days=99))) == 3
        assert len(store.topic_times("asylum", now - timedelta(days=99))) == 5  # untouched
    finally:
        store.close()


def test_replies_are_paced_per_chat_after_a_burst_and_buttons_are_not():
    import time

    from bot.chat.flood import ReplyLimiter
    from bot.delivery.ratelimit import RateLimiter, RateLimits

    limiter = ReplyLimiter(RateLimiter(RateLimits(per_chat_interval=0.2, per_chat_burst=2)))
    sent: list[tuple[str, float]] = []

    async def call(endpoint):
        sent.append((endpoint, time.monotonic()))
        return True

    async def go():
        start = time.monotonic()
        for endpoint in ["sendMessage"] * 4 + ["answerCallbackQuery"] * 3:
            await limiter.process_request(call, (endpoint,), {}, endpoint, {"chat_id": -5}, None)
        return start

    start = asyncio.run(go())
    offsets = [round(at - start, 1) for _, at in sent]
    assert offsets[:2] == [0.0, 0.0]  # the burst goes at once
    assert offsets[2] >= 0.4 and offsets[3] >= 0.4  # then two in every 0.4 s
    assert offsets[6] - offsets[3] < 0.1  # answering a button press is not held back


def test_digest_parts_keep_the_steady_pace_with_a_burst_limiter():
    import time

    from bot.delivery.ratelimit import RateLimiter, RateLimits

    limiter = RateLimiter(RateLimits(per_chat_interval=0.2, per_chat_burst=3))

    async def go():
        times = []
        for burst in (False, False, True):
            await limiter.wait(7, burst=burst)
            times.append(time.monotonic())
        return times

    first, second, reply = asyncio.run(go())
    assert second - first >= 0.19  # digest parts: one per interval, as before
    assert reply - second < 0.1  # a reply may follow at once: 2 of 3 in the burst window
