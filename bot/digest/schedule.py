"""When a chat's digest is due: a time ("08:00") or a cron expression, in its time zone.

APScheduler's CronTrigger does the calendar work (time zones, daylight saving). Missed
digests are found here, not by APScheduler: its job store forgets everything when the
bot stops, so a digest due while the bot was down is recognized by comparing the last
digest's time with the schedule, and sent once on start.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

TIME_OF_DAY = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def digest_trigger(schedule: str, timezone: str) -> CronTrigger:
    """A CronTrigger for "HH:MM" (every day) or a five-field cron expression; ValueError
    saying what is wrong otherwise."""
    tz = ZoneInfo(timezone)
    text = schedule.strip()
    found = TIME_OF_DAY.fullmatch(text)
    if found:
        return CronTrigger(hour=int(found[1]), minute=int(found[2]), timezone=tz)
    if len(text.split()) != 5:
        raise ValueError(
            f"{schedule!r} is neither a time such as 08:00 nor a cron expression such as "
            "'0 8 * * 1-5' (minute hour day month weekday)"
        )
    minute, hour, day, month, weekday = text.split()
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_cron_weekdays(weekday),
            timezone=tz,
        )
    except ValueError as exc:
        raise ValueError(f"cron expression {schedule!r}: {exc}") from None


def _cron_weekdays(field: str) -> str:
    """The weekday field in APScheduler's terms. Cron counts 0 (or 7) = Sunday, 1 = Monday;
    APScheduler 3 counts 0 = Monday, and its from_crontab does not convert, so '1-5' would
    mean Tuesday to Saturday. Numbers are expanded and named here; names pass through."""
    if field == "*" or not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for piece in field.split(","):
        spread, _, step_text = piece.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"weekday step {piece!r} is not a positive number")
        if spread == "*":
            first, last = 0, 6
        elif "-" in spread:
            first, last = (_weekday_number(x) for x in spread.split("-", 1))
        else:
            first = last = _weekday_number(spread)
            if step:
                last = 6
        if last == 0 and first > 0:
            last = 7  # 5-0: Friday to Sunday
        if first > last:
            raise ValueError(f"weekday range {piece!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step or 1))
    return ",".join(CRON_DAY_NAMES[d] for d in sorted(days))


CRON_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday_number(text: str) -> int:
    text = text.strip().lower()
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text[:3] in CRON_DAY_NAMES:
        return CRON_DAY_NAMES.index(text[:3])
    raise ValueError(f"{text!r} is not a weekday (0-7 or sun-sat)")


def next_digest(schedule: str, timezone: str, after: datetime) -> datetime | None:
    """The first scheduled time strictly after `after` (aware)."""
    trigger = digest_trigger(schedule, timezone)
    return trigger.get_next_fire_time(None, after + timedelta(microseconds=1))


def missed(schedule: str, timezone: str, last: datetime | None, now: datetime) -> bool:
    """Whether a digest was due between `last` (the last one, or when the chat was first
    seen) and now: then one digest is sent at start, however many were missed."""
    if last is None:
        return False
    due = next_digest(schedule, timezone, last)
    return due is not None and due <= now


def latest_digest(schedule: str, timezone: str, now: datetime) -> datetime | None:
    """The last scheduled time at or before `now` (within 8 days): the period a digest
    job running now delivers, the same in every process that runs it. None when the
    schedule had no time in those 8 days."""
    for window in (timedelta(hours=1), timedelta(days=1), timedelta(days=8)):
        at = next_digest(schedule, timezone, now - window)
        if at is None or at > now:
            continue
        while (later := next_digest(schedule, timezone, at)) is not None and later <= now:
            at = later
        return at
    return None
