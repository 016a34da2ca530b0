"""One chat's digest or alert, end to end: candidates → compose → render → outbox → send.

pipeline.py does this for a feed; here it is done for a chat. The outbox is written
before anything is sent (bot/delivery/outbox.py sends it), together with the chat's new
state, so a crash at any point neither loses an article nor gives it to a chat twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import BotConfig
from bot.delivery.outbox import FlushReport, Sender, chat_key, flush
from bot.digest.compose import compose
from bot.digest.model import Digest
from bot.digest.render import render
from bot.store import Store

FIRST_DIGEST_WINDOW = timedelta(hours=24)
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


def chat_plans(config: BotConfig) -> list[ChatPlan]:
    titles = {key: topic.title for key, topic in config.topics.items()}
    plans = []
    for chat in config.chats:
        topic_ids = chat.topics or list(config.topics)
        alert_ids = [t for t in topic_ids if config.topics[t].alert]
        alert_ids += [t for t in chat.alerts if t not in alert_ids]
        plans.append(
            ChatPlan(
                key=chat_key(chat.id, chat.thread),
                chat=chat.id,
                thread=chat.thread,
                name=chat.name,
                topics=tuple((t, titles[t]) for t in topic_ids),
                alert_topics=tuple((t, titles[t]) for t in alert_ids),
                timezone=chat.timezone or config.settings.timezone,
                schedule=chat.digest,
                quiet=chat.quiet,
            )
        )
    return plans


def prepare_chats(store: Store, plans: list[ChatPlan], now: datetime) -> None:
    """First sight of a chat: alerts start now (not with the whole archive)."""
    for plan in plans:
        if store.chat_state(plan.key).alerts_since is None:
            store.update_chat(plan.key, alerts_since=now)


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
    digest = compose_for(store, plan, kind="digest", now=now, since=start, max_items=max_items)
    parts = render(digest)
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
    store: Store, sender: Sender | None, plans: list[ChatPlan], *, now: datetime, max_items: int
) -> FlushReport:
    """After a poll: for each chat with alert topics, one message with everything new
    on them (several hits in one cycle make one alert), then send what is pending."""
    for plan in plans:
        if not plan.alert_topics:
            continue
        since = store.chat_state(plan.key).alerts_since or now
        digest = compose_for(store, plan, kind="alert", now=now, since=since, max_items=max_items)
        if digest.empty:
            store.update_chat(plan.key, alerts_since=now)
            continue
        parts = render(digest)
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
    if sender is None:
        return FlushReport()
    return await flush(store, sender)
