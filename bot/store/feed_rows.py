"""Feed rows: syncing the declared feeds in, adding, enabling and disabling feeds, reading
their names and health out, recording poll results."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, func, literal, select, update

from bot.model import FeedSpec, FeedState
from bot.store.db import sqlite_time
from bot.store.dialect import is_postgresql
from bot.store.tables import articles, feeds, store_meta

log = logging.getLogger(__name__)

# Fields that only polling writes; reset when the operator points a feed at a new URL.
POLL_STATE_RESET = {
    "etag": None,
    "last_modified": None,
    "body_hash": None,
    "parked_reason": None,
    "consecutive_failures": 0,
}


def sync_declared(conn: Connection, specs: Iterable[FeedSpec], now: datetime) -> None:
    """Make feeds.yaml's feeds the config-origin rows; rows it dropped are disabled, kept.
    A feeds.yaml that declares no feed at all disables none: a file that came out empty
    must not stop every feed at once (the config refuses such a file first)."""
    existing = {row.name.casefold(): row for row in conn.execute(select(feeds))}
    declared = set()
    new_rows = []
    for spec in specs:
        declared.add(spec.name.casefold())
        values = _spec_values(spec)
        row = existing.get(spec.name.casefold())
        if row is None:
            new_rows.append(
                {**values, "url": spec.url, "config_url": spec.url, "created_at": now,
                 "next_poll_at": now}
            )  # fmt: skip
        elif row.config_url != spec.url or row.origin != spec.origin:
            conn.execute(
                update(feeds)
                .where(feeds.c.id == row.id)
                .values(**values, **POLL_STATE_RESET, url=spec.url, config_url=spec.url,
                        next_poll_at=now)
            )  # fmt: skip
        elif any(getattr(row, key) != value for key, value in values.items()):
            conn.execute(update(feeds).where(feeds.c.id == row.id).values(**values))
    if new_rows:  # one executemany: a statement per feed cost 1.6 ms each (2,000 feeds: 3 s)
        conn.execute(feeds.insert(), new_rows)
    dropped = [
        row.id
        for key, row in existing.items()
        if row.origin == "config" and key not in declared and row.enabled
    ]
    if dropped and not declared:
        log.warning(
            "feeds.yaml declares no feeds: the %d enabled feeds it declared before are kept "
            "enabled (to stop one, list it with enabled: false)",
            len(dropped),
        )
        return
    for feed_id in dropped:
        conn.execute(update(feeds).where(feeds.c.id == feed_id).values(enabled=False))


# What the feeds of feeds.yaml were when last synced in (store_meta). Change SYNC_RULES
# whenever sync_declared writes rows differently: every store then syncs once again.
SYNC_RULES = "1"
DIGEST_KEY = "feeds-digest"


def declared_digest(specs: Sequence[FeedSpec]) -> str:
    """One hash of the declared feeds, every field of each, in order (and SYNC_RULES)."""
    text = "\n".join([SYNC_RULES, *map(repr, specs)])
    return hashlib.sha256(text.encode()).hexdigest()


def synced_digest(conn: Connection) -> str | None:
    """The digest of the feeds last synced in; None when a row changed since (or never)."""
    query = select(store_meta.c.value).where(store_meta.c.key == DIGEST_KEY)
    return conn.execute(query).scalar()


def set_synced_digest(conn: Connection, digest: str | None) -> None:
    """Record the digest of the feeds just synced in; None forgets it, so that the next
    start compares every row again (a feed row changed outside feeds.yaml)."""
    conn.execute(delete(store_meta).where(store_meta.c.key == DIGEST_KEY))
    if digest is not None:
        conn.execute(store_meta.insert().values(key=DIGEST_KEY, value=digest))


def add_feed(conn: Connection, spec: FeedSpec, now: datetime) -> bool:
    """Add a feed (OPML, chat); False when a feed of that name or URL exists already."""
    clash = conn.execute(
        select(feeds.c.id).where(
            (func.lower(feeds.c.name) == spec.name.lower())
            | (feeds.c.url == spec.url)
            | (feeds.c.config_url == spec.url)
        )
    ).first()
    if clash:
        return False
    set_synced_digest(conn, None)
    conn.execute(
        feeds.insert().values(
            **_spec_values(spec), url=spec.url, config_url=spec.url, created_at=now,
            next_poll_at=now,
        )
    )  # fmt: skip
    return True


def set_feed_enabled(conn: Connection, name: str, enabled: bool, now: datetime) -> bool:
    """Enable (due now) or disable the feed of that name, any case; False when none is."""
    values = {"enabled": enabled}
    if enabled:
        values["next_poll_at"] = now
    set_synced_digest(conn, None)
    done = conn.execute(
        update(feeds).where(func.lower(feeds.c.name) == name.lower()).values(**values)
    )
    return bool(done.rowcount)


def feed_ids(conn: Connection) -> dict[str, int]:
    """Every feed's name → id."""
    return dict(conn.execute(select(feeds.c.name, feeds.c.id)).all())


def _spec_values(spec: FeedSpec) -> dict:
    return {
        "name": spec.name,
        "origin": spec.origin,
        "enabled": spec.enabled,
        "interval_seconds": spec.interval,
        "full_text": spec.full_text,
        "tags": list(spec.tags),
        "language": spec.language,
    }


# The feed row's columns in FeedState's field order (`interval` is interval_seconds; the
# article count follows): rows are read by position, not by name, which halved reading
# 2,000 feeds at each start (~45 → ~25 ms; bench/README.md).
STATE_COLUMNS = (
    feeds.c.id, feeds.c.name, feeds.c.url, feeds.c.config_url, feeds.c.origin,
    feeds.c.enabled, feeds.c.interval_seconds, feeds.c.full_text, feeds.c.tags,
    feeds.c.language, feeds.c.etag, feeds.c.last_modified, feeds.c.body_hash,
    feeds.c.last_polled_at, feeds.c.last_success_at, feeds.c.last_error,
    feeds.c.last_error_at, feeds.c.consecutive_failures, feeds.c.next_poll_at,
    feeds.c.parked_reason, feeds.c.bozo,
)  # fmt: skip
TAGS = STATE_COLUMNS.index(feeds.c.tags)


def load_states(
    conn: Connection,
    *,
    due_at: datetime | None = None,
    with_counts: bool = True,
    ids: Sequence[int] | None = None,
) -> list[FeedState]:
    """Every feed with its health (and article count, which costs a pass over the
    articles); only enabled, due ones with due_at; only these with ids (a batch leased)."""
    if with_counts:
        counts = (
            select(articles.c.feed_id, func.count().label("n"))
            .group_by(articles.c.feed_id)
            .subquery()
        )
        query = select(*STATE_COLUMNS, func.coalesce(counts.c.n, 0)).outerjoin(
            counts, counts.c.feed_id == feeds.c.id
        )
    else:
        query = select(*STATE_COLUMNS, literal(0))
    query = query.order_by(feeds.c.name)
    if ids is not None:
        query = query.where(feeds.c.id.in_(list(ids)))
    if due_at is not None:
        query = query.where(
            feeds.c.enabled,
            (feeds.c.next_poll_at.is_(None)) | (feeds.c.next_poll_at <= due_at),
        )
    return [
        FeedState(*row[:TAGS], tuple(row[TAGS] or ()), *row[TAGS + 1 :])
        for row in conn.execute(query)
    ]


def record_successes(conn: Connection, successes: list[tuple[int, datetime, dict]]) -> None:
    """Many feeds' successes: one executemany per shape of values, not a statement each.

    On SQLite the statement is written for its driver (dates in the text form SQLAlchemy's
    SQLite DateTime reads back), as insert_articles does: through Core, type processing
    was most of recording a re-poll's 2,000 unchanged feeds (36 → 16 ms). On PostgreSQL,
    Core. tests/test_store_contract.py reads the rows back on both."""
    shapes: dict[tuple[str, ...], list[tuple[int, datetime, dict]]] = {}
    for success in successes:
        shapes.setdefault(tuple(sorted(success[2])), []).append(success)
    for keys, group in shapes.items():
        columns = [feeds.c[key] for key in keys]  # KeyError: not a column of feeds
        if is_postgresql(conn):
            _record_successes_core(conn, keys, group)
            continue
        conn.exec_driver_sql(
            "UPDATE feeds SET last_polled_at = ?, last_success_at = ?, consecutive_failures = 0,"
            " parked_reason = NULL, lease_owner = NULL, lease_until = NULL"
            + "".join(f", {column.name} = ?" for column in columns)
            + " WHERE id = ?",
            [(stamp, stamp, *(_sqlite_value(values[key]) for key in keys), feed_id)
             for feed_id, now, values in group for stamp in (sqlite_time(now),)],
        )  # fmt: skip


def _sqlite_value(value):
    return sqlite_time(value) if isinstance(value, datetime) else value


def _record_successes_core(
    conn: Connection, keys: tuple[str, ...], group: list[tuple[int, datetime, dict]]
) -> None:
    statement = (
        update(feeds)
        .where(feeds.c.id == bindparam("feed_id"))
        .values(
            last_polled_at=bindparam("now"),
            last_success_at=bindparam("now"),
            consecutive_failures=0,
            parked_reason=None,
            lease_owner=None,  # polled: due again at next_poll_at, for any worker
            lease_until=None,
            **{key: bindparam(f"v_{key}") for key in keys},
        )
    )
    rows = [
        {"feed_id": feed_id, "now": now, **{f"v_{k}": v for k, v in values.items()}}
        for feed_id, now, values in group
    ]
    conn.execute(statement, rows)


def record_failure(
    conn: Connection,
    feed_id: int,
    now: datetime,
    *,
    error: str,
    next_poll_at: datetime,
    parked_reason: str | None = None,
) -> None:
    """A poll that failed: count it, keep the message, schedule the retry."""
    conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            last_polled_at=now,
            last_error=error,
            last_error_at=now,
            consecutive_failures=feeds.c.consecutive_failures + 1,
            next_poll_at=next_poll_at,
            parked_reason=parked_reason,
            lease_owner=None,
            lease_until=None,
        )
    )
