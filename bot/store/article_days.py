"""The id floor of a publication date: search's shortcut for --since.

Article ids grow as articles are stored, and a story is stored after it is published, so
the articles published since a date are, in a busy archive, a narrow band of the newest
ids. FTS5 seeks to a rowid range instead of reading (and ranking) every hit of a word, so
a --since search that also says `rowid >= floor` reads a week of hits, not a year's.

The floor is exact whatever the order articles arrive in (a late-found old story, a
clock change): `article_days` holds, per UTC day of `published_at`, the lowest id ever
stored with that day, and the floor of a date is the lowest of those from its day on.
Deleting articles leaves the rows as they are: a floor that is too low finds a superset.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, text

from bot.store.dialect import is_postgresql

# SQLite stores published_at as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff": its day is the
# first ten characters. PostgreSQL stores a timestamp (UTC).
_RECORD = """INSERT INTO article_days (day, first_id)
    SELECT {day}, min(id) FROM articles WHERE id > :after GROUP BY {day}
    ON CONFLICT (day) DO UPDATE SET first_id = {least}(article_days.first_id, excluded.first_id)"""
DAY_SQL = {
    "sqlite": "substr(published_at, 1, 10)",
    "postgresql": "to_char(published_at, 'YYYY-MM-DD')",
}
_RECORDS = {
    "sqlite": text(_RECORD.format(day=DAY_SQL["sqlite"], least="min")),
    "postgresql": text(_RECORD.format(day=DAY_SQL["postgresql"], least="least")),
}


def record_new_articles(conn: Connection, after: int) -> None:
    """File the days of the articles added after id `after` (the writer calls it with
    the same `after` as fts_index_new, before committing: search_sqlite.index_new_articles)."""
    conn.execute(_RECORDS["postgresql" if is_postgresql(conn) else "sqlite"], {"after": after})


def rebuild_article_days(conn: Connection) -> None:
    """Work every day's floor out again from the articles (after a reindex)."""
    conn.exec_driver_sql("DELETE FROM article_days")
    record_new_articles(conn, 0)


def forget_days_before(conn: Connection, before: datetime) -> None:
    """Drop the days wholly before a prune's cut-off: no article of theirs is left, and
    the floor of any earlier date is then the floor of the cut-off's day."""
    conn.execute(text("DELETE FROM article_days WHERE day < :day"), {"day": _day(before)})


def first_id_since(conn: Connection, since: datetime) -> int:
    """An id no article published at or after `since` is below (0 when none is known)."""
    found = conn.execute(
        text("SELECT min(first_id) FROM article_days WHERE day >= :day"), {"day": _day(since)}
    ).scalar()
    return found or 0  # no day known: no floor


def _day(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d")
