"""Poll cycles across worker processes.

Parsing feeds and driving HTTP both run Python code, so one process uses one core. When
many feeds are due, fetching and parsing are split across processes, sharded by host
(every feed of a host in the same process, so the per-host politeness limit still holds),
while the parent process alone writes to the database: SQLite takes one writer at a
time, and writers in several processes also keep invalidating each other's page cache
(measured: twice the CPU time of one writer).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import queue
import re
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import urlsplit

from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.next_poll import PollPolicy
from bot.match.matcher import Matcher
from bot.model import FeedOutcome, FeedState
from bot.pipeline.poll import Fetched, UnchangedFeeds, fetch_feed, record_many
from bot.store import Store
from bot.store.db import make_engine

MIN_FEEDS_PER_WORKER = 100  # below this, starting a process costs more than it saves
MAX_AUTO_WORKERS = 4

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
CHANNEL_SIZE = 64  # messages in flight to the writer, at most
GROUP_SIZE = 16  # messages taken together by the writer (so feeds with articles written
# per transaction), at most
GROUP_WAIT = 0.02  # seconds the writer waits to fill a group
SEND_BATCH = 32  # feeds without articles that share a message to the writer, at most
SEND_WAIT = 0.05  # seconds such a feed waits for others before its message goes
log = logging.getLogger("bot.poll")
# Set in each worker by _init_worker.
_channel: multiprocessing.Queue
_shards: list[list[FeedState]]
_matcher: Matcher
_database_url: str
_reader: Store | None = None  # opened on first use: only full-text feeds need it


def worker_count(setting: int, due: int, cpus: int | None = None) -> int:
    """How many processes to use: `setting` (0 = one per core, up to 4), never more than
    the due feeds justify."""
    wanted = setting or min(cpus or os.cpu_count() or 1, MAX_AUTO_WORKERS)
    return max(1, min(wanted, due // MIN_FEEDS_PER_WORKER))


# A URL's host where it is plainly written (lower-case scheme, a host of letters, digits,
# dots and hyphens, perhaps a port): what urlsplit's hostname gives, lower-cased, at a
# quarter of its cost; any other URL goes through urlsplit (tests/test_workers.py).
_PLAIN_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)(?::[0-9]+)?(?:[/?#]|$)")


def host_of(url: str) -> str:
    """The host a feed's requests count against (bot.feeds.fetch keys its limit alike)."""
    if plain := _PLAIN_HOST.match(url):
        return plain[1].lower()
    return (urlsplit(url).hostname or "").lower()


def shard_by_host(feeds: list[FeedState], shards: int) -> list[list[FeedState]]:
    """Split feeds into balanced groups that never split a host (largest hosts first)."""
    by_host: defaultdict[str, list[FeedState]] = defaultdict(list)
    for feed in feeds:
        by_host[host_of(feed.url)].append(feed)
    groups: list[list[FeedState]] = [[] for _ in range(shards)]
    for _host, group in sorted(by_host.items(), key=lambda item: (-len(item[1]), item[0])):
        min(groups, key=len).extend(group)
    return [group for group in groups if group]


def poll_in_processes(
    shards: list[list[FeedState]],
    *,
    store: Store,
    limits: FetchLimits,
    policy: PollPolicy,
    matcher: Matcher,
    on_feed_done: Callable[[FeedOutcome], None] | None = None,
) -> list[FeedOutcome]:
    """Workers fetch and parse their shards; this process alone writes what they send.

    The channel is bounded, so when the writer falls behind the workers wait instead of
    piling articles up in memory. A worker that dies leaves its unfinished feeds marked
    failed, and the cycle goes on. Messages are lists of fetches (_Outbox), each feed by
    its id: this process has every FeedState already.
    """
    context = multiprocessing.get_context("fork")  # no re-import: workers start in ms
    channel = context.Queue(maxsize=CHANNEL_SIZE)
    share = replace(limits, max_concurrency=max(1, limits.max_concurrency // len(shards)))
    unchanged = UnchangedFeeds(store)
    outcomes: dict[int, FeedOutcome] = {}
    feeds = {feed.id: feed for shard in shards for feed in shard}
    store.engine.dispose()  # no pooled connection may cross a fork
    # With fork, initializer arguments reach the workers as memory, not pickles: the
    # shards go that way, and each task names its shard by index. The workers are forked
    # by this thread, which outlives them (the pool is shut down before it returns): a
    # parent-death signal follows the thread that forked, not the process.
    with ProcessPoolExecutor(
        len(shards),
        mp_context=context,
        initializer=_init_worker,
        initargs=(channel, shards, matcher, str(store.engine.url), os.getpid()),
    ) as pool:
        futures = [pool.submit(_fetch_shard, share, policy, i) for i in range(len(shards))]
        total = sum(map(len, shards))
        while len(outcomes) < total:
            try:
                messages = [channel.get(timeout=0.5)]
            except queue.Empty:
                if all(f.done() for f in futures) and channel.empty():
                    break  # a worker died: its remaining feeds never come
                continue
            expected = total - len(outcomes) - len(messages[0])  # feeds still to come
            messages += _waiting(channel, GROUP_SIZE - 1, expected)
            batch = [_arrived(sent, feeds) for message in messages for sent in message]
            for fetched, outcome in zip(batch, record_many(store, batch, unchanged), strict=True):
                outcomes[fetched.feed.id] = outcome
                if on_feed_done:
                    on_feed_done(outcome)
    unchanged.flush()
    for future in futures:
        if future.exception():
            log.error("a poll worker died: %r", future.exception())
    lost = [f for shard in shards for f in shard if f.id not in outcomes]
    for feed in lost:
        outcomes[feed.id] = FeedOutcome(feed.name, "failed", error="internal error: worker died")
    return [outcomes[f.id] for shard in shards for f in shard]


def _waiting(channel: multiprocessing.Queue, limit: int, expected: int) -> list:
    """What arrives within GROUP_WAIT, up to limit messages: a commit costs as much as
    writing a feed's articles, so a few milliseconds of waiting save most commits of a
    big poll. Not once the `expected` feeds have all come: the cycle's last message
    would only wait out the deadline."""
    found = []
    deadline = time.monotonic() + GROUP_WAIT
    while len(found) < limit and expected > 0:
        try:
            found.append(channel.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            break
        expected -= len(found[-1])
    return found


def _travelling(fetched: Fetched) -> tuple[int, Fetched]:
    """A fetch as it crosses to the writer: its feed by id. Pickling the FeedState cost
    more than the rest of an unchanged feed's message (12 of 15 µs, 20 of 23 to read back)."""
    return fetched.feed.id, replace(fetched, feed=None)


def _arrived(sent: tuple[int, Fetched], feeds: dict[int, FeedState]) -> Fetched:
    """A fetch from a worker with its FeedState back in place."""
    feed_id, fetched = sent
    fetched.feed = feeds[feed_id]
    return fetched


class _Outbox:
    """A worker's side of the channel. A feed with articles goes at once; unchanged and
    failed ones (most of a re-poll) wait up to SEND_WAIT to share a message, up to
    SEND_BATCH to one: a message of one such feed cost the worker and the writer more
    than its data (bench/README.md)."""

    def __init__(self, thread: ThreadPoolExecutor):
        self.thread = thread  # where a put waits when the channel is full
        self.pending: list[tuple[int, Fetched]] = []

    async def send(self, fetched: Fetched) -> None:
        self.pending.append(_travelling(fetched))
        if fetched.kind == "articles" or len(self.pending) >= SEND_BATCH:
            await self.flush()

    async def flush(self) -> None:
        if not self.pending:
            return
        message, self.pending = self.pending, []
        try:
            _channel.put_nowait(message)
        except queue.Full:  # the writer is behind: wait in a thread, not in the loop
            await asyncio.get_running_loop().run_in_executor(self.thread, _channel.put, message)

    async def flush_every(self, seconds: float) -> None:
        """Until cancelled: what waits goes at least this often."""
        while True:
            await asyncio.sleep(seconds)
            await self.flush()


def _init_worker(
    channel: multiprocessing.Queue,
    shards: list[list[FeedState]],
    matcher: Matcher,
    database_url: str,
    parent: int,
) -> None:
    global _channel, _shards, _matcher, _database_url
    _die_with_parent(parent)
    _channel, _shards, _matcher, _database_url = channel, shards, matcher, database_url


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive the process that started it (`kill -9` of a poll): it
    would idle on forever, waiting on a queue the dead parent never fills. On Linux the
    kernel kills it when the parent dies; elsewhere a thread looks once a second. The
    parent may have died before that was set up: then this worker goes at once."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _known(feed_id: int, entry_ids: list[str]) -> dict[str, str]:
    """Stored entries' content hashes, read through this worker's own connection (reads
    do not disturb the one writer)."""
    global _reader
    if _reader is None:
        _reader = Store(make_engine(_database_url))
    return _reader.entry_hashes(feed_id, entry_ids)


def _fetch_shard(limits: FetchLimits, policy: PollPolicy, index: int) -> int:
    """A worker's whole job: its own HTTP clients and event loop; no database."""
    shard = _shards[index]

    async def run() -> int:
        parse_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        outbox = _Outbox(parse_thread)

        async def one(feed: FeedState) -> None:
            fetched = await fetch_feed(
                feed, fetcher, policy, _matcher, parse_thread=parse_thread, known=_known
            )
            await outbox.send(fetched)

        async with Fetcher(limits) as fetcher:
            ticking = asyncio.create_task(outbox.flush_every(SEND_WAIT))
            try:
                await asyncio.gather(*(one(feed) for feed in shard))
            finally:
                ticking.cancel()
                await asyncio.gather(ticking, return_exceptions=True)
                try:
                    await outbox.flush()  # before the thread goes: a full channel waits in it
                finally:
                    parse_thread.shutdown(wait=True)
        return len(shard)

    return asyncio.run(run())
