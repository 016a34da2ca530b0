"""Sending what the outbox holds, part by part, recording each part the moment it is sent.

A delivery is written whole before the first part goes (bot/store/outbox_rows.py). Here
each pending part is sent and immediately marked sent with its message id, so a crash
repeats at most the one part that was in flight. A part Telegram refuses is recorded with
the reason and the others still go; a chat that cannot be reached is marked and left
pending (its parts go once it can be reached again); an outage leaves everything
pending for the next flush. Parts of one chat go in order; chats go side by side.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.delivery import Sender
from bot.errors import ChatUnreachable, DeliveryError, DeliveryUnavailable, MessageRefused
from bot.store import PendingPart, Store

log = logging.getLogger("bot.delivery")


@dataclass
class FlushReport:
    """What one flush did; `problems` are one line each, fit for a log or a terminal."""

    sent: int = 0
    refused: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: FlushReport) -> None:
        self.sent += other.sent
        self.refused += other.refused
        self.pending += other.pending
        self.problems += other.problems


def chat_key(chat: int | str, thread: int | None = None) -> str:
    """How the store names a chat (and a forum thread of it): '-100123', '@news', '-100123/7'."""
    return f"{chat}/{thread}" if thread is not None else str(chat)


OUTBOX_CLAIM = timedelta(minutes=2)  # a chat's parts, sent by one process at a time
CONSOLE_CHAT = "@console"  # the built-in chat of a bot without a token and without chats


def telegram_chat(key: str) -> int | str:
    """The chat id to give Telegram for a stored key."""
    chat = key.split("/", 1)[0]
    return chat if chat.startswith("@") else int(chat)


async def flush(
    store: Store,
    sender: Sender,
    *,
    chat: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    owner: str | None = None,
) -> FlushReport:
    """Send every pending part (of one chat, or of all); never raises for Telegram's sake.

    owner: this process on a store several processes share: each chat's parts are sent
    under a claim, so no part is sent by two senders."""
    by_chat: dict[str, list[PendingPart]] = {}
    console = getattr(sender, "is_console", False)
    for part in store.pending_parts(chat):
        if part.chat.split("/", 1)[0] == CONSOLE_CHAT and not console:
            continue  # written for the console before a token was set: never to Telegram
        by_chat.setdefault(part.chat, []).append(part)
    report = FlushReport()
    results = await asyncio.gather(
        *(_claimed_chat(store, sender, key, parts, now, owner) for key, parts in by_chat.items())
    )
    for result in results:
        report.add(result)
    return report


async def _claimed_chat(
    store: Store, sender: Sender, key: str, parts: list[PendingPart], now, owner: str | None
) -> FlushReport:
    if owner is None:
        return await _flush_chat(store, sender, key, parts, now)
    with store.claimed(f"outbox:{key}", owner, now(), OUTBOX_CLAIM) as ours:
        if not ours:
            return FlushReport()  # another process is sending this chat's parts
        # Read again under the claim: the process that held it may have sent some.
        return await _flush_chat(store, sender, key, store.pending_parts(key), now)


async def _flush_chat(
    store: Store, sender: Sender, key: str, parts: list[PendingPart], now
) -> FlushReport:
    report = FlushReport()
    for index, part in enumerate(parts):
        try:
            message_id = await sender.send_html(
                telegram_chat(key), part.html, thread=part.thread, preview=part.preview
            )
        except MessageRefused as exc:
            store.settle_part(part, status="refused", error=str(exc), now=now())
            report.refused += 1
            report.problems.append(f"{key}: {part.kind} part {part.seq + 1} refused: {exc}")
            log.error("%s: %s part %d refused: %s", key, part.kind, part.seq + 1, exc)
            continue
        except ChatUnreachable as exc:
            store.settle_part(part, status="pending", error=str(exc), now=now())
            store.update_chat(key, unreachable=str(exc), unreachable_at=now())
            report.pending += len(parts) - index
            report.problems.append(f"{key}: chat unreachable: {exc}")
            log.error("%s: chat unreachable, its messages wait: %s", key, exc)
            return report
        except DeliveryError as exc:  # unavailable, or a refused token: wait, retry later
            store.settle_part(part, status="pending", error=str(exc), now=now())
            report.pending += len(parts) - index
            report.problems.append(f"{key}: not sent yet: {exc}")
            level = logging.WARNING if isinstance(exc, DeliveryUnavailable) else logging.ERROR
            log.log(level, "%s: not sent, will retry: %s", key, exc)
            return report
        store.settle_part(part, status="sent", message_id=message_id, now=now())
        report.sent += 1
        if index == 0 and store.chat_state(key).unreachable:
            store.update_chat(key, unreachable=None, unreachable_at=None)
    return report
