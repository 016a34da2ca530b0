"""/help (and /start), /status, and the answer to a command the bot does not have."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from telegram import Update

from bot.chat import answers
from bot.chat.commands.digest import schedule_line
from bot.chat.replies import Context, reply, service

# (command, description) in the order Telegram's menu shows them (setMyCommands).
COMMANDS = [
    ("help", "what this bot does here, its topics, the next digest"),
    ("search", 'search the archive: /search "remain in mexico" court'),
    ("digest", "send this chat's digest now"),
    ("topics", "topics and what this chat receives"),
    ("subscribe", "admins: /subscribe TOPIC [alerts]"),
    ("unsubscribe", "admins: /unsubscribe TOPIC"),
    ("watch", "admins: /watch NAME QUERY [alerts], a saved search"),
    ("unwatch", "admins: /unwatch NAME"),
    ("trend", "articles per day: /trend TOPIC [30d]"),
    ("feeds", "feeds and their health"),
    ("addfeed", "admins: /addfeed URL [NAME]"),
    ("removefeed", "admins: /removefeed NAME"),
    ("status", "last poll, feeds, today's counts, next digest"),
    ("schedule", "when the digest comes; admins: /schedule 08:00"),
    ("timezone", "this chat's time zone; admins: /timezone America/Tijuana"),
]


async def help_command(update: Update, context: Context) -> None:
    """What the bot does in this chat, its topics, the next digest, the commands."""
    svc = service(context)
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    lines = [
        "<b>News monitoring for Remain in Mexico (MPP) and US asylum policy</b>",
        "I read news, government and court feeds in English and Spanish, post a daily "
        "digest and alerts here, and search the archive.",
    ]
    if plan and plan.topics:
        lines.append("Topics here: " + ", ".join(answers.esc(title) for _, title in plan.topics))
        lines.append(answers.next_digest_text(svc.next_digest(plan), plan.timezone).capitalize())
        lines.append(schedule_line(svc, update) + " (/schedule)")
    else:
        lines.append("This chat receives no digest yet: an admin can /subscribe it to a topic.")
    lines.append("")
    lines += [f"/{name} – {answers.esc(text)}" for name, text in COMMANDS]
    await reply(update, "\n".join(lines))


async def status_command(update: Update, context: Context) -> None:
    """Last poll, feeds ok/failing, articles and matches today, the chat side's state
    (since when it answers, a 409 from another bot on this token), next digest."""
    svc = service(context)
    now = datetime.now(UTC)
    tz = ZoneInfo(svc.timezone)
    midnight = datetime.combine(now.astimezone(tz).date(), time(), tz)
    last = svc.store.last_cycle()
    states = svc.store.feed_states(with_counts=False)
    fetched, matched = svc.store.counts_since(midnight)
    enabled = [f for f in states if f.enabled]
    failing = sum(1 for f in enabled if f.consecutive_failures or f.parked_reason)
    lines = ["<b>Status</b>"]
    if last:
        ago = answers.when_text(last["finished_at"], now)
        lines.append(f"Last poll: {ago}, {last.get('feeds', 0)} feeds, {last.get('new', 0)} new")
    else:
        lines.append("Last poll: none yet")
    lines.append(f"Feeds: {len(enabled) - failing} ok, {failing} failing (/feeds)")
    lines.append(f"Today: {fetched} articles, {matched} topic matches")
    chat_state = svc.chat_state()
    if chat_state is not None:
        lines.append(f"Chat commands: {answers.esc(chat_state.describe(now))}")
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    if plan and plan.topics:
        lines.append(answers.next_digest_text(svc.next_digest(plan), plan.timezone).capitalize())
    lines.append(schedule_line(svc, update))
    await reply(update, "\n".join(lines))


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: in a private chat, say so; in groups, stay quiet
    (the command may be another bot's)."""
    if update.effective_chat.type == "private":
        await reply(update, "I do not know that command. /help lists mine.")
