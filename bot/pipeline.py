"""One poll of one feed, end to end (fetch → parse → normalize → dedup → store), and a
cycle over many. The one place where the pure core and the edges meet."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.durations import format_duration
from bot.errors import FetchError, ParseError
from bot.feeds.fetch import Fetcher, FetchResult
from bot.feeds.normalize import distinct_entries, normalize_entry
from bot.feeds.parse import parse_feed
from bot.feeds.schedule import PollPolicy, next_poll_failed, next_poll_ok
from bot.model import Article, FeedOutcome, FeedState, PollSummary
from bot.store import Store

log = logging.getLogger("bot.poll")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


async def poll_feed(
    feed: FeedState,
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    clock: Clock = utc_now,
) -> FeedOutcome:
    """Poll one feed and record the result; never raises for a feed's own failure."""
    now = clock()
    interval = feed.interval or policy.poll_interval
    try:
        result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        return await asyncio.to_thread(_ingest, feed, result, store, interval, now)
    except (FetchError, ParseError) as exc:
        return _fail(feed, store, policy, interval, now, exc)
    except Exception as exc:  # a bug: log it loudly, keep the cycle going
        log.exception("feed %r: internal error", feed.name)
        return _fail(feed, store, policy, interval, now, exc, internal=True)


def _ingest(
    feed: FeedState, result: FetchResult, store: Store, interval: float, now: datetime
) -> FeedOutcome:
    """Turn a fetch result into stored articles (runs in a worker thread)."""
    state = {"next_poll_at": next_poll_ok(now, interval), "url": result.moved_to or feed.url}
    if result.moved_to:
        log.info("feed %r moved permanently to %s", feed.name, result.moved_to)
    if result.not_modified:
        store.record_success(feed.id, now, **state)
        return FeedOutcome(feed.name, "not_modified", next_poll=state["next_poll_at"])
    state.update(etag=result.etag, last_modified=result.last_modified)
    body_hash = hashlib.sha256(result.body).hexdigest()
    if body_hash == feed.body_hash:  # servers with stale or no validators
        store.record_success(feed.id, now, **state)
        return FeedOutcome(feed.name, "not_modified", next_poll=state["next_poll_at"])
    parsed = parse_feed(result.body, result.content_type, result.final_url)
    language = parsed.language or feed.language
    batch: list[Article] = []
    for raw in parsed.entries:
        article = normalize_entry(raw, feed=feed.name, fetched_at=now, feed_language=language)
        if article is not None:
            batch.append(article)
    # Oldest first, so that stored ids follow publication order.
    batch = sorted(distinct_entries(batch), key=lambda a: a.published)
    counts = store.save_poll(
        feed.id, batch, now, body_hash=body_hash, bozo=parsed.bozo, last_error=None, **state
    )
    log.info(
        "feed %r: %d entries, %d new, %d updated, %d duplicates%s",
        feed.name, len(parsed.entries), counts.new, counts.updated, counts.duplicates,
        f" (malformed: {parsed.bozo})" if parsed.bozo else "",
    )  # fmt: skip
    return FeedOutcome(
        feed.name,
        "ok",
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        duplicates=counts.duplicates,
        bozo=parsed.bozo,
        next_poll=state["next_poll_at"],
    )


def _fail(
    feed: FeedState,
    store: Store,
    policy: PollPolicy,
    interval: float,
    now: datetime,
    exc: Exception,
    internal: bool = False,
) -> FeedOutcome:
    failures = feed.consecutive_failures + 1
    message = f"internal error: {type(exc).__name__}: {exc}" if internal else str(exc)
    status = getattr(exc, "status", None)
    if status == 410:
        parked = "HTTP 410 Gone: the publisher removed this feed (retried daily)"
        next_poll = now + timedelta(seconds=policy.gone_retry)
    else:
        parked = None
        next_poll = next_poll_failed(
            now, failures, interval, policy, retry_after=getattr(exc, "retry_after", None)
        )
    store.record_failure(feed.id, now, error=message, next_poll_at=next_poll, parked_reason=parked)
    wait = format_duration((next_poll - now).total_seconds())
    log.warning("feed %r failed (%s); next try in %s", feed.name, message, wait)
    return FeedOutcome(
        feed.name, "parked" if parked else "failed", error=message, next_poll=next_poll
    )


async def poll_cycle(
    feeds: list[FeedState],
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    *,
    clock: Clock = utc_now,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> PollSummary:
    """Poll the given feeds concurrently (the fetcher enforces the limits)."""
    started = clock()

    async def one(feed: FeedState) -> FeedOutcome:
        outcome = await poll_feed(feed, fetcher, store, policy, clock)
        if on_feed_done:
            on_feed_done(outcome)
        return outcome

    outcomes = await asyncio.gather(*(one(feed) for feed in feeds))
    finished = clock()
    summary = PollSummary(list(outcomes), (finished - started).total_seconds())
    store.record_cycle(started, finished, summary.as_dict())
    return summary
