"""Delivery through the Telegram Bot API (python-telegram-bot v22), within its limits.

Every request waits for the rate limiter (per chat, per group, overall). Failures end
in one of three ways:
- transient (timeouts, dropped connections, 5xx, flood control): retried with
  exponential backoff and jitter, or after Telegram's retry_after, a bounded number of
  times; then DeliveryUnavailable, and the caller keeps the message for later;
- about the message (a 400 such as "can't parse entities", "message is too long"):
  never retried, MessageRefused with Telegram's reason;
- about the chat (403, chat not found, no admin rights in a channel): never retried,
  ChatUnreachable with what a person must do about it.

The bot token is part of every request URL. It never reaches our errors (they are built
from Telegram's description, not chained to PTB's exceptions, which may quote it) nor
the log lines of the HTTP client and PTB (a filter on their loggers removes it).
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.ratelimit import ChatId, RateLimiter, RateLimits
from bot.errors import (
    ChatUnreachable,
    DeliveryError,
    DeliveryUnavailable,
    MessageRefused,
    TokenRefused,
)
from bot.logs import RedactSecrets

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Loggers that print request URLs (httpx at INFO, PTB's at DEBUG) or exceptions that may
# quote them. A logger's filter sees only the records logged on that very logger (not its
# children's), so each is named; hide_in_logs also covers any other telegram.*, httpx.*
# and httpcore.* logger that exists by then.
URL_LOGGERS = (
    "httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2",
    "httpcore.proxy", "telegram", "telegram.Bot", "telegram.BaseRequest",
    "telegram.HTTPXRequest", "telegram.request", "telegram.request.BaseRequest",
    "telegram.request.HTTPXRequest", "telegram.ext", "telegram.ext.Application",
    "telegram.ext.Updater", "telegram.ext.ExtBot", "telegram.ext.BaseUpdateProcessor",
    "telegram.ext.JobQueue", "telegram.ext.AIORateLimiter", "telegram.ext.ConversationHandler",
)  # fmt: skip
URL_LOGGER_PREFIXES = ("telegram.", "httpx.", "httpcore.")
_REDACT = RedactSecrets([])

# Telegram's reasons (lower case) that are about the chat, not the message, and what a
# person must do. "{chat}" is the chat as configured.
CHAT_PROBLEMS = [
    ("kicked", "the bot was removed from chat {chat}: add it back to deliver there"),
    (
        "blocked by the user",
        "user {chat} blocked the bot: they must unblock it (or send it /start) to get messages",
    ),
    ("not a member of the channel", "the bot must be an administrator of {chat} to post there"),
    ("need administrator rights", "the bot must be an administrator of {chat} to post there"),
    ("not enough rights", "the bot is not allowed to post in chat {chat}: let it send messages"),
    ("have no rights", "the bot is not allowed to post in chat {chat}: let it send messages"),
    ("chat_write_forbidden", "the bot is not allowed to post in chat {chat}: let it send messages"),
    ("can't initiate conversation", "user {chat} must send the bot /start before it can write"),
    ("deactivated", "chat {chat} was deleted: remove it from feeds.yaml"),
    (
        "chat not found",
        "chat {chat} was not found: check its id in feeds.yaml and that the bot is a member",
    ),
    ("thread not found", "the topic (thread: in feeds.yaml) does not exist in chat {chat}"),
    ("topic_deleted", "the topic (thread: in feeds.yaml) does not exist in chat {chat}"),
    ("topic_closed", "the topic (thread: in feeds.yaml) is closed in chat {chat}: reopen it"),
]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving a message back to the caller as pending."""

    attempts: int = 5  # requests per message in all, flood waits included
    backoff: float = 1.0  # seconds after the first transient failure; doubles each time
    max_backoff: float = 30.0
    max_flood_wait: float = 60.0  # a longer retry_after is not waited here

    def delay(self, failures: int) -> float:
        """Exponential backoff with jitter (half fixed, half random), so that many
        senders that failed together do not come back together."""
        base = min(self.max_backoff, self.backoff * 2 ** (failures - 1))
        return base / 2 + random.uniform(0, base / 2)


class TelegramSender:
    """Sends HTML messages and photos to Telegram chats; use it as `async with`."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 20.0,
    ):
        hide_in_logs(token)
        self._token = token
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(limits or RateLimits())
        self._request = HTTPXRequest(
            connection_pool_size=8,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
            media_write_timeout=max(timeout, 60.0),
        )
        # One connection pool for everything: this sender never long-polls getUpdates.
        self._bot = Bot(
            token,
            base_url=api_base_url(base_url),
            request=self._request,
            get_updates_request=self._request,
        )

    async def __aenter__(self) -> TelegramSender:
        # Not Bot.initialize(): it calls getMe, and its InvalidToken quotes the token.
        await self._request.initialize()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._request.shutdown()

    async def check(self) -> str:
        """The bot's @username, from getMe: proves the token and the base URL work."""
        user = await self._call(None, None, "getMe", self._bot.get_me)
        return f"@{user.username}"

    async def send_html(
        self, chat: ChatId, html: str, *, thread: int | None = None, preview: bool = False
    ) -> int:
        """Send one message in HTML parse mode; returns Telegram's message id."""
        message = await self._call(
            chat,
            thread,
            "sendMessage",
            lambda: self._bot.send_message(
                chat_id=chat,
                text=html,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=not preview),
                message_thread_id=thread,
            ),
        )
        return message.message_id

    async def send_photo(
        self, chat: ChatId, png: bytes, caption_html: str, *, thread: int | None = None
    ) -> int:
        """Send a PNG with an HTML caption (at most 1024 characters); returns the message id."""
        message = await self._call(
            chat,
            thread,
            "sendPhoto",
            lambda: self._bot.send_photo(
                chat_id=chat,
                photo=InputFile(png, filename="chart.png"),
                caption=caption_html,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread,
            ),
        )
        return message.message_id

    async def _call(self, chat: ChatId | None, thread: int | None, method: str, request) -> Any:
        """Run `request` within the limits, retrying what may succeed on a later try."""
        where = "Telegram" if chat is None else f"chat {chat}"
        attempts = self.retry.attempts
        last, flood = "", None
        for attempt in range(1, attempts + 1):
            await self.limiter.wait(chat)
            try:
                return await request()
            except RetryAfter as exc:
                wait = flood_wait(exc)
                if wait > self.retry.max_flood_wait:
                    raise DeliveryUnavailable(
                        f"{method} to {where}: flood control asks to wait {wait:g} s, more "
                        f"than the {self.retry.max_flood_wait:g} s this sender waits; "
                        "it stays pending for a later try",
                        chat=chat,
                        retry_after=wait,
                    ) from None
                # The limiter holds back every message to this chat, this one included.
                self.limiter.pause(chat, wait)
                last, delay, flood = f"flood control, retry after {wait:g} s", 0.0, wait
            except (BadRequest, Forbidden, ChatMigrated, InvalidToken) as exc:
                # Chaining would keep PTB's exception, whose text may quote the token.
                raise self._refusal(chat, thread, method, exc) from None
            except TelegramError as exc:  # TimedOut, NetworkError: 5xx, dropped, bad answer
                last, delay, flood = self._redact(exc.message), self.retry.delay(attempt), None
            if attempt < attempts:
                log.warning(
                    "telegram: %s to %s failed (%s); attempt %d of %d in %.1f s",
                    method,
                    where,
                    last,
                    attempt + 1,
                    attempts,
                    delay if flood is None else flood,
                )
                await asyncio.sleep(delay)
        raise DeliveryUnavailable(
            f"{method} to {where} failed {attempts} times (last: {last}); "
            "it stays pending for a later try",
            chat=chat,
            retry_after=flood,
        )

    def _refusal(
        self, chat: ChatId | None, thread: int | None, method: str, exc: TelegramError
    ) -> DeliveryError:
        """The error for an answer that retrying cannot change."""
        reason = self._redact(exc.message)
        if isinstance(exc, InvalidToken):
            if "not found" in reason.lower():
                return TokenRefused(
                    "the Bot API answered 404 Not Found: the token is malformed or "
                    "TELEGRAM_API_BASE_URL is wrong"
                )
            return TokenRefused(
                "the bot token was refused (401): check TELEGRAM_BOT_TOKEN (from @BotFather)"
            )
        if isinstance(exc, ChatMigrated):
            return ChatUnreachable(
                f"chat {chat} became a supergroup with the id {exc.new_chat_id}: "
                "put that id in feeds.yaml",
                chat=chat,
                description=reason,
                migrated_to=exc.new_chat_id,
            )
        lower = reason.lower()
        for pattern, advice in CHAT_PROBLEMS:
            if pattern in lower:
                message = advice.format(chat=chat)
                if thread is not None and "thread" in advice:
                    message += f" (thread {thread})"
                return ChatUnreachable(
                    f"{message} (Telegram: {reason})", chat=chat, description=reason
                )
        if isinstance(exc, Forbidden):
            return ChatUnreachable(
                f"chat {chat} refuses the bot (Telegram: {reason})", chat=chat, description=reason
            )
        return MessageRefused(
            f"{method} to chat {chat} was refused: {reason}", chat=chat, description=reason
        )

    def _redact(self, text: str) -> str:
        return _REDACT.redact(text)  # every encoding of the token (bot/logs.py)


def api_base_url(value: str | None) -> str:
    """TELEGRAM_API_BASE_URL as PTB wants it, the token and method to be appended:
    `http://host:8081` and `http://host:8081/bot/` both become `http://host:8081/bot`."""
    if not value:
        return DEFAULT_BASE_URL
    value = value.rstrip("/")
    if "{token}" in value or value.endswith("/bot"):
        return value
    return value + "/bot"


def flood_wait(exc: RetryAfter) -> float:
    """retry_after in seconds, whether PTB gives an int or (PTB_TIMEDELTA) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def hide_in_logs(token: str) -> None:
    """Redact `token`, in every encoding (bot/logs.py's secret_pattern), from the loggers
    of httpx, httpcore and PTB, which print request URLs, in messages and exception texts
    alike."""
    _REDACT.add(token)
    existing = [name for name in logging.root.manager.loggerDict
                if name.startswith(URL_LOGGER_PREFIXES)]  # fmt: skip
    for name in dict.fromkeys([*URL_LOGGERS, *existing]):
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)
