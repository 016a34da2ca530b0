"""The schema, as SQLAlchemy Core tables. Migrations (store/migrations) create it;
a test checks that the two agree."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("url", Text, nullable=False),  # where we fetch now (301/308 update it)
    Column("config_url", Text, nullable=False),  # as written by the operator
    Column("origin", Text, nullable=False, server_default="config"),  # config | opml | chat
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("interval_seconds", Float),
    Column("full_text", Boolean, nullable=False, server_default="0"),
    Column("tags", JSON, nullable=False, server_default="[]"),
    Column("language", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", Text),
    Column("last_polled_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("next_poll_at", UTCDateTime),
    Column("parked_reason", Text),
    Column("bozo", Text),
    Column("created_at", UTCDateTime, nullable=False),
    # Several workers (PostgreSQL): the one polling it now, until when (bot/store/leases.py).
    Column("lease_owner", Text),
    Column("lease_until", UTCDateTime),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("url", Text),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    Column("content", Text, nullable=False, server_default=""),
    Column("author", Text),
    Column("language", Text),
    Column("outlet", Text),
    Column("outlet_name", Text),  # the publisher's name, when the feed gives it
    Column("title_key", Text, nullable=False),
    # 64-bit hashes of url and title_key: what dedup looks up. Indexes of 8-byte keys are
    # a tenth the size of text ones, so a big poll dirties far fewer pages per commit.
    Column("url_hash", BigInteger),
    Column("title_hash", BigInteger, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Words the full-text index may read differently from the matcher (bot/store/fts.py);
    # empty for nearly every article.
    Column("search_extra", Text, nullable=False, server_default=""),
    UniqueConstraint("feed_id", "entry_id", name="uq_articles_feed_entry"),
    Index("ix_articles_url_hash", "url_hash"),
    Index("ix_articles_title_hash", "title_hash"),
    Index("ix_articles_published_at", "published_at"),
)

# What search ranks and filters each full-text hit by (bot/store/search_rows.py): one
# row per article, the publication time as a Julian day.
search_rows = Table(
    "search_rows",
    metadata,
    Column("id", Integer, primary_key=True),  # articles.id
    Column("published", Float, nullable=False),
    Column("feed_id", Integer, nullable=False),
    Column("language", Text),
)

# The lowest article id published on each day (UTC): search narrows a --since query to
# the ids at or above the floor of its first day (bot/store/article_days.py). Rows are
# never raised, so a floor stays a floor when articles are deleted.
article_days = Table(
    "article_days",
    metadata,
    Column("day", Text, primary_key=True),  # YYYY-MM-DD of published_at
    Column("first_id", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Entries that are copies of a stored article: another feed's entry for the same story
# (Google News, wire syndication), or an entry known under a second id. An article's own
# entry is (articles.feed_id, articles.entry_id) and is not repeated here.
sightings = Table(
    "sightings",
    metadata,
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", Text, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_sightings_article", "article_id"),
)

poll_runs = Table(
    "poll_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("summary", JSON, nullable=False),
)

# The topics each article matched (written at ingestion, rewritten by `rematch`).
matches = Table(
    "matches",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic", Text, primary_key=True),
    Column("score", Float, nullable=False),
    Column("snippet", Text, nullable=False),
    Column("highlights", JSON, nullable=False),  # [[start, end], …] offsets in the snippet
    Column("matched_at", UTCDateTime, nullable=False),
    Index("ix_matches_topic", "topic", "article_id"),
)

# The outbox. A digest or alert is written whole (its parts and the articles it covers)
# before anything is sent; each part is then marked sent with its Telegram message id the
# moment Telegram answers, so a restart resumes at the first unsent part.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat", Text, nullable=False),  # the chat id as text: -100123… or @channel
    Column("kind", Text, nullable=False),  # digest | alert
    Column("thread", Integer),  # forum topic of a supergroup
    Column("preview", Boolean, nullable=False, server_default="0"),  # link previews
    Column("created_at", UTCDateTime, nullable=False),
    Column("since", UTCDateTime, nullable=False),  # the start of what it covers
    Column("finished_at", UTCDateTime),  # every part sent or refused
    Index("ix_deliveries_open", "finished_at", "id"),
)

delivery_parts = Table(
    "delivery_parts",
    metadata,
    Column(
        "delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("seq", Integer, primary_key=True),
    Column("html", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),  # pending|sent|refused
    Column("message_id", BigInteger),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("sent_at", UTCDateTime),
)

# What each chat has been given, so no article reaches a chat twice.
delivered = Table(
    "delivered",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
)

chat_states = Table(
    "chat_states",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("last_digest_at", UTCDateTime),  # when the last digest was composed
    Column("alerts_since", UTCDateTime),  # matches found after this may raise alerts
    Column("first_seen_at", UTCDateTime),  # published before this: the digest, not alerts
    Column("unreachable", Text),  # why Telegram refuses this chat (kicked, not admin…)
    Column("unreachable_at", UTCDateTime),
)

# What chats change from Telegram (bot/chat/). feeds.yaml stays the declarative base:
# these rows add to it and override it per chat, and `feeds`/`check` show both.
chat_access = Table(
    "chat_access",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("status", Text, nullable=False),  # approved | told (the one "private bot" reply)
    Column("name", Text),
    Column("by_user", BigInteger),  # the admin who approved it
    Column("at", UTCDateTime, nullable=False),
)

chat_topics = Table(
    "chat_topics",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("topic", Text, primary_key=True),
    Column("digest", Boolean, nullable=False),  # /subscribe (True), /unsubscribe (False)
    Column("alerts", Boolean, nullable=False),
    Column("by_user", BigInteger),
    Column("at", UTCDateTime, nullable=False),
)

watches = Table(
    "watches",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("query", Text, nullable=False),
    Column("alerts", Boolean, nullable=False),
    Column("by_user", BigInteger),
    Column("at", UTCDateTime, nullable=False),
)

# /schedule and /timezone: None keeps feeds.yaml's value (or the default) for that part.
chat_schedules = Table(
    "chat_schedules",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("schedule", Text),  # "08:00" or a cron expression, checked by digest_trigger
    Column("timezone", Text),  # an IANA name such as America/Tijuana
    Column("by_user", BigInteger),
    Column("at", UTCDateTime, nullable=False),
)

# /search pages: the buttons carry only this id and a page number (64 bytes at most).
chat_searches = Table(
    "chat_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

spike_alerts = Table(
    "spike_alerts",
    metadata,
    Column("chat", Text, primary_key=True),
    Column("topic", Text, primary_key=True),
    Column("day", Text, primary_key=True),  # the local date, ISO: one spike alert a day
    Column("count", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# Work one process does for all (bot/store/leases.py): a chat's alert pass or outbox
# ("alerts:-1001…", "outbox:-1001…", held until `until`), a digest's period
# ("digest:-1001…:2026-12-07T08:00+00:00", kept with done_at once delivered).
claims = Table(
    "claims",
    metadata,
    Column("key", Text, primary_key=True),
    Column("owner", Text, nullable=False),  # a process id (processes.id)
    Column("until", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
)

# One row per `run` process, written every tick: `feeds`, `stats` and `health` say which
# roles run, where, and when each last polled.
processes = Table(
    "processes",
    metadata,
    Column("id", Text, primary_key=True),  # host:pid:start
    Column("role", Text, nullable=False),  # all | worker | telegram
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("last_poll_at", UTCDateTime),
    Column("stopped_at", UTCDateTime),
    Column("chat", JSON),  # the chat side's state (ChatSideState.as_dict), for `health`
)

# Facts about the store itself, by key: "feeds-digest", what feeds.yaml's feeds were when
# they were last synced in (bot/store/feed_rows.py), so that a start with the same file
# compares no rows.
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
