"""/search: the archive, a page at a time, with buttons for the other pages."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.chat import answers
from bot.chat.replies import NO_PREVIEW, Context, argument_text, reply, service
from bot.errors import UsageError
from bot.match.query import QueryError, parse_query
from bot.pipeline.search import Refused, SearchRequest, search
from bot.telegram_html import split_message

PER_PAGE = 5
SEARCH_KEEP = timedelta(days=7)  # /search buttons older than this say they expired
PAGE_DATA = re.compile(r"s:(\d{1,12}):(\d{1,4})")
TOPIC_FILTER = re.compile(r"(?:^|\s)topic:(\S+)")


async def search_command(update: Update, context: Context) -> None:
    """/search QUERY: the first page of results, with buttons for the others."""
    query = argument_text(update)
    if not query:
        await reply(update, answers.search_examples())
        return
    svc = service(context)
    topic, words = split_topic(query)
    if topic is not None and topic_query(svc, topic) is None:
        await reply(update, f"No topic {answers.esc(topic)!r} here; /topics lists them.")
        return
    try:
        parse_query(words or topic_query(svc, topic))
    except QueryError as exc:
        await reply(update, answers.query_error(words, exc))
        return
    now = datetime.now(UTC)
    search_id = svc.store.save_search(
        str(update.effective_chat.id), query, now, keep_after=now - SEARCH_KEEP
    )
    text, markup = await search_page(svc, search_id, query, 1)
    await reply(update, text, markup)


async def search_page(svc, search_id: int, query: str, page: int):
    """(the page's HTML, its buttons); a refused query is explained instead."""
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
        return answers.esc(str(exc).removeprefix("search: ").capitalize()), None
    text = answers.search_page(found, query, page, PER_PAGE, svc.timezone)
    buttons = []
    if page > 1:
        buttons.append(
            InlineKeyboardButton("‹ Previous", callback_data=f"s:{search_id}:{page - 1}")
        )
    if (page - 1) * PER_PAGE + len(found.results) < found.total and found.results:
        buttons.append(InlineKeyboardButton("Next ›", callback_data=f"s:{search_id}:{page + 1}"))
    return text, InlineKeyboardMarkup([buttons]) if buttons else None


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
    for known, _, _ in svc.matcher().topics:
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
        split_message([text])[0],
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=NO_PREVIEW,
    )
