"""PostgreSQL advisory locks: the counterparts of locks.py's file locks (one poll cycle,
one migration, one service per database).

A session lock lives as long as the connection that took it, so each is taken on a
connection of its own, held open while the lock is, and released with it: when the
process dies, the server drops the connection and the lock with it, as the OS drops a
flock. The holder says who it is in the connection's application_name, which any other
session can read beside the lock (pg_locks, pg_stat_activity). The migration's lock is a
transaction lock, held by the migrating transaction itself.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

# Keys in advisory lock space 0x6d7070 ("mpp"): one per purpose. Later roles (a Telegram
# poller, feed leases) take further keys here.
_BASE = 0x6D707000
POLL_CYCLE = _BASE + 1
MIGRATE = _BASE + 2
SERVICE = _BASE + 3
ROLE_LOCKS = {"telegram": _BASE + 4}  # the one process that long-polls getUpdates


def advisory_xact_lock(conn: Connection, key: int) -> None:
    """Wait for, then hold until the transaction ends, the advisory lock `key`."""
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})


@contextmanager
def advisory_lock(engine: Engine, key: int, describe: str = "") -> Iterator[Connection | None]:
    """Try the session advisory lock `key` on a connection of its own: yields that
    connection while we hold it, None when another session does. `describe` becomes the
    connection's application_name (what `holder` reports)."""
    conn = engine.connect()
    try:
        if describe:
            conn.exec_driver_sql(
                "SELECT set_config('application_name', %(name)s, false)", {"name": describe[:63]}
            )
        held = conn.exec_driver_sql("SELECT pg_try_advisory_lock(%(key)s)", {"key": key}).scalar()
        conn.commit()  # no transaction stays open beside the lock
        if not held:
            yield None
            return
        try:
            yield conn
        finally:
            with suppress(SQLAlchemyError):
                conn.exec_driver_sql("SELECT pg_advisory_unlock(%(key)s)", {"key": key})
                conn.commit()
    finally:
        # A connection back in the pool must not carry a lock or our name: it is closed.
        with suppress(SQLAlchemyError):
            conn.invalidate()
        conn.close()


def holder(engine: Engine, key: int) -> str | None:
    """Who holds the advisory lock `key`, as its connection says; None when nobody does."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT a.application_name, a.backend_start, a.client_addr FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = %(key)s",
            {"key": key},
        ).first()
    if row is None:
        return None
    name, started, address = row
    if name and name.startswith("pid "):
        return name
    where = f" from {address}" if address else ""
    return f"a session{where} since {started:%Y-%m-%d %H:%M %Z}".strip()


def describe_me(since: datetime | None = None) -> str:
    """ "pid 1234 on host-x since 2026-12-04 01:50 UTC", as the file locks say it."""
    since = since or datetime.now(UTC)
    return f"pid {os.getpid()} on {socket.gethostname()} since {since:%Y-%m-%d %H:%M} UTC"


@contextmanager
def pg_cycle_lock(engine: Engine) -> Iterator[bool]:
    """One poll cycle at a time per database (locks.cycle_lock's counterpart)."""
    with advisory_lock(engine, POLL_CYCLE) as conn:
        yield conn is not None


@contextmanager
def pg_service_lock(engine: Engine) -> Iterator[str | None]:
    """One service per database (locks.service_lock's counterpart): None when we now
    hold it, else who does."""
    with advisory_lock(engine, SERVICE, describe_me()) as conn:
        if conn is None:
            yield holder(engine, SERVICE) or "another process (it did not say which)"
            return
        yield None
