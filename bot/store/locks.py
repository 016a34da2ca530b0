"""File locks beside the database: one poll cycle at a time (`poll-lock`), one migration
at a time (`migrate-lock`), one service per database (`service-lock`).

Each is an flock on `<database>.<name>`: the OS drops it when the process that took it
dies. Only that process may hold it: flock belongs to the open file, which a forked
child (a poll worker) would share, keeping the lock alive after its parent was killed.
So every lock file is closed in a child right after a fork, and opened O_CLOEXEC (the
default for Python's os.open) so a program started with exec never gets it either.

On PostgreSQL, where several processes share the database, `session_lock` is an advisory
lock of the server's instead (the one process that long-polls Telegram).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime

from bot.errors import StoreError

# The lock files this process has open; a forked child closes them first thing.
_held: set[int] = set()


def _close_in_child() -> None:
    for fd in list(_held):
        with suppress(OSError):
            os.close(fd)  # the parent's copy still holds the lock; never LOCK_UN here
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


@contextmanager
def _flock(path: str, *, wait: bool) -> Iterator[int | None]:
    """An exclusive flock on path: yields its fd while we hold it, None when another
    process does (only without wait)."""
    fd = _open(path)
    _held.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        yield fd
    finally:
        _held.discard(fd)
        os.close(fd)


def _open(path: str) -> int:
    """The lock file, created if need be; a folder we cannot write is one clear error
    (every command that locks is about to write to the database anyway)."""
    try:
        return os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StoreError(
            f"cannot open the lock file {path} ({exc.strerror}): writing to the database "
            "needs write access to its folder; check the folder's permissions and free space",
            fault="read-only" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else None,
        ) from None


@contextmanager
def cycle_lock(database: str | None) -> Iterator[bool]:
    """Hold the database's poll lock if it is free: yields whether we hold it.

    One poll cycle at a time per database, across processes (the service and a manual
    `poll`): two cycles would fetch every feed twice and race to store the same entries.
    """
    if database is None:
        yield True
        return
    with _flock(f"{database}.poll-lock", wait=False) as fd:
        yield fd is not None


@contextmanager
def migrate_lock(database: str | None) -> Iterator[None]:
    """Wait for, then hold, the migration lock: two processes started on a new database
    (the service and `health`) would both create the tables."""
    if database is None:
        yield
        return
    with _flock(f"{database}.migrate-lock", wait=True):
        yield


@contextmanager
def service_lock(database: str | None) -> Iterator[str | None]:
    """Hold the database's service lock if it is free: yields None when we now hold it,
    else who does ("pid 1234 on host-x since 2026-12-04 01:50 UTC").

    One service per database: two would poll, send every digest twice and answer every
    chat twice. The holder writes who it is into the lock file; it is emptied on release.
    """
    if database is None:
        yield None
        return
    path = f"{database}.service-lock"
    with _flock(path, wait=False) as fd:
        if fd is None:
            yield _holder(path)
            return
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": since}
        _describe(fd, json.dumps(me).encode())
        try:
            yield None
        finally:
            _describe(fd, b"")


def _describe(fd: int, holder: bytes) -> None:
    """Say in the lock file who holds it; a full disk leaves it unsaid, the lock holds."""
    with suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder, 0)


def _holder(path: str, tries: int = 20) -> str:
    """Who holds the service lock, as its file says; the holder writes it just after
    locking, so an empty file is read again for a moment."""
    for _ in range(tries):
        try:
            with open(path, encoding="utf-8") as file:
                holder = json.loads(file.read() or "null")
        except (OSError, ValueError):
            holder = None
        if isinstance(holder, dict):
            return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')}"
        time.sleep(0.05)
    return "another process (it did not say which)"


def session_lock(engine, name: str) -> ExitStack | None:
    """The role lock `name` ("telegram") while this process lives: an object whose
    close() gives it back, or None while another process holds it. On PostgreSQL an
    advisory lock on a connection of its own (bot.store.pg_locks); on SQLite the service
    lock keeps the service alone already, so it is always granted."""
    held = ExitStack()
    if engine.dialect.name == "sqlite":
        return held
    from bot.store.pg_locks import ROLE_LOCKS, advisory_lock  # PostgreSQL only

    who = f"mpp-bot {name}: pid {os.getpid()} on {socket.gethostname()}"
    if held.enter_context(advisory_lock(engine, ROLE_LOCKS[name], who)) is None:
        held.close()
        return None
    return held
