"""Coverage spikes: a topic's day well above its recent normal. Pure.

"Normal" is the median of the previous HISTORY_DAYS daily counts (days with nothing
count as 0), so one busy day in the fortnight does not raise the bar and a quiet topic
is not alerted for a handful of articles: a spike needs at least MINIMUM articles and
FACTOR times the median (a median of 0 counts as 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

HISTORY_DAYS = 14
FACTOR = 3.0
MINIMUM = 5


@dataclass(frozen=True)
class Spike:
    day: date
    count: int
    median: float


def daily_counts(times: Iterable[datetime], timezone: str, today: date, days: int) -> list[int]:
    """Articles per local day, oldest first, the last being `today`."""
    tz = ZoneInfo(timezone)
    per_day = Counter(t.astimezone(tz).date() for t in times)
    return [per_day[today - timedelta(days=n)] for n in range(days - 1, -1, -1)]


def spike(counts: list[int], today: date) -> Spike | None:
    """The spike of the last day of `counts` (its HISTORY_DAYS before it are the normal),
    or None."""
    if len(counts) < 2:
        return None
    count, history = counts[-1], counts[-1 - HISTORY_DAYS : -1]
    normal = median(history)
    if count >= MINIMUM and count >= FACTOR * max(normal, 1):
        return Spike(today, count, normal)
    return None
