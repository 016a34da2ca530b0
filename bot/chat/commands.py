"""The chat commands, one small handler each: read the arguments, call one thing, reply.

Every handler receives the update after the gate (bot/chat/service.py) let it through:
the chat may use the bot and the user is within the rate limit. Handlers that change
anything check for an admin first. A user's mistake gets a usage line, never a traceback.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.chat import render
from bot.chat.probe import probe_feed
from bot.errors import FetchError, ParseError, UsageError
from bot.match.query import QueryError, parse_query
from bot.model import FeedSpec
from bot.store import TopicChoice, Watch

PER_PAGE = 5
SEARCH_KEEP = timedelta(days=7)  # /search buttons older than this say they expired
PAGE_DATA = re.compile(r"s:(\d{1,12}):(\d{1,4})")
WATCH_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Context = ContextTypes.DEFAULT_TYPE

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


def service(context: Context):
    return context.application.bot_data["service"]


def argument_text(update: Update) -> str:
    """Everything after the command, as typed (quotes and spacing kept)."""
    parts = (update.effective_message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def reply(update: Update, blocks: list[str] | str, markup=None) -> None:
    """Answer in as many messages as it takes (4096 characters each); buttons on the last."""
    parts = render.split_message([blocks] if isinstance(blocks, str) else blocks)
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


# /start, /help ------------------------------------------------------------------------


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
        lines.append("Topics here: " + ", ".join(render.esc(title) for _, title in plan.topics))
        lines.append(render.next_digest_text(svc.next_digest(plan), plan.timezone).capitalize())
        lines.append(_schedule_line(svc, update) + " (/schedule)")
    else:
        lines.append("This chat receives no digest yet: an admin can /subscribe it to a topic.")
    lines.append("")
    lines += [f"/{name} – {render.esc(text)}" for name, text in COMMANDS]
    await reply(update, "\n".join(lines))


def _schedule_line(svc, update: Update) -> str:
    from bot.chat.schedule import schedule_line  # it imports this module

    return schedule_line(svc, update)


# /search ------------------------------------------------------------------------------


async def search_command(update: Update, context: Context) -> None:
    """/search QUERY: the first page of results, with buttons for the others."""
    query = argument_text(update)
    if not query:
        await reply(update, render.search_examples())
        return
    svc = service(context)
    topic, words = split_topic(query)
    if topic is not None and topic_query(svc, topic) is None:
        await reply(update, f"No topic {render.esc(topic)!r} here; /topics lists them.")
        return
    try:
        parse_query(words or topic_query(svc, topic))
    except QueryError as exc:
        await reply(update, render.query_error(words, exc))
        return
    now = datetime.now(UTC)
    search_id = svc.store.save_search(
        str(update.effective_chat.id), query, now, keep_after=now - SEARCH_KEEP
    )
    text, markup = await search_page(svc, search_id, query, 1)
    await reply(update, text, markup)


async def search_page(svc, search_id: int, query: str, page: int):
    """(the page's HTML, its buttons); a refused query is explained instead."""
    from bot.pipeline.search import Refused, SearchRequest, search

    topic, words = split_topic(query)
    request = SearchRequest(
        query=words or topic_query(svc, topic) or query,
        topic=topic,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    now = datetime.now(UTC)
    try:
        found = await asyncio.to_thread(
            search, svc.store.search, svc.store.feed_ids(), request, now
        )
    except (Refused, UsageError) as exc:
        return render.esc(str(exc).removeprefix("search: ").capitalize()), None
    text = render.search_page(found, query, page, PER_PAGE, svc.timezone)
    buttons = []
    if page > 1:
        buttons.append(
            InlineKeyboardButton("‹ Previous", callback_data=f"s:{search_id}:{page - 1}")
        )
    if (page - 1) * PER_PAGE + len(found.results) < found.total and found.results:
        buttons.append(InlineKeyboardButton("Next ›", callback_data=f"s:{search_id}:{page + 1}"))
    return text, InlineKeyboardMarkup([buttons]) if buttons else None


TOPIC_FILTER = re.compile(r"(?:^|\s)topic:(\S+)")


def split_topic(query: str) -> tuple[str | None, str]:
    """`topic:ID` in a /search (what a digest's "…and K more — /search topic:mpp" asks):
    (the topic id or None, the query's other words)."""
    found = TOPIC_FILTER.search(query)
    if not found:
        return None, query
    return found[1], (query[: found.start()] + " " + query[found.end() :]).strip()


def topic_query(svc, topic: str | None) -> str | None:
    """A topic's own query (feeds.yaml's topics and the chats' watches): what
    `/search topic:ID` alone searches for, restricted to that topic's matches."""
    for known, _, _ in svc.app.matcher.topics:
        if known.id == topic:
            return known.query
    return None


async def page_button(update: Update, context: Context) -> None:
    """A press of a /search page button: the message shows that page."""
    press = update.callback_query
    match = PAGE_DATA.fullmatch(press.data or "")
    saved = service(context).store.load_search(int(match[1])) if match else None
    if saved is None or saved[0] != str(update.effective_chat.id):
        await press.answer("This search has expired; send /search again.", show_alert=False)
        return
    text, markup = await search_page(service(context), int(match[1]), saved[1], int(match[2]))
    await press.answer()
    await press.edit_message_text(
        render.split_message([text])[0],
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=NO_PREVIEW,
    )


# /digest, /topics, /subscribe, /unsubscribe --------------------------------------------


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


async def topics_command(update: Update, context: Context) -> None:
    """Every topic, its query, and what this chat receives and is alerted on."""
    svc = service(context)
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    watches = svc.store.chat_settings().watches_of(str(update.effective_chat.id))
    await reply(update, render.topics_list(svc.config.topics, plan, watches))


async def _topic_to_change(update: Update, context: Context, word: str) -> str | None:
    """The topic /subscribe or /unsubscribe names, once it exists and the user may change
    this chat's topics; None after answering why not."""
    svc = service(context)
    topic = word.lower()
    if topic not in svc.config.topics:
        await reply(update, f"No topic named {render.esc(topic)}. Topics: {svc.topic_names()}")
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
    title = render.esc(svc.config.topics[topic].title)
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
    title = render.esc(svc.config.topics[topic].title)
    await reply(update, f"This chat no longer receives <b>{title}</b>.")


# /watch, /unwatch ---------------------------------------------------------------------


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
        await reply(update, render.query_error(query, exc, command="/search"))
        return
    chat = str(update.effective_chat.id)
    watch = Watch(chat, name, query, alerts)
    svc.change_chat(update, lambda chat, user, now: svc.store.add_watch(watch, user, now))
    how = "its digest and instant alerts" if alerts else "its digest"
    past = await backfill_watch(svc, update, watch)
    await reply(update, f"Watching <b>{render.esc(name)}</b>: <code>{render.esc(query)}</code>"
                f" — new matches go to this chat's {how}. {past}")  # fmt: skip


async def backfill_watch(svc, update: Update, watch: Watch) -> str:
    """Match the new watch over the recent archive (in a thread); says what it found."""
    from bot.chat.backfill import BACKFILL_DAYS, backfill, stamp_for
    from bot.digest.compose import MAX_AGE

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
        await reply(update, f"This chat has no watch named {render.esc(words[0])}.")
        return
    svc.app.refresh_chats()
    await reply(update, f"Watch <b>{render.esc(words[0].lower())}</b> removed.")


# /feeds, /addfeed, /removefeed ---------------------------------------------------------


async def feeds_command(update: Update, context: Context) -> None:
    """Feeds with their health: ok, failing since…, disabled and why."""
    states = await asyncio.to_thread(service(context).store.feed_states, with_counts=False)
    await reply(update, render.feeds_list(states, datetime.now(UTC)))


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
            update, f"Not added: {render.esc(url)} is not a working feed ({render.esc(exc)})."
        )
        return
    name = render.cut(name.strip() or probe.title or url, 200)
    spec = FeedSpec(name, probe.url, origin="chat")
    if not svc.store.add_feed(spec, datetime.now(UTC)):
        await reply(
            update, f"Not added: a feed named {render.esc(name)} or with this URL exists (/feeds)."
        )
        return
    await reply(update, f"Added <b>{render.esc(name)}</b> ({probe.entries} entries, "
                f"{render.esc(probe.format)}); it is polled from the next cycle.")  # fmt: skip


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
        await reply(update, f"No feed named {render.esc(name)} (see /feeds).")
    elif feed.origin == "config":
        await reply(
            update, f"{render.esc(feed.name)} is in feeds.yaml: the operator removes it there."
        )
    elif not feed.enabled:
        await reply(update, f"{render.esc(feed.name)} is already removed.")
    else:
        svc.store.set_feed_enabled(feed.name, False, datetime.now(UTC))
        await reply(update, f"Removed <b>{render.esc(feed.name)}</b>: no longer polled; its "
                    "articles stay searchable.")  # fmt: skip


# /status, /trend ----------------------------------------------------------------------


async def status_command(update: Update, context: Context) -> None:
    """Last poll, feeds ok/failing, articles and matches today, next digest."""
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
        ago = render.when_text(last["finished_at"], now)
        lines.append(f"Last poll: {ago}, {last.get('feeds', 0)} feeds, {last.get('new', 0)} new")
    else:
        lines.append("Last poll: none yet")
    lines.append(f"Feeds: {len(enabled) - failing} ok, {failing} failing (/feeds)")
    lines.append(f"Today: {fetched} articles, {matched} topic matches")
    plan = svc.plan_for(update.effective_chat.id, update.effective_message.message_thread_id)
    if plan and plan.topics:
        lines.append(render.next_digest_text(svc.next_digest(plan), plan.timezone).capitalize())
    lines.append(_schedule_line(svc, update))
    await reply(update, "\n".join(lines))


async def trend_command(update: Update, context: Context) -> None:
    """/trend TOPIC [30d]: a bar chart of matching articles per day, totals in the caption."""
    from bot.chat.chart import caption, chart_png, parse_days
    from bot.digest.spikes import daily_counts

    svc = service(context)
    words = argument_text(update).split()
    if not 1 <= len(words) <= 2:
        await reply(update, "Usage: /trend TOPIC [30d], e.g. /trend mpp 14d")
        return
    try:
        days = parse_days(words[1] if len(words) == 2 else None)
    except ValueError as exc:
        await reply(update, f"Usage: /trend TOPIC [30d]: {render.esc(exc)}")
        return
    found = svc.topic_for(str(update.effective_chat.id), words[0].lower())
    if found is None:
        await reply(
            update, f"No topic or watch named {render.esc(words[0])}. Topics: {svc.topic_names()}"
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


# /approve, /revoke (feeds.yaml admins) --------------------------------------------------


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
    svc.app.refresh_chats()
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
    svc.app.refresh_chats()
    await reply(update, f"Chat <code>{target}</code> can no longer use the bot.")


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: in a private chat, say so; in groups, stay quiet
    (the command may be another bot's)."""
    if update.effective_chat.type == "private":
        await reply(update, "I do not know that command. /help lists mine.")


HANDLERS = {
    "start": help_command,
    "help": help_command,
    "search": search_command,
    "digest": digest_command,
    "topics": topics_command,
    "subscribe": subscribe_command,
    "unsubscribe": unsubscribe_command,
    "watch": watch_command,
    "unwatch": unwatch_command,
    "feeds": feeds_command,
    "addfeed": addfeed_command,
    "removefeed": removefeed_command,
    "status": status_command,
    "trend": trend_command,
    "approve": approve_command,
    "revoke": revoke_command,
}
