"""What every chat command does alike: find the service, read the arguments, reply
in as many messages as it takes, and check for an admin before a change."""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.ext import ContextTypes

from bot.telegram_html import split_message

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Context = ContextTypes.DEFAULT_TYPE


def service(context: Context):
    return context.application.bot_data["service"]


def argument_text(update: Update) -> str:
    """Everything after the command, as typed (quotes and spacing kept)."""
    parts = (update.effective_message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def reply(update: Update, blocks: list[str] | str, markup=None) -> None:
    """Answer in as many messages as it takes (4096 characters each); buttons on the last."""
    parts = split_message([blocks] if isinstance(blocks, str) else blocks)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await update.effective_message.reply_html(
            part, link_preview_options=NO_PREVIEW, reply_markup=markup if last else None
        )


async def need_admin(update: Update, context: Context, what: str) -> bool:
    """True for an admin; otherwise says who may do it and returns False."""
    chat, user = update.effective_chat, update.effective_user
    if await service(context).access.is_admin(context.bot, chat.id, chat.type, user.id):
        return True
    await reply(update, f"Only an admin can {what}: a group administrator or a bot admin.")
    return False
