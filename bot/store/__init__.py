"""The store: one interface over the database (`Store`); SQL lives in this package only.

Each method is one transaction, so a crash between feeds loses nothing committed and
never leaves a feed half-written. Store holds the engine and the transactions; the
statements are in the repository modules, each owning:

- article_rows.py: articles, stored without duplicates (sightings), read back for rematch
- match_rows.py: matches of articles and topics, and the per-topic reads of them
- feed_rows.py: feeds: declared and added, enabled, their health and poll results
- poll_runs.py: one row per poll cycle (when monitoring began, the newest cycle)
- chat_rows.py: chat state: access, topic choices, schedules, watches, /search pages, spikes
- outbox_rows.py: deliveries, their parts, what each chat was given, chat delivery state
- stats.py: counts over the archive (`stats`, /status)
- retention.py: pruning old articles
- search_sqlite.py: search over the archive (SqliteSearch) and indexing new articles
- fts.py: the FTS5 index: schema, its share of indexing, query text
- search_pg.py: search on PostgreSQL (PgSearch: tsvector, GIN, unaccent), same methods
- search_rows.py: the per-hit rows SQLite's search ranks and filters by
- article_days.py: the id floor of each publication day (search's --since shortcut)
- tables.py: the schema as SQLAlchemy tables; db.py: engine, migrations, SQLite specifics
- postgres.py: PostgreSQL's engine and faults; dialect.py: what Core statements differ in
- locks.py: file locks beside the database (one poll cycle, one migration, one service)
- transfer.py: copying a whole archive into another store (`migrate-store`)
- leases.py: several processes on one database: feed leases, claims, heartbeats
- pg_locks.py: their PostgreSQL counterparts (advisory locks)

Both engines hold the same schema (the same Alembic migrations) and answer every method
alike; DATABASE_URL chooses (sqlite:///PATH or postgresql://USER@HOST/DB).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.digest.model import Candidate
from bot.match.matcher import Match
from bot.model import Article, FeedSpec, FeedState
from bot.store.article_rows import (
    ArticleText,
    Prepared,
    SaveCounts,
    articles_for_matching,
    prepare_articles,
    save_articles,
    stored_hashes,
)
from bot.store.chat_rows import (
    ChatSchedule,
    ChatSettings,
    TopicChoice,
    Watch,
    access_status,
    add_watch,
    load_search,
    load_settings,
    record_spike,
    remove_watch,
    save_search,
    set_access,
    set_schedule,
    set_topic,
    spike_sent,
    watch_topic_id,
)
from bot.store.db import database_exists, database_file, database_path, make_engine, migrate
from bot.store.feed_rows import (
    add_feed,
    declared_digest,
    feed_ids,
    load_states,
    record_failure,
    record_successes,
    set_feed_enabled,
    set_synced_digest,
    sync_declared,
    synced_digest,
)
from bot.store.fts import newest_article
from bot.store.leases import (
    ProcessRow,
    claim,
    claim_due_feeds,
    heartbeat,
    process_rows,
    prune_claims,
    release,
    release_feeds,
)
from bot.store.locks import cycle_lock, service_lock, session_lock
from bot.store.match_rows import (
    add_matches,
    forget_topic,
    replace_matches,
    topic_times,
    topic_top,
)
from bot.store.outbox_rows import (
    ChatState,
    PendingPart,
    chat_state,
    delivery_report,
    digest_candidates,
    enqueue,
    pending_parts,
    settle_part,
    update_chat,
)
from bot.store.pg_locks import pg_cycle_lock, pg_service_lock
from bot.store.poll_runs import first_poll, last_cycle, record_cycle
from bot.store.postgres import shown
from bot.store.retention import prune_articles, prune_summary
from bot.store.search_pg import PgSearch
from bot.store.search_pg import index_new_articles as pg_index_new_articles
from bot.store.search_sqlite import SqliteSearch, index_new_articles
from bot.store.stats import archive_stats, counts_since
from bot.store.transfer import CopyReport, TargetNotEmpty, copy_archive

__all__ = [
    "ArticleText", "ChatSchedule", "ChatSettings", "ChatState", "CopyReport", "PendingPart",
    "PolledFeed", "Prepared", "ProcessRow", "SaveCounts", "Store", "TargetNotEmpty",
    "TopicChoice", "Watch", "database_exists", "database_file", "prepare_articles",
]  # fmt: skip


@dataclass(frozen=True)
class PolledFeed:
    """One fetched feed to store (Store.save_polls): its articles, their matches and the
    feed row's new values, written together."""

    feed_id: int
    articles: Sequence[Article]
    at: datetime  # when it was fetched
    state: dict  # the feed row's new values (next_poll_at, etag, …)
    matches: Mapping[str, Sequence[Match]] = field(default_factory=dict)  # by entry id
    # Rows worked out where the feed was parsed (prepare_articles), by entry id; None or
    # a missing entry: the writer prepares it.
    prepared: Mapping[str, Prepared] | None = None


class Store:
    """Feeds, articles and poll history, behind methods that speak the bot's types."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        # SQLite has one writer at a time and makes the others sleep-poll (1, 2, 5… ms);
        # our own threads queue on a lock instead.
        self.write_lock = threading.Lock()

    @contextmanager
    def _writing(self):
        with self.write_lock, self.engine.begin() as conn:
            yield conn

    @classmethod
    def open(cls, database_url: str) -> Store:
        """Open (creating if needed) and migrate the database at database_url. A database
        already at the newest schema is only read here: read-only commands work on a
        read-only one. Faults of the file or the disk are StoreErrors (bot.store.db)."""
        engine = make_engine(database_url)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def kind(self) -> str:
        """Which store this is, for reports: "SQLite" or "PostgreSQL"."""
        return "PostgreSQL" if self.postgresql else "SQLite"

    def describe(self) -> str:
        """Which store and where, for reports (never a password)."""
        if self.postgresql:
            return f"PostgreSQL at {shown(self.engine.url)}"
        path = database_path(self.engine)
        return f"SQLite at {os.path.abspath(path)}" if path else "SQLite in memory"

    @property
    def shared(self) -> bool:
        """Whether several processes may write this database at once (PostgreSQL), each
        with its leases and claims; SQLite has one writer, one service."""
        return self.engine.dialect.name != "sqlite"

    def session_lock(self, name: str):
        """A lock held until closed or until this process dies (bot.store.locks): an
        object with close(), or None while another process holds it."""
        return session_lock(self.engine, name)

    def cycle_lock(self):
        """Context manager: whether this process may run a poll cycle now (bot.store.locks;
        on PostgreSQL an advisory lock, bot.store.pg_locks)."""
        if self.postgresql:
            return pg_cycle_lock(self.engine)
        return cycle_lock(database_path(self.engine))

    def service_lock(self):
        """Context manager: None when this process is now the database's one service, else
        who is ("pid 1234 on host-x since 2026-12-04 01:50 UTC"; bot.store.locks)."""
        if self.postgresql:
            return pg_service_lock(self.engine)
        return service_lock(database_path(self.engine))

    def sync_feeds(self, specs: Iterable[FeedSpec], now: datetime) -> None:
        """Make the declared feeds the config rows (bot.store.feed_rows.sync_declared).
        Nothing to do when these very feeds were the last synced in and no feed row was
        added or switched since: their digest is kept with them, and a start with an
        unchanged feeds.yaml reads one row instead of comparing every feed's."""
        specs = list(specs)
        digest = declared_digest(specs) if specs else None  # none declared: warn each time
        if digest is not None:
            with self.engine.connect() as conn:
                if synced_digest(conn) == digest:
                    return
        try:
            with self._writing() as conn:
                sync_declared(conn, specs, now)
                set_synced_digest(conn, digest)
        except IntegrityError:
            # Another process (the service and `health` started together on a new
            # database) added the same feeds first; now they exist and are updated.
            with self._writing() as conn:
                sync_declared(conn, specs, now)
                set_synced_digest(conn, digest)

    def add_feed(self, spec: FeedSpec, now: datetime) -> bool:
        with self._writing() as conn:
            return add_feed(conn, spec, now)

    def feed_states(
        self, *, due_at: datetime | None = None, with_counts: bool = True
    ) -> list[FeedState]:
        with self.engine.connect() as conn:
            return load_states(conn, due_at=due_at, with_counts=with_counts)

    def save_poll(
        self,
        feed_id: int,
        batch: Sequence[Article],
        now: datetime,
        topic_matches: Mapping[str, Sequence[Match]] | None = None,
        **feed_values,
    ) -> SaveCounts:
        """Store a fetched feed's articles, their matches and its new state together."""
        poll = PolledFeed(feed_id, batch, now, feed_values, topic_matches or {})
        return self.save_polls([poll])[0]

    def save_polls(self, polls: Sequence[PolledFeed]) -> list[SaveCounts]:
        """Several feeds in one transaction: each feed stays whole, and a commit per feed
        (the dominant cost of a big first poll) is saved. Prepared rows (prepare_articles,
        run where the feed was parsed) leave the writer less to do."""
        with self._writing() as conn:
            newest = newest_article(conn)
            counts = [
                save_articles(conn, p.feed_id, p.articles, p.at, p.matches, p.prepared)
                for p in polls
            ]
            (pg_index_new_articles if self.postgresql else index_new_articles)(conn, newest)
            record_successes(conn, [(p.feed_id, p.at, p.state) for p in polls])
            return counts

    def entry_hashes(self, feed_id: int, entry_ids: list[str]) -> dict[str, str]:
        """Content hashes of a feed's stored entries among these ids (a read)."""
        with self.engine.connect() as conn:
            return stored_hashes(conn, feed_id, entry_ids)

    def articles_for_matching(
        self, since: datetime | None, batch: int = 2000
    ) -> Iterator[list[ArticleText]]:
        """Stored articles (newest first) as ArticleText (id, title, summary, content,
        language, feed name), in batches, for `rematch`."""
        with self.engine.connect() as conn:
            yield from articles_for_matching(conn, since, batch)

    def replace_matches(self, by_article: Mapping[int, Sequence[Match]], now: datetime) -> None:
        with self._writing() as conn:
            replace_matches(conn, by_article, now)

    def record_successes(self, successes: list[tuple[int, datetime, dict]]) -> None:
        """Several feeds' (id, time, state) that had nothing new, in one transaction."""
        with self._writing() as conn:
            record_successes(conn, successes)

    def record_failure(self, feed_id: int, now: datetime, **values) -> None:
        with self._writing() as conn:
            record_failure(conn, feed_id, now, **values)

    def record_cycle(self, started: datetime, finished: datetime, summary: dict) -> None:
        with self._writing() as conn:
            record_cycle(conn, started, finished, summary)

    def first_poll(self) -> datetime | None:
        """When the first poll cycle started: monitoring (and coverage history) began."""
        with self.engine.connect() as conn:
            return first_poll(conn)

    def last_cycle(self) -> dict | None:
        """The newest poll cycle: its times and summary, or None before the first."""
        with self.engine.connect() as conn:
            return last_cycle(conn)

    @property
    def search(self) -> SqliteSearch | PgSearch:
        """The full-text index: ranked candidates, counts, rebuild and check."""
        return PgSearch(self.engine) if self.postgresql else SqliteSearch(self.engine)

    def feed_ids(self) -> dict[str, int]:
        """Every feed's name → id."""
        with self.engine.connect() as conn:
            return feed_ids(conn)

    def prune_summary(self, before: datetime) -> dict:
        """What prune(before) would delete: counts per feed and the oldest date."""
        with self.engine.connect() as conn:
            return prune_summary(conn, before)

    def prune(self, before: datetime) -> int:
        """Delete articles published before the cut-off (their matches, sightings and
        index entries go with them); how many went."""
        return prune_articles(self.engine, self.write_lock, before)

    def stats(self) -> dict:
        """Counts for `stats`: feeds, articles, per feed, per language, per topic."""
        with self.engine.connect() as conn:
            return archive_stats(conn)

    # The outbox (bot/delivery/outbox.py drives it).

    def digest_candidates(
        self, chat: str, topics: Sequence[str], found_since: datetime
    ) -> list[Candidate]:
        """Matches of these topics found since then, of articles the chat has not had."""
        with self.engine.connect() as conn:
            return digest_candidates(conn, chat, topics, found_since)

    def chat_state(self, chat: str) -> ChatState:
        with self.engine.connect() as conn:
            return chat_state(conn, chat)

    def update_chat(self, chat: str, **values) -> None:
        with self._writing() as conn:
            update_chat(conn, chat, **values)

    def enqueue(self, *, chat_values: Mapping | None = None, **delivery) -> int:
        """Write a delivery whole (parts, covered articles) and, in the same transaction,
        the chat's new state: a crash leaves either both or neither."""
        with self._writing() as conn:
            delivery_id = enqueue(conn, **delivery)
            if chat_values:
                update_chat(conn, delivery["chat"], **chat_values)
            return delivery_id

    def pending_parts(self, chat: str | None = None) -> list[PendingPart]:
        with self.engine.connect() as conn:
            return pending_parts(conn, chat)

    def settle_part(self, part: PendingPart, **outcome) -> None:
        with self._writing() as conn:
            settle_part(conn, part, **outcome)

    def delivery_report(self, delivery_id: int) -> dict[str, int]:
        with self.engine.connect() as conn:
            return delivery_report(conn, delivery_id)

    # What chats change from Telegram (bot/chat/).

    def chat_settings(self) -> ChatSettings:
        with self.engine.connect() as conn:
            return load_settings(conn)

    def chat_access(self, chat: str) -> str | None:
        """approved, told (was told once that the bot is private), or None."""
        with self.engine.connect() as conn:
            return access_status(conn, chat)

    def set_chat_access(self, chat: str, status: str | None, **values) -> None:
        with self._writing() as conn:
            set_access(conn, chat, status, **values)

    def set_topic_choice(self, chat: str, topic: str, choice: TopicChoice, by, now) -> None:
        with self._writing() as conn:
            set_topic(conn, chat, topic, choice, by, now)

    def set_chat_schedule(self, chat: str, schedule: ChatSchedule, by, now) -> None:
        with self._writing() as conn:
            set_schedule(conn, chat, schedule, by, now)

    def add_matches(self, by_article: Mapping[int, Sequence[Match]], stamp: datetime) -> int:
        """Add matches (found at `stamp`), keeping those already there; returns how many
        were new. replace_matches would drop the articles' other topics."""
        with self._writing() as conn:
            return add_matches(conn, by_article, stamp)

    def add_watch(self, watch: Watch, by: int | None, now: datetime) -> bool:
        with self._writing() as conn:
            return add_watch(conn, watch, by, now)

    def remove_watch(self, chat: str, name: str) -> bool:
        with self._writing() as conn:
            gone = remove_watch(conn, chat, name)
            if gone:
                forget_topic(conn, watch_topic_id(chat, name))
            return gone

    def save_search(self, chat: str, query: str, now: datetime, keep_after: datetime) -> int:
        with self._writing() as conn:
            return save_search(conn, chat, query, now, keep_after)

    def load_search(self, search_id: int) -> tuple[str, str] | None:
        with self.engine.connect() as conn:
            return load_search(conn, search_id)

    def topic_times(self, topic: str, since: datetime) -> list[datetime]:
        with self.engine.connect() as conn:
            return topic_times(conn, topic, since)

    def spike_sent(self, chat: str, topic: str, day: str) -> bool:
        with self.engine.connect() as conn:
            return spike_sent(conn, chat, topic, day)

    def enqueue_spike(self, topic: str, day: str, count: int, **delivery) -> int:
        """A spike alert in the outbox and its record (one a day per topic and chat),
        in one transaction."""
        with self._writing() as conn:
            delivery_id = enqueue(conn, **delivery)
            record_spike(conn, delivery["chat"], topic, day, count, delivery["created"])
            return delivery_id

    def topic_top(self, topic: str, since: datetime, limit: int = 5) -> list[dict]:
        with self.engine.connect() as conn:
            return topic_top(conn, topic, since, limit)

    def counts_since(self, since: datetime) -> tuple[int, int]:
        with self.engine.connect() as conn:
            return counts_since(conn, since)

    def set_feed_enabled(self, name: str, enabled: bool, now: datetime) -> bool:
        with self._writing() as conn:
            return set_feed_enabled(conn, name, enabled, now)

    def copy_to(self, target: Store, *, force: bool = False, progress=None) -> CopyReport:
        """Every table of this archive into target, ids included, then target's search
        index rebuilt (bot.store.transfer); TargetNotEmpty unless target is empty or force."""
        with self.write_lock, target.write_lock:
            report = copy_archive(self.engine, target.engine, force=force, progress=progress)
        report.indexed = target.search.rebuild()
        return report

    # Several processes on one database (bot/store/leases.py).

    def claim_due_feeds(
        self, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[FeedState]:
        """Up to `limit` due feeds, leased to owner for `lease`: no other worker takes them
        until their poll is stored or the lease runs out."""
        with self._writing() as conn:
            ids = claim_due_feeds(conn, owner, now, now + lease, limit)
            return load_states(conn, with_counts=False, ids=ids) if ids else []

    def release_feeds(self, owner: str, feed_ids: list[int]) -> None:
        with self._writing() as conn:
            release_feeds(conn, owner, feed_ids)

    def claim(self, key: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Whether owner now holds `key` for `lease` (see bot/store/leases.py)."""
        with self._writing() as conn:
            return claim(conn, key, owner, now, now + lease)

    def release(self, key: str, owner: str, *, done_at: datetime | None = None) -> None:
        with self._writing() as conn:
            release(conn, key, owner, done_at=done_at)

    @contextmanager
    def claimed(self, key: str, owner: str | None, now: datetime, lease: timedelta):
        """Context manager: whether this process does `key` now, released after. owner
        None (the service alone on SQLite): always."""
        if owner is None:
            yield True
            return
        got = self.claim(key, owner, now, lease)
        try:
            yield got
        finally:
            if got:
                self.release(key, owner)

    def prune_claims(self, now: datetime) -> None:
        with self._writing() as conn:
            prune_claims(conn, now)

    def heartbeat(self, row: ProcessRow) -> None:
        with self._writing() as conn:
            heartbeat(conn, row)

    def processes(self) -> list[ProcessRow]:
        with self.engine.connect() as conn:
            return process_rows(conn)
