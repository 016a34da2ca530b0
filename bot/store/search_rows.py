"""What search ranks and filters each full-text hit by, in a table of its own.

A search joins every hit of its words to this row: the publication time for the recency
boost and --since, the feed and language for their filters. A rowid table keyed by the
article id, with four small columns and the time as a Julian day (no date text to parse
per hit), is found about twice as fast per hit as the same columns in an index of
`articles`, and a broad query's hits number in the tens of thousands.

The store adds the rows of new articles in one statement per write transaction, with the
full-text index (bot/store/fts.py; both in search_sqlite.index_new_articles); a trigger
deletes an article's row with it. The columns never change after insert: an article's
feed, language and publication time are not updated.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from bot.store.dialect import is_postgresql

# The publication time as a Julian day, on each engine (PostgreSQL's timestamps are UTC).
JULIAN_SQL = {
    "sqlite": "julianday(published_at)",
    "postgresql": "extract(epoch FROM published_at) / 86400.0 + 2440587.5",
}
_ADD = """INSERT INTO search_rows (id, published, feed_id, language)
    SELECT id, {julian}, feed_id, language FROM articles WHERE id > :after"""
# Several writers (PostgreSQL workers): "after" is where this transaction started, so
# another's articles committed meanwhile are seen too, and may be added by both.
_SEEN_TWICE = {"sqlite": "", "postgresql": " ON CONFLICT (id) DO NOTHING"}
_ADDS = {
    dialect: text(_ADD.format(julian=julian) + _SEEN_TWICE[dialect])
    for dialect, julian in JULIAN_SQL.items()
}

DELETE_TRIGGER = """CREATE TRIGGER search_rows_delete AFTER DELETE ON articles BEGIN
    DELETE FROM search_rows WHERE id = old.id;
    END"""
# PostgreSQL's trigger runs a function.
PG_DELETE_TRIGGER = [
    """CREATE FUNCTION search_rows_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM search_rows WHERE id = OLD.id; RETURN OLD; END $$""",
    """CREATE TRIGGER search_rows_delete AFTER DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION search_rows_delete()""",
]


def add_new_articles(conn: Connection, after: int) -> None:
    """The rows of the articles added after id `after`."""
    conn.execute(_ADDS["postgresql" if is_postgresql(conn) else "sqlite"], {"after": after})


def rebuild_search_rows(conn: Connection) -> None:
    """Every row worked out again from the articles (after a reindex)."""
    conn.exec_driver_sql("DELETE FROM search_rows")
    add_new_articles(conn, 0)
