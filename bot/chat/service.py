"""The Telegram side of the service: a python-telegram-bot Application that long-polls
getUpdates (the only consumer of the token's updates) beside the scheduler.

All wiring is here: the gate (who gets answers, the rate limit) runs before every
handler; one error handler logs a failing handler's traceback once and tells the user;
edits, channel posts and updates nobody handles are dropped quietly; a button nobody
handles is answered, so that it stops spinning. `ChatSide` starts it all in the
background and retries until Telegram answers, keeping a `ChatSideState` for `health` and
/status.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.chat import commands
from bot.chat.access import Access, RateLimit
from bot.chat.flood import ReplyLimiter
from bot.config import BotConfig
from bot.delivery import Sender
from bot.delivery.ratelimit import RateLimiter
from bot.delivery.telegram import api_base_url, hide_in_logs
from bot.digest.schedule import digest_trigger
from bot.feeds.fetch import FetchLimits
from bot.match.matcher import Matcher
from bot.pipeline.digests import ChatPlan, digest_chat
from bot.store import Store

log = logging.getLogger("bot.chat")
ALLOWED_UPDATES = ["message", "callback_query"]  # Telegram need not even send the rest
SORRY = "Something went wrong; it was logged. Please try again later."
STALE_BUTTON = "This button no longer works."
PAGE_BUTTON = r"^s:\d{1,12}:[1-9]\d{0,3}$"  # s:<search id>:<page ≥ 1>; the rest is stale
CONFLICT_RECENT = timedelta(minutes=2)  # a 409 this recent still means two bots poll
LOG_EVERY = 60.0  # seconds: at most one line a minute per kind of getUpdates failure


@dataclass(frozen=True)
class Polling:
    """getUpdates long polling: `timeout` seconds per request, `interval` between them;
    `concurrency` updates handled at once (a slow /trend does not hold up everyone)."""

    timeout: int = 30
    interval: float = 0.0
    concurrency: int = 4
    retry_first: float = 5.0  # seconds before retrying a failed start, doubled each time…
    retry_max: float = 300.0  # …up to this


@dataclass(frozen=True)
class ChatSideState:
    """Where the chat side is: "starting", "on", "retrying" (a start failed; `since` is
    when commands went off), "refused" (the token was refused: no retry helps), "standby"
    (another process of the service polls Telegram) or "off" (no token). `health` reads
    it from another process, /status from this one."""

    state: str
    since: datetime
    last_error: str | None = None
    failed_starts: int = 0
    username: str | None = None
    conflict_at: datetime | None = None  # the last 409 Conflict from getUpdates

    def working(self, now: datetime) -> bool:
        """Commands are answered (or there is no token, so none are expected)."""
        return self.state in ("on", "off", "standby") and not self.conflicting(now)

    def conflicting(self, now: datetime) -> bool:
        return self.conflict_at is not None and now - self.conflict_at < CONFLICT_RECENT

    def describe(self, now: datetime) -> str:
        """One line: 'on since …', 'off since … (retrying; last error: …)'."""
        since = f"{self.since:%Y-%m-%d %H:%M} UTC"
        if self.state == "on":
            text = f"on since {since}"
            if self.failed_starts:
                text += f" (after {self.failed_starts} failed starts)"
            if self.conflicting(now):
                text += (
                    f"; but another bot instance is using this token (409 Conflict at "
                    f"{self.conflict_at:%H:%M:%S} UTC)"
                )
            return text
        if self.state == "off":
            return "off (TELEGRAM_BOT_TOKEN is not set)"
        if self.state == "starting":
            return f"starting since {since}"
        if self.state == "standby":
            return f"standby since {since} (another process polls Telegram; this one takes over)"
        if self.state == "refused":
            return f"off since {since} (Telegram refused the bot token: check TELEGRAM_BOT_TOKEN)"
        return f"off since {since} (retrying; last error: {self.last_error})"

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("since", "conflict_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ChatSideState:
        values = {k: data.get(k) for k in cls.__dataclass_fields__}
        for key in ("since", "conflict_at"):
            values[key] = datetime.fromisoformat(values[key]) if values[key] else None
        values["failed_starts"] = values["failed_starts"] or 0
        return cls(**values)


class ChatService:
    """What the handlers need, handed in by the composition root (bot/app.py): the store,
    the configuration, the limits of a fetch, and views of what changes while the service
    runs (the chats' plans, the matcher, the sender), with `refresh` to call after a
    chat changed its topics or watches."""

    def __init__(
        self,
        store: Store,
        config: BotConfig,
        *,
        fetch_limits: FetchLimits,
        plans: Callable[[], list[ChatPlan]],
        matcher: Callable[[], Matcher],
        sender: Callable[[], Sender | None],
        refresh: Callable[[], None],
        chat_state: Callable[[], ChatSideState | None] = lambda: None,
    ):
        self.store = store
        self.config = config
        self.fetch_limits = fetch_limits
        self.plans = plans
        self.matcher = matcher
        self.sender = sender
        self.refresh = refresh
        self.chat_state = chat_state
        self.timezone = config.settings.timezone
        self.access = Access(store, [c.id for c in config.chats], config.admins)
        self.rate = RateLimit(config.settings.commands_per_minute)

    def plan_for(self, chat_id: int, thread: int | None = None) -> ChatPlan | None:
        """The chat's plan (its forum thread's when it has one), or None."""
        plans = [p for p in self.plans() if str(p.chat) == str(chat_id)]
        return next((p for p in plans if p.thread == thread), plans[0] if plans else None)

    def next_digest(self, plan: ChatPlan) -> datetime | None:
        now = datetime.now(UTC)
        return digest_trigger(plan.schedule, plan.timezone).get_next_fire_time(None, now)

    async def send_digest(self, plan: ChatPlan):
        return await digest_chat(
            self.store, self.sender(), plan, now=datetime.now(UTC),
            max_items=self.config.settings.digest_items,
        )  # fmt: skip

    def topic_names(self) -> str:
        return ", ".join(sorted(self.config.topics)) or "none"

    def topic_for(self, chat: str, name: str) -> tuple[str, str] | None:
        """(topic id, title) of a feeds.yaml topic or of this chat's watch."""
        if name in self.config.topics:
            return name, self.config.topics[name].title
        watch = next(
            (w for w in self.store.chat_settings().watches_of(chat) if w.name == name), None
        )
        return (watch.topic_id, watch.name) if watch else None

    def change_chat(self, update: Update, change) -> None:
        """Apply a chat's change (subscription, watch), then rebuild plans and matcher. A
        bot admin's private chat that was never approved is approved by its first change,
        so that it gets the digests it asked for."""
        chat, user, now = str(update.effective_chat.id), update.effective_user.id, datetime.now(UTC)
        if chat not in self.access.configured and self.store.chat_access(chat) != "approved":
            self.store.set_chat_access(chat, "approved", name=_chat_name(update), by=user, now=now)
        change(chat, user, now)
        self.refresh()


def _chat_name(update: Update) -> str:
    chat = update.effective_chat
    return chat.title or chat.full_name or str(chat.id)


async def gate(update: Update, context) -> None:
    """Before every handler: drop what is not a command or a button; refuse unknown chats
    (telling them once how to get in); hold users to the rate limit."""
    svc = context.application.bot_data["service"]
    chat, user = update.effective_chat, update.effective_user
    message = update.message
    if update.callback_query is None and not _our_command(message, context.bot.username):
        raise ApplicationHandlerStop  # edits, channel posts, plain text, other bots' commands
    if chat is None or user is None:
        raise ApplicationHandlerStop
    if not svc.access.chat_allowed(chat.id, chat.type, user.id):
        if message is not None and _command(message) == "approve" and user.id in svc.access.admins:
            return  # a bot admin approving the chat from inside it
        if update.callback_query is not None:
            await update.callback_query.answer()
        elif svc.access.first_refusal(chat.id, datetime.now(UTC)):
            await message.reply_html(
                "This is a private bot for a team's news monitoring. This chat's id is "
                f"<code>{chat.id}</code>: a bot admin can add it to feeds.yaml (chats:) or "
                f"send <code>/approve {chat.id}</code> to the bot."
            )
        raise ApplicationHandlerStop
    verdict = svc.rate.allow(user.id)
    if verdict == "ok":
        return
    if verdict == "refuse":
        wait = svc.rate.wait_seconds(user.id)
        text = (f"You are sending commands faster than I answer well "
                f"({svc.rate.per_minute} a minute). Please try again in {wait} s.")  # fmt: skip
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        else:
            await message.reply_text(text)
    elif update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


def _command(message) -> str | None:
    text = (message.text or "") if message is not None else ""
    if not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


def _our_command(message, username: str | None) -> bool:
    """A new message holding a command for this bot (/cmd or /cmd@this_bot)."""
    if message is None or not (message.text or "").startswith("/"):
        return False
    word = message.text.split(maxsplit=1)[0]
    if "@" in word and username:
        return word.split("@", 1)[1].lower() == username.lower()
    return True


async def on_error(update: object, context) -> None:
    """A handler raised (a bug, the database busy): log it once, tell the user, go on."""
    where = "update"
    if isinstance(update, Update) and update.effective_chat is not None:
        where = f"chat {update.effective_chat.id}: {_describe(update)}"
    log.error("chat: %s failed", where, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(SORRY)
    except Exception as exc:  # Telegram unreachable too: the log line above is what remains
        log.warning("chat: could not tell the user about the failure (%s)", exc)


def _describe(update: Update) -> str:
    if update.callback_query is not None:
        return f"button {update.callback_query.data!r}"
    text = update.effective_message.text if update.effective_message else ""
    return (text or "").split(maxsplit=1)[0] if text else "update"


class RaisedAnyway(logging.Filter):
    """PTB logs, with a traceback, a failure that it then raises to its caller: an error
    page that is not JSON (a proxy's 502). The caller reports it in one line (ChatSide,
    the delivery sender); PTB's record is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Can not load invalid JSON data")


def build_application(
    service: ChatService,
    token: str,
    base_url: str | None,
    polling: Polling | None = None,
    limiter: RateLimiter | None = None,
) -> Application:
    """The Application with every handler; not started. `limiter` is the delivery
    sender's, when it has one: replies and digests then share Telegram's limits."""
    hide_in_logs(token)
    quiet = logging.getLogger("telegram.request.BaseRequest")
    if not any(isinstance(f, RaisedAnyway) for f in quiet.filters):
        quiet.addFilter(RaisedAnyway())
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_base_url(base_url))
        .concurrent_updates((polling or Polling()).concurrency)
        .rate_limiter(ReplyLimiter(limiter))
        .build()
    )
    application.bot_data["service"] = service
    application.add_handler(TypeHandler(Update, gate), group=-1)
    only_new = filters.UpdateType.MESSAGE  # not edited_message, not channel_post
    for name, handler in commands.HANDLERS.items():
        application.add_handler(CommandHandler(name, handler, filters=only_new))
    application.add_handler(CallbackQueryHandler(commands.page_button, pattern=PAGE_BUTTON))
    application.add_handler(CallbackQueryHandler(stale_button))  # after the page buttons
    application.add_handler(MessageHandler(only_new & filters.COMMAND, commands.unknown_command))
    application.add_error_handler(on_error)
    return application


async def stale_button(update: Update, context) -> None:
    """A button no handler takes (an old bot's, a malformed page): answered, so that the
    user's client stops spinning, with a word on why nothing happens."""
    await update.callback_query.answer(STALE_BUTTON)


async def start(
    application: Application,
    polling: Polling | None = None,
    on_polling_error: Callable[[TelegramError], None] | None = None,
) -> None:
    """Initialize (getMe), register the commands (setMyCommands), start polling
    (deleteWebhook, then getUpdates; `on_polling_error` hears getUpdates' failures)."""
    polling = polling or Polling()
    await application.initialize()
    try:
        await application.bot.set_my_commands(
            [BotCommand(name, text) for name, text in commands.COMMANDS]
        )
    except Exception as exc:  # the menu is a convenience; commands work without it
        log.warning("chat: setMyCommands failed (%s); commands still work when typed", exc)
    # deleteWebhook here, so that its failure comes to the caller (ChatSide retries) as
    # an exception; PTB's own try, in start_polling, would log it with a traceback.
    await application.bot.delete_webhook()
    await application.start()
    await application.updater.start_polling(
        poll_interval=polling.interval,
        timeout=polling.timeout,
        allowed_updates=ALLOWED_UPDATES,
        bootstrap_retries=-1,  # just done above; should it fail now, PTB retries it
        error_callback=on_polling_error,
    )
    log.info("chat: answering commands as @%s", application.bot.username)


async def halt(application: Application) -> None:
    """Stop polling and handling, keep what is initialized: a failed start is retried."""
    if application.updater and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()


async def stop(application: Application) -> None:
    """Stop polling, let running handlers finish, close the connections."""
    await halt(application)
    await application.shutdown()
    await application.bot.shutdown()  # its connections, opened by a getMe that failed


class ChatSide:
    """The chat side's life in the service. `run` starts it in the background and, when
    Telegram fails (a 502 or a dropped connection on getMe or deleteWebhook), retries
    with capped, jittered exponential backoff until it works: one bad answer at start
    must not leave commands off for the life of the process. `report` hears each new
    `state`. getUpdates' failures once polling are one line each, at most once a minute
    per kind (a 409 Conflict: another bot polls with this token), never a traceback."""

    def __init__(
        self,
        build: Callable[[], Application],
        token: str,
        polling: Polling | None = None,
        report: Callable[[ChatSideState], None] = lambda state: None,
    ):
        self.build = build
        self.token = token
        self.polling = polling or Polling()
        self.report = report
        self.application: Application | None = None
        self.state = ChatSideState("starting", datetime.now(UTC))
        self._logged: dict[str, float] = {}

    def set_state(self, state: ChatSideState) -> None:
        self.state = state
        try:
            self.report(state)
        except Exception as exc:  # the state is for information; chat goes on without it
            log.warning("chat: could not record the chat side's state (%s)", exc)

    def describe(self, exc: BaseException) -> str:
        """The failure in a few words (a proxy's error page left out), the token never
        in them."""
        text = (str(exc) or type(exc).__name__).split(". Parsing the server response")[0]
        return text.replace(self.token, "[token]") if self.token else text

    async def run(self) -> None:
        """Start, retrying until it works (or the token is refused)."""
        self.set_state(self.state)
        delay = self.polling.retry_first
        while True:
            try:
                if self.application is None:
                    self.application = self.build()
                await start(self.application, self.polling, self.polling_error)
            except InvalidToken:
                await self._halt()
                log.error(
                    "chat commands are off: Telegram refused the bot token; check "
                    "TELEGRAM_BOT_TOKEN (digests cannot be sent with it either)"
                )
                self.set_state(replace(self.state, state="refused", last_error="token refused"))
                return
            except Exception as exc:
                await self._halt()
                wait = delay * random.uniform(0.5, 1.0)  # jittered: restarts do not align
                error = self.describe(exc)
                log.warning(
                    "chat commands are off: the bot could not start polling (%s); "
                    "retrying in %.1fs",
                    error,
                    wait,
                )
                failed = self.state.failed_starts + 1
                self.set_state(replace(self.state, state="retrying", last_error=error,
                                  failed_starts=failed))  # fmt: skip
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.polling.retry_max)
                continue
            failed = self.state.failed_starts
            if failed:
                log.info("chat: commands are on after %d failed starts", failed)
            username = self.application.bot.username
            self.set_state(
                ChatSideState("on", datetime.now(UTC), self.state.last_error, failed, username)
            )
            return

    async def _halt(self) -> None:
        """What a failed start left running is stopped before the next try."""
        if self.application is None:
            return
        try:
            await halt(self.application)
        except Exception as exc:  # the next try starts it again all the same
            log.debug("chat: stopping after a failed start failed too (%s)", exc)

    def polling_error(self, exc: TelegramError) -> None:
        """PTB's updater calls this for every failed getUpdates, then retries by itself."""
        if isinstance(exc, Conflict):
            self.set_state(replace(self.state, conflict_at=datetime.now(UTC)))
            kind = "conflict"
            line = (
                "chat: another bot instance is using this token (Telegram answered "
                "getUpdates with 409 Conflict): stop the other one, or give each its own token"
            )
        else:
            kind = type(exc).__name__
            line = f"chat: getUpdates failed ({self.describe(exc)}); retrying"
        now, last = time.monotonic(), self._logged.get(kind)
        if last is not None and now - last < LOG_EVERY:
            return
        self._logged[kind] = now
        log.warning("%s", line)

    async def stop(self) -> None:
        if self.application is not None:
            await stop(self.application)
