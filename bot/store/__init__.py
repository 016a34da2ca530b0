"""The store: one interface over the database; SQL lives in this package only.

Each method is one transaction, so a crash between feeds loses nothing committed and
never leaves a feed half-written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from bot.digest.model import Candidate
from bot.match.matcher import Match
from bot.model import Article, FeedSpec, FeedState
from bot.store import chat_rows, feed_rows, fts, outbox_rows, retention
from bot.store.article_rows import (
    Prepared,
    SaveCounts,
    prepare_articles,
    replace_matches,
    save_articles,
    stored_hashes,
)
from bot.store.chat_rows import ChatSchedule, ChatSettings, TopicChoice, Watch
from bot.store.db import cycle_lock, make_engine, migrate
from bot.store.outbox_rows import ChatState, PendingPart
from bot.store.search_sqlite import SqliteSearch, index_new_articles
from bot.store.tables import articles, feeds, matches, poll_runs

__all__ = [
    "ChatSchedule", "ChatSettings", "ChatState", "PendingPart", "Prepared", "SaveCounts",
    "Store", "TopicChoice", "Watch", "prepare_articles",
]  # fmt: skip


class Store:
    """Feeds, articles and poll history, behind methods that speak the bot's types."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # SQLite has one writer at a time and makes the others sleep-poll (1, 2, 5… ms);
        # our own threads queue on a lock instead.
        self.write_lock = threading.Lock()

    @contextmanager
    def _writing(self):
        with self.write_lock, self.engine.begin() as conn:
            yield conn

    @classmethod
    def open(cls, database_url: str) -> Store:
        """Open (creating if needed) and migrate the database at database_url."""
        engine = make_engine(database_url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def cycle_lock(self):
        """Context manager: whether this process may run a poll cycle now (bot.store.db)."""
        return cycle_lock(self.engine)

    def sync_feeds(self, specs: Iterable[FeedSpec], now: datetime) -> None:
        specs = list(specs)
        try:
            with self._writing() as conn:
                feed_rows.sync_declared(conn, specs, now)
        except IntegrityError:
            # Another process (the service and `health` started together on a new
            # database) added the same feeds first; now they exist and are updated.
            with self._writing() as conn:
                feed_rows.sync_declared(conn, specs, now)

    def add_feed(self, spec: FeedSpec, now: datetime) -> bool:
        with self._writing() as conn:
            return feed_rows.add_feed(conn, spec, now)

    def feed_states(
        self, *, due_at: datetime | None = None, with_counts: bool = True
    ) -> list[FeedState]:
        with self.engine.connect() as conn:
            return feed_rows.load_states(conn, due_at=due_at, with_counts=with_counts)

    def save_poll(
        self,
        feed_id: int,
        batch: Sequence[Article],
        now: datetime,
        topic_matches: Mapping[str, Sequence[Match]] | None = None,
        **feed_values,
    ) -> SaveCounts:
        """Store a fetched feed's articles, their matches and its new state together."""
        return self.save_polls([(feed_id, batch, now, feed_values, topic_matches or {}, None)])[0]

    def save_polls(
        self,
        polls: Sequence[
            tuple[int, Sequence[Article], datetime, dict, Mapping, Mapping[str, Prepared] | None]
        ],
    ) -> list[SaveCounts]:
        """Several feeds' (id, articles, time, state, matches by entry id, prepared rows by
        entry id or None) in one transaction: each feed stays whole, and a commit per feed
        (the dominant cost of a big first poll) is saved. Prepared rows (prepare_articles,
        run where the feed was parsed) leave the writer less to do."""
        with self._writing() as conn:
            newest = fts.newest_article(conn)
            counts = [
                save_articles(conn, feed_id, batch, now, found, prepared)
                for feed_id, batch, now, _, found, prepared in polls
            ]
            index_new_articles(conn, newest)
            feed_rows.record_successes(conn, [(p[0], p[2], p[3]) for p in polls])
            return counts

    def entry_hashes(self, feed_id: int, entry_ids: list[str]) -> dict[str, str]:
        """Content hashes of a feed's stored entries among these ids (a read)."""
        with self.engine.connect() as conn:
            return stored_hashes(conn, feed_id, entry_ids)

    def articles_for_matching(self, since: datetime | None, batch: int = 2000):
        """Stored articles (newest first) as (id, title, summary, content, language, feed
        name), in batches, for `rematch`."""
        query = (
            select(articles.c.id, articles.c.title, articles.c.summary, articles.c.content,
                   articles.c.language, feeds.c.name)
            .join(feeds, feeds.c.id == articles.c.feed_id)
            .order_by(articles.c.id.desc())
        )  # fmt: skip
        if since is not None:
            query = query.where(articles.c.published_at >= since)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            yield from result.partitions(batch)

    def replace_matches(self, by_article: Mapping[int, Sequence[Match]], now: datetime) -> None:
        with self._writing() as conn:
            replace_matches(conn, by_article, now)

    def record_successes(self, successes: list[tuple[int, datetime, dict]]) -> None:
        """Several feeds' (id, time, state) that had nothing new, in one transaction."""
        with self._writing() as conn:
            feed_rows.record_successes(conn, successes)

    def record_failure(self, feed_id: int, now: datetime, **values) -> None:
        with self._writing() as conn:
            feed_rows.record_failure(conn, feed_id, now, **values)

    def record_cycle(self, started: datetime, finished: datetime, summary: dict) -> None:
        with self._writing() as conn:
            conn.execute(
                poll_runs.insert().values(started_at=started, finished_at=finished, summary=summary)
            )

    def first_poll(self) -> datetime | None:
        """When the first poll cycle started: monitoring (and coverage history) began."""
        with self.engine.connect() as conn:
            return conn.scalar(select(poll_runs.c.started_at).order_by(poll_runs.c.id).limit(1))

    def last_cycle(self) -> dict | None:
        """The newest poll cycle: its times and summary, or None before the first."""
        with self.engine.connect() as conn:
            row = conn.execute(select(poll_runs).order_by(poll_runs.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return {"started_at": row.started_at, "finished_at": row.finished_at, **row.summary}

    @property
    def search(self) -> SqliteSearch:
        """The full-text index: ranked candidates, counts, rebuild and check."""
        return SqliteSearch(self.engine)

    def feed_ids(self) -> dict[str, int]:
        """Every feed's name → id."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(feeds.c.name, feeds.c.id)).all())

    def prune_summary(self, before: datetime) -> dict:
        """What prune(before) would delete: counts per feed and the oldest date."""
        with self.engine.connect() as conn:
            return retention.summary(conn, before)

    def prune(self, before: datetime) -> int:
        """Delete articles published before the cut-off (their matches, sightings and
        index entries go with them); how many went."""
        return retention.prune(self.engine, self.write_lock, before)

    def stats(self) -> dict:
        """Counts for `stats`: feeds, articles, per feed, per language."""
        with self.engine.connect() as conn:
            per_feed = dict(
                conn.execute(
                    select(feeds.c.name, func.count(articles.c.id))
                    .outerjoin(articles, articles.c.feed_id == feeds.c.id)
                    .group_by(feeds.c.name)
                    .order_by(feeds.c.name)
                ).all()
            )
            per_language = dict(
                conn.execute(
                    select(func.coalesce(articles.c.language, "unknown"), func.count())
                    .group_by(articles.c.language)
                    .order_by(func.count().desc())
                ).all()
            )
            per_topic = dict(
                conn.execute(
                    select(matches.c.topic, func.count())
                    .group_by(matches.c.topic)
                    .order_by(matches.c.topic)
                ).all()
            )
            enabled = conn.scalar(select(func.count()).where(feeds.c.enabled)) or 0
            total = conn.scalar(select(func.count()).select_from(articles)) or 0
            newest = conn.scalar(select(func.max(articles.c.published_at)))
        return {
            "feeds": len(per_feed),
            "feeds_enabled": enabled,
            "articles": total,
            "matches": per_topic,
            "articles_per_feed": per_feed,
            "articles_per_language": per_language,
            "newest_article": newest.isoformat() if newest else None,
        }

    # The outbox (bot/delivery/outbox.py drives it).

    def digest_candidates(
        self, chat: str, topics: Sequence[str], found_since: datetime
    ) -> list[Candidate]:
        """Matches of these topics found since then, of articles the chat has not had."""
        with self.engine.connect() as conn:
            return outbox_rows.candidates(conn, chat, topics, found_since)

    def chat_state(self, chat: str) -> ChatState:
        with self.engine.connect() as conn:
            return outbox_rows.chat_state(conn, chat)

    def update_chat(self, chat: str, **values) -> None:
        with self._writing() as conn:
            outbox_rows.update_chat(conn, chat, **values)

    def enqueue(self, *, chat_values: Mapping | None = None, **delivery) -> int:
        """Write a delivery whole (parts, covered articles) and, in the same transaction,
        the chat's new state: a crash leaves either both or neither."""
        with self._writing() as conn:
            delivery_id = outbox_rows.enqueue(conn, **delivery)
            if chat_values:
                outbox_rows.update_chat(conn, delivery["chat"], **chat_values)
            return delivery_id

    def pending_parts(self, chat: str | None = None) -> list[PendingPart]:
        with self.engine.connect() as conn:
            return outbox_rows.pending_parts(conn, chat)

    def settle_part(self, part: PendingPart, **outcome) -> None:
        with self._writing() as conn:
            outbox_rows.settle_part(conn, part, **outcome)

    def delivery_report(self, delivery_id: int) -> dict[str, int]:
        with self.engine.connect() as conn:
            return outbox_rows.delivery_report(conn, delivery_id)

    # What chats change from Telegram (bot/chat/).

    def chat_settings(self) -> ChatSettings:
        with self.engine.connect() as conn:
            return chat_rows.load_settings(conn)

    def chat_access(self, chat: str) -> str | None:
        """approved, told (was told once that the bot is private), or None."""
        with self.engine.connect() as conn:
            return chat_rows.access_status(conn, chat)

    def set_chat_access(self, chat: str, status: str | None, **values) -> None:
        with self._writing() as conn:
            chat_rows.set_access(conn, chat, status, **values)

    def set_topic_choice(self, chat: str, topic: str, choice: TopicChoice, by, now) -> None:
        with self._writing() as conn:
            chat_rows.set_topic(conn, chat, topic, choice, by, now)

    def set_chat_schedule(self, chat: str, schedule: ChatSchedule, by, now) -> None:
        with self._writing() as conn:
            chat_rows.set_schedule(conn, chat, schedule, by, now)

    def add_matches(self, by_article: Mapping[int, Sequence[Match]], stamp: datetime) -> int:
        """Add matches (found at `stamp`), keeping those already there; returns how many
        were new. replace_matches would drop the articles' other topics."""
        with self._writing() as conn:
            return chat_rows.add_matches(conn, by_article, stamp)

    def add_watch(self, watch: Watch, by: int | None, now: datetime) -> bool:
        with self._writing() as conn:
            return chat_rows.add_watch(conn, watch, by, now)

    def remove_watch(self, chat: str, name: str) -> bool:
        with self._writing() as conn:
            return chat_rows.remove_watch(conn, chat, name)

    def save_search(self, chat: str, query: str, now: datetime, keep_after: datetime) -> int:
        with self._writing() as conn:
            return chat_rows.save_search(conn, chat, query, now, keep_after)

    def load_search(self, search_id: int) -> tuple[str, str] | None:
        with self.engine.connect() as conn:
            return chat_rows.load_search(conn, search_id)

    def topic_times(self, topic: str, since: datetime) -> list[datetime]:
        with self.engine.connect() as conn:
            return chat_rows.topic_times(conn, topic, since)

    def spike_sent(self, chat: str, topic: str, day: str) -> bool:
        with self.engine.connect() as conn:
            return chat_rows.spike_sent(conn, chat, topic, day)

    def enqueue_spike(self, topic: str, day: str, count: int, **delivery) -> int:
        """A spike alert in the outbox and its record (one a day per topic and chat),
        in one transaction."""
        with self._writing() as conn:
            delivery_id = outbox_rows.enqueue(conn, **delivery)
            chat_rows.record_spike(conn, delivery["chat"], topic, day, count, delivery["created"])
            return delivery_id

    def topic_top(self, topic: str, since: datetime, limit: int = 5) -> list[dict]:
        with self.engine.connect() as conn:
            return chat_rows.topic_top(conn, topic, since, limit)

    def counts_since(self, since: datetime) -> tuple[int, int]:
        with self.engine.connect() as conn:
            return chat_rows.counts_since(conn, since)

    def set_feed_enabled(self, name: str, enabled: bool, now: datetime) -> bool:
        with self._writing() as conn:
            return chat_rows.set_feed_enabled(conn, name, enabled, now)
