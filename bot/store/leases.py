"""Several processes on one database (PostgreSQL): who does which piece of work.

- Feed leases: a worker claims due feeds a few at a time, each until `lease_until`
  (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL: two workers never take the same
  feed, and neither waits for the other). Storing a feed's poll clears its lease; a
  killed worker's feeds are due again for the others once their lease has run out.
- Claims: a keyed piece of work for one process at a time, until a time (a chat's
  alert pass, its outbox) or for good once done (a digest's period: delivered once,
  whichever process runs the job). A claim whose holder died runs out and is taken over.
- Heartbeats: one row per running process, with its role and its last poll.

The same statements run on SQLite, which has one writer anyway (the service lock keeps
a second service off it), so the single-process service needs no second code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, or_, select, update

from bot.store.tables import claims, feeds, processes

CLAIMS_KEPT = timedelta(days=8)  # a digest period's claim outlives any catch-up of it
PROCESS_ROWS_KEPT = timedelta(days=7)  # a stopped process's row, for `health` to show


def _insert(conn: Connection, table):
    """INSERT with ON CONFLICT, in the connection's dialect (each imported when used: the
    PostgreSQL one costs an SQLite command ~25 ms of start)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # on PostgreSQL only (see above)
    else:
        from sqlalchemy.dialects.sqlite import insert  # the engine has it loaded already
    return insert(table)


def claim_due_feeds(
    conn: Connection, owner: str, now: datetime, until: datetime, limit: int
) -> list[int]:
    """Up to `limit` enabled feeds due at `now` and not leased (or whose lease ran out),
    leased to owner until `until`, soonest due first. Their ids."""
    due = (
        select(feeds.c.id)
        .where(
            feeds.c.enabled,
            or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now),
            or_(feeds.c.lease_until.is_(None), feeds.c.lease_until < now),
        )
        .order_by(feeds.c.next_poll_at.is_not(None), feeds.c.next_poll_at, feeds.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(conn.execute(due).scalars())  # locked by this transaction until it ends
    if ids:
        conn.execute(
            update(feeds).where(feeds.c.id.in_(ids)).values(lease_owner=owner, lease_until=until)
        )
    return ids


def release_feeds(conn: Connection, owner: str, feed_ids: list[int]) -> None:
    """Give back leased feeds not polled after all (a worker stopping mid-batch)."""
    if feed_ids:
        conn.execute(
            update(feeds)
            .where(feeds.c.id.in_(feed_ids), feeds.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


def claim(conn: Connection, key: str, owner: str, now: datetime, until: datetime) -> bool:
    """Whether owner now holds `key` (until `until`): it was free, ran out, or owner
    held it already. A claim released as done is never taken again."""
    statement = _insert(conn, claims).values(key=key, owner=owner, until=until, done_at=None)
    statement = statement.on_conflict_do_update(
        index_elements=[claims.c.key],
        set_={"owner": statement.excluded.owner, "until": statement.excluded.until},
        where=and_(
            claims.c.done_at.is_(None),
            or_(claims.c.until < now, claims.c.owner == statement.excluded.owner),
        ),
    ).returning(claims.c.key)
    return conn.execute(statement).first() is not None


def release(conn: Connection, key: str, owner: str, *, done_at: datetime | None) -> None:
    """Give `key` back (done_at None: someone may take it now), or keep it as done."""
    mine = and_(claims.c.key == key, claims.c.owner == owner)
    if done_at is None:
        conn.execute(delete(claims).where(mine))
    else:
        conn.execute(update(claims).where(mine).values(done_at=done_at))


def prune_claims(conn: Connection, now: datetime) -> None:
    conn.execute(delete(claims).where(claims.c.until < now - CLAIMS_KEPT))
    conn.execute(
        delete(processes).where(
            or_(
                processes.c.stopped_at < now - PROCESS_ROWS_KEPT,
                processes.c.seen_at < now - PROCESS_ROWS_KEPT,
            )
        )
    )


@dataclass(frozen=True)
class ProcessRow:
    id: str
    role: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    last_poll_at: datetime | None
    stopped_at: datetime | None
    chat: dict | None = None


def heartbeat(conn: Connection, row: ProcessRow) -> None:
    """The process's row, written whole (insert or replace)."""
    values = row.__dict__
    statement = _insert(conn, processes).values(**values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[processes.c.id],
            set_={k: statement.excluded[k] for k in values if k != "id"},
        )
    )


def process_rows(conn: Connection) -> list[ProcessRow]:
    query = select(processes).order_by(processes.c.role, processes.c.started_at)
    return [ProcessRow(**row._mapping) for row in conn.execute(query)]
