"""/topics, /subscribe, /unsubscribe, /watch, /unwatch: what a chat receives."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from telegram import Update

from bot.chat import answers
from bot.chat.backfill import BACKFILL_DAYS, backfill, stamp_for
from bot.chat.replies import Context, argument_text, need_admin, reply, service
from bot.digest.compose import MAX_AGE
from bot.match.query import QueryError, parse_query
from bot.store import TopicChoice, Watch

WATCH_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


async def topics_command(update: Update, context: Context) -> None:
    """Every topic, its query, and what this chat receives and is alerted on."""
    svc = service(context)
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    watches = svc.store.chat_settings().watches_of(str(update.effective_chat.id))
    await reply(update, answers.topics_list(svc.config.topics, plan, watches))


async def _topic_to_change(update: Update, context: Context, word: str) -> str | None:
    """The topic /subscribe or /unsubscribe names, once it exists and the user may change
    this chat's topics; None after answering why not."""
    svc = service(context)
    topic = word.lower()
    if topic not in svc.config.topics:
        await reply(update, f"No topic named {answers.esc(topic)}. Topics: {svc.topic_names()}")
        return None
    if not await need_admin(update, context, "change this chat's topics"):
        return None
    return topic


async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe TOPIC [alerts]: the topic in this chat's digest (and alerts)."""
    svc = service(context)
    words = argument_text(update).split()
    if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() != "alerts"):
        await reply(update, "Usage: /subscribe TOPIC [alerts] (see /topics for the names)")
        return
    topic = await _topic_to_change(update, context, words[0])
    if topic is None:
        return
    alerts = len(words) == 2
    svc.change_chat(update, lambda chat, user, now: svc.store.set_topic_choice(
        chat, topic, TopicChoice(digest=True, alerts=alerts), user, now))  # fmt: skip
    title = answers.esc(svc.config.topics[topic].title)
    extra = " with instant alerts" if alerts else " (no instant alerts)"
    await reply(update, f"This chat now receives <b>{title}</b> in its digest{extra}.")


async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe TOPIC: the topic leaves this chat's digest and alerts."""
    svc = service(context)
    words = argument_text(update).split()
    if len(words) != 1:
        await reply(update, "Usage: /unsubscribe TOPIC (see /topics for the names)")
        return
    topic = await _topic_to_change(update, context, words[0])
    if topic is None:
        return
    svc.change_chat(update, lambda chat, user, now: svc.store.set_topic_choice(
        chat, topic, TopicChoice(digest=False, alerts=False), user, now))  # fmt: skip
    title = answers.esc(svc.config.topics[topic].title)
    await reply(update, f"This chat no longer receives <b>{title}</b>.")


async def watch_command(update: Update, context: Context) -> None:
    """/watch NAME QUERY [alerts]: a saved search that becomes a topic of this chat."""
    svc = service(context)
    name, _, query = argument_text(update).partition(" ")
    query, alerts = query.strip(), False
    if query.endswith(" alerts") or query == "alerts":
        query, alerts = query.removesuffix("alerts").strip(), True
    if not name or not query:
        await reply(update, 'Usage: /watch NAME QUERY [alerts], e.g. /watch tps "temporary '
                    'protected status" alerts')  # fmt: skip
        return
    name = name.lower()
    if not WATCH_NAME.fullmatch(name) or name in svc.config.topics:
        await reply(update, "A watch name is up to 32 letters, digits, - or _, and not a topic's.")
        return
    if not await need_admin(update, context, "add a watch"):
        return
    try:
        parse_query(query)
    except QueryError as exc:
        await reply(update, answers.query_error(query, exc, command="/search"))
        return
    chat = str(update.effective_chat.id)
    watch = Watch(chat, name, query, alerts)
    svc.change_chat(update, lambda chat, user, now: svc.store.add_watch(watch, user, now))
    how = "digest and instant alerts" if alerts else "digest"
    past = await backfill_watch(svc, update, watch)
    await reply(update, f"Watching <b>{answers.esc(name)}</b>: <code>{answers.esc(query)}</code>"
                f" — new matches go to this chat's {how}. {past}")  # fmt: skip


async def backfill_watch(svc, update: Update, watch: Watch) -> str:
    """Match the new watch over the recent archive (in a thread); says what it found."""
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    now = datetime.now(UTC)
    stamp = stamp_for(svc.store, plan.key if plan else None, now)
    done = await asyncio.to_thread(backfill, svc.store, watch, now=now, stamp=stamp)
    where = (f"stored articles of the last {BACKFILL_DAYS} days" if done.complete
             else f"of the newest {done.articles:,} stored articles")  # fmt: skip
    days = MAX_AGE.days
    return (f"{done.matched} {where} match already: they are in /search and /trend, and "
            f"those of the last {days} days in the next digest (not as alerts).")  # fmt: skip


async def unwatch_command(update: Update, context: Context) -> None:
    """/unwatch NAME: the saved search is removed."""
    svc = service(context)
    words = argument_text(update).split()
    if len(words) != 1:
        await reply(update, "Usage: /unwatch NAME (see /topics)")
        return
    if not await need_admin(update, context, "remove a watch"):
        return
    chat = str(update.effective_chat.id)
    if not svc.store.remove_watch(chat, words[0].lower()):
        await reply(update, f"This chat has no watch named {answers.esc(words[0])}.")
        return
    svc.refresh()
    await reply(update, f"Watch <b>{answers.esc(words[0].lower())}</b> removed.")
