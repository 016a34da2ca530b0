"""Counts over the whole archive, read for reports: `stats`'s totals (feeds, articles per
feed and language, matches per topic) and /status's articles and matches since a time.
It owns no rows; every statement here is a read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from bot.store.tables import articles, feeds, matches


def archive_stats(conn: Connection) -> dict:
    """Counts for `stats`: feeds, articles, per feed, per language, per topic."""
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


def counts_since(conn: Connection, since: datetime) -> tuple[int, int]:
    """(articles fetched, matches found) since then: /status's "today"."""
    fetched = conn.scalar(
        select(func.count()).select_from(articles).where(articles.c.fetched_at >= since)
    )
    matched = conn.scalar(
        select(func.count()).select_from(matches).where(matches.c.matched_at >= since)
    )
    return fetched or 0, matched or 0
