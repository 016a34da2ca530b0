"""Telegram's flood limits, kept on our side: per chat, per group or channel, and overall.

Telegram asks for about one message a second in a chat, twenty a minute in a group or
channel and thirty a second in all, and answers 429 with a wait when a bot goes faster.
PTB's AIORateLimiter knows the group and overall limits but not the per-chat one for
private chats; this limiter knows all three, needs no extra package, and can be paused
for one chat when Telegram says so (RetryAfter).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from bot.delivery import ChatId


@dataclass(frozen=True)
class RateLimits:
    """The pace to keep; the defaults are Telegram's published limits."""

    per_chat_interval: float = 1.0  # seconds between two messages to one chat, sustained
    per_chat_burst: int = 1  # messages a chat may get at once before that pace applies
    per_group: int = 20  # messages to one group or channel per group_period
    group_period: float = 60.0
    overall: int = 30  # messages in all per overall_period
    overall_period: float = 1.0


class Window:
    """At most `limit` events in any `period` seconds (a sliding log of their times)."""

    def __init__(self, limit: int, period: float):
        self.limit, self.period = limit, period
        self.times: deque[float] = deque()
        self.not_before = 0.0

    def delay(self, now: float) -> float:
        """Seconds to wait before the next event is allowed (0 when it is allowed now)."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        wait = self.not_before - now
        if len(self.times) >= self.limit:
            wait = max(wait, self.times[0] + self.period - now)
        return max(wait, 0.0)

    def record(self, now: float) -> None:
        self.times.append(now)


def is_group(chat: ChatId) -> bool:
    """Groups, supergroups and channels have negative ids; public channels are @names."""
    return isinstance(chat, str) or chat < 0


class RateLimiter:
    """`await limiter.wait(chat)` before each request; returns when it may go."""

    def __init__(self, limits: RateLimits = RateLimits(), clock=time.monotonic):
        self.limits = limits
        self.clock = clock
        self.overall = Window(limits.overall, limits.overall_period)
        self.chats: dict[ChatId, tuple[asyncio.Lock, list[Window]]] = {}

    def _chat(self, chat: ChatId) -> tuple[asyncio.Lock, list[Window]]:
        """The chat's lock and windows: [steady pace, burst, group (groups only)]."""
        if chat not in self.chats:
            burst = max(1, self.limits.per_chat_burst)
            windows = [
                Window(1, self.limits.per_chat_interval),
                Window(burst, self.limits.per_chat_interval * burst),
            ]
            if is_group(chat):
                windows.append(Window(self.limits.per_group, self.limits.group_period))
            self.chats[chat] = (asyncio.Lock(), windows)
        return self.chats[chat]

    async def wait(self, chat: ChatId | None, *, burst: bool = False) -> None:
        """Wait until every limit that applies to `chat` allows one more message.

        burst (a chat reply): the chat may have had up to per_chat_burst messages in the
        last burst × per_chat_interval seconds; otherwise (digest parts) one a
        per_chat_interval. Every message counts in both, whichever way it went.

        One lock per chat keeps a chat's messages in the order they were asked for; all
        windows are checked and recorded at the same instant, with no await in between,
        so no limit is counted for a message that is still waiting on another."""
        lock, windows = self._chat(chat) if chat is not None else (asyncio.Lock(), [])
        checked = [windows[1] if burst else windows[0], *windows[2:]] if windows else []
        async with lock:
            while True:
                now = self.clock()
                wait = max(w.delay(now) for w in [self.overall, *checked])
                if wait <= 0:
                    for window in [self.overall, *windows]:
                        window.record(now)
                    return
                await asyncio.sleep(wait)

    def pause(self, chat: ChatId | None, seconds: float) -> None:
        """Telegram asked for a wait (429): nothing goes to `chat` (None: anywhere) for
        `seconds`."""
        paused = self._chat(chat)[1][:2] if chat is not None else [self.overall]
        for window in paused:
            window.not_before = max(window.not_before, self.clock() + seconds)
