"""Engine creation and migrations: SQLite specifics (WAL, pragmas, the bound on IN lists)
live here only."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from bot.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision (tests check it against the migrations folder). A
# database already there skips Alembic, whose import alone costs a few hundred ms at
# every command's start.
SCHEMA_HEAD = "0009"
IN_BATCH = 500  # bound on IN (...) lists: values per statement


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; for SQLite the file's folder is created and WAL is on."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise StoreError(f"DATABASE_URL is not a database URL: {database_url!r}") from None
    if url.get_backend_name() != "sqlite":
        raise StoreError(f"{url.get_backend_name()} is not supported yet; use sqlite:///PATH")
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url.set(drivername="sqlite"), connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def database_exists(database_url: str) -> bool:
    """Is there a database to read? An SQLite file must exist (read-only commands must
    not create one); a server's database is taken to be there."""
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
    except OperationalError:
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
    with _file_lock(engine, "migrate-lock", wait=True):
        # Two processes started on a new database (the service and `health`) would both
        # create the tables; the second waits here and then finds them made.
        if current_revision(engine) == SCHEMA_HEAD:
            return
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot migrate the database: {exc}") from exc


@contextmanager
def _file_lock(engine: Engine, suffix: str, *, wait: bool) -> Iterator[bool]:
    """An advisory lock on a file beside the database: yields whether we hold it (always,
    when waiting). The OS drops it if the process dies. In-memory databases need none."""
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    fd = os.open(f"{database}.{suffix}", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


@contextmanager
def cycle_lock(engine: Engine) -> Iterator[bool]:
    """Hold the database's poll lock if it is free: yields whether we hold it.

    One poll cycle at a time per database, across processes (the service and a manual
    `poll`): two cycles would fetch every feed twice and race to store the same entries.
    An advisory lock on a file beside the database; the OS drops it if a process dies.
    """
    with _file_lock(engine, "poll-lock", wait=False) as ours:
        yield ours
