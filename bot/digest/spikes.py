"""Coverage spikes: a topic's day well above its recent normal. Pure.

"Normal" is the median of the previous HISTORY_DAYS daily counts (days with nothing
count as 0), so one busy day in the fortnight does not raise the bar and a quiet topic
is not alerted for a handful of articles: a spike needs at least MINIMUM articles and
FACTOR times the median (a median of 0 counts as 1).

Only days the bot was monitoring count as history (a day before its first poll is not a
quiet day, it is unknown): with fewer than MIN_HISTORY_DAYS of them there is no normal
to compare with and no spike; between that and HISTORY_DAYS the median is of the days
there are, and the alert says how many.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

HISTORY_DAYS = 14
MIN_HISTORY_DAYS = 7
FACTOR = 3.0
MINIMUM = 5


@dataclass(frozen=True)
class Spike:
    day: date
    count: int
    median: float
    days: int  # the days of history the median is of


def daily_counts(times: Iterable[datetime], timezone: str, today: date, days: int) -> list[int]:
    """Articles per local day, oldest first, the last being `today`."""
    tz = ZoneInfo(timezone)
    per_day = Counter(t.astimezone(tz).date() for t in times)
    return [per_day[today - timedelta(days=n)] for n in range(days - 1, -1, -1)]


def spike(counts: list[int], today: date, history_days: int = HISTORY_DAYS) -> Spike | None:
    """The spike of the last day of `counts` against the median of up to HISTORY_DAYS
    days before it, of which `history_days` were monitored; None without a spike or
    with fewer than MIN_HISTORY_DAYS days of history."""
    days = min(HISTORY_DAYS, history_days, len(counts) - 1)
    if days < MIN_HISTORY_DAYS:
        return None
    count, history = counts[-1], counts[-1 - days : -1]
    normal = median(history)
    if count >= MINIMUM and count >= FACTOR * max(normal, 1):
        return Spike(today, count, normal, days)
    return None


def history_days(first_poll: datetime | None, timezone: str, today: date) -> int:
    """Whole local days before `today` since monitoring began (0 when it began today)."""
    if first_poll is None:
        return 0
    return max(0, (today - first_poll.astimezone(ZoneInfo(timezone)).date()).days)
