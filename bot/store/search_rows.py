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

SQLite only: on PostgreSQL the table exists (one schema for both) but stays empty; its
search reads the article row, which its bitmap heap scan fetches for each hit anyway
(bot/store/search_pg.py).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# The publication time as a Julian day.
JULIAN_SQL = {"sqlite": "julianday(published_at)"}
_ADD = """INSERT INTO search_rows (id, published, feed_id, language)
    SELECT id, julianday(published_at), feed_id, language FROM articles WHERE id > :after"""

DELETE_TRIGGER = """CREATE TRIGGER search_rows_delete AFTER DELETE ON articles BEGIN
    DELETE FROM search_rows WHERE id = old.id;
    END"""


def add_new_articles(conn: Connection, after: int) -> None:
    """The rows of the articles added after id `after`."""
    conn.execute(text(_ADD), {"after": after})


def rebuild_search_rows(conn: Connection) -> None:
    """Every row worked out again from the articles (after a reindex)."""
    conn.exec_driver_sql("DELETE FROM search_rows")
    add_new_articles(conn, 0)
