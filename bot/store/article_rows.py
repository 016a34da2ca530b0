"""Article rows: storing a feed's articles without duplicates, in one pass of batched
look-ups, and reading the stored texts back for `rematch`.

An entry is, in order of the checks:
1. one we have seen from this feed before (its own article, or a sighting): updated if
   its text changed;
2. a copy of a stored article with the same canonical URL (another feed carried it);
3. a copy of a stored article with the same normalized title from the same outlet within
   a few days: what Google News sends (its own redirect URL, " - Outlet" in the title)
   next to the outlet's own feed;
4. new.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, select, update

from bot.match.matcher import Match
from bot.model import Article
from bot.store.db import chunks, sqlite_time
from bot.store.dialect import is_postgresql
from bot.store.fts import extra_terms
from bot.store.match_rows import insert_new_matches, replace_matches
from bot.store.tables import articles, feeds, sightings

SAME_STORY_WINDOW = timedelta(days=3)
REDIRECTOR_HOSTS = ("news.google.com",)  # links that hide the publisher's own URL


@dataclass
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0


class Prepared(NamedTuple):
    """What storing an article computes from it alone: worked out where it was parsed
    (a worker process, bot/pipeline/workers.py), so the one writer only executes."""

    url_hash: int | None
    title_hash: int
    published: str  # published_at as the store writes it
    search_extra: str  # the index's extra words (bot/store/fts.py)


def prepare_article(article: Article) -> Prepared:
    return Prepared(
        key_hash(article.url) if article.url else None,
        key_hash(article.title_key),
        sqlite_time(article.published),
        extra_terms(article.title, article.summary, article.content),
    )


def prepare_articles(batch: Iterable[Article]) -> dict[str, Prepared]:
    """Each article's Prepared, by entry id (plain tuples: cheap to pickle); of an entry
    id repeated, the first occurrence's, as save_articles keeps it."""
    prepared: dict[str, Prepared] = {}
    for article in batch:
        if article.entry_id not in prepared:
            prepared[article.entry_id] = prepare_article(article)
    return prepared


def save_articles(
    conn: Connection,
    feed_id: int,
    batch: Sequence[Article],
    now: datetime,
    topic_matches: Mapping[str, Sequence[Match]] | None = None,
    prepared: Mapping[str, Prepared] | None = None,
) -> SaveCounts:
    """Store one feed's articles and their topic matches (keyed by entry id; the caller
    holds the transaction); count what happened. `prepared` (by entry id, from
    prepare_articles) saves the writer that work; an article without one is prepared here.

    Within one feed, distinct entry ids are distinct entries (the publisher's word); the
    URL and title checks look for copies in *other* feeds only. A copy keeps the stored
    article's matches; a changed text is matched again by the caller and replaces them.
    """
    topic_matches = topic_matches or {}
    counts = SaveCounts()
    batch = _unique_entries(batch)
    prepared = prepared or {}
    ready = {a.entry_id: prepared.get(a.entry_id) or prepare_article(a) for a in batch}
    ids = [a.entry_id for a in batch]
    seen = _sighted(conn, feed_id, ids + [b for b in map(_base_id, ids) if b])
    fresh = []
    for article in batch:
        known = seen.get(article.entry_id) or _same_as_base(article, seen)
        if known is None:
            fresh.append(article)
        elif known.owner == feed_id and known.content_hash != article.content_hash:
            _update_text(conn, known.article_id, article, now)
            replace_matches(conn, {known.article_id: topic_matches.get(article.entry_id, ())}, now)
            counts.updated += 1
        else:
            counts.unchanged += 1
            if article.entry_id not in seen:  # first seen under its suffixed id
                _add_sighting(conn, feed_id, article, known.article_id, now)
    by_url = _by_url(conn, {a.url: ready[a.entry_id].url_hash for a in fresh if a.url}, feed_id)
    by_title = _by_title(
        conn, {a.title_key: ready[a.entry_id].title_hash for a in fresh if a.title_key}, feed_id
    )
    to_insert: list[Article] = []
    for article in fresh:
        twin = _twin(article, by_url, by_title)
        if twin is None:
            to_insert.append(article)
            continue
        counts.duplicates += 1
        _add_sighting(conn, feed_id, article, twin.id, now)
        if _is_redirector(twin.url) and article.url and not _is_redirector(article.url):
            conn.execute(
                update(articles)
                .where(articles.c.id == twin.id)
                .values(url=article.url, url_hash=key_hash(article.url))
            )
    counts.new = insert_articles(conn, feed_id, to_insert, ready, now)
    insert_new_matches(conn, feed_id, to_insert, topic_matches, now)
    return counts


def _base_id(entry_id: str) -> str | None:
    """The id before the suffix that normalize.distinct_entries adds, if it has one."""
    base, sep, suffix = entry_id.rpartition("#")
    if sep and len(suffix) == 12 and all(c in "0123456789abcdef" for c in suffix):
        return base
    return None


def _same_as_base(article: Article, seen: dict[str, _Known]) -> _Known | None:
    """An entry stored under its plain id before its id needed a suffix: the same one."""
    base = _base_id(article.entry_id)
    known = seen.get(base) if base else None
    return known if known and known.content_hash == article.content_hash else None


@dataclass(frozen=True)
class _Known:
    article_id: int
    owner: int
    content_hash: str


def _unique_entries(batch: Iterable[Article]) -> list[Article]:
    """Feeds sometimes repeat an entry id; the first occurrence wins."""
    unique: dict[str, Article] = {}
    for article in batch:
        unique.setdefault(article.entry_id, article)
    return list(unique.values())


# The look-ups of every feed's write, as SQL for SQLite's driver run on the transaction's
# own connection: through Core, building and reading four statements a feed cost more
# than running them. The values of an IN travel as one JSON array read by json_each
# (a parameter per value would be rendered and bound on every call).
_VALUES = "(SELECT value FROM json_each(:values))"
# The feed's own articles, then the copies it carried (UNION ALL keeps that order: a
# copy's row, read later, wins, as it did when these were two statements).
SIGHTED = f"""SELECT entry_id, id, feed_id, content_hash FROM articles
    WHERE feed_id = :feed_id AND entry_id IN {_VALUES}
    UNION ALL
    SELECT sightings.entry_id, articles.id, articles.feed_id, articles.content_hash
    FROM sightings JOIN articles ON articles.id = sightings.article_id
    WHERE sightings.feed_id = :feed_id AND sightings.entry_id IN {_VALUES}"""
OWN = f"""SELECT entry_id, content_hash FROM articles
    WHERE feed_id = :feed_id AND entry_id IN {_VALUES}"""
BY_URL = f"""SELECT id, url FROM articles
    WHERE url_hash IN {_VALUES} AND feed_id != :feed_id"""
BY_TITLE = f"""SELECT id, url, title_key, outlet, published_at FROM articles
    WHERE title_hash IN {_VALUES} AND feed_id != :feed_id"""


class _Stored(NamedTuple):
    """An article of another feed found by URL or title (what _twin compares)."""

    id: int
    url: str | None
    title_key: str | None = None
    outlet: str | None = None
    published_at: datetime | None = None


def key_hash(text: str) -> int:
    """A signed 64-bit hash of a dedup key (the indexed stand-in for the text)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _for_postgresql(statement: str) -> str:
    """A look-up above for psycopg: named parameters as %(name)s, the values as an array."""
    return statement.replace(f"IN {_VALUES}", "= ANY(%(values)s)").replace(
        ":feed_id", "%(feed_id)s"
    )


_PG_STATEMENTS = {s: _for_postgresql(s) for s in (SIGHTED, OWN, BY_URL, BY_TITLE)}


def _select_in(conn: Connection, statement: str, feed_id: int, values: Iterable):
    """Rows (plain tuples) of `statement` for the values, a bounded IN list at a time."""
    cursor = conn.connection.driver_connection.cursor()
    postgresql = is_postgresql(conn)
    if postgresql:
        statement = _PG_STATEMENTS[statement]
    try:
        for chunk in chunks(sorted(set(values))):
            bound = list(chunk) if postgresql else json.dumps(chunk)
            cursor.execute(statement, {"feed_id": feed_id, "values": bound})
            yield from cursor.fetchall()
    finally:
        cursor.close()


def _sighted(conn: Connection, feed_id: int, entry_ids: list[str]) -> dict[str, _Known]:
    """Entries this feed sent before: its own articles, and copies it carried."""
    return {
        entry_id: _Known(article_id, owner, content_hash)
        for entry_id, article_id, owner, content_hash in _select_in(
            conn, SIGHTED, feed_id, entry_ids
        )
    }


def stored_hashes(conn: Connection, feed_id: int, entry_ids: list[str]) -> dict[str, str]:
    """Entry id → content hash for the feed's stored entries among these ids."""
    return dict(_select_in(conn, OWN, feed_id, entry_ids))


def _by_url(conn: Connection, hashes: Mapping[str, int], feed_id: int) -> dict[str, _Stored]:
    """Stored articles of other feeds with these URLs (url → its hash; looked up by hash,
    matched by text)."""
    found: dict[str, _Stored] = {}
    for article_id, url in _select_in(conn, BY_URL, feed_id, hashes.values()):
        if url in hashes:
            found.setdefault(url, _Stored(article_id, url))
    return found


def _by_title(
    conn: Connection, hashes: Mapping[str, int], feed_id: int
) -> dict[str, list[_Stored]]:
    """Stored articles of other feeds with these title keys (key → its hash; by hash,
    matched by text)."""
    found: dict[str, list[_Stored]] = {}
    for article_id, url, title_key, outlet, published in _select_in(
        conn, BY_TITLE, feed_id, hashes.values()
    ):
        if title_key in hashes:
            when = _utc(published)
            found.setdefault(title_key, []).append(
                _Stored(article_id, url, title_key, outlet, when)
            )
    return found


def _utc(value: str | datetime) -> datetime:
    """A stored time as read by the driver (SQLite: text; PostgreSQL: naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def _twin(article: Article, by_url: dict, by_title: dict[str, list]):
    """The stored article (of another feed) this one is a copy of, if any."""
    if article.url and article.url in by_url:
        return by_url[article.url]
    if not article.outlet or not article.title_key:
        return None
    for candidate in by_title.get(article.title_key, ()):
        close = abs(candidate.published_at - article.published) <= SAME_STORY_WINDOW
        if candidate.outlet == article.outlet and close:
            return candidate
    return None


def _is_redirector(url: str | None) -> bool:
    return bool(url) and any(f"//{host}/" in url for host in REDIRECTOR_HOSTS)


def _update_text(conn: Connection, article_id: int, article: Article, now: datetime) -> None:
    conn.execute(
        update(articles)
        .where(articles.c.id == article_id)
        .values(
            title=article.title,
            summary=article.summary,
            content=article.content,
            title_key=article.title_key,
            title_hash=key_hash(article.title_key),
            content_hash=article.content_hash,
            search_extra=extra_terms(article.title, article.summary, article.content),
            updated_at=now,
        )
    )


def _add_sighting(
    conn: Connection, feed_id: int, article: Article, article_id: int, now: datetime
) -> None:
    conn.execute(
        sightings.insert().values(
            feed_id=feed_id,
            entry_id=article.entry_id,
            article_id=article_id,
            url=article.url,
            seen_at=now,
        )
    )


def insert_articles(
    conn: Connection,
    feed_id: int,
    batch: list[Article],
    ready: Mapping[str, Prepared],
    now: datetime,
) -> int:
    """Insert new articles in one executemany of plain tuples.

    On SQLite the one statement written for its driver (qmark parameters, dates in the
    text form SQLAlchemy's SQLite DateTime reads back): through Core, type processing cost
    about a quarter of a big first poll's write time. On PostgreSQL, Core (psycopg sends
    the rows in batches). tests/test_store.py reads the rows back.
    """
    if batch and is_postgresql(conn):
        conn.execute(
            articles.insert(),
            [{"feed_id": feed_id, "entry_id": a.entry_id, "url": a.url, "title": a.title,
              "summary": a.summary, "content": a.content, "author": a.author,
              "language": a.language, "outlet": a.outlet, "outlet_name": a.outlet_name,
              "title_key": a.title_key, "content_hash": a.content_hash,
              "published_at": _utc(p.published), "fetched_at": now, "updated_at": now,
              "url_hash": p.url_hash, "title_hash": p.title_hash, "search_extra": p.search_extra}
             for a in batch for p in (ready[a.entry_id],)],
        )  # fmt: skip
    elif batch:
        stamp = sqlite_time(now)
        conn.exec_driver_sql(
            "INSERT INTO articles (feed_id, entry_id, url, title, summary, content, author,"
            " language, outlet, outlet_name, title_key, content_hash, published_at, fetched_at,"
            " updated_at, url_hash, title_hash, search_extra)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(feed_id, a.entry_id, a.url, a.title, a.summary, a.content, a.author, a.language,
              a.outlet, a.outlet_name, a.title_key, a.content_hash, p.published, stamp, stamp,
              p.url_hash, p.title_hash, p.search_extra)
             for a in batch for p in (ready[a.entry_id],)],
        )  # fmt: skip
    return len(batch)


@dataclass(frozen=True, slots=True)
class ArticleText:
    """A stored article as the matcher reads it (`rematch`, a new watch's backfill)."""

    id: int
    title: str
    summary: str
    content: str
    language: str | None
    feed: str  # the feed's name


def articles_for_matching(
    conn: Connection, since: datetime | None, batch: int
) -> Iterator[list[ArticleText]]:
    """Stored articles (newest first; published since then, if given), `batch` at a time."""
    query = (
        select(articles.c.id, articles.c.title, articles.c.summary, articles.c.content,
               articles.c.language, feeds.c.name)
        .join(feeds, feeds.c.id == articles.c.feed_id)
        .order_by(articles.c.id.desc())
    )  # fmt: skip
    if since is not None:
        query = query.where(articles.c.published_at >= since)
    result = conn.execution_options(yield_per=batch).execute(query)
    for rows in result.partitions(batch):
        yield [ArticleText(*row) for row in rows]
