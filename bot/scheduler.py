"""APScheduler wiring: the poll job, a digest job per chat, the outbox retry job, the daily
retention job."""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.digest.schedule import digest_trigger, missed
from bot.model import HEARTBEAT_SECONDS

OUTBOX_RETRY_SECONDS = 60
DIGEST_GRACE_SECONDS = 6 * 3600  # a digest delayed (busy, asleep) still goes, once
PRUNE_AT = (3, 30)  # local time of the daily prune: a quiet hour for newsrooms


def build_scheduler(app, timezone: str) -> AsyncIOScheduler:
    """A scheduler whose poll job runs now and then every tick; never two cycles at once.
    A process that only answers chats (`run --role telegram`) has the heartbeat alone."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        app.beat,
        IntervalTrigger(seconds=HEARTBEAT_SECONDS, timezone=timezone),
        id="heartbeat",
        name="this process's heartbeat row",
        max_instances=1,
        coalesce=True,
    )
    if not app.polls:
        return scheduler
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
    now = datetime.now(scheduler.timezone)
    for plan in app.chat_plans:
        schedule_digest(scheduler, app, plan)
        state = app.store.chat_state(plan.key)
        if missed(plan.schedule, plan.timezone, state.last_digest_at or state.alerts_since, now):
            # Due while the bot was down: sent once now, however many were missed.
            scheduler.add_job(
                app.send_digest, args=[plan], id=f"catch-up:{plan.key}",
                name=f"missed digest for {plan.name}", next_run_time=now,
            )  # fmt: skip
    scheduler.add_job(
        app.flush_outbox,
        IntervalTrigger(seconds=OUTBOX_RETRY_SECONDS, timezone=timezone),
        id="outbox",
        name="retry waiting messages",
        max_instances=1,
        coalesce=True,
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


def schedule_digest(scheduler: AsyncIOScheduler, app, plan) -> None:
    """The chat's digest job (replacing the one it had: a chat changed its topics)."""
    scheduler.add_job(
        app.send_digest,
        digest_trigger(plan.schedule, plan.timezone),
        args=[plan],
        id=f"digest:{plan.key}",
        name=f"digest for {plan.name}",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=DIGEST_GRACE_SECONDS,
        replace_existing=True,
    )


def sync_digests(scheduler: AsyncIOScheduler, app) -> None:
    """Digest jobs for the chats' current plans: new and changed ones (re)scheduled,
    those of chats that receive nothing any more removed."""
    wanted = set()
    for plan in app.chat_plans:
        wanted.add(f"digest:{plan.key}")
        schedule_digest(scheduler, app, plan)
    for job in scheduler.get_jobs():
        if job.id.startswith("digest:") and job.id not in wanted:
            job.remove()
