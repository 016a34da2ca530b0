"""When feeds are polled again: healthy, failing, rate-limited, gone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.feeds.fetch import parse_retry_after
from bot.feeds.next_poll import PollPolicy, backoff_seconds, next_poll_failed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
POLICY = PollPolicy(poll_interval=900, max_backoff=6 * 3600, jitter=0.1)


def test_backoff_doubles_with_jitter_and_stops_at_the_cap():
    rng = random.Random(7)
    delays = [backoff_seconds(n, 900, POLICY, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays[:4], start=1):
        assert 0.9 * 900 * 2 ** (n - 1) <= delay <= 1.1 * 900 * 2 ** (n - 1)
    assert all(delay <= POLICY.max_backoff for delay in delays)
    assert delays[-1] >= 0.9 * POLICY.max_backoff  # keeps retrying at the cap, forever


def test_jitter_spreads_feeds_that_failed_together():
    rng = random.Random(1)
    assert len({round(backoff_seconds(3, 900, POLICY, rng)) for _ in range(20)}) > 10


def test_retry_after_wins_when_longer():
    retry = next_poll_failed(NOW, 1, 900, POLICY, retry_after=4 * 3600, rng=random.Random(0))
    assert retry - NOW == timedelta(hours=4)
    short = next_poll_failed(NOW, 1, 900, POLICY, retry_after=5, rng=random.Random(0))
    assert short - NOW >= timedelta(seconds=810)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("Sun, 22 Nov 2026 13:00:00 GMT", 3600.0),
        ("Sun, 22 Nov 2026 11:00:00 GMT", 0.0),  # in the past: now
        ("9999999", 86400.0),  # capped at a day
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header, now=NOW) == expected
