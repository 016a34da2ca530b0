"""The real service (App.serve: scheduler, sender, python-telegram-bot polling) against the
fake Bot API, in a thread; tests push updates through getUpdates and read what it sent."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

from bot.app import App
from bot.chat.service import Polling
from bot.config import Environment, parse_config
from bot.store import Store

_ids = itertools.count(1)


def message(chat: int, user: int, text: str, *, kind: str | None = None) -> dict:
    """A new message with a command entity, as Telegram sends it."""
    kind = kind or ("private" if chat > 0 else "supergroup")
    chat_object = {"id": chat, "type": kind}
    if kind == "private":
        chat_object["first_name"] = f"User {user}"
    else:
        chat_object["title"] = f"Group {chat}"
    body = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": chat_object,
        "from": {"id": user, "is_bot": False, "first_name": f"User {user}"},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"message": body}


def button(chat: int, user: int, data: str, message_id: int) -> dict:
    """A press of an inline button under the bot's message `message_id`."""
    return {
        "callback_query": {
            "id": f"cb{next(_ids)}",
            "from": {"id": user, "is_bot": False, "first_name": f"User {user}"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup", "title": "G"},
                "text": "results",
            },
        }
    }


class Running:
    """App.serve in its own thread and event loop, stopped by close()."""

    def __init__(self, fake, config_text: str, database: str, *, polling: Polling | None = None,
                 wait_polling: bool = True):  # fmt: skip
        config = parse_config(config_text)
        env = Environment(
            telegram_token=fake.token,
            telegram_api_base_url=fake.base_url,
            database_url=database,
        )
        self.fake = fake
        self.app = App.open(env, config)
        # One update at a time (in order); a failed start retried within a second.
        self.app.chat_polling = polling or Polling(
            timeout=0, interval=0.02, concurrency=1, retry_first=0.2, retry_max=1
        )
        self.store: Store = self.app.store
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self._ready.wait(10)
        if wait_polling:
            wait_for(lambda: fake.calls_to("getUpdates"), what="polling to start")

    def _run(self) -> None:
        async def main():
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self.app.serve(self._stop)

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by close()
            self.error = exc

    def send(self, update: dict) -> int:
        return self.fake.push_update(update)

    def close(self) -> None:
        """Stop the service (a second call does nothing)."""
        if self.closed:
            return
        self.closed = True
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(30)
        self.app.close()
        assert not self.thread.is_alive(), "the service did not stop"
        assert self.error is None, self.error

    def now(self) -> datetime:
        return datetime.now(UTC)


def clear_of_midnight(margin: float = 120.0) -> None:
    """Sleep past midnight (UTC, the tests' time zone) when it is less than `margin`
    seconds away, so that "today" cannot change while a test runs: counts of today's
    articles (/status, spikes) then hold whatever the time of day."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), dt_time(), UTC)
    if (midnight - now).total_seconds() < margin:
        time.sleep((midnight - now).total_seconds() + 1)


def earlier_today(minutes: float) -> datetime:
    """`minutes` ago, but not before today's midnight (UTC): published today."""
    now = datetime.now(UTC)
    return max(now - timedelta(minutes=minutes), datetime.combine(now.date(), dt_time(), UTC))


def wait_for(condition, seconds: float = 20, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
