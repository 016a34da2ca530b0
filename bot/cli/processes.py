"""Which store and which service processes are running, as `feeds`, `stats` and `health`
say it: read off the heartbeat rows (bot/store/leases.py) every `run` process writes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.model import HEARTBEAT_SECONDS
from bot.store import ProcessRow

RUNNING_WITHIN = timedelta(seconds=3 * HEARTBEAT_SECONDS)  # a missed beat or two is fine


def running(rows: list[ProcessRow], now: datetime) -> list[ProcessRow]:
    """The processes that beat recently and did not say they stopped."""
    return [r for r in rows if r.stopped_at is None and now - r.seen_at <= RUNNING_WITHIN]


def describe_processes(kind: str, rows: list[ProcessRow], now: datetime) -> str:
    """'store: postgresql; running: 2 worker, 1 telegram (last poll 40s ago)'."""
    alive = running(rows, now)
    if not alive:
        return f"store: {kind}; no service process running"
    roles = Counter(r.role for r in alive)
    text = f"store: {kind}; running: " + ", ".join(
        f"{n} {role}" for role, n in sorted(roles.items())
    )
    polls = [r.last_poll_at for r in alive if r.last_poll_at is not None]
    if polls:
        text += f" (last poll {(now - max(polls)).total_seconds():.0f}s ago)"
    return text


def processes_json(kind: str, rows: list[ProcessRow], now: datetime) -> dict:
    return {
        "store": kind,
        "processes": [
            {
                "role": r.role, "host": r.host, "pid": r.pid,
                "started_at": r.started_at.isoformat(), "seen_at": r.seen_at.isoformat(),
                "last_poll_at": r.last_poll_at.isoformat() if r.last_poll_at else None,
            }
            for r in running(rows, now)
        ],
    }  # fmt: skip
