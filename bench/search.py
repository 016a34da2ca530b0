"""Search benchmark: the bot's search against raw FTS5 MATCH, on 1,000,000 articles.

    .venv/bin/python bench/search.py [--articles 1000000] [--db PATH] [--reuse]
                                     [--repeat 15] [--seed 7]
    .venv/bin/python bench/search.py --articles 20000 --db /tmp/s.db   # a quick check
    .venv/bin/python bench/search.py --store postgresql [--pg-url URL] --articles 200000

With --store postgresql the same articles go into PostgreSQL too (--pg-url, a database
dropped and created anew unless --reuse), and each query runs in turns on both stores
(SQLite bot, PostgreSQL bot, PostgreSQL raw: the same tsquery ranked by ts_rank, top 20):
PostgreSQL's p50 and p95 beside SQLite's, from the same run.

Load: `synthnews.py` generates the articles (fixed seed; English and Spanish; titles of
8-14 words, summaries of 30-80, a full text of 200-600 words for 30%; a vocabulary of
200,000 words per language drawn by Zipf's law, so that a word is in as many articles as
in real news; a few hundred with the mission's phrases) in a second process while this
one stores them; 1 % are wire
copies (another feed, a tweaked headline, a footer), for "also in". Publication dates
spread over the last year, oldest first, as an archive fills. Each article is matched
against feeds.yaml's topics (stored matches, for --topic). Articles go in through the
store's own insert (bot/store/article_rows.py: one executemany of plain tuples per feed
and batch, then search_sqlite.index_new_articles as Store.save_polls does), 20,000 per
transaction. Reported: load rate (articles
stored per second, the time in this process's inserts and commits), wall time, database
size (with the index's share).

Queries: 20 fixed ones (phrases, OR lists, prefixes, NEAR, title:/body:, lang:, =EXACT,
--since/--feed/--topic/--lang filters, --sort date). Each runs --repeat times, in turns
with its raw counterpart (bot, raw, bot, raw, …: the machine drifts):
- bot: `bot.pipeline.search.search(...)`, in-process, first page of 20: plan, rank and filter in
  SQL, count, confirm with the matcher, snippets, near-duplicate folding;
- raw: the same FTS5 MATCH expression the bot sends, run directly:
  `SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20`
  (FTS5's own bm25 order; no join, filters, count, confirmation or snippets).
p50 and p95 per query and over all runs. Targets (issue 4): p95 ≤ 50 ms; ≤ 1.5x raw.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import synthtopics  # noqa: E402
from sqlalchemy import text  # noqa: E402
from synthnews import NewsMaker  # noqa: E402

from bot.app import topics  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.match.matcher import Matcher, build_document  # noqa: E402
from bot.match.plan import plan_query  # noqa: E402
from bot.match.query import parse_query  # noqa: E402
from bot.model import Article, FeedSpec  # noqa: E402
from bot.pipeline.search import SearchRequest, search  # noqa: E402
from bot.store import Store, fts  # noqa: E402
from bot.store.article_rows import insert_articles, prepare_articles  # noqa: E402
from bot.store.fts import match_expression  # noqa: E402
from bot.store.search_pg import TsQuery  # noqa: E402
from bot.store.search_pg import index_new_articles as pg_index_new_articles  # noqa: E402
from bot.store.search_sqlite import index_new_articles  # noqa: E402

TARGET_P95_MS = 50.0
TARGET_RATIO = 1.5
CHUNK = 5000  # articles per message from the generator process
COMMIT_EVERY = 20_000
COPY_SHARE = 0.01

# (query, options): the fixed set.
QUERIES = [
    ('"remain in mexico"', {}),
    ('"quédate en méxico"', {}),
    ('mpp OR "migrant protection protocols" OR "remain in mexico"', {}),
    ('"credible fear" NEAR/5 (officers OR officer OR asylum)', {}),
    ('"immigration court" OR "immigration judge" OR "removal proceedings"', {}),
    ("deport*", {"since": 30}),
    ("naturaliz*", {}),
    ("title:fentanyl", {}),
    ('title:(dreamers OR daca) body:"work permits"', {}),
    ("ICE NEAR/6 (arrested OR raid OR detained)", {}),
    ("shelter NEAR/5 (tijuana OR reynosa OR matamoros)", {}),
    ('"border wall" NOT paywall', {}),
    ("asilo lang:es", {"since": 7}),
    ('"tribunal de inmigración" OR "juez de inmigración"', {}),
    ("migrantes", {"since": 3}),
    ('"border patrol"', {"feed": "Border Report"}),
    ('"asylum seekers"', {"topic": "asylum"}),
    ("=TPS", {}),
    ("matamoros", {"sort": "date"}),
    ('"temporary protected status" OR "tps holders"', {"since": 90, "lang": "en"}),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bot-search-bench/search.db"))
    parser.add_argument("--reuse", action="store_true", help="query an already loaded --db")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--store", choices=("sqlite", "postgresql"), default="sqlite",
        help="postgresql: also load and query PostgreSQL, beside SQLite",
    )  # fmt: skip
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/mpp_bench_search")
    return parser.parse_args(argv)


# --- Generating (in a second process) --------------------------------------------------


def _generate(args: tuple[int, int, int, int, float]) -> list[tuple]:
    """One chunk of articles: (feed, title, summary, content, language, published, topics)."""
    seed, start, count, total, span_days = args
    maker = _maker()
    maker.rng = random.Random(seed * 1_000_003 + start)
    rng = random.Random(seed + start)
    now = datetime(2026, 11, 22, tzinfo=UTC)
    matcher = _matcher()
    out = []
    for i in range(start, start + count):
        a = maker.article()
        age = span_days * (1 - i / total) + rng.uniform(-2, 2)
        published = now - timedelta(days=max(0.0, age))
        doc = build_document(a.title, a.summary, a.content, language=a.language, feed=a.feed)
        found = [(m.topic, m.score, m.snippet, m.highlights) for m in matcher.match(doc)]
        out.append((a.feed, a.title, a.summary, a.content, a.language, published, found))
        if rng.random() < COPY_SHARE:  # a wire copy on another site
            feeds = synthtopics.FEEDS_ES if a.language == "es" else synthtopics.FEEDS_EN
            other = rng.choice([f for f in feeds if f != a.feed])
            title = a.title.rstrip(".") + rng.choice([" | Wire", " (AP)", " - report", ""])
            summary = a.summary + " Subscribe for more local news."
            out.append((other, title, summary, a.content, a.language,
                        published + timedelta(hours=rng.uniform(0, 6)), found))  # fmt: skip
    return out


_MATCHER = None
_MAKER = None


def _maker() -> NewsMaker:
    global _MAKER
    if _MAKER is None:
        _MAKER = NewsMaker(0)  # the vocabulary, built once per process (~2 s)
    return _MAKER


def _matcher() -> Matcher:
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = Matcher(topics(load_config(REPO / "feeds.yaml")))
    return _MATCHER


# --- Loading -----------------------------------------------------------------------------


@dataclass
class Load:
    articles: int = 0
    insert_s: float = 0.0
    wall_s: float = 0.0
    db_mb: float = 0.0
    index_mb: float = 0.0


def load(store: Store, count: int, seed: int) -> Load:
    return load_all([store], count, seed)[0]


def load_all(stores: list[Store], count: int, seed: int) -> list[Load]:
    """The same generated articles into each store, a transaction at a time in turns."""
    now = datetime(2026, 11, 22, tzinfo=UTC)
    names = synthtopics.FEEDS_EN + synthtopics.FEEDS_ES
    feed_ids = []
    for store in stores:
        specs = [FeedSpec(n, f"https://feeds.example/{i}") for i, n in enumerate(names)]
        store.sync_feeds(specs, now)
        feed_ids.append({f.name: f.id for f in store.feed_states()})
    jobs = [(seed, s, min(CHUNK, count - s), count, 365.0) for s in range(0, count, CHUNK)]
    results = [Load() for _ in stores]
    started = time.perf_counter()
    pending: list[tuple] = []

    def flush() -> None:
        for store, ids, result in zip(stores, feed_ids, results, strict=True):
            result.insert_s += _store(store, ids, pending, now, result.articles)
            result.articles += len(pending)
            rate = result.articles / result.insert_s
            print(f"  {store.kind}: {result.articles:,} articles, {rate:,.0f}/s stored",
                  file=sys.stderr)  # fmt: skip

    with multiprocessing.get_context("fork").Pool(1) as pool:
        for chunk in pool.imap(_generate, jobs):
            pending.extend(chunk)
            if len(pending) >= COMMIT_EVERY:
                flush()
                pending = []
        if pending:
            flush()
    for store in stores:
        with store.engine.connect() as conn:
            if store.postgresql:
                conn.exec_driver_sql("ANALYZE")  # what autovacuum would do soon after
            else:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for result in results:
        result.wall_s = time.perf_counter() - started
    return results


def _store(
    store: Store, feed_ids: dict[str, int], rows: list[tuple], now: datetime, base: int
) -> float:
    """Insert one transaction's articles through the store's insert; its seconds."""
    by_feed: dict[int, list[Article]] = {}
    found: dict[tuple[int, str], list] = {}
    for n, (feed, title, summary, content, language, published, matched) in enumerate(rows):
        entry = f"e{base + n}"
        host = feed.replace(" ", "").replace(":", "").lower()
        by_feed.setdefault(feed_ids[feed], []).append(Article(
            feed=feed, entry_id=entry, url=f"https://{host}.example/{entry}",
            title=title, summary=summary, content=content, author=None, published=published,
            language=language, outlet=None, title_key=title.lower(), content_hash=entry,
        ))  # fmt: skip
        if matched:
            found[(feed_ids[feed], entry)] = matched
    started = time.perf_counter()
    with store.engine.begin() as conn:
        newest = fts.newest_article(conn)
        for feed_id, batch in by_feed.items():
            insert_articles(conn, feed_id, batch, prepare_articles(batch), now)  # timed, as it was
        # as Store.save_polls does
        (pg_index_new_articles if store.postgresql else index_new_articles)(conn, newest)
        if found and store.postgresql:
            conn.execute(
                text(
                    "INSERT INTO matches (article_id, topic, score, snippet, highlights, "
                    "matched_at) SELECT id, :t, :s, :snip, CAST(:hl AS json), :at FROM articles "
                    "WHERE feed_id = :feed AND entry_id = :entry"
                ),
                [{"t": t, "s": s, "snip": snip, "hl": json.dumps([list(h) for h in hl]),
                  "at": now.replace(tzinfo=None), "feed": feed_id, "entry": entry}
                 for (feed_id, entry), matches in found.items() for t, s, snip, hl in matches],
            )  # fmt: skip
        elif found:
            conn.exec_driver_sql(
                "INSERT INTO matches (article_id, topic, score, snippet, highlights, matched_at) "
                "SELECT id, ?, ?, ?, ?, ? FROM articles WHERE feed_id = ? AND entry_id = ?",
                [(t, s, snip, json.dumps([list(h) for h in hl]), str(now.replace(tzinfo=None)),
                  feed_id, entry)
                 for (feed_id, entry), matches in found.items() for t, s, snip, hl in matches],
            )  # fmt: skip
    return time.perf_counter() - started


def sizes(path: Path) -> tuple[float, float]:
    """(database MB, the FTS index's MB) from the dbstat table when available."""
    total = path.stat().st_size / 1e6
    try:
        conn = sqlite3.connect(path)
        index = conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'"
        ).fetchone()[0]
        conn.close()
        return total, (index or 0) / 1e6
    except sqlite3.Error:
        return total, float("nan")


# --- Querying -------------------------------------------------------------------------


def request(query: str, options: dict, now: datetime) -> SearchRequest:
    days = options.get("since")
    return SearchRequest(
        query=query,
        since=now - timedelta(days=days) if days else None,
        topic=options.get("topic"),
        feed=options.get("feed"),
        language=options.get("lang"),
        sort=options.get("sort", "relevance"),
    )


def measure(store: Store, repeat: int, now: datetime) -> list[dict]:
    feeds = store.feed_ids()
    index = store.search
    raw = sqlite3.connect(store.engine.url.database)
    rows = []
    for query, options in QUERIES:
        expression = match_expression(plan_query(parse_query(query)).text)
        raw_sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20"
        bot_ms, raw_ms = [], []
        result = search(index, feeds, request(query, options, now), now)  # warm the cache
        raw.execute(raw_sql, (expression,)).fetchall()
        for _ in range(repeat):
            t = time.perf_counter()
            result = search(index, feeds, request(query, options, now), now)
            bot_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            raw.execute(raw_sql, (expression,)).fetchall()
            raw_ms.append((time.perf_counter() - t) * 1000)
        rows.append({
            "query": query, "options": options, "total": result.total,
            "total_exact": result.total_exact, "shown": len(result.results),
            "folded": sum(len(r.also_in) for r in result.results),
            "bot_ms": bot_ms, "raw_ms": raw_ms,
        })  # fmt: skip
        print(f"  {_p(bot_ms, 50):7.1f} {_p(raw_ms, 50):7.1f} ms  {query} {options}",
              file=sys.stderr)  # fmt: skip
    raw.close()
    return rows


def pg_sizes(store: Store) -> tuple[float, float]:
    """(database MB, the GIN index's MB) of a PostgreSQL store."""
    with store.engine.connect() as conn:
        total, index = conn.exec_driver_sql(
            "SELECT pg_database_size(current_database()), "
            "pg_relation_size('ix_articles_search_document')"
        ).one()
    return total / 1e6, index / 1e6


def measure_both(sqlite: Store, pg: Store, repeat: int, now: datetime) -> list[dict]:
    """Each query in turns: SQLite bot, PostgreSQL bot, PostgreSQL raw."""
    rows = []
    stores = {"sqlite": sqlite, "pg": pg}
    feeds = {name: store.feed_ids() for name, store in stores.items()}
    for query, options in QUERIES:
        tsquery = TsQuery(plan_query(parse_query(query)).text)
        raw_sql = text(
            f"SELECT a.id FROM articles a, (SELECT {tsquery.sql} AS query) q "
            "WHERE a.search_document @@ q.query ORDER BY ts_rank(a.search_document, q.query) "
            "DESC LIMIT 20"
        )
        times: dict[str, list[float]] = {"sqlite": [], "pg": [], "pg_raw": []}
        totals = {}
        with pg.engine.connect() as raw:
            for run in range(repeat + 1):  # the first run warms the caches
                for name, store in stores.items():
                    t = time.perf_counter()
                    result = search(store.search, feeds[name], request(query, options, now), now)
                    if run:
                        times[name].append((time.perf_counter() - t) * 1000)
                    totals[name] = result.total
                t = time.perf_counter()
                raw.execute(raw_sql, tsquery.params).all()
                if run:
                    times["pg_raw"].append((time.perf_counter() - t) * 1000)
        rows.append({"query": query, "options": options, "totals": totals, **times})
        print(f"  {_p(times['sqlite'], 50):7.1f} {_p(times['pg'], 50):7.1f} ms  {query} "
              f"{options}", file=sys.stderr)  # fmt: skip
    return rows


def report_both(loads: list[Load] | None, rows: list[dict], sizes_mb: dict) -> dict:
    print(f"\nmachine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip
    if loads:
        for name, loaded in zip(("SQLite", "PostgreSQL"), loads, strict=True):
            print(f"load {name}: {loaded.articles:,} articles; "
                  f"{loaded.articles / loaded.insert_s:,.0f} articles/s stored "
                  f"({loaded.insert_s:.0f} s in inserts and commits)")  # fmt: skip
    print(f"SQLite: {sizes_mb['sqlite'][0]:,.0f} MB, of which the FTS5 index "
          f"{sizes_mb['sqlite'][1]:,.0f} MB; PostgreSQL: {sizes_mb['pg'][0]:,.0f} MB, of which "
          f"the GIN index {sizes_mb['pg'][1]:,.0f} MB\n")  # fmt: skip
    print(f"{'query':<56} {'total':>7} {'SQLite p50':>10} {'p95':>6} {'PG p50':>7} {'p95':>6} "
          f"{'PG raw p50':>10} {'p95':>6}")  # fmt: skip
    for row in rows:
        label = row["query"] + (" " + json.dumps(row["options"]) if row["options"] else "")
        totals = row["totals"]
        total = str(totals["sqlite"]) if totals["sqlite"] == totals["pg"] else (
            f"{totals['sqlite']}/{totals['pg']}")  # fmt: skip
        cells = [f(row[k], p) for k in ("sqlite", "pg", "pg_raw") for f, p in ((_p, 50), (_p, 95))]
        print(f"{label[:56]:<56} {total:>7} {cells[0]:10.1f} {cells[1]:6.1f} {cells[2]:7.1f} "
              f"{cells[3]:6.1f} {cells[4]:10.1f} {cells[5]:6.1f}")  # fmt: skip
    summary = {}
    for key in ("sqlite", "pg", "pg_raw"):
        values = [v for r in rows for v in r[key]]
        summary[f"{key}_p50"], summary[f"{key}_p95"] = _p(values, 50), _p(values, 95)
    print(f"\nall runs: SQLite bot p50 {summary['sqlite_p50']:.1f} ms, p95 "
          f"{summary['sqlite_p95']:.1f} ms; PostgreSQL bot p50 {summary['pg_p50']:.1f} ms, p95 "
          f"{summary['pg_p95']:.1f} ms; PostgreSQL raw p50 {summary['pg_raw_p50']:.1f} ms, p95 "
          f"{summary['pg_raw_p95']:.1f} ms")  # fmt: skip
    return summary


def main_both(args) -> int:
    """--store postgresql: the same archive in both stores, the queries in turns."""
    import psycopg
    from sqlalchemy.engine import make_url

    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        url = make_url(args.pg_url)
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{url.database}"')
    sqlite, pg = Store.open(f"sqlite:///{args.db}"), Store.open(args.pg_url)
    loads = None
    if not args.reuse:
        print(f"loading {args.articles:,} articles into both stores ...", file=sys.stderr)
        loads = load_all([sqlite, pg], args.articles, args.seed)
    sizes_mb = {"sqlite": sizes(args.db), "pg": pg_sizes(pg)}
    now = datetime(2026, 11, 22, tzinfo=UTC)
    print("querying (SQLite p50, PostgreSQL p50) ...", file=sys.stderr)
    rows = measure_both(sqlite, pg, args.repeat, now)
    summary = report_both(loads, rows, sizes_mb)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "search-postgresql-results.json").write_text(json.dumps({
        "loads": [load.__dict__ for load in loads] if loads else None, "sizes_mb": sizes_mb,
        "queries": rows, "summary": summary,
    }, indent=1, default=str))  # fmt: skip
    sqlite.close()
    pg.close()
    return 0


def _p(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def report(loaded: Load | None, rows: list[dict], args, db_mb: float, index_mb: float) -> dict:
    print(f"\nmachine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip
    if loaded:
        print(f"load: {loaded.articles:,} articles; {loaded.articles / loaded.insert_s:,.0f} "
              f"articles/s stored ({loaded.insert_s:.0f} s in inserts and commits), "
              f"{loaded.wall_s:.0f} s wall with generation")  # fmt: skip
    print(f"database: {db_mb:,.0f} MB, of which the FTS5 index {index_mb:,.0f} MB\n")
    print(
        f"{'query':<62} {'total':>8} {'bot p50':>8} {'p95':>7} {'raw p50':>8} {'p95':>7} {'x':>5}"
    )
    for row in rows:
        label = row["query"] + (" " + json.dumps(row["options"]) if row["options"] else "")
        total = f"{'~' if not row['total_exact'] else ''}{row['total']}"
        b50, b95 = _p(row["bot_ms"], 50), _p(row["bot_ms"], 95)
        r50, r95 = _p(row["raw_ms"], 50), _p(row["raw_ms"], 95)
        print(f"{label[:62]:<62} {total:>8} {b50:8.1f} {b95:7.1f} {r50:8.1f} {r95:7.1f} "
              f"{b50 / r50 if r50 else float('inf'):5.1f}")  # fmt: skip
    bot_all = [v for r in rows for v in r["bot_ms"]]
    raw_all = [v for r in rows for v in r["raw_ms"]]
    summary = {
        "bot_p50": _p(bot_all, 50), "bot_p95": _p(bot_all, 95),
        "raw_p50": _p(raw_all, 50), "raw_p95": _p(raw_all, 95),
    }  # fmt: skip
    print(f"\nall runs: bot p50 {summary['bot_p50']:.1f} ms, p95 {summary['bot_p95']:.1f} ms; "
          f"raw FTS5 p50 {summary['raw_p50']:.1f} ms, p95 {summary['raw_p95']:.1f} ms")  # fmt: skip
    ratio = summary["bot_p95"] / summary["raw_p95"]
    print(
        f"target p95 <= {TARGET_P95_MS:.0f} ms: {summary['bot_p95']:.1f} ms "
        f"{'PASS' if summary['bot_p95'] <= TARGET_P95_MS else 'FAIL'}"
    )
    print(
        f"target <= {TARGET_RATIO}x raw (p95 over p95): {ratio:.2f}x "
        f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}"
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if args.store == "postgresql":
        return main_both(args)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    store = Store.open(f"sqlite:///{args.db}")
    loaded = None
    if not args.reuse:
        print(f"loading {args.articles:,} articles into {args.db} ...", file=sys.stderr)
        loaded = load(store, args.articles, args.seed)
    db_mb, index_mb = sizes(args.db)
    now = datetime(2026, 11, 22, tzinfo=UTC)
    print("querying (bot p50, raw p50) ...", file=sys.stderr)
    rows = measure(store, args.repeat, now)
    summary = report(loaded, rows, args, db_mb, index_mb)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "search-results.json").write_text(json.dumps({
        "load": loaded.__dict__ if loaded else None, "db_mb": db_mb, "index_mb": index_mb,
        "queries": rows, "summary": summary,
    }, indent=1, default=str))  # fmt: skip
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
