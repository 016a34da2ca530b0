"""Retention: articles published before a cut-off leave the archive, with their
matches, sightings and index entries (foreign keys cascade; a trigger updates the index)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from bot.store.article_days import forget_days_before
from bot.store.tables import articles, feeds

BATCH = 2000  # articles deleted per transaction: the poller waits at most one batch


def prune_summary(conn: Connection, before: datetime) -> dict:
    """What a prune at this cut-off removes: counts per feed, the oldest date."""
    old = articles.c.published_at < before
    per_feed = dict(
        conn.execute(
            select(feeds.c.name, func.count())
            .join(feeds, feeds.c.id == articles.c.feed_id)
            .where(old)
            .group_by(feeds.c.name)
            .order_by(func.count().desc(), feeds.c.name)
        ).all()
    )
    oldest = conn.scalar(select(func.min(articles.c.published_at)).where(old))
    return {
        "articles": sum(per_feed.values()),
        "before": before.isoformat(),
        "oldest": oldest.isoformat() if oldest else None,
        "per_feed": per_feed,
    }


def prune_articles(engine: Engine, write_lock, before: datetime) -> int:
    """Delete the articles published before the cut-off, a batch per transaction."""
    deleted = 0
    batch = (
        select(articles.c.id).where(articles.c.published_at < before).limit(BATCH).scalar_subquery()
    )
    while True:
        with write_lock, engine.begin() as conn:
            count = conn.execute(articles.delete().where(articles.c.id.in_(batch))).rowcount
        deleted += count
        if count < BATCH:
            with write_lock, engine.begin() as conn:
                forget_days_before(conn, before)
            return deleted
