"""/approve and /revoke: which chats may use the bot, changed by a bot admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from telegram import Update

from bot.chat.replies import Context, argument_text, reply, service


async def approve_command(update: Update, context: Context) -> None:
    """/approve [CHAT_ID]: this chat (or that one) may use the bot."""
    svc = service(context)
    if update.effective_user.id not in svc.access.admins:
        await reply(update, "Only a bot admin (feeds.yaml admins) can approve chats.")
        return
    target = argument_text(update) or str(update.effective_chat.id)
    if not re.fullmatch(r"-?\d{1,20}", target):
        await reply(update, "Usage: /approve [CHAT_ID] (a number such as -1001234567890)")
        return
    name = update.effective_chat.title if target == str(update.effective_chat.id) else None
    svc.store.set_chat_access(target, "approved", name=name, by=update.effective_user.id,
                              now=datetime.now(UTC))  # fmt: skip
    svc.refresh()
    await reply(update, f"Chat <code>{target}</code> is approved: it can use the bot now.")


async def revoke_command(update: Update, context: Context) -> None:
    """/revoke CHAT_ID: an approved chat no longer gets answers."""
    svc = service(context)
    if update.effective_user.id not in svc.access.admins:
        await reply(update, "Only a bot admin (feeds.yaml admins) can revoke chats.")
        return
    target = argument_text(update)
    if not re.fullmatch(r"-?\d{1,20}", target):
        await reply(update, "Usage: /revoke CHAT_ID")
        return
    svc.store.set_chat_access(target, "told", now=datetime.now(UTC))  # silent from now on
    svc.refresh()
    await reply(update, f"Chat <code>{target}</code> can no longer use the bot.")
