"""The Telegram side of the service: a python-telegram-bot Application that long-polls
getUpdates (the only consumer of the token's updates) beside the scheduler.

All wiring is here: the gate (who gets answers, the rate limit) runs before every
handler; one error handler logs a failing handler's traceback once and tells the user;
edits, channel posts and updates nobody handles are dropped quietly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import BotCommand, Update
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


@dataclass(frozen=True)
class Polling:
    """getUpdates long polling: `timeout` seconds per request, `interval` between them;
    `concurrency` updates handled at once (a slow /trend does not hold up everyone)."""

    timeout: int = 30
    interval: float = 0.0
    concurrency: int = 4


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
    ):
        self.store = store
        self.config = config
        self.fetch_limits = fetch_limits
        self.plans = plans
        self.matcher = matcher
        self.sender = sender
        self.refresh = refresh
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
    application.add_handler(CallbackQueryHandler(commands.page_button, pattern=r"^s:"))
    application.add_handler(MessageHandler(only_new & filters.COMMAND, commands.unknown_command))
    application.add_error_handler(on_error)
    return application


async def start(application: Application, polling: Polling | None = None) -> None:
    """Initialize (getMe), register the commands (setMyCommands), start polling."""
    polling = polling or Polling()
    await application.initialize()
    try:
        await application.bot.set_my_commands(
            [BotCommand(name, text) for name, text in commands.COMMANDS]
        )
    except Exception as exc:  # the menu is a convenience; commands work without it
        log.warning("chat: setMyCommands failed (%s); commands still work when typed", exc)
    await application.start()
    await application.updater.start_polling(
        poll_interval=polling.interval,
        timeout=polling.timeout,
        allowed_updates=ALLOWED_UPDATES,
    )
    log.info("chat: answering commands as @%s", application.bot.username)


async def stop(application: Application) -> None:
    """Stop polling, let running handlers finish, close the connections."""
    if application.updater and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
