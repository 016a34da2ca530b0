"""What the command line prints: feed health rows and poll summaries, as data and as text."""

from __future__ import annotations

from datetime import datetime

from bot.durations import format_duration
from bot.model import FeedState


def feed_health(feed: FeedState, now: datetime) -> str:
    """One word or phrase a person can act on: ok, failing since …, parked, disabled."""
    if not feed.enabled:
        return "disabled"
    if feed.parked_reason:
        return f"parked: {feed.parked_reason}"
    if feed.consecutive_failures:
        since = feed.last_success_at or feed.last_error_at
        ago = f" (last ok {_ago(since, now)})" if feed.last_success_at else ""
        return f"failing ×{feed.consecutive_failures}{ago}"
    if feed.last_success_at is None:
        return "new"
    return "ok (malformed but readable)" if feed.bozo else "ok"


def feed_row(feed: FeedState, now: datetime) -> dict:
    """A feed as the JSON of `feeds --json`."""
    return {
        "name": feed.name,
        "url": feed.url,
        "configured_url": feed.config_url,
        "origin": feed.origin,
        "enabled": feed.enabled,
        "health": feed_health(feed, now),
        "last_success": _iso(feed.last_success_at),
        "last_error": feed.last_error,
        "last_error_at": _iso(feed.last_error_at),
        "consecutive_failures": feed.consecutive_failures,
        "next_poll": _iso(feed.next_poll_at),
        "parked_reason": feed.parked_reason,
        "malformed": feed.bozo,
        "articles": feed.articles,
        "tags": list(feed.tags),
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = (now - when).total_seconds()
    return f"{format_duration(seconds)} ago" if seconds >= 1 else "just now"


def when_text(when: datetime | None, now: datetime) -> str:
    """'5m ago', 'in 12m', 'now', '—'."""
    if when is None:
        return "—"
    seconds = (when - now).total_seconds()
    if abs(seconds) < 1:
        return "now"
    return f"in {format_duration(seconds)}" if seconds > 0 else _ago(when, now)


def next_poll_text(when: datetime | None, now: datetime) -> str:
    """When a feed is polled next: 'in 12m', or 'due now' once the time has come (a past
    time means the next cycle takes it, not that it was polled then)."""
    if when is None or when <= now:
        return "due now"
    return when_text(when, now)
