"""Shared fixtures: a real SQLite store in a temp dir, feeds served over real local HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

import pytest
from hypothesis import is_hypothesis_test

from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.next_poll import PollPolicy
from bot.match.matcher import Matcher
from bot.model import FeedSpec, FeedState, PollSummary
from bot.pipeline.poll import poll_cycle
from bot.store import Store

pytest_plugins = ["tests.fakebotapi", "tests.postgres"]

# Generous enough for a loaded CI machine; the slow-server test waits this long once.
FAST_LIMITS = FetchLimits(connect_timeout=5, read_timeout=3, max_bytes=200_000, max_redirects=3)


@pytest.fixture
def store(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    yield store
    store.close()


def rss(items: list[dict], *, language: str | None = "en-us", title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document; each item dict may have title, link, guid, description,
    pubDate (datetime), source (name, url)."""
    parts = []
    for item in items:
        fields = []
        for key in ("title", "link", "guid", "description"):
            if key in item:
                fields.append(f"<{key}>{escape(item[key])}</{key}>")
        if "pubDate" in item:
            fields.append(f"<pubDate>{format_datetime(item['pubDate'])}</pubDate>")
        if "source" in item:
            name, url = item["source"]
            fields.append(f'<source url="{escape(url)}">{escape(name)}</source>')
        parts.append("<item>" + "".join(fields) + "</item>")
    lang = f"<language>{language}</language>" if language else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>{lang}"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def add_feeds(store: Store, *specs: tuple[str, str]) -> list[FeedState]:
    store.sync_feeds([FeedSpec(name, url) for name, url in specs], datetime.now(UTC))
    states = {f.name: f for f in store.feed_states()}
    return [states[name] for name, _ in specs]


def poll(
    store: Store, feeds=None, limits: FetchLimits = FAST_LIMITS, policy=None, topics=()
) -> PollSummary:
    """One real poll cycle over the given feeds (default: every stored feed)."""
    feeds = store.feed_states() if feeds is None else feeds

    async def go():
        async with Fetcher(limits) as fetcher:
            return await poll_cycle(
                feeds, fetcher, store, policy or PollPolicy(), Matcher(list(topics))
            )

    return asyncio.run(go())


def feed_state(store: Store, name: str) -> FeedState:
    return next(f for f in store.feed_states() if f.name == name)


def pytest_collection_modifyitems(items):
    """Hypothesis properties are slow by nature: `make test-fast` leaves them out, as it
    does every test marked slow (the full service, the benchmarks, the whole corpus)."""
    for item in items:
        if is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.slow)
