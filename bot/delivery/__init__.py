"""Delivery: where rendered messages go (Telegram, or the console without a token).

Both senders have the shape of `Sender`, so the outbox does not know which it drives.
"""

from __future__ import annotations

from typing import Protocol

ChatId = int | str  # a numeric chat id, or "@channelname" for a public channel


class Sender(Protocol):
    """Sends one rendered part and returns its message id; raises bot.errors.DeliveryError."""

    async def send_html(
        self, chat: ChatId, html: str, *, thread: int | None = None, preview: bool = False
    ) -> int: ...

    async def send_photo(
        self, chat: ChatId, png: bytes, caption_html: str, *, thread: int | None = None
    ) -> int: ...
