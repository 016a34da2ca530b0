"""APScheduler wiring: the poll job (digest and retention jobs join it later)."""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger


def build_scheduler(app, timezone: str) -> AsyncIOScheduler:
    """A scheduler whose poll job runs now and then every tick; never two cycles at once."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        app.poll_due,
        IntervalTrigger(seconds=app.tick_seconds(), timezone=timezone),
        id="poll",
        name="poll due feeds",
        next_run_time=datetime.now(scheduler.timezone),
        max_instances=1,  # a slow cycle delays the next one; it never overlaps it
        coalesce=True,  # ticks missed while busy or asleep run once, not several times
        misfire_grace_time=None,
    )
    return scheduler
