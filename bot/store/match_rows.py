"""Match rows: which articles matched which topic (or watch), written when articles are
stored, replaced by `rematch`, added by a watch's backfill, dropped with a watch; and the
per-topic reads of them (a topic's publication times for /trend and spikes, its
best-scored articles for a spike's top stories).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from bot.match.matcher import Match
from bot.model import Article
from bot.store.db import chunks
from bot.store.dialect import is_postgresql, upsert
from bot.store.tables import articles, feeds, matches

# A new article's matches, found by (feed, entry id): its insert returns no id.
INSERT_MATCH = matches.insert().values(
    article_id=select(articles.c.id)
    .where(articles.c.feed_id == bindparam("feed_id"), articles.c.entry_id == bindparam("entry_id"))
    .scalar_subquery()
)


def replace_matches(
    conn: Connection, by_article: Mapping[int, Sequence[Match]], now: datetime
) -> None:
    """Make these articles' stored matches exactly the given ones."""
    ids = list(by_article)
    for chunk in chunks(ids):
        conn.execute(matches.delete().where(matches.c.article_id.in_(chunk)))
    rows = [
        _match_row(match, now) | {"article_id": article_id}
        for article_id, found in by_article.items()
        for match in found
    ]
    if rows:
        conn.execute(matches.insert(), rows)


def insert_new_matches(
    conn: Connection,
    feed_id: int,
    inserted: Sequence[Article],
    topic_matches: Mapping[str, Sequence[Match]],
    now: datetime,
) -> None:
    """Matches of newly inserted articles, found by (feed, entry id): the insert returns
    no ids, and only a few articles match any topic."""
    rows = [
        _match_row(match, now) | {"feed_id": feed_id, "entry_id": article.entry_id}
        for article in inserted
        for match in topic_matches.get(article.entry_id, ())
    ]
    if rows:
        conn.execute(INSERT_MATCH, rows)


def add_matches(conn: Connection, by_article: Mapping[int, Sequence[Match]], stamp) -> int:
    """Matches found afterwards (a new watch over the archive); existing ones stay. How
    many were new."""
    rows = [
        _match_row(match, stamp) | {"article_id": article_id}
        for article_id, found in by_article.items()
        for match in found
    ]
    if not rows:
        return 0
    statement = upsert(conn, matches).on_conflict_do_nothing()
    if is_postgresql(conn):  # psycopg's executemany gives no row count: the new rows say
        return len(conn.execute(statement.returning(matches.c.article_id), rows).all())
    return conn.execute(statement, rows).rowcount


def forget_topic(conn: Connection, topic: str) -> None:
    """Drop every match of a topic (a removed watch's)."""
    conn.execute(matches.delete().where(matches.c.topic == topic))


def _match_row(match: Match, now: datetime) -> dict:
    return {
        "topic": match.topic,
        "score": match.score,
        "snippet": match.snippet,
        "highlights": [list(h) for h in match.highlights],
        "matched_at": now,
    }


def topic_times(conn: Connection, topic: str, since: datetime) -> list[datetime]:
    """Publication times of the articles that matched `topic`, published since then."""
    query = (
        select(articles.c.published_at)
        .join(matches, matches.c.article_id == articles.c.id)
        .where(matches.c.topic == topic, articles.c.published_at >= since)
    )
    return [row[0] for row in conn.execute(query)]


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
