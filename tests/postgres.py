"""This machine's PostgreSQL server for tests (127.0.0.1:5432, user postgres, trust auth):
each test gets a database of its own, made from a migrated template and dropped after.

Under CI (CI=true) a server that does not answer fails the tests that need it; elsewhere
they skip and say why. Names carry the xdist worker and the process id, so two runs on
one server (two engineers, two workers) never share a database.
"""

from __future__ import annotations

import itertools
import os
from contextlib import closing

import pytest

SERVER = "postgresql://postgres@127.0.0.1:5432"
_counter = itertools.count()


def _prefix() -> str:
    """mpp_test_<xdist worker>_<pid>: read when used (xdist names the worker after this
    module is imported)."""
    return f"mpp_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def admin():
    """An autocommit connection to the server's maintenance database."""
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)


def server_or_skip() -> None:
    """Skip (fail under CI) when no server answers."""
    import psycopg

    try:
        with closing(admin()):
            return
    except psycopg.Error as exc:
        reason = f"no PostgreSQL server at 127.0.0.1:5432 ({str(exc).strip().splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI needs it (.ci/run starts it)")
        pytest.skip(f"{reason}; CI=true makes this a failure")


def create_database(template: str | None = None) -> str:
    """A new empty (or template's copy) database; its name."""
    name = f"{_prefix()}_{next(_counter)}"
    with closing(admin()) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name


def drop_database(name: str) -> None:
    with closing(admin()) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def url(name: str) -> str:
    return f"{SERVER}/{name}"


@pytest.fixture(scope="session")
def pg_template():
    """A database at the newest schema, copied for each test (migrating takes a second)."""
    server_or_skip()
    from bot.store import Store

    name = create_database()
    Store.open(url(name)).close()
    yield name
    drop_database(name)


@pytest.fixture
def pg_url(pg_template):
    """The URL of a migrated database of this test's own, dropped after it."""
    name = create_database(template=pg_template)
    yield url(name)
    drop_database(name)


@pytest.fixture
def pg_empty_url():
    """The URL of an empty database (no schema) of this test's own."""
    server_or_skip()
    name = create_database()
    yield url(name)
    drop_database(name)
