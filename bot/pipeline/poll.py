"""One poll of one feed, end to end, in two halves:

    fetch_feed:  fetch → parse → normalize      (no database: runs in any process)
    record:      dedup → store, and the feed's new state (the one writer)

and a cycle over many feeds. The one place where the pure core and the edges meet.
Keeping the writer separate lets worker processes fetch and parse while a single
process writes, which is what SQLite wants (bot/pipeline/workers.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.durations import format_duration
from bot.errors import FetchError, ParseError, StoreError
from bot.feeds.fetch import Fetcher, FetchResult
from bot.feeds.next_poll import PollPolicy, next_poll_failed, next_poll_ok
from bot.match.matcher import Match, Matcher, build_document
from bot.model import Article, FeedOutcome, FeedState, PollSummary, utc_now
from bot.store import PolledFeed, Prepared, Store, prepare_articles

log = logging.getLogger("bot.poll")

Clock = Callable[[], datetime]
KnownEntries = Callable[[int, list[str]], dict[str, str]]  # feed id, entry ids → content hashes
GONE = "HTTP 410 Gone: the publisher removed this feed (retried daily)"


@dataclass
class Fetched:
    """What fetching one feed produced, before anything is stored (picklable)."""

    feed: FeedState
    at: datetime
    kind: str  # "articles", "unchanged" or "failed"
    state: dict  # the feed row's new values
    articles: list[Article] = field(default_factory=list)
    matches: dict[str, list[Match]] = field(default_factory=dict)  # by entry id
    entries: int = 0
    bozo: str | None = None
    error: str | None = None
    prepared: dict[str, Prepared] = field(default_factory=dict)  # by entry id, for the writer


async def fetch_feed(
    feed: FeedState,
    fetcher: Fetcher,
    policy: PollPolicy,
    matcher: Matcher,
    clock: Clock = utc_now,
    parse_thread: ThreadPoolExecutor | None = None,
    known: KnownEntries | None = None,
) -> Fetched:
    """Fetch, parse and match one feed; never raises for the feed's own failure.

    Parsing and matching run in `parse_thread` (default: asyncio's pool) while the loop
    goes on fetching. For a `full_text` feed, `known` (stored entries' content hashes)
    tells which entries' pages to fetch before matching.
    """
    now = clock()
    interval = feed.interval or policy.poll_interval
    try:
        result = await fetcher.fetch(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            public_only=feed.origin != "config",  # OPML and chat feeds: public hosts only
        )
        state = {"next_poll_at": next_poll_ok(now, interval), "url": result.moved_to or feed.url}
        if result.moved_to:
            log.info("feed %r moved permanently to %s", feed.name, result.moved_to)
        if result.not_modified:
            return Fetched(feed, now, "unchanged", state)
        state.update(etag=result.etag, last_modified=result.last_modified)
        state["body_hash"] = hashlib.sha256(result.body).hexdigest()
        if state["body_hash"] == feed.body_hash:  # servers with stale or no validators
            return Fetched(feed, now, "unchanged", state)
        loop = asyncio.get_running_loop()
        if not (feed.full_text and known):
            return await loop.run_in_executor(
                parse_thread, _parse, feed, result, state, now, matcher
            )
        # Imported on first use, as _parse's imports are.
        from bot.feeds.fulltext import add_full_text

        fetched = await loop.run_in_executor(parse_thread, _parse, feed, result, state, now, None)
        stored = await loop.run_in_executor(
            parse_thread, known, feed.id, [a.entry_id for a in fetched.articles]
        )
        fetched.articles = await add_full_text(fetched.articles, stored, fetcher, parse_thread)
        fetched.matches = await loop.run_in_executor(
            parse_thread, match_articles, matcher, fetched.articles
        )
        fetched.prepared = await loop.run_in_executor(
            parse_thread, prepare_articles, fetched.articles
        )
        return fetched
    except (FetchError, ParseError) as exc:
        return _failure(feed, policy, interval, now, exc)
    except Exception as exc:  # a bug: log it loudly, keep the cycle going
        log.exception("feed %r: internal error", feed.name)
        return _failure(feed, policy, interval, now, exc, internal=True)


def _parse(
    feed: FeedState, result: FetchResult, state: dict, now: datetime, matcher: Matcher | None
) -> Fetched:
    """Bytes → normalized articles (oldest first, so stored ids follow publication) and,
    given a matcher, the topics each matches."""
    # Imported on first use: a cycle of 304s never needs feedparser (~60 ms to import),
    # nor normalizing and its tables (~5 ms of every re-poll process's start).
    from bot.feeds.normalize import distinct_entries, normalize_entry
    from bot.feeds.parse import parse_feed

    parsed = parse_feed(result.body, result.content_type, result.final_url)
    language = parsed.language or feed.language
    batch = []
    for raw in parsed.entries:
        article = normalize_entry(raw, feed=feed.name, fetched_at=now, feed_language=language)
        if article is not None:
            batch.append(article)
    batch = sorted(distinct_entries(batch), key=lambda a: a.published)
    state.update(bozo=parsed.bozo, last_error=None)
    fetched = Fetched(feed, now, "articles", state, batch, entries=len(parsed.entries),
                      bozo=parsed.bozo)  # fmt: skip
    if matcher is not None:  # else full text comes first: matching and preparing wait for it
        fetched.matches, fetched.prepared = match_articles(matcher, batch), prepare_articles(batch)
    return fetched


class MatcherOnFirstUse:
    """Stands in for a cycle's Matcher until an article needs matching: a cycle of
    unchanged feeds then never reads the chats' watches nor compiles the topics (~10 ms
    of a re-poll process's start). A worker process builds its own the first time it
    parses (forked before that, it shares nothing with the parent's)."""

    def __init__(self, build: Callable[[], Matcher]):
        self._build = build
        self._built: Matcher | None = None
        self._lock = threading.Lock()

    @property
    def matcher(self) -> Matcher:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    @property
    def topics(self):
        return self.matcher.topics

    def match(self, document) -> list[Match]:
        return self.matcher.match(document)


def match_articles(matcher: Matcher, batch: list[Article]) -> dict[str, list[Match]]:
    """Topics of each article that matches any, by entry id (no topics: no tokenizing)."""
    if not matcher.topics:
        return {}
    return {a.entry_id: m for a in batch if (m := match_article(matcher, a))}


def match_article(matcher: Matcher, article: Article) -> list[Match]:
    """The topics an article matches, on its title, summary and full text."""
    doc = build_document(
        article.title,
        article.summary,
        article.content,
        language=article.language,
        feed=article.feed,
    )
    return matcher.match(doc)


def _failure(
    feed: FeedState,
    policy: PollPolicy,
    interval: float,
    now: datetime,
    exc: Exception,
    internal: bool = False,
) -> Fetched:
    message = f"internal error: {type(exc).__name__}: {exc}" if internal else str(exc)
    if getattr(exc, "status", None) == 410:
        parked, next_poll = GONE, now + timedelta(seconds=policy.gone_retry)
    else:
        retry_after = getattr(exc, "retry_after", None)
        failures = feed.consecutive_failures + 1
        parked = None
        next_poll = next_poll_failed(now, failures, interval, policy, retry_after=retry_after)
    state = {"error": message, "next_poll_at": next_poll, "parked_reason": parked}
    return Fetched(feed, now, "failed", state, error=message)


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


def record(store: Store, fetched: Fetched, unchanged: UnchangedFeeds) -> FeedOutcome:
    """Store what a fetch produced; each feed's articles and state in one transaction."""
    return record_many(store, [fetched], unchanged)[0]


def record_many(store: Store, batch: list[Fetched], unchanged: UnchangedFeeds) -> list[FeedOutcome]:
    """Store several fetches; the feeds with articles share one transaction (each feed
    whole), and if that fails they are written one by one, so one bad feed sinks none."""
    outcomes: dict[int, FeedOutcome] = {}
    with_articles = []
    for fetched in batch:
        if fetched.kind == "unchanged":
            unchanged.add(fetched.feed.id, fetched.at, fetched.state)
            outcomes[id(fetched)] = FeedOutcome(
                fetched.feed.name, "not_modified", next_poll=fetched.state["next_poll_at"]
            )
        elif fetched.kind == "failed":
            outcomes[id(fetched)] = _record_failure(store, fetched)
        else:
            with_articles.append(fetched)
    if not with_articles:  # a group of unchanged or failed feeds: no transaction to open
        return [outcomes[id(fetched)] for fetched in batch]
    try:
        counts = store.save_polls([_poll_row(f) for f in with_articles])
        for fetched, feed_counts in zip(with_articles, counts, strict=True):
            outcomes[id(fetched)] = _articles_outcome(fetched, feed_counts)
    except StoreError as exc:
        if exc.fault:  # the file or the disk: no other feed would store either
            raise
        for fetched in with_articles:
            outcomes[id(fetched)] = _record_alone(store, fetched)
    except Exception:  # a bug or one feed's data: find the feed it belongs to
        for fetched in with_articles:
            outcomes[id(fetched)] = _record_alone(store, fetched)
    return [outcomes[id(fetched)] for fetched in batch]


def _poll_row(fetched: Fetched) -> PolledFeed:
    return PolledFeed(
        fetched.feed.id, fetched.articles, fetched.at, fetched.state, fetched.matches,
        fetched.prepared,
    )  # fmt: skip


def _record_alone(store: Store, fetched: Fetched) -> FeedOutcome:
    """One feed in its own transaction; if even that fails, the feed fails (visibly)."""
    try:
        return _articles_outcome(fetched, store.save_polls([_poll_row(fetched)])[0])
    except StoreError as exc:
        if exc.fault:
            raise
        return _storing_failed(store, fetched, exc)
    except Exception as exc:
        return _storing_failed(store, fetched, exc)


def _storing_failed(store: Store, fetched: Fetched, exc: Exception) -> FeedOutcome:
    """The feed fails, visibly, with the reason; the others go on."""
    log.error("feed %r: could not store its articles", fetched.feed.name, exc_info=exc)
    message = f"internal error: storing failed: {type(exc).__name__}: {exc}"[:500]
    try:
        store.record_failure(
            fetched.feed.id,
            fetched.at,
            error=message,
            next_poll_at=fetched.state["next_poll_at"],
            parked_reason=None,
        )
    except Exception:
        log.exception("feed %r: could not record its failure either", fetched.feed.name)
    return FeedOutcome(fetched.feed.name, "failed", error=message)


def _record_failure(store: Store, fetched: Fetched) -> FeedOutcome:
    feed, now, state = fetched.feed, fetched.at, fetched.state
    next_poll = state["next_poll_at"]
    store.record_failure(feed.id, now, **state)
    wait = format_duration((next_poll - now).total_seconds())
    log.warning("feed %r failed (%s); next try in %s", feed.name, fetched.error, wait)
    status = "parked" if state["parked_reason"] else "failed"
    return FeedOutcome(feed.name, status, error=fetched.error, next_poll=next_poll)


def _articles_outcome(fetched: Fetched, counts) -> FeedOutcome:
    feed = fetched.feed
    log.info(
        "feed %r: %d entries, %d new, %d updated, %d duplicates%s",
        feed.name, fetched.entries, counts.new, counts.updated, counts.duplicates,
        f" (malformed: {fetched.bozo})" if fetched.bozo else "",
    )  # fmt: skip
    return FeedOutcome(
        feed.name,
        "ok",
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        duplicates=counts.duplicates,
        bozo=fetched.bozo,
        next_poll=fetched.state["next_poll_at"],
    )


async def poll_feeds(
    feeds: list[FeedState],
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    matcher: Matcher,
    *,
    clock: Clock = utc_now,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> list[FeedOutcome]:
    """Poll the given feeds concurrently in this process (the fetcher enforces the limits).

    One thread parses and writes: it is CPU work, and more threads would only fight over
    the GIL (measured: three times the CPU time, mostly in futex waits).
    """
    unchanged = UnchangedFeeds(store)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
    loop = asyncio.get_running_loop()

    async def one(feed: FeedState) -> FeedOutcome:
        fetched = await fetch_feed(
            feed, fetcher, policy, matcher, clock, worker, known=store.entry_hashes
        )
        outcome = await loop.run_in_executor(worker, record, store, fetched, unchanged)
        if on_feed_done:
            on_feed_done(outcome)
        return outcome

    try:
        return list(await asyncio.gather(*(one(feed) for feed in feeds)))
    finally:
        worker.shutdown(wait=True)
        unchanged.flush()


async def poll_cycle(
    feeds: list[FeedState],
    fetcher: Fetcher,
    store: Store,
    policy: PollPolicy,
    matcher: Matcher,
    *,
    clock: Clock = utc_now,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> PollSummary:
    """One cycle in this process: poll the feeds, then record the cycle's summary."""
    started = clock()
    outcomes = await poll_feeds(
        feeds, fetcher, store, policy, matcher, clock=clock, on_feed_done=on_feed_done
    )
    finished = clock()
    summary = PollSummary(outcomes, (finished - started).total_seconds())
    store.record_cycle(started, finished, summary.as_dict())
    return summary
