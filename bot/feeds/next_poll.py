"""When to poll a feed next: its interval when healthy, capped exponential backoff with
jitter when failing. Pure: the random source is an argument."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PollPolicy:
    poll_interval: float = 900.0  # seconds, for feeds without their own interval
    max_backoff: float = 6 * 3600.0  # a failing feed is retried at least this often, forever
    gone_retry: float = 86400.0  # a feed that answered 410 Gone is retried daily
    jitter: float = 0.1  # ± fraction, so feeds that failed together do not retry together


def next_poll_ok(now: datetime, interval: float) -> datetime:
    """A healthy feed is polled again one interval later."""
    return now + timedelta(seconds=interval)


def backoff_seconds(
    failures: int, interval: float, policy: PollPolicy, rng: random.Random | None = None
) -> float:
    """Delay after the n-th consecutive failure: interval·2^(n-1), jittered, capped."""
    rng = rng or random.Random()
    exponent = min(max(failures - 1, 0), 32)
    delay = min(interval * 2**exponent, policy.max_backoff)
    delay *= 1 + rng.uniform(-policy.jitter, policy.jitter)
    return min(delay, policy.max_backoff)


def next_poll_failed(
    now: datetime,
    failures: int,
    interval: float,
    policy: PollPolicy,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The retry time after a failure; a server's Retry-After is honored when longer."""
    delay = backoff_seconds(failures, interval, policy, rng)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + timedelta(seconds=delay)
