"""What the command line prints: feed health rows and poll summaries, as data and as text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
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


# When this share of feeds (and at least OFFLINE_MIN of them) could not even connect, the
# machine is the likely cause, not the publishers: one line says so instead of N errors.
MOST = 0.8
OFFLINE_MIN = 3
_DNS_ERRORS = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "no address associated with hostname",
    "getaddrinfo failed",
    "cannot resolve",
)
_CONNECT_ERRORS = ("cannot connect", "connect timed out", "network is unreachable")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*([^\])]+)")


def connection_failure(error: str | None) -> str | None:
    """ "dns" or "connect" when a fetch error means the feed's host was never reached
    (bot/feeds/fetch.py's and safety.py's messages); None for any other error."""
    text = (error or "").lower()
    if any(marker in text for marker in _DNS_ERRORS):
        return "dns"
    if any(marker in text for marker in _CONNECT_ERRORS):
        return "connect"
    return None


def _reason(error: str) -> str:
    """The operating system's words: 'Name or service not known', 'Connection refused'."""
    found = _ERRNO.search(error)
    reason = found.group(1) if found else error.rsplit(": ", 1)[-1]
    return reason.strip()[:80]


def offline_hint(errors: Sequence[str | None]) -> str | None:
    """One line when most feeds polled failed to connect or resolve their host (one
    entry per feed: its error, None when it worked): the machine seems to be offline."""
    total = len(errors)
    failed = [e for e in errors if e and connection_failure(e)]
    if len(failed) < OFFLINE_MIN or len(failed) < MOST * total:
        return None
    reason = Counter(_reason(e) for e in failed).most_common(1)[0][0]
    dns = sum(connection_failure(e) == "dns" for e in failed)
    cause = (
        "this machine seems to be offline or its DNS is failing"
        if 2 * dns >= len(failed)
        else "this machine seems to be offline, or a firewall or proxy blocks it"
    )
    which = "every feed" if len(failed) == total else "most feeds"
    return f"{which} failed to connect ({len(failed)} of {total}; {reason!r}): {cause}"


def failing_feeds(feeds: Sequence[FeedState]) -> tuple[str, str | None] | None:
    """For `health`: ("35 of 35 feeds failing", the offline hint or None) when most
    enabled feeds are failing now (parked feeds count as enabled, not as failing); None
    otherwise. The feeds' state, not the last cycle's: during an outage most cycles poll
    nothing, the failing feeds waiting out their backoff."""
    enabled = [f for f in feeds if f.enabled]
    errors = [
        (f.last_error or "failing") if f.consecutive_failures and not f.parked_reason else None
        for f in enabled
    ]
    failing = sum(e is not None for e in errors)
    if not failing or failing < MOST * len(enabled):
        return None
    return f"{failing} of {len(enabled)} feeds failing", offline_hint(errors)
