"""Chat replies within Telegram's flood limits: python-telegram-bot's rate-limiter hook
around the delivery limiter (bot/delivery/ratelimit.py).

The decision: replies share one limiter with digests and alerts (App.serve passes the
sender's), because Telegram counts a bot's messages together: at most 20 a minute in a
group and 30 a second overall. In one chat, 1 a second sustained is Telegram's advice,
but a person who sends three commands in a row should get three quick answers, so a chat
may get a burst of REPLY_BURST replies, then one a second (Telegram tolerates short
bursts; its 429s come from sustained rates). Digest parts keep one a second in a chat,
and every message counts against both paces. Only messages are paced (send*, edit*,
copy*, forward*): answering a button press, getUpdates and getChatAdministrators are not.

A 429 (RetryAfter) on a reply is honoured once: the chat is paused for Telegram's wait
and the request is tried again; a second 429, or a wait over MAX_WAIT, raises as before
(the error handler logs it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.ratelimit import RateLimiter, RateLimits
from bot.delivery.telegram import flood_wait

REPLY_BURST = 3
REPLY_LIMITS = RateLimits(per_chat_burst=REPLY_BURST)  # 1/s sustained, 20/min a group, 30/s
MAX_WAIT = 30.0  # a person waiting for an answer: longer than this is an error
PACED = ("send", "edit", "copy", "forward")
log = logging.getLogger("bot.chat")


class ReplyLimiter(BaseRateLimiter[None]):
    """PTB's hook: every paced request waits for the limiter; one RetryAfter is retried."""

    def __init__(self, limiter: RateLimiter | None = None):
        self.limiter = limiter or RateLimiter(REPLY_LIMITS)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self, callback, args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: None,
    ):  # fmt: skip
        paced = endpoint.startswith(PACED)
        chat = data.get("chat_id") if paced else None
        if paced:
            await self.limiter.wait(chat, burst=True)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            wait = flood_wait(exc)
            if wait > MAX_WAIT:
                raise
            log.warning("chat: %s to %s hit flood control; again in %g s", endpoint, chat, wait)
            if chat is None:  # not a message (a button's answer): only this request waits
                await asyncio.sleep(wait)
            else:  # every message to this chat waits, this one first
                self.limiter.pause(chat, wait)
                await self.limiter.wait(chat, burst=True)
            return await callback(*args, **kwargs)
