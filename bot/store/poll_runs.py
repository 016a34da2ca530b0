"""Poll-cycle rows: one per cycle (its start, end and summary), written when a cycle ends;
read for when monitoring began and for the newest cycle's report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from bot.store.tables import poll_runs


def record_cycle(conn: Connection, started: datetime, finished: datetime, summary: dict) -> None:
    conn.execute(
        poll_runs.insert().values(started_at=started, finished_at=finished, summary=summary)
    )


def first_poll(conn: Connection) -> datetime | None:
    """When the first poll cycle started: monitoring (and coverage history) began."""
    return conn.scalar(select(poll_runs.c.started_at).order_by(poll_runs.c.id).limit(1))


def last_cycle(conn: Connection) -> dict | None:
    """The newest poll cycle: its times and summary, or None before the first."""
    row = conn.execute(select(poll_runs).order_by(poll_runs.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"started_at": row.started_at, "finished_at": row.finished_at, **row.summary}
