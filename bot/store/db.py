"""Engine creation and migrations: SQLite specifics (WAL, pragmas, the bound on IN lists,
what its faults mean to a user) live here; PostgreSQL's in postgres.py. File locks are in
locks.py, PostgreSQL's advisory locks in pg_locks.py."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from bot.errors import StoreError
from bot.store.locks import migrate_lock
from bot.store.pg_locks import MIGRATE, advisory_xact_lock
from bot.store.postgres import is_postgresql, make_pg_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision (tests check it against the migrations folder). A
# database already there skips Alembic, whose import alone costs a few hundred ms at
# every command's start.
SCHEMA_HEAD = "0014"
IN_BATCH = 500  # bound on IN (...) lists: values per statement


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; for SQLite the file's folder is created and WAL is on; a
    postgresql:// URL gets psycopg 3 (bot.store.postgres).

    A fault of the file or the machine (damaged, read-only, disk full, unreadable) comes
    out of any statement as one StoreError that says what, where and what to do."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise StoreError(f"DATABASE_URL is not a database URL: {database_url!r}") from None
    if is_postgresql(url):
        return make_pg_engine(url)
    if url.get_backend_name() != "sqlite":
        raise StoreError(
            f"{url.get_backend_name()} is not supported; use sqlite:///PATH or "
            "postgresql://USER@HOST/DB"
        )
    path = None
    if url.database and url.database != ":memory:":
        path = str(Path(url.database).expanduser())
        _prepare_folder(path)
        url = url.set(database=path)
    if path is None:
        # One in-memory database for the whole process: each connection would otherwise
        # open its own empty one (digests and searches run in worker threads).
        engine = create_engine(
            url.set(drivername="sqlite"),
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=StaticPool,
        )
    else:
        engine = create_engine(url.set(drivername="sqlite"), connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    if path is not None:
        event.listen(engine, "do_connect", partial(_open_read_only_folder, path))
        event.listen(engine, "handle_error", partial(_storage_fault, path))
    return engine


def shown_url(database_url: str) -> str:
    """A DATABASE_URL as it may be printed or logged: its password masked."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return database_url


def database_path(engine: Engine) -> str | None:
    """The SQLite file behind the engine; None for an in-memory database."""
    return database_file(engine.url)


def database_file(database_url: str | URL) -> str | None:
    """The SQLite file a DATABASE_URL names; None for an in-memory database and for a
    server's database (PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    return database if database and database != ":memory:" else None


def _prepare_folder(path: str) -> None:
    """The database's folder, created if need be; a path that cannot hold a database is
    one clear error, not SQLite's "unable to open database file"."""
    where = Path(path)
    if where.is_dir():
        raise StoreError(
            f"DATABASE_URL points at {where.resolve()}, a folder, not a database file; "
            f"name a file in it, e.g. sqlite:///{where / 'bot.db'}"
        )
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the database's folder {where.parent} ({exc.strerror}); "
            "check DATABASE_URL and the permissions of the folders above it"
        ) from None


def _open_read_only_folder(path: str, _dialect, _record, cargs, cparams) -> None:
    """In a folder we cannot write, SQLite cannot make the WAL's -shm file, so even a read
    fails ("unable to open database file"). With no log left to read, the file alone is the
    database: open it immutable (nothing can write it meanwhile; a writer would have made
    the -wal first). With a log and its -shm, SQLite reads both as they are."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.access(folder, os.W_OK) or not os.path.exists(path):
        return
    wal = f"{path}-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        if os.path.exists(f"{path}-shm"):
            return
        raise StoreError(
            f"{wal} holds changes not yet in {path}, and its folder is read-only, so they "
            "cannot be read; run any command once with write access to the folder",
            fault="read-only",
        )
    cargs[0] = f"file:{quote(os.path.abspath(path))}?immutable=1"
    cparams["uri"] = True


FULL_BELOW = 1 << 20  # bytes free under which a failed write is taken for a full disk
SQLITE_CORRUPT_VTAB = 267  # a virtual table (the full-text index) is damaged, not the file


def _full(path: str) -> bool:
    """Is the disk holding path (all but) full? SQLite reports a full disk as an I/O error
    when the WAL's index file cannot grow, or when a write is refused whole."""
    try:
        stat = os.statvfs(os.path.dirname(path))
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < FULL_BELOW


def _storage_fault(path: str, context) -> None:
    """handle_error: SQLite's faults of the file or the machine → one StoreError each."""
    exc = context.original_exception
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None or code == SQLITE_CORRUPT_VTAB:
        return
    where = os.path.abspath(path)
    primary = code & 0xFF
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        fault, message = (
            "damaged",
            (
                f"the database file {where} is damaged ({exc}); stop the bot and restore it from "
                "a backup (or move it aside to start an empty archive)"
            ),
        )
    elif primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and _full(where)):
        fault, message = (
            "full",
            (
                f"the disk holding {where} is full; free some space and run it again "
                "(what was being written is not saved; nothing stored before is lost)"
            ),
        )
    elif primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        fault, message = (
            "read-only",
            (
                f"cannot write to the database {where}: it is read-only here; check the "
                "permissions of the file and its folder (stats, search and health only read)"
            ),
        )
    elif primary == sqlite3.SQLITE_CANTOPEN and not os.path.exists(where):
        fault, message = (
            "unreadable",
            (
                f"cannot create the database {where}: this user may not write to its folder; "
                "check DATABASE_URL and the folder's permissions"
            ),
        )
    elif primary == sqlite3.SQLITE_CANTOPEN:
        fault, message = (
            "unreadable",
            (
                f"cannot open the database {where}; check that it and its folder exist and "
                "that this user may read and write them (DATABASE_URL)"
            ),
        )
    elif primary == sqlite3.SQLITE_IOERR:
        fault, message = (
            "unreadable",
            (
                f"cannot read or write the database {where} ({exc.sqlite_errorname}); check "
                "that its disk works and has free space, and the limit on file size (ulimit -f)"
            ),
        )
    else:
        return
    raise StoreError(message, fault=fault) from exc


def database_exists(database_url: str) -> bool:
    """Is there a database to read? An SQLite file must exist (read-only commands must
    not create one); a server's database is taken to be there (connecting to a missing
    one is a StoreError that names it: bot.store.postgres)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return True
    return bool(url.database) and Path(url.database).expanduser().exists()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the poller's writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe with WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Indexes of a big archive stay in memory: a 64 MB page cache and reads through mmap
    # instead of read() calls; checkpoints every ~40 MB of WAL copy a hot page once, not
    # every few commits.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def chunks(values: Sequence, size: int = IN_BATCH) -> Iterator[Sequence]:
    """The values a bounded slice at a time (for IN (...) lists)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def sqlite_time(when: datetime) -> str:
    """A time in the text form SQLAlchemy's SQLite DateTime stores (UTC, microseconds):
    for statements written as SQL text, which compare it as text."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database Alembic never touched."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):  # no such table (SQLite; PostgreSQL)
        return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    # Imported here, not at the top: Alembic's import alone costs a few hundred ms, paid
    # only by a database that needs migrating.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with migrate_lock(database_path(engine)):
        # Two processes started on a new database (the service and `health`) would both
        # create the tables; the second waits here and then finds them made. On
        # PostgreSQL the lock is an advisory one, held by the migration's transaction.
        if current_revision(engine) == SCHEMA_HEAD:
            return
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    advisory_xact_lock(connection, MIGRATE)
                    if _revision_in(connection) == SCHEMA_HEAD:
                        return
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate the database: {_first_line(exc)}") from exc


def _revision_in(connection) -> str | None:
    """The revision as this (PostgreSQL) transaction sees it, without failing it."""
    found = connection.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    if found is None:
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's message without SQLAlchemy's statement dump and background link."""
    orig = getattr(exc, "orig", None)
    return (str(orig) if orig is not None else str(exc)).strip().splitlines()[0]
