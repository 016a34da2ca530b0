"""Who gets answers and who may change things.

A chat gets answers when feeds.yaml lists it or an admin approved it from Telegram; a
private chat with an admin of feeds.yaml always works. An admin is a user listed in
feeds.yaml `admins`, or an administrator of the group the command was sent in (asked of
Telegram with getChatAdministrators and remembered for ADMIN_CACHE_SECONDS, so a busy
group costs one request every few minutes).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable

from bot.store import Store

ADMIN_CACHE_SECONDS = 300.0
log = logging.getLogger("bot.chat")


class Access:
    """The access rules, with the group-administrator cache."""

    def __init__(
        self,
        store: Store,
        chats: Iterable[int | str],
        admins: Iterable[int],
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.configured = {str(c) for c in chats}
        self.admins = frozenset(admins)
        self.clock = clock
        self._group_admins: dict[int, tuple[float, frozenset[int]]] = {}

    def chat_allowed(self, chat_id: int, chat_type: str, user_id: int | None) -> bool:
        if chat_type == "private" and user_id in self.admins:
            return True
        if str(chat_id) in self.configured:
            return True
        return self.store.chat_access(str(chat_id)) == "approved"

    def first_refusal(self, chat_id: int, now) -> bool:
        """True the first time an unknown chat is refused (it is told how to get in, once)."""
        if self.store.chat_access(str(chat_id)) is not None:
            return False
        self.store.set_chat_access(str(chat_id), "told", now=now)
        return True

    async def is_admin(self, bot, chat_id: int, chat_type: str, user_id: int | None) -> bool:
        """A feeds.yaml admin anywhere, or an administrator of this group."""
        if user_id is None:
            return False
        if user_id in self.admins:
            return True
        if chat_type not in ("group", "supergroup"):
            return False
        return user_id in await self._administrators(bot, chat_id)

    async def _administrators(self, bot, chat_id: int) -> frozenset[int]:
        cached = self._group_admins.get(chat_id)
        if cached and cached[0] > self.clock():
            return cached[1]
        try:
            members = await bot.get_chat_administrators(chat_id)
        except Exception as exc:  # Telegram down or refusing: nobody is an admin for now
            log.warning("chat %s: getChatAdministrators failed (%s); not cached", chat_id, exc)
            return frozenset()
        ids = frozenset(m.user.id for m in members if not m.user.is_bot)
        self._group_admins[chat_id] = (self.clock() + ADMIN_CACHE_SECONDS, ids)
        return ids


class RateLimit:
    """At most `per_minute` commands per user in any 60 seconds (a sliding window).

    allow() says "ok", "refuse" (tell the user, once per window) or "silent" (already
    told: answering every extra command would be a flood of its own)."""

    def __init__(self, per_minute: int = 20, *, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._times: defaultdict[int, deque[float]] = defaultdict(deque)
        self._told: dict[int, float] = {}

    def allow(self, user_id: int) -> str:
        now = self.clock()
        times = self._times[user_id]
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self._told.pop(user_id, None)
            return "ok"
        if user_id in self._told:
            return "silent"
        self._told[user_id] = now
        return "refuse"

    def wait_seconds(self, user_id: int) -> int:
        """Seconds until the user's oldest command leaves the window."""
        times = self._times[user_id]
        return max(1, round(times[0] + 60 - self.clock())) if times else 1
