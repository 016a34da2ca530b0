"""Chat rows: what chats change from Telegram (approvals, subscriptions, watches), /search
pages, spike alerts, and the counts /status and /trend read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert

from bot.match.matcher import Match
from bot.store.article_rows import _match_row as match_row
from bot.store.tables import (
    articles,
    chat_access,
    chat_schedules,
    chat_searches,
    chat_topics,
    feeds,
    matches,
    spike_alerts,
    watches,
)

WATCH_PREFIX = "watch:"


def watch_topic_id(chat: str, name: str) -> str:
    """The topic id a watch's matches are stored under: one chat's watch, never another's."""
    return f"{WATCH_PREFIX}{chat}:{name}"


@dataclass(frozen=True)
class Watch:
    chat: str
    name: str
    query: str
    alerts: bool

    @property
    def topic_id(self) -> str:
        return watch_topic_id(self.chat, self.name)


@dataclass(frozen=True)
class TopicChoice:
    """A chat's own choice about a topic, over what feeds.yaml says."""

    digest: bool
    alerts: bool


@dataclass(frozen=True)
class ChatSchedule:
    """A chat's own digest schedule and time zone; None leaves feeds.yaml's in force."""

    schedule: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class ChatSettings:
    """Everything chats changed, read at once (plans and the matcher are built from it)."""

    approved: dict[str, str | None] = field(default_factory=dict)  # chat → name
    choices: dict[str, dict[str, TopicChoice]] = field(default_factory=dict)
    watches: list[Watch] = field(default_factory=list)
    schedules: dict[str, ChatSchedule] = field(default_factory=dict)

    def watches_of(self, chat: str) -> list[Watch]:
        return [w for w in self.watches if w.chat == chat]


def load_settings(conn: Connection) -> ChatSettings:
    approved = {
        row.chat: row.name
        for row in conn.execute(select(chat_access).where(chat_access.c.status == "approved"))
    }
    choices: dict[str, dict[str, TopicChoice]] = {}
    for row in conn.execute(select(chat_topics).order_by(chat_topics.c.at)):
        choices.setdefault(row.chat, {})[row.topic] = TopicChoice(row.digest, row.alerts)
    found = [
        Watch(row.chat, row.name, row.query, row.alerts)
        for row in conn.execute(select(watches).order_by(watches.c.chat, watches.c.name))
    ]
    schedules = {
        row.chat: ChatSchedule(row.schedule, row.timezone)
        for row in conn.execute(select(chat_schedules))
    }
    return ChatSettings(approved, choices, found, schedules)


def access_status(conn: Connection, chat: str) -> str | None:
    return conn.scalar(select(chat_access.c.status).where(chat_access.c.chat == chat))


def set_access(
    conn: Connection, chat: str, status: str | None, *, name=None, by=None, now=None
) -> None:
    """approved | told, or None to forget the chat (revoked)."""
    if status is None:
        conn.execute(delete(chat_access).where(chat_access.c.chat == chat))
        return
    values = {"status": status, "name": name, "by_user": by, "at": now}
    conn.execute(
        insert(chat_access)
        .values(chat=chat, **values)
        .on_conflict_do_update(index_elements=["chat"], set_=values)
    )


def set_topic(conn, chat: str, topic: str, choice: TopicChoice, by: int | None, now) -> None:
    values = {"digest": choice.digest, "alerts": choice.alerts, "by_user": by, "at": now}
    conn.execute(
        insert(chat_topics)
        .values(chat=chat, topic=topic, **values)
        .on_conflict_do_update(index_elements=["chat", "topic"], set_=values)
    )


def set_schedule(conn: Connection, chat: str, schedule: ChatSchedule, by, now) -> None:
    """The chat's schedule and time zone; both None removes the row (feeds.yaml again)."""
    if schedule.schedule is None and schedule.timezone is None:
        conn.execute(delete(chat_schedules).where(chat_schedules.c.chat == chat))
        return
    values = {"schedule": schedule.schedule, "timezone": schedule.timezone, "by_user": by,
              "at": now}  # fmt: skip
    conn.execute(
        insert(chat_schedules)
        .values(chat=chat, **values)
        .on_conflict_do_update(index_elements=["chat"], set_=values)
    )


def add_matches(conn: Connection, by_article: Mapping[int, Sequence[Match]], stamp) -> int:
    """Matches found afterwards (a new watch over the archive); existing ones stay."""
    rows = [
        match_row(match, stamp) | {"article_id": article_id}
        for article_id, found in by_article.items()
        for match in found
    ]
    if not rows:
        return 0
    return conn.execute(insert(matches).on_conflict_do_nothing(), rows).rowcount


def add_watch(conn: Connection, watch: Watch, by: int | None, now: datetime) -> bool:
    """False when the chat has a watch of that name already (it is replaced)."""
    values = {"query": watch.query, "alerts": watch.alerts, "by_user": by, "at": now}
    existed = conn.scalar(
        select(func.count())
        .select_from(watches)
        .where(watches.c.chat == watch.chat, watches.c.name == watch.name)
    )
    conn.execute(
        insert(watches)
        .values(chat=watch.chat, name=watch.name, **values)
        .on_conflict_do_update(index_elements=["chat", "name"], set_=values)
    )
    return not existed


def remove_watch(conn: Connection, chat: str, name: str) -> bool:
    gone = conn.execute(delete(watches).where(watches.c.chat == chat, watches.c.name == name))
    if gone.rowcount:
        conn.execute(delete(matches).where(matches.c.topic == watch_topic_id(chat, name)))
    return bool(gone.rowcount)


def save_search(conn: Connection, chat: str, query: str, now: datetime, keep_after) -> int:
    """Remember a /search for its page buttons; searches older than keep_after go."""
    conn.execute(delete(chat_searches).where(chat_searches.c.at < keep_after))
    return conn.execute(chat_searches.insert().values(chat=chat, query=query, at=now)).lastrowid


def load_search(conn: Connection, search_id: int) -> tuple[str, str] | None:
    row = conn.execute(
        select(chat_searches.c.chat, chat_searches.c.query).where(chat_searches.c.id == search_id)
    ).first()
    return (row.chat, row.query) if row else None


def topic_times(conn: Connection, topic: str, since: datetime) -> list[datetime]:
    """Publication times of the articles that matched `topic`, published since then."""
    query = (
        select(articles.c.published_at)
        .join(matches, matches.c.article_id == articles.c.id)
        .where(matches.c.topic == topic, articles.c.published_at >= since)
    )
    return [row[0] for row in conn.execute(query)]


def spike_sent(conn: Connection, chat: str, topic: str, day: str) -> bool:
    return bool(
        conn.scalar(
            select(func.count())
            .select_from(spike_alerts)
            .where(
                spike_alerts.c.chat == chat,
                spike_alerts.c.topic == topic,
                spike_alerts.c.day == day,
            )
        )
    )


def record_spike(conn: Connection, chat: str, topic: str, day: str, count: int, now) -> None:
    conn.execute(
        insert(spike_alerts)
        .values(chat=chat, topic=topic, day=day, count=count, at=now)
        .on_conflict_do_nothing()
    )


def counts_since(conn: Connection, since: datetime) -> tuple[int, int]:
    """(articles fetched, matches found) since then: /status's "today"."""
    fetched = conn.scalar(
        select(func.count()).select_from(articles).where(articles.c.fetched_at >= since)
    )
    matched = conn.scalar(
        select(func.count()).select_from(matches).where(matches.c.matched_at >= since)
    )
    return fetched or 0, matched or 0


def set_feed_enabled(conn: Connection, name: str, enabled: bool, now: datetime) -> bool:
    values = {"enabled": enabled}
    if enabled:
        values["next_poll_at"] = now
    done = conn.execute(
        update(feeds).where(func.lower(feeds.c.name) == name.lower()).values(**values)
    )
    return bool(done.rowcount)


def topic_top(conn: Connection, topic: str, since: datetime, limit: int) -> list[dict]:
    """The best-scored articles of a topic published since then (a spike's top stories)."""
    query = (
        select(articles.c.id, articles.c.title, articles.c.url, feeds.c.name.label("feed"))
        .join(matches, matches.c.article_id == articles.c.id)
        .join(feeds, feeds.c.id == articles.c.feed_id)
        .where(matches.c.topic == topic, articles.c.published_at >= since)
        .order_by(matches.c.score.desc(), articles.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
