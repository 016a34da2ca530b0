"""/trend: matching articles per day, as a chart with the totals in its caption."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode

from bot.chat import answers
from bot.chat.chart import caption, chart_png, parse_days
from bot.chat.replies import Context, argument_text, reply, service
from bot.digest.spikes import daily_counts


async def trend_command(update: Update, context: Context) -> None:
    """/trend TOPIC [30d]: a bar chart of matching articles per day, totals in the caption."""
    svc = service(context)
    words = argument_text(update).split()
    if not 1 <= len(words) <= 2:
        await reply(update, "Usage: /trend TOPIC [30d], e.g. /trend mpp 14d")
        return
    try:
        days = parse_days(words[1] if len(words) == 2 else None)
    except ValueError as exc:
        await reply(update, f"Usage: /trend TOPIC [30d]: {answers.esc(exc)}")
        return
    found = svc.topic_for(str(update.effective_chat.id), words[0].lower())
    if found is None:
        await reply(
            update, f"No topic or watch named {answers.esc(words[0])}. Topics: {svc.topic_names()}"
        )
        return
    topic_id, title = found
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(svc.timezone)).date()
    times = svc.store.topic_times(topic_id, now - timedelta(days=days + 1))
    counts = daily_counts(times, svc.timezone, today, days)
    png = await asyncio.to_thread(chart_png, title, counts, today)
    await update.effective_message.reply_photo(
        photo=png, caption=caption(title, counts, today), parse_mode=ParseMode.HTML
    )
