"""One poll of one feed, end to end (fetch → parse → normalize → dedup → store), and a
cycle over many. The one place where the pure core and the edges meet."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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


class UnchangedFeeds:
    """State updates of feeds that had nothing new, written together: one transaction per
    hundred feeds instead of one per feed. A crash loses only their poll timestamps, so
    those feeds are polled once more; nothing else."""

    BATCH = 100

    def __init__(self, store: Store):
        self.store = store
        self.pending: list[tuple[int, datetime, dict]] = []

    def add(self, feed_id: int, now: datetime, state: dict) -> None:
        self.pending.append((feed_id, now, state))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.store.record_successes(self.pending)
            self.pending = []


async def poll_feed(
    feed: FeedState,
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    clock: Clock = utc_now,
    unchanged: UnchangedFeeds | None = None,
    ingest_thread: ThreadPoolExecutor | None = None,
) -> FeedOutcome:
    """Poll one feed and record the result; never raises for a feed's own failure.

    Parsing and storing run in `ingest_thread` (default: asyncio's pool) while the event
    loop goes on fetching.
    """
    now = clock()
    interval = feed.interval or policy.poll_interval
    unchanged = unchanged or UnchangedFeeds(store)
    try:
        result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        body_hash = hashlib.sha256(result.body).hexdigest() if not result.not_modified else None
        if result.not_modified or body_hash == feed.body_hash:  # some servers never send 304
            state = {
                "next_poll_at": next_poll_ok(now, interval),
                "url": result.moved_to or feed.url,
            }
            if not result.not_modified:
                state.update(etag=result.etag, last_modified=result.last_modified)
            unchanged.add(feed.id, now, state)
            return FeedOutcome(feed.name, "not_modified", next_poll=state["next_poll_at"])
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            ingest_thread, _ingest, feed, result, body_hash, store, interval, now
        )
    except (FetchError, ParseError) as exc:
        return _fail(feed, store, policy, interval, now, exc)
    except Exception as exc:  # a bug: log it loudly, keep the cycle going
        log.exception("feed %r: internal error", feed.name)
        return _fail(feed, store, policy, interval, now, exc, internal=True)


def _ingest(
    feed: FeedState,
    result: FetchResult,
    body_hash: str,
    store: Store,
    interval: float,
    now: datetime,
) -> FeedOutcome:
    """Turn a fetched body into stored articles (runs in a worker thread)."""
    state = {
        "next_poll_at": next_poll_ok(now, interval),
        "url": result.moved_to or feed.url,
        "etag": result.etag,
        "last_modified": result.last_modified,
    }
    if result.moved_to:
        log.info("feed %r moved permanently to %s", feed.name, result.moved_to)
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


async def poll_feeds(
    feeds: list[FeedState],
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    *,
    clock: Clock = utc_now,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> list[FeedOutcome]:
    """Poll the given feeds concurrently (the fetcher enforces the limits)."""
    unchanged = UnchangedFeeds(store)
    # One thread parses and stores: CPU work, so more threads would only fight over the GIL
    # (measured: three times the CPU time, mostly in futex waits).
    ingest_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")

    async def one(feed: FeedState) -> FeedOutcome:
        outcome = await poll_feed(feed, fetcher, store, policy, clock, unchanged, ingest_thread)
        if on_feed_done:
            on_feed_done(outcome)
        return outcome

    try:
        return list(await asyncio.gather(*(one(feed) for feed in feeds)))
    finally:
        ingest_thread.shutdown(wait=True)
        unchanged.flush()


async def poll_cycle(
    feeds: list[FeedState],
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    *,
    clock: Clock = utc_now,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> PollSummary:
    """One cycle in this process: poll the feeds, then record the cycle's summary."""
    started = clock()
    outcomes = await poll_feeds(
        feeds, fetcher, store, policy, clock=clock, on_feed_done=on_feed_done
    )
    finished = clock()
    summary = PollSummary(outcomes, (finished - started).total_seconds())
    store.record_cycle(started, finished, summary.as_dict())
    return summary
