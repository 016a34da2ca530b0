"""Search over the archive on SQLite FTS5: every statement of the search lives here.

`SqliteSearch` is the one interface search (bot/pipeline/search.py) talks to: ranked candidate
ids for a plan, their count, the articles to confirm and show, and the index's upkeep
(rebuild, check). A PostgreSQL implementation (tsvector, GIN, unaccent) would be a
second class with the same methods.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bot.errors import StoreError
from bot.match.ast import Node
from bot.match.plan import Plan
from bot.match.query import QueryError
from bot.store.article_days import first_id_since, rebuild_article_days, record_new_articles
from bot.store.db import sqlite_time
from bot.store.fts import (
    CREATE,
    DROP,
    INTEGRITY_CHECK,
    MARKED,
    REBUILD,
    TITLE_WEIGHT,
    expression_problem,
    extra_terms,
    fts_index_new,
    match_expression,
    renders_exactly,
)
from bot.store.search_rows import add_new_articles, rebuild_search_rows

NEWEST_WINDOWS_DAYS = (7, 30, 180)  # how far back a newest-first search looks, in turn
HALF_LIFE_DAYS = 14.0  # recency: a story this old gets half the boost of today's
MAX_SECONDS = 10.0  # a statement running longer is stopped ("instead of hanging")
REINDEX_HINT = "run `python -m bot reindex` to rebuild it"


@dataclass(frozen=True)
class Filters:
    """What besides the query narrows a search (all optional)."""

    since: datetime | None = None
    until: datetime | None = None
    languages: tuple[str, ...] = ()  # any of these (lower case); empty: any language
    excluded_languages: tuple[str, ...] = ()
    feed_ids: tuple[int, ...] | None = None  # None: any feed; (): none at all
    excluded_feed_ids: tuple[int, ...] = ()
    topic: str | None = None


@dataclass(frozen=True)
class StoredArticle:
    """What search shows of an article, and what the matcher needs to confirm it."""

    id: int
    title: str
    summary: str
    content: str
    url: str | None
    language: str | None
    outlet: str | None
    feed: str
    published: datetime
    topics: tuple[str, ...] = ()
    copies: tuple[tuple[str, str | None], ...] = ()  # (feed, url) of entries of other feeds


@dataclass(frozen=True)
class Ranking:
    """A slice of the ranked candidates, and how many there are in all."""

    rows: list[tuple[int, float]]  # (article id, score), best first
    total: int | None  # filtered rankings only (see SqliteSearch.ranked)


def index_new_articles(conn: Connection, after: int) -> None:
    """Everything search keeps of the articles added after id `after`: their words, their
    search rows and their publication days. The store's one writer calls it before
    committing what it inserted (fts.newest_article says where it started)."""
    fts_index_new(conn, after)
    add_new_articles(conn, after)
    record_new_articles(conn, after)


class SqliteSearch:
    """Candidates from the FTS5 index, ranked and filtered in SQL."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Connection | None = None

    @contextmanager
    def session(self) -> Iterator[SqliteSearch]:
        """One connection (one read snapshot) for every statement of one search; they
        stop after MAX_SECONDS in all."""
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            deadline = time.monotonic() + MAX_SECONDS
            raw.set_progress_handler(lambda: time.monotonic() > deadline, 100_000)
            self._conn = conn
            try:
                with conn.begin():  # a read transaction: counts and pages agree
                    yield self
            except DBAPIError as exc:
                raise _query_error(exc) or _index_error(exc) from exc
            finally:
                self._conn = None
                raw.set_progress_handler(None, 0)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """The session's connection, or one of its own; index failures become a
        StoreError that says how to repair."""
        if self._conn is not None:
            yield self._conn
            return
        with self.session():
            yield self._conn

    def ranked(
        self,
        plan: Plan,
        filters: Filters,
        *,
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 20,
        now: datetime | None = None,
    ) -> Ranking:
        """(article id, score) of the candidates, best first: relevance (BM25, title
        weighted) times a recency boost, or newest first; ties by id, so pages are stable.
        Filtered, with them how many candidates there are in all: a count needs the join,
        so the ranking, which reads every candidate anyway, counts them (count(*) OVER ()
        over a materialized CTE: bm25 cannot sit beside a window function), saving a
        second pass. Unfiltered, count() is cheaper (the index alone, no positions), and
        the ranking keeps only its top rows as it goes."""
        if sort == "date":
            return self._newest(plan, filters, offset, limit, now or datetime.now(UTC))
        order = "score DESC, id DESC"
        with self._reading() as conn:
            where, params = _where(conn, filters)
            hits = (
                f"SELECT f.rowid AS id, r.published, {_SCORE} AS score FROM {_HITS} "
                f"WHERE articles_fts MATCH :match{where}"
            )
            page = f"ORDER BY {order} LIMIT :limit OFFSET :offset"
            params |= {
                "match": _expression(plan.text),
                "now": _julian(now or datetime.now(UTC)),
                "limit": limit,
                "offset": offset,
            }
            if not where:
                rows = conn.exec_driver_sql(f"{hits} {page}", params).all()
                return Ranking([(row[0], row[2]) for row in rows], None)
            statement = (
                f"WITH hits AS MATERIALIZED ({hits}) "
                f"SELECT id, score, count(*) OVER () FROM hits {page}"
            )
            rows = conn.exec_driver_sql(statement, params).all()
        if not rows and offset:  # past the last one: the count needs a row to ride on
            return Ranking([], self.count(plan, filters))
        return Ranking([(row[0], row[1]) for row in rows], rows[0][2] if rows else 0)

    def _newest(
        self, plan: Plan, filters: Filters, offset: int, limit: int, now: datetime
    ) -> Ranking:
        """Newest first, looking at the last week first, then further back. The hits
        published since a date D are exactly those at or above D's id floor
        (bot/store/article_days.py) and published since D, so when they fill the page,
        nothing older can be on it: FTS5 seeks to the floor and scores the week's hits,
        not the year's."""
        with self._reading() as conn:
            where, params = _where(conn, filters)
            params |= {"match": _expression(plan.text), "now": _julian(now)}
            params |= {"limit": limit, "offset": offset}

            def newest(window: str) -> list:
                statement = (
                    f"SELECT f.rowid, {_SCORE} FROM {_HITS} WHERE articles_fts MATCH :match"
                    f"{where}{window} ORDER BY r.published DESC, f.rowid DESC "
                    "LIMIT :limit OFFSET :offset"
                )
                return conn.exec_driver_sql(statement, params).all()

            starts = [now - timedelta(days=days) for days in NEWEST_WINDOWS_DAYS]
            # A window reaching past --since narrows nothing: the filter's floor does.
            starts = [t for t in starts if filters.since is None or t > filters.since]
            window = " AND f.rowid >= :window_floor AND r.published >= julianday(:window)"
            for start in starts:
                params["window_floor"] = first_id_since(conn, start)
                params["window"] = sqlite_time(start)
                rows = newest(window)
                if len(rows) == limit:
                    break  # a full page from the window: nothing older can be on it
            else:
                rows = newest("")
        total = self.count(plan, filters) if where else None
        return Ranking([(row[0], row[1]) for row in rows], total)

    def exact(self, plan: Plan) -> bool:
        """Whether the index finds exactly the plan's matches (unmarked articles)."""
        return plan.exact and renders_exactly(plan.text)

    def count(self, plan: Plan, filters: Filters) -> int:
        """How many articles the index finds."""
        match = _expression(plan.text)
        with self._reading() as conn:
            where, params = _where(conn, filters)
            params["match"] = match
            if where:
                statement = f"SELECT count(*) FROM {_HITS} WHERE articles_fts MATCH :match{where}"
            else:
                statement = _COUNT
            return conn.exec_driver_sql(statement, params).scalar() or 0

    def marked_ids(self, plan: Plan, filters: Filters, limit: int) -> list[int]:
        """Ids of the candidates the two tokenizers may read differently (fts.MARKER),
        which the matcher must confirm one by one; at most `limit`."""
        with self._reading() as conn:
            # Most archives hold few or none: asking the marker alone costs microseconds,
            # where the query with it may cost a prefix's whole expansion.
            if not conn.exec_driver_sql(_ANY_MARKED).first():
                return []
            where, params = _where(conn, filters)
            params |= {"match": _expression(plan.text, marked=True), "n": limit}
            statement = (
                f"SELECT f.rowid FROM {_HITS} WHERE articles_fts MATCH :match{where} LIMIT :n"
            )
            return [row[0] for row in conn.exec_driver_sql(statement, params)]

    def size(self) -> int:
        """Articles in the index (from its own statistics: no table scan)."""
        with self._reading() as conn:
            row = conn.exec_driver_sql("SELECT block FROM articles_fts_data WHERE id = 1").scalar()
        return _varint(row) if row else 0

    def articles(self, ids: Sequence[int]) -> dict[int, StoredArticle]:
        """The articles with these ids, with their topics and copies in other feeds."""
        if not ids:
            return {}
        values = json.dumps(list(ids))
        with self._reading() as conn:
            rows = conn.exec_driver_sql(_ARTICLES, (values,)).all()
            topics: dict[int, list[str]] = {}
            for article_id, topic in conn.exec_driver_sql(_TOPICS, (values,)):
                topics.setdefault(article_id, []).append(topic)
            copies: dict[int, list[tuple[str, str | None]]] = {}
            for article_id, feed, url in conn.exec_driver_sql(_COPIES, (values,)):
                copies.setdefault(article_id, []).append((feed, url))
        return {
            row[0]: StoredArticle(
                *row[:8], _datetime(row[8]), tuple(topics.get(row[0], ())),
                tuple(copies.get(row[0], ())),
            )
            for row in rows
        }  # fmt: skip

    def rebuild(self) -> int:
        """Drop and recreate the index from the articles (missing, corrupt or stale), with
        every article's `extra` words worked out again (SQLite's tokenizer may have
        changed with its version); the number of articles indexed."""
        with self.engine.begin() as conn:
            for statement in DROP:
                conn.exec_driver_sql(statement)
            _drop_leftovers(conn)
            _refresh_extra(conn)
            for statement in CREATE:
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql(REBUILD)
            rebuild_search_rows(conn)
            rebuild_article_days(conn)
            return conn.exec_driver_sql("SELECT count(*) FROM articles").scalar() or 0

    def check(self) -> str | None:
        """None when the index is present and agrees with the articles; else what is wrong.

        A damaged database file is a StoreError (restore it), not the index's problem: a
        rebuild would not help."""
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql(INTEGRITY_CHECK)
        except DBAPIError as exc:
            return str(_index_error(exc))
        except StoreError as exc:
            if exc.fault != "read-only":
                raise
            raise StoreError(
                f"checking the index needs write access to {self.engine.url.database}: "
                "SQLite checks it with a write statement (one that changes nothing); run "
                "`reindex --check` as a user who may write the file and its folder",
                fault="read-only",
            ) from exc
        return None


def _refresh_extra(conn: Connection, batch: int = 5000) -> None:
    """Recompute `search_extra` of every article (the triggers are gone meanwhile)."""
    last = 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT id, title, summary, content, search_extra FROM articles WHERE id > ?"
            " ORDER BY id LIMIT ?",
            (last, batch),
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        changed = [(extra, row[0]) for row in rows if (extra := extra_terms(*row[1:4])) != row[4]]
        if changed:
            conn.exec_driver_sql("UPDATE articles SET search_extra = ? WHERE id = ?", changed)


def _drop_leftovers(conn: Connection) -> None:
    """Shadow tables a damaged index may leave behind (DROP TABLE of a broken FTS5 table
    can fail half-way)."""
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'articles_fts%'"
    ).scalars()
    for name in list(names):
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')


def _expression(text: Node, *, marked: bool = False) -> str:
    """The MATCH expression of a plan's text (with `marked`: of its marked articles only),
    checked before it runs: QueryError when the linked SQLite's FTS5 cannot read it (its
    parser's stack is fixed; bot/store/fts.py keeps expressions shallow, so only a query
    near the parser's limits could come close)."""
    expression = match_expression(text)
    if marked:
        expression = f"({expression}) AND {MARKED}"
    problem = expression_problem(expression)
    if problem is not None:
        raise _too_complex(problem)
    return expression


def _too_complex(problem: str) -> QueryError:
    nested = any(word in problem for word in ("stack", "too large", "depth"))
    hint = "; write it with fewer parentheses inside one another" if nested else ""
    return QueryError(1, f"the search index cannot read this query ({problem}){hint}")


def _query_error(exc: DBAPIError) -> QueryError | None:
    """A QueryError when a search statement failed because of its MATCH expression: FTS5
    reports what it cannot read as an OperationalError ("fts5: syntax error near …",
    "fts5: parser stack overflow", "fts5 expression tree is too large"), while a damaged
    index is a DatabaseError of another kind (SQLITE_CORRUPT). Expressions are checked
    before they run (_expression); this is for whatever that check could not foresee."""
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if (
        isinstance(exc.orig, sqlite3.OperationalError)
        and "fts5" in message.lower()
        and "no such" not in message
    ):
        return _too_complex(message)
    return None


def _index_error(exc: DBAPIError) -> StoreError:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if "interrupted" in message:
        return StoreError(
            f"search: the query took longer than {MAX_SECONDS:.0f} s and was stopped; "
            "add a more specific word, a phrase or a filter (--since, --feed, --lang)"
        )
    if "no such" in message and ("table" in message or "column" in message):
        return StoreError(f"search: the full-text index is missing; {REINDEX_HINT}")
    if isinstance(exc.orig, sqlite3.DatabaseError) and "fts5: syntax error" not in message:
        return StoreError(f"search: the full-text index is damaged ({message}); {REINDEX_HINT}")
    return StoreError(f"search: {message}")


_COUNT = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :match"
_HITS = "articles_fts f JOIN search_rows r ON r.id = f.rowid"  # a hit and what ranks it
_SCORE = (
    f"-bm25(articles_fts, {TITLE_WEIGHT}, 1.0, 1.0) * (1.0 + 1.0 / (1.0 + "
    f"max(0.0, :now - r.published) / {HALF_LIFE_DAYS}))"
)
_IDS = "IN (SELECT value FROM json_each(?))"
_ANY_MARKED = f"SELECT 1 FROM articles_fts WHERE articles_fts MATCH '{MARKED}' LIMIT 1"
_ARTICLES = f"""SELECT a.id, a.title, a.summary, a.content, a.url, a.language, a.outlet,
    f.name, a.published_at FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id {_IDS}"""
_TOPICS = f"SELECT article_id, topic FROM matches WHERE article_id {_IDS} ORDER BY topic"
_COPIES = f"""SELECT s.article_id, f.name, s.url FROM sightings s JOIN feeds f ON f.id = s.feed_id
    WHERE s.article_id {_IDS} ORDER BY f.name"""


def _where(conn: Connection, filters: Filters) -> tuple[str, dict]:
    """SQL conditions on the index (alias f) and the hit's search row (alias r,
    bot/store/search_rows.py), and their parameters."""
    parts, params = [], {}
    if filters.since is not None:
        # The floor lets FTS5 seek past the older ids (bot/store/article_days.py).
        # julianday() of the stored text form: the same rounding as the rows' own.
        parts.append("f.rowid >= :floor AND r.published >= julianday(:since)")
        params["floor"] = first_id_since(conn, filters.since)
        params["since"] = sqlite_time(filters.since)
    if filters.until is not None:
        parts.append("r.published < julianday(:until)")
        params["until"] = sqlite_time(filters.until)
    if filters.languages:
        parts.append(f"r.language IN ({_list(filters.languages, 'lang', params)})")
    if filters.excluded_languages:
        codes = _list(filters.excluded_languages, "nolang", params)
        parts.append(f"(r.language IS NULL OR r.language NOT IN ({codes}))")
    if filters.feed_ids is not None:
        parts.append(f"r.feed_id IN ({_list(filters.feed_ids, 'feed', params)})")
    if filters.excluded_feed_ids:
        parts.append(f"r.feed_id NOT IN ({_list(filters.excluded_feed_ids, 'nofeed', params)})")
    if filters.topic is not None:
        # The unary + keeps SQLite from handing the id list to FTS5 (a MATCH per id).
        parts.append("+r.id IN (SELECT article_id FROM matches WHERE topic = :topic)")
        params["topic"] = filters.topic
    return "".join(f" AND {p}" for p in parts), params


def _list(values: Sequence, name: str, params: dict) -> str:
    keys = [f"{name}{i}" for i in range(len(values))]
    params.update(zip(keys, values, strict=True))
    return ", ".join(f":{k}" for k in keys) or "NULL"


def _julian(when: datetime) -> float:
    return when.timestamp() / 86400.0 + 2440587.5


def _datetime(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _varint(blob: bytes) -> int:
    """The first value of FTS5's averages record: the number of rows (a varint)."""
    value = 0
    for byte in blob[:9]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return value
