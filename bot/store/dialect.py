"""What differs between the two engines in statements the repositories build with Core:
the INSERT that knows ON CONFLICT (SQLite's and PostgreSQL's are separate classes)."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def upsert(conn: Connection, table: Table):
    """An INSERT into `table` with on_conflict_do_nothing / on_conflict_do_update, for
    the connection's engine."""
    if is_postgresql(conn):
        # Imported here: SQLAlchemy's PostgreSQL dialect costs ~40 ms at every command's
        # start, paid only on PostgreSQL.
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return sqlite.insert(table)
