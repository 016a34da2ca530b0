"""Search over the archive on PostgreSQL: its index (a tsvector column with a GIN index)
and every statement of a search, behind the same methods as SqliteSearch.

The document is three weighted parts of one `tsvector` column of `articles`, generated
by the server from the row: the title (weight A), the body exactly as the matcher reads
it (B) and `search_extra` (C: the matcher's folded form of the rare words an index may
read differently, with a marker word; bot/store/fts.py). Each part goes through
`mpp_words`: accents folded by `unaccent` (an extension, wrapped in an IMMUTABLE function
so a generated column and its index may use it), every run of characters that are not
letters or digits made one space (the matcher's words: hyphens, apostrophes, dots and
underscores separate them) and lower case; the `simple` configuration then keeps every
word as it is (no stop words, no stemming).

A query's words go through the same `mpp_words` on the server (`mpp_term` builds each
lexeme, a phrase or a prefix, with the weights of its field), so both sides of a match
are folded by one function. The index finds a superset and the matcher confirms each
candidate (bot/pipeline/search.py), as on SQLite: NEAR is looked up as AND of its sides,
a NOT excludes only unmarked articles, and a word's forms are prefixes. Ranking is the
same formula as SQLite's: text relevance, the title weighted TITLE_WEIGHT times the body,
times the same recency boost; PostgreSQL has no BM25, so its relevance is ts_rank's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from bot.errors import StoreError
from bot.match.ast import And, Near, Node, Not, Or, Phrase, Term
from bot.match.plan import Plan
from bot.match.text import stem_prefixes
from bot.store.article_days import first_id_since, rebuild_article_days, record_new_articles
from bot.store.fts import MARKER, TITLE_WEIGHT, extra_terms
from bot.store.search_sqlite import (
    HALF_LIFE_DAYS,
    MAX_SECONDS,
    REINDEX_HINT,
    Filters,
    Ranking,
    StoredArticle,
)

INDEX = "ix_articles_search_document"
BODY_SQL = (
    "CASE WHEN content <> '' AND content <> summary "
    "THEN summary || chr(10) || content ELSE summary END"
)
# Marks the seam between title and body: the parts of one tsvector continue each other's
# positions, and a phrase must not run from the title's last word into the body's first.
SEAM = "zqxseamzqx"
DOCUMENT_SQL = (
    f"setweight(to_tsvector('simple'::regconfig, mpp_words(title) || ' {SEAM}'), 'A') || "
    f"setweight(to_tsvector('simple'::regconfig, mpp_words({BODY_SQL})), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, mpp_words(search_extra)), 'C')"
)
FUNCTIONS = [
    # unaccent's one-argument form is only STABLE (it looks its dictionary up by name);
    # naming the dictionary makes the result depend on the text alone.
    """CREATE OR REPLACE FUNCTION mpp_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    """CREATE OR REPLACE FUNCTION mpp_words(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT lower(regexp_replace(mpp_unaccent($1), '[^[:alnum:]]+', ' ', 'g')) $$""",
    # One query word or phrase as a tsquery: its words (as mpp_words reads them) in a
    # row, each restricted to `weights` ('' for any), the last one a prefix if asked.
    # PL/pgSQL, not SQL: its statements' plans are kept for the session, where an SQL
    # function's body was planned again in every search statement (~3 ms a call).
    """CREATE OR REPLACE FUNCTION mpp_term(word text, weights text, prefix boolean)
        RETURNS tsquery LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
        DECLARE
            pieces text[] := string_to_array(btrim(mpp_words(word)), ' ');
            last integer := coalesce(array_length(pieces, 1), 0);
            found text := '';
        BEGIN
            FOR i IN 1 .. last LOOP
                CONTINUE WHEN pieces[i] = '';
                IF found <> '' THEN
                    found := found || ' <-> ';
                END IF;
                found := found || quote_literal(pieces[i]) || CASE
                    WHEN prefix AND i = last THEN ':*' || weights
                    WHEN weights <> '' THEN ':' || weights ELSE '' END;
            END LOOP;
            RETURN found::tsquery;
        END $$""",
]
CREATE = [
    # The extension lives in the database; a user who may create objects in it may add
    # this one (unaccent is a trusted extension since PostgreSQL 13).
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    *FUNCTIONS,
    f"ALTER TABLE articles ADD COLUMN search_document tsvector "
    f"GENERATED ALWAYS AS ({DOCUMENT_SQL}) STORED",
    f"CREATE INDEX {INDEX} ON articles USING gin (search_document)",
]
DROP = [
    f"DROP INDEX IF EXISTS {INDEX}",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_document",
    "DROP FUNCTION IF EXISTS mpp_term(text, text, boolean)",
    "DROP FUNCTION IF EXISTS mpp_words(text)",
    "DROP FUNCTION IF EXISTS mpp_unaccent(text)",
]
EXTENSION_HINT = (
    "the search index needs PostgreSQL's unaccent extension (Debian and Ubuntu: the "
    "postgresql-contrib package); have a superuser run CREATE EXTENSION unaccent; in "
    "this database"
)

# ts_rank's weights, in the order {D, C, B, A}: the title TITLE_WEIGHT times the body.
_WEIGHTS = f"'{{0.0, {1 / TITLE_WEIGHT:.6f}, {1 / TITLE_WEIGHT:.6f}, 1.0}}'::float4[]"
_FIELD_WEIGHTS = {None: "", "title": "AC", "body": "BC"}
MAX_NEAR = 48  # NEAR's pairs times its distance: beyond, both sides present (looser)
_MARKED = f"'{MARKER}:C'::tsquery"
# The recency boost reads the article's own publication time: the bitmap heap scan that
# checks each hit has its row in hand already (SQLite's search_rows table is not needed).
_PUBLISHED_DAYS = "(extract(epoch FROM a.published_at) / 86400.0)"
_NOW_DAYS = "(extract(epoch FROM CAST(:now AS timestamp)) / 86400.0)"
_SCORE = (
    f"ts_rank({_WEIGHTS}, a.search_document, q.query) * (1.0 + 1.0 / (1.0 + "
    f"greatest(0.0, {_NOW_DAYS} - {_PUBLISHED_DAYS}) / {HALF_LIFE_DAYS}))"
)
_ARTICLES = """SELECT a.id, a.title, a.summary, a.content, a.url, a.language, a.outlet,
    f.name, a.published_at FROM articles a JOIN feeds f ON f.id = a.feed_id
    WHERE a.id = ANY(:ids)"""
_TOPICS = "SELECT article_id, topic FROM matches WHERE article_id = ANY(:ids) ORDER BY topic"
_COPIES = """SELECT s.article_id, f.name, s.url FROM sightings s JOIN feeds f ON f.id = s.feed_id
    WHERE s.article_id = ANY(:ids) ORDER BY f.name"""


def index_new_articles(conn: Connection, after: int) -> None:
    """What search keeps of the articles added after id `after`, besides their words
    (the server generates the tsvector with the row): their publication days."""
    record_new_articles(conn, after)


class TsQuery:
    """A plan's text as an SQL expression of type tsquery, and its parameters."""

    def __init__(self, node: Node):
        self.params: dict[str, object] = {}
        self.exact = True  # whether the index finds exactly the matcher's matches
        self.sql = self._render(node)

    def _term(self, words: str, field: str | None, prefix: bool, weights: str | None = None) -> str:
        key = f"w{len(self.params)}"
        self.params[key] = words
        weights = _FIELD_WEIGHTS[field] if weights is None else weights
        return f"mpp_term(:{key}, '{weights}', {'true' if prefix else 'false'})"

    def _render(self, node: Node) -> str:
        if isinstance(node, Term) and node.stem:
            self.exact = False
            prefixes = [self._term(p, node.field, True) for p in stem_prefixes(node.word)]
            return "(" + " || ".join(prefixes) + ")"
        if isinstance(node, Term):
            return self._term(node.word, node.field, node.prefix)
        if isinstance(node, Phrase):
            phrase = self._term(" ".join(node.words), node.field, False)
            if len(node.words) == 1:
                return phrase
            # A marked article's words may be in `extra` alone, out of order: its longest
            # one will do (only a marked article is found that way, as on SQLite).
            longest = self._term(max(node.words, key=len), node.field, False)
            return f"({phrase} || ({longest} && {_MARKED}))"
        if isinstance(node, Near):
            return self._near(node)
        if isinstance(node, Or):
            return "(" + " || ".join(self._render(i) for i in node.items) + ")"
        if isinstance(node, And):
            positive = [self._render(i) for i in node.items if not isinstance(i, Not)]
            if not positive:
                raise ValueError("an AND needs a positive item to render")
            # A marked article is never excluded: its words may hide from the index. A
            # part the index finds loosely (NEAR as both sides) would exclude too much:
            # it is left out, and the matcher excludes.
            negative = []
            for item in node.items:
                if isinstance(item, Not):
                    exact, self.exact = self.exact, True
                    excluded = self._render(item.item)
                    if self.exact:
                        negative.append(f"!!({excluded} && !!{_MARKED})")
                    self.exact = exact and self.exact
            return "(" + " && ".join(positive + negative) + ")"
        raise ValueError(f"cannot render {node!r} for PostgreSQL")

    def _near(self, node: Near) -> str:
        """Each pair of the sides' words or phrases at each distance up to n, in either
        order, within the title or within the body: `tsquery_phrase(a, b, k)` is b
        starting k positions after a ends, the matcher's distance k. Sides that could
        overlap (a shared word, a prefix), too many alternatives, or anything but words
        and phrases on a side: both sides present (looser; the matcher checks). A marked
        article needs only the longest word of a left alternative."""
        lefts, rights = _sides(node.left), _sides(node.right)
        too_many = lefts and rights and len(lefts) * len(rights) * node.distance > MAX_NEAR
        if lefts is None or rights is None or too_many:
            self.exact = False
            return f"({self._render(node.left)} && {self._render(node.right)})"
        parts = []
        for left in lefts:
            for right in rights:
                field = left.field or right.field
                if (left.field and right.field and left.field != right.field) or (
                    left.prefix or right.prefix or set(left.words) & set(right.words)
                ):
                    self.exact = False
                    return f"({self._render(node.left)} && {self._render(node.right)})"
                for weight in {"title": "A", "body": "B"}.get(field, "AB"):
                    a = self._term(" ".join(left.words), None, False, weight)
                    b = self._term(" ".join(right.words), None, False, weight)
                    for k in range(1, node.distance + 1):
                        parts += [
                            f"tsquery_phrase({a}, {b}, {k})",
                            f"tsquery_phrase({b}, {a}, {k})",
                        ]
        marked = [
            f"({self._term(max(left.words, key=len), left.field, False)} && {_MARKED})"
            for left in lefts
        ]
        return "(" + " || ".join(parts + marked) + ")"


@dataclass(frozen=True)
class _Side:
    """A word or phrase as one operand of NEAR."""

    words: tuple[str, ...]
    field: str | None
    prefix: bool = False


def _sides(node: Node) -> list[_Side] | None:
    """The words and phrases a NEAR operand is one of; None for anything else."""
    if isinstance(node, Term) and not node.stem:
        return [_Side((node.word,), node.field, node.prefix)]
    if isinstance(node, Phrase):
        return [_Side(node.words, node.field)]
    if isinstance(node, Or):
        found = [_sides(item) for item in node.items]
        return None if any(f is None for f in found) else [s for f in found for s in f]
    return None


class PgSearch:
    """Candidates from the tsvector index, ranked and filtered in SQL (SqliteSearch's
    counterpart: the same methods, the same results)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Connection | None = None

    @contextmanager
    def session(self) -> Iterator[PgSearch]:
        """One read-only snapshot for every statement of one search; each statement
        stops after MAX_SECONDS."""
        with self.engine.connect() as conn:
            self._conn = conn
            try:
                with conn.begin():
                    conn.exec_driver_sql(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                    )
                    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(MAX_SECONDS * 1000)}")
                    # Every search statement starts from the GIN index. With a LIMIT (is
                    # any article marked?) the planner may otherwise hope to meet a rare
                    # word early in a scan of every article: 0.3 s at 200,000 articles.
                    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                    yield self
            except DBAPIError as exc:
                raise _index_error(exc) from exc
            finally:
                self._conn = None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
            return
        with self.session():
            yield self._conn

    def _hits(self, conn: Connection, plan: Plan, filters: Filters, *, marked: bool = False):
        """FROM and WHERE of the hits (articles a, the query q), and the statement's
        parameters."""
        query = TsQuery(plan.text)
        expression = f"({query.sql} && {_MARKED})" if marked else query.sql
        where, params = _where(conn, filters)
        hits = (
            f"articles a, (SELECT {expression} AS query) q "
            f"WHERE a.search_document @@ q.query{where}"
        )
        return hits, params | query.params

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
        """(article id, score) of the candidates, best first (relevance times recency, or
        newest first), ties by id; with them how many there are in all."""
        order = "a.published_at DESC, a.id DESC" if sort == "date" else "score DESC, a.id DESC"
        with self._reading() as conn:
            hits, params = self._hits(conn, plan, filters)
            params |= {"now": _naive(now or datetime.now(UTC)), "limit": limit, "offset": offset}
            statement = (
                f"SELECT a.id, {_SCORE} AS score, count(*) OVER () FROM {hits} "
                f"ORDER BY {order} LIMIT :limit OFFSET :offset"
            )
            rows = conn.execute(text(statement), params).all()
        if not rows and offset:  # past the last one: the count needs a row to ride on
            return Ranking([], self.count(plan, filters))
        return Ranking([(row[0], row[1]) for row in rows], rows[0][2] if rows else 0)

    def exact(self, plan: Plan) -> bool:
        """Whether the index finds exactly the plan's matches (unmarked articles)."""
        return plan.exact and TsQuery(plan.text).exact

    def count(self, plan: Plan, filters: Filters) -> int:
        with self._reading() as conn:
            hits, params = self._hits(conn, plan, filters)
            return conn.execute(text(f"SELECT count(*) FROM {hits}"), params).scalar() or 0

    def marked_ids(self, plan: Plan, filters: Filters, limit: int) -> list[int]:
        """Ids of the candidates the index may read differently from the matcher
        (fts.MARKER), which the matcher must confirm one by one; at most `limit`."""
        with self._reading() as conn:
            any_marked = f"SELECT 1 FROM articles WHERE search_document @@ {_MARKED} LIMIT 1"
            if not conn.exec_driver_sql(any_marked).first():
                return []
            hits, params = self._hits(conn, plan, filters, marked=True)
            params["n"] = limit
            rows = conn.execute(text(f"SELECT a.id FROM {hits} LIMIT :n"), params)
            return [row[0] for row in rows]

    def size(self) -> int:
        """Articles in the archive: the planner's estimate for a big one, else counted."""
        with self._reading() as conn:
            estimate = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'articles'::regclass"
            ).scalar()
            if estimate is not None and estimate >= 100_000:
                return int(estimate)
            return conn.exec_driver_sql("SELECT count(*) FROM articles").scalar() or 0

    def articles(self, ids: Sequence[int]) -> dict[int, StoredArticle]:
        """The articles with these ids, with their topics and copies in other feeds."""
        if not ids:
            return {}
        params = {"ids": list(ids)}
        with self._reading() as conn:
            rows = conn.execute(text(_ARTICLES), params).all()
            topics: dict[int, list[str]] = {}
            for article_id, topic in conn.execute(text(_TOPICS), params):
                topics.setdefault(article_id, []).append(topic)
            copies: dict[int, list[tuple[str, str | None]]] = {}
            for article_id, feed, url in conn.execute(text(_COPIES), params):
                copies.setdefault(article_id, []).append((feed, url))
        return {
            row[0]: StoredArticle(
                *row[:8], row[8].replace(tzinfo=UTC), tuple(topics.get(row[0], ())),
                tuple(copies.get(row[0], ())),
            )
            for row in rows
        }  # fmt: skip

    def rebuild(self) -> int:
        """Drop and recreate the index (column, functions, GIN index) from the articles,
        with every article's `extra` words worked out again; the number indexed."""
        try:
            with self.engine.begin() as conn:
                for statement in DROP:
                    conn.exec_driver_sql(statement)
                _refresh_extra(conn)
                for statement in CREATE:
                    conn.exec_driver_sql(statement)
                rebuild_article_days(conn)
                return conn.exec_driver_sql("SELECT count(*) FROM articles").scalar() or 0
        except DBAPIError as exc:
            if "unaccent" in str(exc.orig):
                raise StoreError(f"reindex: {EXTENSION_HINT}") from exc
            raise

    def check(self) -> str | None:
        """None when the index is present and agrees with the articles; else what is wrong."""
        with self.engine.connect() as conn:
            valid = conn.exec_driver_sql(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %(name)s",
                {"name": INDEX},
            ).scalar()
            functions = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_proc WHERE proname IN ('mpp_words', 'mpp_term')"
            ).scalar()
            if valid is None or functions < 2:
                return f"the full-text index is missing; {REINDEX_HINT}"
            if not valid:
                return f"the full-text index is not valid (a failed build); {REINDEX_HINT}"
            stale = conn.exec_driver_sql(
                "SELECT count(*) FROM articles "
                f"WHERE search_document IS DISTINCT FROM ({DOCUMENT_SQL})"
            ).scalar()
        if stale:
            return f"{stale} articles' index entries differ from their text; {REINDEX_HINT}"
        return None


def _refresh_extra(conn: Connection, batch: int = 5000) -> None:
    """Recompute `search_extra` of every article."""
    last = 0
    while True:
        rows = conn.execute(
            text(
                "SELECT id, title, summary, content, search_extra FROM articles WHERE id > :last"
                " ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": batch},
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        changed = [
            {"extra": extra, "id": row[0]}
            for row in rows
            if (extra := extra_terms(*row[1:4])) != row[4]
        ]
        if changed:
            conn.execute(text("UPDATE articles SET search_extra = :extra WHERE id = :id"), changed)


def _where(conn: Connection, filters: Filters) -> tuple[str, dict]:
    """SQL conditions on the article (a) and its search row (r), and their parameters."""
    parts, params = [], {}
    if filters.since is not None:
        parts.append("a.id >= :floor AND a.published_at >= :since")
        params["floor"] = first_id_since(conn, filters.since)
        params["since"] = _naive(filters.since)
    if filters.until is not None:
        parts.append("a.published_at < :until")
        params["until"] = _naive(filters.until)
    if filters.languages:
        parts.append("a.language = ANY(:languages)")
        params["languages"] = list(filters.languages)
    if filters.excluded_languages:
        parts.append("(a.language IS NULL OR a.language <> ALL(:nolanguages))")
        params["nolanguages"] = list(filters.excluded_languages)
    if filters.feed_ids is not None:
        parts.append("a.feed_id = ANY(:feeds)")
        params["feeds"] = list(filters.feed_ids)
    if filters.excluded_feed_ids:
        parts.append("a.feed_id <> ALL(:nofeeds)")
        params["nofeeds"] = list(filters.excluded_feed_ids)
    if filters.topic is not None:
        parts.append("a.id IN (SELECT article_id FROM matches WHERE topic = :topic)")
        params["topic"] = filters.topic
    return "".join(f" AND {p}" for p in parts), params


def _naive(when: datetime) -> datetime:
    """A time as the columns hold it: UTC without a zone."""
    return when.astimezone(UTC).replace(tzinfo=None)


def _index_error(exc: DBAPIError) -> StoreError:
    state = getattr(exc.orig, "sqlstate", None)
    message = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if state == "57014":  # query_canceled: statement_timeout
        return StoreError(
            f"search: the query took longer than {MAX_SECONDS:.0f} s and was stopped; "
            "add a more specific word, a phrase or a filter (--since, --feed, --lang)"
        )
    if state in ("42703", "42883", "42P01"):  # no such column, function, table
        return StoreError(f"search: the full-text index is missing; {REINDEX_HINT}")
    return StoreError(f"search: {message}")
