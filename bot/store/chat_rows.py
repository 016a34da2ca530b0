"""Chat rows: the state chats change from Telegram (approvals and access, topic choices,
digest schedules, watches), the /search queries behind page buttons, and the spike alerts
already sent. Matches and article counts live in match_rows.py and stats.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from bot.store.dialect import upsert
from bot.store.tables import (
    chat_access,
    chat_schedules,
    chat_searches,
    chat_topics,
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
        upsert(conn, chat_access)
        .values(chat=chat, **values)
        .on_conflict_do_update(index_elements=["chat"], set_=values)
    )


def set_topic(conn, chat: str, topic: str, choice: TopicChoice, by: int | None, now) -> None:
    values = {"digest": choice.digest, "alerts": choice.alerts, "by_user": by, "at": now}
    conn.execute(
        upsert(conn, chat_topics)
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
        upsert(conn, chat_schedules)
        .values(chat=chat, **values)
        .on_conflict_do_update(index_elements=["chat"], set_=values)
    )


def add_watch(conn: Connection, watch: Watch, by: int | None, now: datetime) -> bool:
    """False when the chat has a watch of that name already (it is replaced)."""
    values = {"query": watch.query, "alerts": watch.alerts, "by_user": by, "at": now}
    existed = conn.scalar(
        select(func.count())
        .select_from(watches)
        .where(watches.c.chat == watch.chat, watches.c.name == watch.name)
    )
    conn.execute(
        upsert(conn, watches)
        .values(chat=watch.chat, name=watch.name, **values)
        .on_conflict_do_update(index_elements=["chat", "name"], set_=values)
    )
    return not existed


def remove_watch(conn: Connection, chat: str, name: str) -> bool:
    """Whether the chat had that watch (its matches are the caller's: match_rows)."""
    gone = conn.execute(delete(watches).where(watches.c.chat == chat, watches.c.name == name))
    return bool(gone.rowcount)


def save_search(conn: Connection, chat: str, query: str, now: datetime, keep_after) -> int:
    """Remember a /search for its page buttons; searches older than keep_after go."""
    conn.execute(delete(chat_searches).where(chat_searches.c.at < keep_after))
    return conn.execute(
        chat_searches.insert().values(chat=chat, query=query, at=now)
    ).inserted_primary_key[0]


def load_search(conn: Connection, search_id: int) -> tuple[str, str] | None:
    row = conn.execute(
        select(chat_searches.c.chat, chat_searches.c.query).where(chat_searches.c.id == search_id)
    ).first()
    return (row.chat, row.query) if row else None


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
        upsert(conn, spike_alerts)
        .values(chat=chat, topic=topic, day=day, count=count, at=now)
        .on_conflict_do_nothing()
    )
