"""PostgreSQL specifics: the engine (psycopg 3), what the server's faults mean to a user,
and the URL as it may be shown (never with its password).

SQLite's counterparts are in db.py. A PostgreSQL database is never created by the bot:
creating one needs rights a service should not hold, and a mistyped name must not leave
an empty archive behind; a missing one is one StoreError that names it.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

from bot.errors import StoreError

DRIVER = "postgresql+psycopg"
SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
CONNECT_TIMEOUT = 10  # seconds: a server that does not answer is a clear error, not a hang

# SQLSTATE codes (PostgreSQL's appendix A) of faults that are the machine's, not a bug's.
_NO_DATABASE = "3D000"
_DISK_FULL = "53100"
_READ_ONLY = ("25006", "42501")  # read-only transaction (a standby), no privilege
_AUTH = ("28000", "28P01")


def is_postgresql(url: URL) -> bool:
    return url.get_backend_name() in ("postgresql", "postgres")


def shown(url: URL) -> str:
    """The URL fit for a message or a log: the password hidden."""
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def make_pg_engine(url: URL) -> Engine:
    """An engine on psycopg 3 for a postgresql:// URL (any driver part is replaced)."""
    url = url.set(drivername=DRIVER)
    engine = create_engine(
        url,
        pool_pre_ping=True,  # a restarted server: the next command reconnects
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": "mpp-monitor",
            # No server-side prepared statements: after a few runs PostgreSQL may plan one
            # for any parameters, and a search's tsquery, unknown then, turns the GIN look-up
            # into a scan of every article (0.4 s instead of 20 ms at 200,000 articles).
            "prepare_threshold": None,
        },
    )
    event.listen(engine, "handle_error", lambda context: _server_fault(url, context))
    return engine


def _server_fault(url: URL, context) -> None:
    """handle_error: the server's faults (unreachable, no such database, disk full,
    read-only) → one StoreError each that says what, where and what to do."""
    exc = context.original_exception
    state = getattr(exc, "sqlstate", None)
    where = shown(url)
    database = url.database
    if state == _NO_DATABASE or (state is None and "does not exist" in str(exc)):
        fault, message = (
            "missing",
            (
                f"no database {database!r} on the PostgreSQL server ({where}): create it "
                f"(createdb {database}) or check DATABASE_URL"
            ),
        )
    elif state in _AUTH:
        fault, message = (
            "unreadable",
            f"the PostgreSQL server refused the login ({where}): check the user and "
            "password in DATABASE_URL",
        )
    elif state == _DISK_FULL:
        fault, message = (
            "full",
            f"the PostgreSQL server's disk is full ({where}); free some space and run it "
            "again (what was being written is not saved; nothing stored before is lost)",
        )
    elif state in _READ_ONLY:
        fault, message = (
            "read-only",
            f"cannot write to the PostgreSQL database ({where}): it is read-only for this "
            "user or server (stats, search and health only read)",
        )
    elif state is None and context.connection is None and context.is_disconnect is not None:
        # No connection at all: the server is down, the host or port wrong.
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        reason = lines[0].removeprefix("connection failed: ")
        fault, message = (
            "unreachable",
            f"cannot connect to the PostgreSQL server ({where}): {reason}; is it running, "
            "and are the host and port in DATABASE_URL right?",
        )
    else:
        return
    raise StoreError(message, fault=fault) from exc
