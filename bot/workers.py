"""Poll cycles across worker processes.

Parsing feeds and driving HTTP both run Python code, so one process uses one core. When
many feeds are due, the cycle is split across processes, sharded by host: every feed of a
host lands in the same process, so the per-host politeness limit still holds.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import replace
from urllib.parse import urlsplit

from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.schedule import PollPolicy
from bot.model import FeedOutcome, FeedState
from bot.pipeline import poll_feeds
from bot.store import Store
from bot.store.db import make_engine

MIN_FEEDS_PER_WORKER = 100  # below this, starting a process costs more than it saves
MAX_AUTO_WORKERS = 4

# Set in each worker by _init_worker: where outcomes go, and the lock all writers share.
_progress: multiprocessing.Queue | None = None
_write_lock = None


def worker_count(setting: int, due: int, cpus: int | None = None) -> int:
    """How many processes to use: `setting` (0 = one per core, up to 4), never more than
    the due feeds justify."""
    wanted = setting or min(cpus or os.cpu_count() or 1, MAX_AUTO_WORKERS)
    return max(1, min(wanted, due // MIN_FEEDS_PER_WORKER))


def shard_by_host(feeds: list[FeedState], shards: int) -> list[list[FeedState]]:
    """Split feeds into balanced groups that never split a host (largest hosts first)."""
    by_host: defaultdict[str, list[FeedState]] = defaultdict(list)
    for feed in feeds:
        by_host[(urlsplit(feed.url).hostname or "").lower()].append(feed)
    groups: list[list[FeedState]] = [[] for _ in range(shards)]
    for _host, group in sorted(by_host.items(), key=lambda item: (-len(item[1]), item[0])):
        min(groups, key=len).extend(group)
    return [group for group in groups if group]


def poll_in_processes(
    shards: list[list[FeedState]],
    *,
    database_url: str,
    limits: FetchLimits,
    policy: PollPolicy,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> list[FeedOutcome]:
    """Poll each shard in its own process; outcomes come back in shard order."""
    context = multiprocessing.get_context("fork")  # no re-import: workers start in ms
    progress = context.Queue()
    write_lock = context.Lock()
    share = replace(limits, max_concurrency=max(1, limits.max_concurrency // len(shards)))
    with ProcessPoolExecutor(
        len(shards), mp_context=context, initializer=_init_worker, initargs=(progress, write_lock)
    ) as pool:
        futures = [pool.submit(_poll_shard, database_url, share, policy, shard) for shard in shards]
        pending = set(futures)
        while pending:
            _drain(progress, on_feed_done)
            _done, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
        _drain(progress, on_feed_done)
        return [outcome for future in futures for outcome in future.result()]


def _drain(progress: multiprocessing.Queue, on_feed_done) -> None:
    while True:
        try:
            outcome = progress.get_nowait()
        except queue.Empty:
            return
        if on_feed_done:
            on_feed_done(outcome)


def _init_worker(progress: multiprocessing.Queue, write_lock) -> None:
    global _progress, _write_lock
    _progress, _write_lock = progress, write_lock


def _poll_shard(
    database_url: str, limits: FetchLimits, policy: PollPolicy, shard: list[FeedState]
) -> list[FeedOutcome]:
    """A worker's whole job: its own engine, HTTP client and event loop."""
    store = Store(make_engine(database_url), write_lock=_write_lock)

    async def run() -> list[FeedOutcome]:
        async with Fetcher(limits) as fetcher:
            return await poll_feeds(
                shard, fetcher, store, policy, on_feed_done=_progress.put if _progress else None
            )

    try:
        return asyncio.run(run())
    finally:
        store.close()
