"""Composition root: builds the pieces from validated settings and runs them.

The chat side (python-telegram-bot, digests and alerts, the scheduler) is imported where
it is first used, not here: `poll`, `search` and `stats` run as short processes, and
importing it cost a re-poll of 2,000 unchanged feeds ~0.5 s of CPU before the first
request (bench/README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import BotConfig, Environment
from bot.errors import BotError, StoreError
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.health import offline_hint
from bot.feeds.next_poll import PollPolicy
from bot.match.matcher import Matcher, Topic
from bot.model import (
    HEARTBEAT_SECONDS,
    FeedOutcome,
    FeedSpec,
    FeedState,
    PollSummary,
    utc_now,
)
from bot.pipeline.poll import MatcherOnFirstUse, poll_cycle, poll_feeds
from bot.pipeline.workers import poll_in_processes, shard_by_host, worker_count
from bot.store import ProcessRow, Store, database_exists, database_file

if TYPE_CHECKING:
    from bot.chat.service import ChatService, ChatSide, ChatSideState

log = logging.getLogger("bot")
STOP_GRACE_SECONDS = 60  # a running poll or digest may take this long to finish at SIGTERM


CLAIM_LEASE = timedelta(minutes=2)  # a chat's alert pass or outbox, held by one process
DIGEST_LEASE = timedelta(minutes=10)  # composing and sending one digest
TELEGRAM_LOCK = "telegram"  # the one process that long-polls getUpdates
LEASED_PER_CONNECTION = 2  # feeds claimed at once per fetch slot (settings.max_concurrency)


class AnotherService(BotError):
    """A second service on one SQLite database: SQLite has one writer, and both would
    poll, send every digest twice and fight over the bot token's updates."""

    def __init__(self, holder: str):
        super().__init__(
            f"another service is running on this database ({holder}); SQLite has one "
            "writer, so one `run` (every role) per database: stop it first, or move to "
            "PostgreSQL for several processes (python -m bot migrate-store)"
        )


def service_state_path(database_url: str) -> Path | None:
    """`<database>.service-state.json`, where the service tells other processes (`health`)
    how its chat side is; None for an in-memory database."""
    path = database_file(database_url)
    return Path(f"{path}.service-state.json") if path else None


def read_service_state(database_url: str) -> dict | None:
    """What the service last wrote (see App.write_state); None when there is nothing
    readable (no service ran, or one from before this file existed)."""
    path = service_state_path(database_url)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def feed_specs(config: BotConfig) -> list[FeedSpec]:
    return [
        FeedSpec(
            name=f.name,
            url=f.url,
            interval=f.interval,
            full_text=f.full_text,
            tags=tuple(f.tags),
            language=f.language,
            enabled=f.enabled,
        )
        for f in config.feeds
    ]


def topics(config: BotConfig) -> list[Topic]:
    return [
        Topic(id=key, query=t.query, exclude=t.exclude, languages=tuple(t.languages))
        for key, t in config.topics.items()
    ]


def poll_policy(config: BotConfig) -> PollPolicy:
    s = config.settings
    return PollPolicy(
        poll_interval=s.poll_interval, max_backoff=s.max_backoff, gone_retry=s.gone_retry
    )


def fetch_limits(config: BotConfig) -> FetchLimits:
    s = config.settings
    return FetchLimits(
        max_concurrency=s.max_concurrency,
        per_host=s.per_host_concurrency,
        connect_timeout=s.connect_timeout,
        read_timeout=s.read_timeout,
        max_bytes=s.max_feed_bytes,
        max_redirects=s.max_redirects,
        allow_private_hosts=frozenset(h.lower() for h in s.allow_private_hosts),
    )


class NoDatabase(BotError):
    """A command that only reads found no database file; it creates none (a mistyped
    DATABASE_URL must not leave an empty archive, and folders, behind)."""

    def __init__(self, path: Path):
        super().__init__(
            f"no database at {path} (DATABASE_URL): run `python -m bot poll` or `run` "
            "first, or check DATABASE_URL"
        )


def missing_database(database_url: str) -> Path | None:
    """The SQLite file the URL names, when it does not exist; None when it exists, for an
    in-memory database, and for a URL that is none (Store.open says so, creating nothing)."""
    try:
        if database_exists(database_url):
            return None
        path = database_file(database_url)
    except Exception:  # not a database URL at all
        return None
    return Path(path).expanduser().absolute() if path else None


@contextlib.contextmanager
def opened(env: Environment, config: BotConfig, *, create: bool = True) -> Iterator[App]:
    """The App of one command: the store open and in line with feeds.yaml, closed after.

    create=False for commands that only read: a missing database is NoDatabase (exit 1)
    and nothing is created, no folder, file or lock file."""
    app = App.open(env, config, create=create)
    try:
        yield app
    finally:
        app.close()


@dataclass
class App:
    env: Environment
    config: BotConfig
    store: Store
    cycle_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sender: object | None = None  # set while the service runs (Telegram or the console)

    scheduler: object | None = None  # set while the service runs
    chat_polling: object = None  # bot.chat.service.Polling; None: its defaults
    chat: ChatSide | None = None  # set while the service runs with a token
    jobs: set = field(default_factory=set)  # the scheduled jobs' tasks running now
    stopping: bool = False  # the service was asked to stop: running jobs get a grace
    role: str = "all"  # see ROLES; set by `run --role`
    process: ProcessRow | None = None  # this process's heartbeat row while it serves
    telegram_lock: object = None  # held while this process long-polls getUpdates
    _chat_settings_seen: object = None  # what _follow_chats last read

    @property
    def polls(self) -> bool:
        """Whether this process polls feeds, raises alerts and sends digests."""
        return self.role in ("all", "worker")

    @property
    def chats(self) -> bool:
        """Whether this process answers chat commands (getUpdates), when there is a token."""
        return self.role in ("all", "telegram")

    @property
    def owner(self) -> str | None:
        """Who holds feed leases and claims: this process's id on a store shared by several
        processes; None on SQLite, where the service is alone (the service lock)."""
        return self.process.id if self.process is not None and self.store.shared else None

    @cached_property
    def matcher(self) -> Matcher:
        """Every topic of feeds.yaml and every chat's /watch, compiled once (until a chat
        changes its watches: refresh_chats)."""
        watches = self.store.chat_settings().watches
        return Matcher(topics(self.config) + [Topic(id=w.topic_id, query=w.query) for w in watches])

    def refresh_chats(self) -> None:
        """A chat changed its topics or watches from Telegram: plans and matcher again,
        digest jobs rescheduled. A running poll cycle keeps the matcher it started with
        (it holds its own reference); the next cycle uses the new one."""
        self.__dict__.pop("matcher", None)
        self.__dict__.pop("chat_plans", None)
        # the chat side on first use (module doc)
        from bot.pipeline.digests import prepare_chats
        from bot.scheduler import sync_digests

        prepare_chats(self.store, self.chat_plans, utc_now())
        if self.scheduler is not None and self.polls:
            sync_digests(self.scheduler, self)

    @classmethod
    def open(cls, env: Environment, config: BotConfig, *, create: bool = True) -> App:
        """Open the store, migrate it and bring its feed list in line with feeds.yaml
        (also for commands that only read: it is cheap and keeps the feed list right).
        create=False: a missing SQLite file is NoDatabase, and nothing is created."""
        if not create and (missing := missing_database(env.database_url)) is not None:
            raise NoDatabase(missing)
        store = Store.open(env.database_url)
        try:
            store.sync_feeds(feed_specs(config), utc_now())
        except StoreError as exc:
            if exc.fault != "read-only":
                store.close()
                raise
            # Reading a read-only archive (a backup, a mounted snapshot) still works; only
            # feeds.yaml's changes since its last write are not in it.
            log.warning("%s: feeds.yaml's changes are not applied to a read-only database", exc)
        return cls(env, config, store)

    def close(self) -> None:
        self.store.close()

    def select_feeds(self, *, all_feeds: bool = False, name: str | None = None) -> list[FeedState]:
        """Due feeds by default; every enabled feed with all_feeds; one feed by name."""
        states = self.store.feed_states(
            due_at=None if all_feeds or name else utc_now(), with_counts=False
        )
        if name is not None:
            return [f for f in states if f.name.casefold() == name.casefold()]
        return [f for f in states if f.enabled]

    async def poll(
        self,
        feeds: list[FeedState],
        on_feed_done: Callable[[FeedOutcome], None] | None = None,
    ) -> PollSummary:
        """One poll cycle: in this process, or across worker processes when it is big.

        Skipped, with the reason in the summary, while another process polls this database.
        """
        with self.store.cycle_lock() as ours:
            if not ours:
                log.warning("another poll cycle is running on this database; this one is skipped")
                return PollSummary(skipped="another poll cycle is running on this database")
            return await self._poll(feeds, on_feed_done)

    async def _poll(self, feeds, on_feed_done) -> PollSummary:
        workers = worker_count(self.config.settings.poll_workers, len(feeds))
        matcher = MatcherOnFirstUse(lambda: self.matcher)  # unchanged feeds need none
        if workers == 1:
            async with Fetcher(fetch_limits(self.config)) as fetcher:
                return await poll_cycle(
                    feeds,
                    fetcher,
                    self.store,
                    poll_policy(self.config),
                    matcher,
                    on_feed_done=on_feed_done,
                )
        started = utc_now()
        outcomes = await asyncio.to_thread(
            poll_in_processes,
            shard_by_host(feeds, workers),
            store=self.store,
            limits=fetch_limits(self.config),
            policy=poll_policy(self.config),
            matcher=matcher,
            on_feed_done=on_feed_done,
        )
        finished = utc_now()
        summary = PollSummary(outcomes, (finished - started).total_seconds())
        self.store.record_cycle(started, finished, summary.as_dict())
        return summary

    def tick_seconds(self) -> float:
        """How often the service looks for due feeds: the shortest interval configured."""
        intervals = [f.interval for f in self.config.feeds if f.interval]
        return min([self.config.settings.poll_interval, *intervals])

    @cached_property
    def chat_plans(self):
        """feeds.yaml's chats with what they changed from Telegram (bot/pipeline/digests.py)."""
        from bot.pipeline.digests import chat_plans  # the chat side on first use (module doc)

        return chat_plans(
            self.config, self.store.chat_settings(), console=not self.env.telegram_token
        )

    @contextlib.asynccontextmanager
    async def open_sender(self, stream=None):
        """Telegram when a token is set; otherwise the console (`stream`, default stdout)."""
        # the chat side on first use (module doc)
        from bot.chat.flood import REPLY_LIMITS
        from bot.delivery.console import ConsoleSender
        from bot.delivery.telegram import TelegramSender

        if self.env.telegram_token:
            async with TelegramSender(
                self.env.telegram_token,
                base_url=self.env.telegram_api_base_url,
                limits=REPLY_LIMITS,  # its limiter paces chat replies too (bot/chat/flood.py)
            ) as sender:
                yield sender
        else:
            yield ConsoleSender(stream or sys.stdout)

    async def send_digest(self, plan) -> None:
        """The scheduled digest of one chat (also the catch-up of a missed one). On a shared
        store the period is claimed: one delivery per chat and period, whichever process
        runs the job."""
        from bot.pipeline.digests import digest_chat  # the chat side on first use (module doc)

        async with self.job(f"{plan.name}: the digest"):
            now = utc_now()
            key = self._digest_period(plan, now)
            if key is not None and not self.store.claim(key, self.owner, now, DIGEST_LEASE):
                log.info("%s: this period's digest is another process's", plan.name)
                return
            done = None
            try:
                await digest_chat(
                    self.store, self.sender, plan, now=now, since=self._digest_since(plan),
                    max_items=self.config.settings.digest_items,
                )  # fmt: skip
                done = utc_now()
            except Exception:  # a digest job must never take the service down
                log.exception(
                    "%s: the digest failed; its articles wait for the next one", plan.name
                )
            finally:
                if key is not None:
                    self.store.release(key, self.owner, done_at=done)

    def _digest_period(self, plan, now) -> str | None:
        """The claim of this digest's period on a shared store (None: the service is
        alone): the chat and its last scheduled time, the same in every process."""
        if self.owner is None:
            return None
        from bot.digest.schedule import latest_digest  # the chat side on first use (module doc)

        period = latest_digest(plan.schedule, plan.timezone, now) or now
        return f"digest:{plan.key}:{period.isoformat()}"

    def _digest_since(self, plan):
        """Where the digest starts (None: its last one). On a shared store a little before
        it: a worker's write can land after another process's digest took its time."""
        if self.owner is None:
            return None
        last = self.store.chat_state(plan.key).last_digest_at
        return last - self.lookback if last is not None else None

    @property
    def lookback(self) -> timedelta:
        """How late a worker's write can land after its fetch: its feed's lease, and a
        minute. Digests and alerts look this far back (never giving an article twice)."""
        return timedelta(seconds=self.config.settings.feed_lease + 60)

    async def after_poll(self) -> None:
        """Alerts for what the cycle found, then whatever else waits in the outbox."""
        # the chat side on first use (module doc)
        from bot.pipeline.digests import alert_pass, spike_pass

        lookback = self.lookback if self.owner is not None else timedelta(0)
        try:
            await alert_pass(
                self.store, self.sender, self.chat_plans, now=utc_now(),
                max_items=self.config.settings.digest_items, owner=self.owner,
                lookback=lookback,
            )  # fmt: skip
        except Exception:
            log.exception("the alert pass failed; its articles wait for the next one")
        try:
            await spike_pass(
                self.store, self.sender, self.chat_plans, now=utc_now(), owner=self.owner
            )
        except Exception:
            log.exception("the spike pass failed; spikes are looked for again after the next poll")

    async def flush_outbox(self) -> None:
        """Retry what waits in the outbox (an outage, an unreachable chat)."""
        from bot.delivery.outbox import flush  # the chat side on first use (module doc)

        async with self.job("sending the outbox"):
            try:
                report = await flush(self.store, self.sender, owner=self.owner)
            except Exception:
                log.exception("sending the outbox failed; it is retried in a minute")
                return
            if report.sent:
                log.info("outbox: %d waiting messages sent", report.sent)

    @contextlib.asynccontextmanager
    async def job(self, what: str):
        """A scheduled job's run: at SIGTERM the service waits for it (up to a minute)
        before stopping; one still running then is cancelled with one line, no traceback."""
        task = asyncio.current_task()
        self.jobs.add(task)
        try:
            yield
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            log.warning("stopping: %s did not finish in %ds and was cut short",
                        what, STOP_GRACE_SECONDS)  # fmt: skip
        finally:
            self.jobs.discard(task)

    async def serve(self, stop: asyncio.Event | None = None) -> None:
        """The service: poll on schedule until SIGTERM/SIGINT (or `stop`) asks it to end.

        On SQLite one per database: a second is refused (AnotherService) before it starts
        anything. On PostgreSQL any number, each with its role: feeds are leased to one
        worker, a chat's alerts, digest and outbox claimed by one process, getUpdates
        polled by one (bot/store/leases.py)."""
        alone = contextlib.nullcontext() if self.store.shared else self.store.service_lock()
        with alone as holder:
            if holder is not None:
                raise AnotherService(holder)
            self.process = self._process_row()
            self.beat()
            async with self.open_sender() as sender:
                self.sender = sender
                try:
                    await self._serve(stop)
                finally:
                    self.sender = None
                    self.beat(stopped=True)

    def _process_row(self) -> ProcessRow:
        now = utc_now()
        host, pid = socket.gethostname(), os.getpid()
        return ProcessRow(
            id=f"{host}:{pid}:{now:%Y%m%dT%H%M%S}", role=self.role, host=host, pid=pid,
            started_at=now, seen_at=now, last_poll_at=None, stopped_at=None,
        )  # fmt: skip

    def beat(self, *, stopped: bool = False, polled: bool = False) -> None:
        """This process's heartbeat row: `feeds`, `stats` and `health` read who runs."""
        if self.process is None:
            return
        now = utc_now()
        changes = {"seen_at": now, "chat": self.chat.state.as_dict() if self.chat else None}
        if stopped:
            changes["stopped_at"] = now
        if polled:
            changes["last_poll_at"] = now
        self.process = replace(self.process, **changes)
        try:
            self.store.heartbeat(self.process)
        except Exception as exc:  # a heartbeat is information; the service goes on
            log.warning("could not write this process's heartbeat (%s)", exc)

    async def _serve(self, stop: asyncio.Event | None) -> None:
        # the chat side on first use (module doc)
        from bot.delivery.outbox import CONSOLE_CHAT
        from bot.pipeline.digests import prepare_chats
        from bot.scheduler import build_scheduler

        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Outside the main thread (tests) there are no signals: the caller sets `stop`.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        if not self.env.telegram_token:
            log.warning(
                "TELEGRAM_BOT_TOKEN is not set: digests will be printed to the console "
                "until a token is set"
            )
            console = next((p for p in self.chat_plans if p.chat == CONSOLE_CHAT), None)
            if console is not None:
                log.warning(
                    "feeds.yaml has no chats: the console receives every topic (%s), "
                    "its digest at %s (%s) and alerts after each poll; "
                    "`python -m bot digest` prints it now",
                    ", ".join(title for _, title in console.topics) or "none",
                    console.schedule, console.timezone,
                )  # fmt: skip
        prepare_chats(self.store, self.chat_plans, utc_now())
        self.stopping = False
        scheduler = self.scheduler = build_scheduler(self, self.config.settings.timezone)
        scheduler.start()
        starting = self._start_chat()
        if self.polls:
            log.info(
                "bot running%s: %d feeds, looking for due feeds every %ds; Ctrl-C to stop",
                f" (role {self.role})" if self.role != "all" else "",
                len(self.config.feeds),
                self.tick_seconds(),
            )
        else:
            log.info("bot running (role %s): chat commands only; Ctrl-C to stop", self.role)
        try:
            await stop.wait()
        finally:
            self.stopping = True
            log.info("stopping")
            scheduler.pause()  # no job starts from now on; running ones go on
            if starting is not None:
                starting.cancel()  # still retrying: nothing to wait for
                await asyncio.gather(starting, return_exceptions=True)
            last = self.chat.state if self.chat is not None else None
            if self.chat is not None:
                await self.chat.stop()  # its running handlers finish first
                self.chat = None
            self._release_telegram()  # a standby may take over now
            await self._finish_jobs()
            scheduler.shutdown(wait=False)
            self.scheduler = None
            self.write_state(last, stopped=True)
            log.info("stopped")

    async def _finish_jobs(self) -> None:
        """Wait for the jobs running now (a poll commits feed by feed; a digest marks what
        it sent), up to STOP_GRACE_SECONDS; then cancel what is left (App.job says so)."""
        running = [task for task in self.jobs if not task.done()]
        if not running:
            return
        log.info("stopping: letting the running poll or digest finish (up to %ds)",
                 STOP_GRACE_SECONDS)  # fmt: skip
        _, late = await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    def _start_chat(self) -> asyncio.Task | None:
        """The chat commands (bot/chat/), when there is a token: the PTB Application that
        long-polls getUpdates, started in the background and retried until Telegram
        answers (bot.chat.service.ChatSide); polls and digests never wait for it."""
        if not self.chats:
            return None  # a worker: another process answers the chats
        # the chat side on first use (module doc)
        from bot.chat.service import ChatSide, ChatSideState, build_application

        if not self.env.telegram_token:
            self.write_state(ChatSideState("off", utc_now()))
            return None

        token = self.env.telegram_token
        self.chat = ChatSide(
            lambda: build_application(
                self.chat_service(),
                token,
                self.env.telegram_api_base_url,
                self.chat_polling,
                limiter=getattr(self.sender, "limiter", None),  # digests and replies share it
            ),
            token,
            self.chat_polling,
            report=self.write_state,
        )
        task = asyncio.create_task(self._run_chat(), name="chat: start")
        task.add_done_callback(_say_why_it_ended)
        return task

    async def _run_chat(self) -> None:
        """Telegram lets one process long-poll a token's updates: on a shared store this
        one waits for the lock first, a standby that takes over (within
        HEARTBEAT_SECONDS) when the process holding it stops or dies."""
        from bot.chat.service import ChatSideState  # the chat side on first use (module doc)

        told = False
        while (lock := await asyncio.to_thread(self.store.session_lock, TELEGRAM_LOCK)) is None:
            if not told:
                log.info("chat commands: another process polls Telegram; standing by")
                self.chat.set_state(ChatSideState("standby", utc_now()))
                told = True
            await asyncio.sleep(HEARTBEAT_SECONDS / 3)
        self.telegram_lock = lock
        if told:
            log.info("chat commands: taking over from the process that polled Telegram")
        await self.chat.run()

    def _release_telegram(self) -> None:
        lock, self.telegram_lock = self.telegram_lock, None
        if lock is not None:
            lock.close()

    def write_state(self, chat: ChatSideState | None, *, stopped: bool = False) -> None:
        """`<database>.service-state.json` for `health`, which runs as another process:
        who the service is and its chat side's state. Written whole (a temporary file
        renamed over it), so a reader never sees half of it."""
        if self.store.shared:  # several processes: each tells it in its heartbeat row
            self.beat()
            return
        path = service_state_path(self.env.database_url)
        if path is None:
            return
        if chat is None and self.chat is not None:
            chat = self.chat.state
        state = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "updated_at": utc_now().isoformat(),
            "stopped": stopped,
            "chat": chat.as_dict() if chat else None,
        }
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:  # health then says less; the service goes on
            log.warning("could not write %s (%s)", path, exc)

    def chat_service(self) -> ChatService:
        """What the chat handlers need, and nothing of the App beyond it."""
        from bot.chat.service import ChatService  # the chat side on first use (module doc)

        return ChatService(
            self.store,
            self.config,
            fetch_limits=fetch_limits(self.config),
            plans=lambda: self.chat_plans,
            matcher=lambda: self.matcher,
            sender=lambda: self.sender,
            refresh=self.refresh_chats,
            chat_state=lambda: self.chat.state if self.chat else None,
        )

    async def prune(self) -> int:
        """The daily retention job: delete articles older than settings.retention_days
        (on a shared store, by one process a day)."""
        days = self.config.settings.retention_days
        now = utc_now()
        before = now - timedelta(days=days)
        async with self.job("the prune"):
            if self.owner is not None:
                key = f"prune:{now:%Y-%m-%d}"
                if not self.store.claim(key, self.owner, now, DIGEST_LEASE):
                    return 0
                self.store.prune_claims(now)
            deleted = await asyncio.to_thread(self.store.prune, before)
            if self.owner is not None:
                self.store.release(key, self.owner, done_at=utc_now())
            log.info("prune: %d articles older than %d days deleted", deleted, days)
            return deleted

    async def poll_due(self) -> PollSummary | None:
        """The scheduled job: one cycle over the due feeds, then the alerts it raised
        (None: cut short by the shutdown)."""
        async with self.job("the poll cycle"):
            return await self._poll_due()

    async def _poll_due(self) -> PollSummary:
        async with self.cycle_lock:
            if self.owner is not None:
                self._follow_chats()
                summary = await self.poll_leased()
            else:
                summary = await self.poll(self.select_feeds())
            self.beat(polled=True)
            if self.sender is not None and any(p.topics for p in self.chat_plans):
                await self.after_poll()
        if summary.outcomes:
            d = summary.as_dict()
            log.info(
                "poll cycle: %d feeds, %d ok, %d not modified, %d failed, %d new, %.1fs",
                d["feeds"], d["ok"], d["not_modified"], d["failed"], d["new"], d["seconds"],
            )  # fmt: skip
            # Once per cycle: an outage is one line here, not a guess from N feed errors.
            if hint := offline_hint([o.error for o in summary.outcomes]):
                log.warning("poll cycle: %s", hint)
        return summary

    def lease_due(self) -> list[FeedState]:
        """Every due feed no worker holds, leased to this process (`poll` on a shared
        store): polled here once, not also by a worker."""
        if self.process is None:
            self.process = replace(self._process_row(), role="poll")
        lease = timedelta(seconds=self.config.settings.feed_lease)
        return self.store.claim_due_feeds(self.owner, utc_now(), lease, limit=1_000_000)

    async def poll_leased(self) -> PollSummary:
        """One cycle on a shared store: due feeds claimed a batch at a time, each leased
        to this process (settings.feed_lease), until none is due; every worker does the
        same, so each due feed is polled once, by whichever worker claimed it."""
        lease = timedelta(seconds=self.config.settings.feed_lease)
        batch = self.config.settings.max_concurrency * LEASED_PER_CONNECTION
        started = utc_now()
        outcomes: list[FeedOutcome] = []
        async with Fetcher(fetch_limits(self.config)) as fetcher:
            while not self.stopping:
                feeds = await asyncio.to_thread(
                    self.store.claim_due_feeds, self.owner, utc_now(), lease, batch
                )
                if not feeds:
                    break
                outcomes += await poll_feeds(
                    feeds, fetcher, self.store, poll_policy(self.config), self.matcher
                )
        finished = utc_now()
        summary = PollSummary(outcomes, (finished - started).total_seconds())
        if outcomes:
            self.store.record_cycle(started, finished, summary.as_dict())
        return summary

    def _follow_chats(self) -> None:
        """Chats change their topics and watches through the process that answers them:
        a worker picks the changes up from the store before each cycle."""
        settings = self.store.chat_settings()
        if settings != self._chat_settings_seen:
            if self._chat_settings_seen is not None:
                self.refresh_chats()
            self._chat_settings_seen = settings


def _say_why_it_ended(task: asyncio.Task) -> None:
    """A background task that failed says so at once (nobody awaits it until the stop)."""
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("%s failed: %s", task.get_name(), exc, exc_info=exc)
