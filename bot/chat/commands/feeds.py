"""/feeds, /addfeed, /removefeed: the feed list, and feeds added from a chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Update

from bot.chat import answers
from bot.chat.probe import probe_feed
from bot.chat.replies import Context, argument_text, need_admin, reply, service
from bot.errors import FetchError, ParseError
from bot.model import FeedSpec
from bot.telegram_html import cut


async def feeds_command(update: Update, context: Context) -> None:
    """Feeds with their health: ok, failing since…, disabled and why."""
    states = await asyncio.to_thread(service(context).store.feed_states, with_counts=False)
    await reply(update, answers.feeds_list(states, datetime.now(UTC)))


async def addfeed_command(update: Update, context: Context) -> None:
    """/addfeed URL [NAME]: fetched and parsed first; refused with the reason otherwise."""
    svc = service(context)
    url, _, name = argument_text(update).partition(" ")
    if not url:
        await reply(
            update, "Usage: /addfeed URL [NAME], e.g. /addfeed https://example.org/feed/ Example"
        )
        return
    if not await need_admin(update, context, "add a feed"):
        return
    try:
        probe = await probe_feed(url, svc.fetch_limits)
    except (FetchError, ParseError) as exc:
        await reply(
            update, f"Not added: {answers.esc(url)} is not a working feed ({answers.esc(exc)})."
        )
        return
    name = cut(name.strip() or probe.title or url, 200)
    spec = FeedSpec(name, probe.url, origin="chat")
    if not svc.store.add_feed(spec, datetime.now(UTC)):
        await reply(
            update, f"Not added: a feed named {answers.esc(name)} or with this URL exists (/feeds)."
        )
        return
    await reply(update, f"Added <b>{answers.esc(name)}</b> ({probe.entries} entries, "
                f"{answers.esc(probe.format)}); it is polled from the next cycle.")  # fmt: skip


async def removefeed_command(update: Update, context: Context) -> None:
    """/removefeed NAME: a feed added from a chat or OPML stops (its articles stay)."""
    svc = service(context)
    name = argument_text(update)
    if not name:
        await reply(update, "Usage: /removefeed NAME (the name /feeds shows)")
        return
    if not await need_admin(update, context, "remove a feed"):
        return
    states = svc.store.feed_states(with_counts=False)
    feed = next((f for f in states if f.name.casefold() == name.casefold()), None)
    if feed is None:
        await reply(update, f"No feed named {answers.esc(name)} (see /feeds).")
    elif feed.origin == "config":
        await reply(
            update, f"{answers.esc(feed.name)} is in feeds.yaml: the operator removes it there."
        )
    elif not feed.enabled:
        await reply(update, f"{answers.esc(feed.name)} is already removed.")
    else:
        svc.store.set_feed_enabled(feed.name, False, datetime.now(UTC))
        await reply(update, f"Removed <b>{answers.esc(feed.name)}</b>: no longer polled; its "
                    "articles stay searchable.")  # fmt: skip
