"""APScheduler wiring: the poll job and the daily retention job (digests join later)."""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

PRUNE_AT = (3, 30)  # local time of the daily prune: a quiet hour for newsrooms


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
    scheduler.add_job(
        app.prune,
        CronTrigger(hour=PRUNE_AT[0], minute=PRUNE_AT[1], timezone=timezone),
        id="prune",
        name="delete articles older than retention_days",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,  # asleep at 03:30: prune when awake
    )
    return scheduler
