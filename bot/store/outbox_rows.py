"""Outbox rows: what a chat may still be given, deliveries and their parts, chat state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, exists, func, select, update

from bot.digest.model import Candidate
from bot.store.dialect import upsert
from bot.store.tables import (
    articles,
    chat_states,
    delivered,
    deliveries,
    delivery_parts,
    feeds,
    matches,
)

TEXT_CHARS = 600  # the opening of an article's text is enough to recognize a wire copy


@dataclass(frozen=True)
class ChatState:
    chat: str
    last_digest_at: datetime | None = None
    alerts_since: datetime | None = None
    first_seen_at: datetime | None = None  # None: a chat from before this was recorded
    unreachable: str | None = None
    unreachable_at: datetime | None = None


@dataclass(frozen=True)
class PendingPart:
    delivery_id: int
    seq: int
    chat: str
    kind: str
    thread: int | None
    preview: bool
    html: str
    attempts: int


def digest_candidates(
    conn: Connection, chat: str, topics: Sequence[str], found_since: datetime
) -> list[Candidate]:
    """Matches of these topics found since then, of articles this chat has not been given."""
    given = exists().where(
        and_(delivered.c.chat == chat, delivered.c.article_id == matches.c.article_id)
    )
    query = (
        select(
            matches.c.article_id, matches.c.topic, matches.c.score, matches.c.snippet,
            matches.c.highlights, matches.c.matched_at, articles.c.title, articles.c.url,
            articles.c.outlet, articles.c.outlet_name, articles.c.published_at,
            articles.c.language, feeds.c.name.label("feed"),
            func.substr(func.coalesce(func.nullif(articles.c.summary, ""), articles.c.content),
                        1, TEXT_CHARS).label("text"),
        )
        .join(articles, articles.c.id == matches.c.article_id)
        .join(feeds, feeds.c.id == articles.c.feed_id)
        .where(matches.c.topic.in_(list(topics)), matches.c.matched_at >= found_since, ~given)
    )  # fmt: skip
    return [
        Candidate(
            article_id=row.article_id,
            topic=row.topic,
            score=row.score,
            snippet=row.snippet,
            highlights=tuple(tuple(h) for h in row.highlights),
            title=row.title,
            url=row.url,
            outlet=row.outlet,
            outlet_name=row.outlet_name,
            feed=row.feed,
            published=row.published_at,
            found=row.matched_at,
            text=row.text or "",
            language=row.language,
        )
        for row in conn.execute(query)
    ]


def chat_state(conn: Connection, chat: str) -> ChatState:
    row = conn.execute(select(chat_states).where(chat_states.c.chat == chat)).first()
    return ChatState(**row._mapping) if row else ChatState(chat)


def update_chat(conn: Connection, chat: str, **values) -> None:
    """Set some of a chat's state columns (the row is created on first use)."""
    statement = upsert(conn, chat_states).values(chat=chat, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=["chat"], set_=values))


def enqueue(
    conn: Connection,
    *,
    chat: str,
    kind: str,
    thread: int | None,
    preview: bool,
    created: datetime,
    since: datetime,
    parts: Sequence[str],
    article_ids: Iterable[int],
) -> int:
    """Write a delivery whole: its parts and the articles it covers. Its id."""
    delivery_id = conn.execute(
        deliveries.insert().values(
            chat=chat, kind=kind, thread=thread, preview=preview, created_at=created, since=since,
            finished_at=None if parts else created,
        )
    ).inserted_primary_key[0]  # fmt: skip
    if parts:
        conn.execute(
            delivery_parts.insert(),
            [{"delivery_id": delivery_id, "seq": i, "html": html} for i, html in enumerate(parts)],
        )
    rows = [{"chat": chat, "article_id": a, "delivery_id": delivery_id} for a in article_ids]
    if rows:
        conn.execute(upsert(conn, delivered).on_conflict_do_nothing(), rows)
    return delivery_id


def pending_parts(conn: Connection, chat: str | None = None) -> list[PendingPart]:
    """Unsent parts of unfinished deliveries, oldest delivery first, in order."""
    query = (
        select(
            delivery_parts.c.delivery_id, delivery_parts.c.seq, deliveries.c.chat,
            deliveries.c.kind, deliveries.c.thread, deliveries.c.preview, delivery_parts.c.html,
            delivery_parts.c.attempts,
        )
        .join(deliveries, deliveries.c.id == delivery_parts.c.delivery_id)
        .where(deliveries.c.finished_at.is_(None), delivery_parts.c.status == "pending")
        .order_by(deliveries.c.id, delivery_parts.c.seq)
    )  # fmt: skip
    if chat is not None:
        query = query.where(deliveries.c.chat == chat)
    return [PendingPart(**row._mapping) for row in conn.execute(query)]


def settle_part(
    conn: Connection,
    part: PendingPart,
    *,
    status: str,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    """Record one attempt's outcome: sent (with its message id), refused, or still pending;
    the delivery is finished when no part is pending any more."""
    conn.execute(
        update(delivery_parts)
        .where(delivery_parts.c.delivery_id == part.delivery_id,
               delivery_parts.c.seq == part.seq)
        .values(status=status, message_id=message_id, error=error,
                attempts=delivery_parts.c.attempts + 1,
                sent_at=now if status == "sent" else None)
    )  # fmt: skip
    if status != "pending":
        left = conn.scalar(
            select(func.count()).where(
                delivery_parts.c.delivery_id == part.delivery_id,
                delivery_parts.c.status == "pending",
            )
        )
        if not left:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == part.delivery_id)
                .values(finished_at=now)
            )


def delivery_report(conn: Connection, delivery_id: int) -> dict[str, int]:
    """How many parts of a delivery are sent, refused, pending."""
    rows = conn.execute(
        select(delivery_parts.c.status, func.count())
        .where(delivery_parts.c.delivery_id == delivery_id)
        .group_by(delivery_parts.c.status)
    ).all()
    return {"sent": 0, "refused": 0, "pending": 0, **dict(rows)}
