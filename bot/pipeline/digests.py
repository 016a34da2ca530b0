"""One chat's digest or alert, end to end: candidates → compose → render → outbox → send.

pipeline.py does this for a feed; here it is done for a chat. The outbox is written
before anything is sent (bot/delivery/outbox.py sends it), together with the chat's new
state, so a crash at any point neither loses an article nor gives it to a chat twice.

These run on the service's event loop, which also answers chats: the CPU part (reading
the candidates, grouping and ranking thousands of them, rendering) runs in a worker
thread (`_compose_and_render`), as search's does; the store's writes and the sends stay
where they were. A thread, not a process: the GIL is handed back to the loop every few
milliseconds, which is all a chat command needs, and nothing is copied between processes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import BotConfig
from bot.delivery.outbox import CONSOLE_CHAT, FlushReport, Sender, chat_key, flush
from bot.digest.compose import compose, news_only
from bot.digest.model import Digest
from bot.digest.render import render, render_spike
from bot.digest.spikes import HISTORY_DAYS, daily_counts, history_days, spike
from bot.store import ChatSettings, Store

FIRST_DIGEST_WINDOW = timedelta(hours=24)
ALERT_CLAIM = timedelta(minutes=2)  # one process composes a chat's alert at a time
DEFAULT_SCHEDULE = "08:00"  # chats approved from Telegram (feeds.yaml chats set their own)
log = logging.getLogger("bot.digest")


@dataclass(frozen=True)
class ChatPlan:
    """A chat of feeds.yaml, resolved: topic titles, alert topics, its time zone."""

    key: str  # the store's name for the chat (and thread)
    chat: int | str
    thread: int | None
    name: str
    topics: tuple[tuple[str, str], ...]  # (id, title), in the chat's order
    alert_topics: tuple[tuple[str, str], ...]
    timezone: str
    schedule: str
    quiet: bool
    own_schedule: bool = False  # schedule or time zone set from the chat (/schedule, /timezone)


@dataclass
class DigestOutcome:
    """What `digest_chat` did: the parts (sent, or only shown with dry_run) and how sending went."""

    plan: ChatPlan
    digest: Digest
    parts: list[str]
    delivery_id: int | None = None
    report: FlushReport = field(default_factory=FlushReport)

    @property
    def skipped(self) -> bool:
        """Nothing was written: an empty digest in a quiet chat, or a dry run."""
        return self.delivery_id is None


def chat_plans(
    config: BotConfig, settings: ChatSettings | None = None, *, console: bool = False
) -> list[ChatPlan]:
    """The chats of feeds.yaml, with what each changed from Telegram (subscriptions,
    watches, schedule), then the chats an admin approved from Telegram that receive something.

    With `console` (no bot token) and no chat at all, the console is the one chat: it
    receives every topic, so a new installation shows its digests and alerts at once."""
    settings = settings or ChatSettings()
    if console and not config.chats and not settings.approved:
        return [console_plan(config)]
    plans = []
    for chat in config.chats:
        topic_ids = chat.topics or list(config.topics)
        alert_ids = [t for t in topic_ids if config.topics[t].alert]
        alert_ids += [t for t in chat.alerts if t not in alert_ids]
        plans.append(
            _plan(
                config, settings, chat.id, chat.thread, chat.name, topic_ids, alert_ids,
                timezone=chat.timezone, schedule=chat.digest, quiet=chat.quiet,
            )
        )  # fmt: skip
    configured = {str(chat.id) for chat in config.chats}
    for chat, name in settings.approved.items():
        if chat in configured:
            continue
        plan = _plan(config, settings, _chat_id(chat), None, name or chat, [], [])
        if plan.topics:  # an approved chat that subscribed to nothing gets no digest
            plans.append(plan)
    return plans


def console_plan(config: BotConfig) -> ChatPlan:
    """The built-in console chat: every topic, alerts for the alert topics, the digest at
    DEFAULT_SCHEDULE in settings.timezone."""
    topic_ids = list(config.topics)
    alert_ids = [t for t in topic_ids if config.topics[t].alert]
    return _plan(config, ChatSettings(), CONSOLE_CHAT, None, "Console", topic_ids, alert_ids)


def _plan(config, settings, chat_id, thread, name, topic_ids, alert_ids, **schedule) -> ChatPlan:
    titles = {key: topic.title for key, topic in config.topics.items()}
    topic_ids, alert_ids = list(topic_ids), list(alert_ids)
    for topic, choice in settings.choices.get(str(chat_id), {}).items():
        if topic not in titles:
            continue  # a topic since removed from feeds.yaml
        if choice.digest and topic not in topic_ids:
            topic_ids.append(topic)
        if not choice.digest and topic in topic_ids:
            topic_ids.remove(topic)
        if choice.alerts and choice.digest and topic not in alert_ids:
            alert_ids.append(topic)
        if not (choice.alerts and choice.digest) and topic in alert_ids:
            alert_ids.remove(topic)
    topics = [(t, titles[t]) for t in topic_ids]
    alerts = [(t, titles[t]) for t in alert_ids]
    for watch in settings.watches_of(str(chat_id)):
        topics.append((watch.topic_id, watch.name))
        if watch.alerts:
            alerts.append((watch.topic_id, watch.name))
    own = settings.schedules.get(str(chat_id))
    if own and own.schedule:
        schedule["schedule"] = own.schedule
    if own and own.timezone:
        schedule["timezone"] = own.timezone
    return ChatPlan(
        key=chat_key(chat_id, thread),
        chat=chat_id,
        thread=thread,
        name=name,
        topics=tuple(topics),
        alert_topics=tuple(alerts),
        timezone=schedule.get("timezone") or config.settings.timezone,
        schedule=schedule.get("schedule") or DEFAULT_SCHEDULE,
        quiet=schedule.get("quiet", False),
        own_schedule=own is not None,
    )


def _chat_id(text: str) -> int | str:
    return int(text) if text.lstrip("-").isdigit() else text


def prepare_chats(store: Store, plans: list[ChatPlan], now: datetime) -> None:
    """First sight of a chat: alerts start now (not with the whole archive), and what was
    published before it is the digest's."""
    for plan in plans:
        if store.chat_state(plan.key).alerts_since is None:
            store.update_chat(plan.key, alerts_since=now, first_seen_at=now)


def compose_for(
    store: Store,
    plan: ChatPlan,
    *,
    kind: str,
    now: datetime,
    since: datetime,
    max_items: int,
) -> Digest:
    topics = plan.topics if kind == "digest" else plan.alert_topics
    candidates = store.digest_candidates(plan.key, [t for t, _ in topics], since)
    if kind == "alert":
        first_seen = store.chat_state(plan.key).first_seen_at
        candidates = news_only(
            candidates, not_before=first_seen or datetime.min.replace(tzinfo=UTC)
        )
    return compose(
        candidates,
        kind=kind,
        chat_name=plan.name,
        topics=topics,
        timezone=plan.timezone,
        now=now,
        since=since,
        max_items=max_items,
    )


def _compose_and_render(store: Store, plan: ChatPlan, **options) -> tuple[Digest, list[str]]:
    """compose_for and render: what a digest costs in CPU, for a worker thread."""
    digest = compose_for(store, plan, **options)
    return digest, render(digest)


async def _composed(store: Store, plan: ChatPlan, **options) -> tuple[Digest, list[str]]:
    """The digest or alert and its parts, built off the event loop."""
    return await asyncio.to_thread(_compose_and_render, store, plan, **options)


async def digest_chat(
    store: Store,
    sender: Sender | None,
    plan: ChatPlan,
    *,
    now: datetime,
    since: datetime | None = None,
    max_items: int = 10,
    dry_run: bool = False,
) -> DigestOutcome:
    """Compose the chat's digest, write it to the outbox and send it (sender None: write
    only). Parts left over from an earlier digest go first. dry_run changes nothing."""
    report = FlushReport()
    if sender is not None and not dry_run:
        report = await flush(store, sender, chat=plan.key)
    state = store.chat_state(plan.key)
    start = since or state.last_digest_at or now - FIRST_DIGEST_WINDOW
    digest, parts = await _composed(
        store, plan, kind="digest", now=now, since=start, max_items=max_items
    )
    outcome = DigestOutcome(plan, digest, parts, report=report)
    if dry_run:
        return outcome
    if digest.empty and plan.quiet:
        store.update_chat(plan.key, last_digest_at=now)
        log.info("%s: no new coverage; quiet chat, nothing sent", plan.name)
        return outcome
    outcome.delivery_id = store.enqueue(
        chat=plan.key,
        kind="digest",
        thread=plan.thread,
        preview=False,
        created=now,
        since=start,
        parts=parts,
        article_ids=sorted(digest.article_ids),
        chat_values={"last_digest_at": now},
    )
    if sender is not None:
        outcome.report.add(await flush(store, sender, chat=plan.key))
    log.info(
        "%s: digest of %d stories in %d parts (%d sent, %d pending, %d refused)",
        plan.name, sum(s.stories for s in digest.sections), len(parts),
        outcome.report.sent, outcome.report.pending, outcome.report.refused,
    )  # fmt: skip
    return outcome


async def alert_pass(
    store: Store,
    sender: Sender | None,
    plans: list[ChatPlan],
    *,
    now: datetime,
    max_items: int,
    owner: str | None = None,
    lookback: timedelta = timedelta(0),
) -> FlushReport:
    """After a poll: for each chat with alert topics, one message with everything new
    on them (several hits in one cycle make one alert), then send what is pending.

    owner: this process on a store several processes share: a chat's pass is claimed, so
    an article raises one alert in a chat, whichever worker stored it. lookback: how far
    before the last pass to look again, for a worker's write that landed after another
    worker's pass (what a chat was given is never given again: digest_candidates)."""
    for plan in plans:
        if not plan.alert_topics:
            continue
        with store.claimed(f"alerts:{plan.key}", owner, now, ALERT_CLAIM) as ours:
            if ours:
                await _alert_chat(store, plan, now=now, max_items=max_items, lookback=lookback)
    if sender is None:
        return FlushReport()
    return await flush(store, sender, owner=owner)


async def _alert_chat(
    store: Store, plan: ChatPlan, *, now: datetime, max_items: int, lookback: timedelta
) -> None:
    """One chat's alert of what is new since its last, written to the outbox."""
    since = (store.chat_state(plan.key).alerts_since or now) - lookback
    digest, parts = await _composed(
        store, plan, kind="alert", now=now, since=since, max_items=max_items
    )
    if digest.empty:
        store.update_chat(plan.key, alerts_since=now)
        return
    single = len(digest.article_ids) == 1
    store.enqueue(
        chat=plan.key,
        kind="alert",
        thread=plan.thread,
        preview=single,  # one story: its link preview helps; several: clutter
        created=now,
        since=since,
        parts=parts,
        article_ids=sorted(digest.article_ids),
        chat_values={"alerts_since": now},
    )


async def spike_pass(
    store: Store,
    sender: Sender | None,
    plans: list[ChatPlan],
    *,
    now: datetime,
    owner: str | None = None,
) -> int:
    """After a poll: each topic whose day is well above its recent normal
    (bot/digest/spikes.py) gets one spike alert, that day, in each chat that receives
    it (owner: see alert_pass). Returns how many were written."""
    first_poll = store.first_poll()
    written = 0
    counts: dict[tuple[str, str], object] = {}  # (topic, tz) → Spike | None
    for plan in plans:
        today = now.astimezone(ZoneInfo(plan.timezone)).date()
        for topic, title in plan.topics:
            key = (topic, plan.timezone)
            if key not in counts:
                since = now - timedelta(days=HISTORY_DAYS + 2)
                days = daily_counts(
                    store.topic_times(topic, since), plan.timezone, today, HISTORY_DAYS + 1
                )
                counts[key] = spike(days, today, history_days(first_poll, plan.timezone, today))
            found = counts[key]
            if found is None:
                continue
            with store.claimed(f"spikes:{plan.key}", owner, now, ALERT_CLAIM) as ours:
                if not ours or store.spike_sent(plan.key, topic, today.isoformat()):
                    continue
                start = datetime.combine(today, time(), ZoneInfo(plan.timezone))
                html = render_spike(title, found, store.topic_top(topic, start))
                store.enqueue_spike(
                    topic, today.isoformat(), found.count,
                    chat=plan.key, kind="spike", thread=plan.thread, preview=False,
                    created=now, since=start, parts=[html], article_ids=[],
                )  # fmt: skip
                written += 1
    if written and sender is not None:
        await flush(store, sender, owner=owner)
    return written
