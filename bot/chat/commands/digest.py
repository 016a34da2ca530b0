"""/digest (the digest now), /schedule and /timezone: when a chat's digest comes.

A chat's own schedule or time zone is stored (chat_schedules) and overrides feeds.yaml's
`digest:`/`timezone:` for that chat; `default` goes back to feeds.yaml. The change
rebuilds the plans, and App.refresh_chats reschedules the digest job at once.
"""

from __future__ import annotations

from telegram import Update

from bot.chat import answers
from bot.chat.replies import Context, argument_text, need_admin, reply, service
from bot.digest.schedule import digest_trigger
from bot.durations import check_time_zone
from bot.pipeline.digests import DEFAULT_SCHEDULE
from bot.store import ChatSchedule

RESET = ("default", "reset")
EXAMPLES = "/schedule 08:00 or /schedule 0 8 * * 1-5 (cron: minute hour day month weekday)"


async def digest_command(update: Update, context: Context) -> None:
    """Send this chat's digest now: what is pending since the last one."""
    svc = service(context)
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    if plan is None or not plan.topics:
        await reply(update, "This chat receives no topics yet: an admin can /subscribe it.")
        return
    outcome = await svc.send_digest(plan)
    if outcome.report.pending:
        await reply(
            update, "The digest is written and waits for Telegram; it goes within a minute."
        )


def current(svc, update: Update) -> tuple[str, str, bool, object]:
    """(schedule, time zone, set from the chat?, plan or None) of the chat."""
    chat = update.effective_chat.id
    plan = svc.plan_for(chat, update.effective_message.message_thread_id)
    if plan is not None:
        return plan.schedule, plan.timezone, plan.own_schedule, plan
    own = svc.store.chat_settings().schedules.get(str(chat), ChatSchedule())
    return (own.schedule or DEFAULT_SCHEDULE, own.timezone or svc.timezone,
            own.schedule is not None or own.timezone is not None, None)  # fmt: skip


def schedule_line(svc, update: Update) -> str:
    """One line for /schedule, /start and /status: the schedule, its zone, its origin."""
    schedule, timezone, own, _ = current(svc, update)
    origin = "set in this chat" if own else "from feeds.yaml"
    return (
        f"Digest schedule: <code>{answers.esc(schedule)}</code> ({answers.esc(timezone)}), {origin}"
    )


def describe(svc, update: Update) -> str:
    """The schedule, where it comes from, and the next digest in the chat's time zone."""
    text = schedule_line(svc, update)
    plan = current(svc, update)[3]
    if plan is not None and plan.topics:
        return text + "; " + answers.next_digest_text(svc.next_digest(plan), plan.timezone)
    return text + "; no digest until an admin /subscribes this chat to a topic"


def _own(svc, chat: str) -> ChatSchedule:
    return svc.store.chat_settings().schedules.get(chat, ChatSchedule())


async def schedule_command(update: Update, context: Context) -> None:
    """/schedule [08:00 | CRON | default]: show or change when the digest comes."""
    svc = service(context)
    text = argument_text(update)
    if not text:
        await reply(update, describe(svc, update) + f".\nChange it (admins): {EXAMPLES}")
        return
    if not await need_admin(update, context, "change the digest schedule"):
        return
    _, timezone, _, _ = current(svc, update)
    new = None if text.lower() in RESET else text
    if new is not None:
        try:
            digest_trigger(new, timezone)
        except ValueError as exc:
            await reply(update, f"Not changed: {answers.esc(exc)}.\nFor example: {EXAMPLES}")
            return
    chat = str(update.effective_chat.id)
    own = _own(svc, chat)
    svc.change_chat(update, lambda chat, user, now: svc.store.set_chat_schedule(
        chat, ChatSchedule(new, own.timezone), user, now))  # fmt: skip
    await reply(update, describe(svc, update) + ".")


async def timezone_command(update: Update, context: Context) -> None:
    """/timezone [Area/City | default]: show or change the chat's time zone."""
    svc = service(context)
    text = argument_text(update)
    if not text:
        _, timezone, _, _ = current(svc, update)
        await reply(update, f"This chat's time zone: {answers.esc(timezone)}. Change it (admins):"
                    " /timezone America/Tijuana")  # fmt: skip
        return
    if not await need_admin(update, context, "change the time zone"):
        return
    new = None if text.lower() in RESET else text
    if new is not None:
        try:
            check_time_zone(new)
        except ValueError as exc:
            await reply(update, f"Not changed: {answers.esc(str(exc))}.")
            return
    chat = str(update.effective_chat.id)
    own = _own(svc, chat)
    svc.change_chat(update, lambda chat, user, now: svc.store.set_chat_schedule(
        chat, ChatSchedule(own.schedule, new), user, now))  # fmt: skip
    await reply(update, describe(svc, update) + ".")
