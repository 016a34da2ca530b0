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
from bot.match.query import QueryError
from bot.pipeline.search import FiltersAlone, Refused, SearchRequest, compile_query, search
from bot.telegram_html import split_message

PER_PAGE = 5
MAX_PAGE = 200  # 1,000 results: past that, a narrower search serves better than paging
SEARCH_KEEP = timedelta(days=7)  # /search buttons older than this say they expired
PAGE_DATA = re.compile(r"s:(\d{1,12}):([1-9]\d{0,3})")  # pages count from 1
TOPIC_FILTER = re.compile(r"(?:^|\s)topic:(\S+)")
NO_SUCH_PAGE = f"Pages stop at {MAX_PAGE}; narrow the search with a word, a phrase or lang:."


async def search_command(update: Update, context: Context) -> None:
    """/search QUERY: the first page of results, with buttons for the others."""
    query = argument_text(update)
    if not query:
        await reply(update, answers.search_examples())
        return
    svc = service(context)
    chat = str(update.effective_chat.id)
    try:
        topic, words = split_topic(query)
    except ValueError as exc:
        await reply(update, answers.esc(str(exc)))
        return
    named = topic_query(svc, chat, topic)
    if topic is not None and named is None:
        await reply(update, no_topic(topic))
        return
    text = words or named[1]
    try:
        compile_query(text)
    except QueryError as exc:
        await reply(update, answers.query_error(text, exc))
        return
    except Refused as exc:  # filters alone (lang:es): said before a search is saved
        await reply(update, refusal(exc))
        return
    now = datetime.now(UTC)
    search_id = svc.store.save_search(chat, query, now, keep_after=now - SEARCH_KEEP)
    html, markup = await search_page(svc, chat, search_id, query, 1)
    await reply(update, html, markup)


async def search_page(svc, chat: str, search_id: int, query: str, page: int):
    """(the page's HTML, its buttons); a refused query is explained instead."""
    topic, words = split_topic(query)
    named = topic_query(svc, chat, topic)
    if topic is not None and named is None:  # the watch was removed since
        return no_topic(topic), None
    request = SearchRequest(
        query=words or named[1],
        topic=named[0] if named else None,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    now = datetime.now(UTC)
    try:
        found = await asyncio.to_thread(
            search, svc.store.search, svc.store.feed_ids(), request, now
        )
    except QueryError as exc:  # one the index cannot read (the parser took it)
        return answers.query_error(request.query, exc), None
    except (Refused, UsageError) as exc:
        return refusal(exc), None
    text = answers.search_page(found, query, page, PER_PAGE, svc.timezone)
    last = min(MAX_PAGE, -(-found.total // PER_PAGE))  # the last page with stories
    buttons = []
    if page > 1 and last >= 1:
        back = page - 1 if found.results else last  # past the end: back to the last page
        buttons.append(InlineKeyboardButton("‹ Previous", callback_data=f"s:{search_id}:{back}"))
    # Pages count stories, as the total does: with an exact total, Next is there exactly
    # when another story follows (never a page of "No more results").
    if found.results and found.more and page < MAX_PAGE:
        buttons.append(InlineKeyboardButton("Next ›", callback_data=f"s:{search_id}:{page + 1}"))
    return text, InlineKeyboardMarkup([buttons]) if buttons else None


def refusal(exc: UsageError) -> str:
    """A refused query (or a bad option) as the chat says it."""
    if isinstance(exc, FiltersAlone):  # "lang:es alone would list…": the filter as written
        return answers.esc(exc.reason) + "."
    said = str(exc).removeprefix("search: ")
    return answers.esc(said[:1].upper() + said[1:])  # feed names keep their case


def split_topic(query: str) -> tuple[str | None, str]:
    """`topic:ID` in a /search (what a digest's "…and K more — /search topic:mpp" asks):
    (the topic id or None, the query's other words). ValueError for more than one."""
    found = list(TOPIC_FILTER.finditer(query))
    if not found:
        return None, query
    if len(found) > 1:
        raise ValueError("One topic: at a time, please; /topics lists them.")
    found = found[0]
    return found[1], (query[: found.start()] + " " + query[found.end() :]).strip()


def topic_query(svc, chat: str, topic: str | None) -> tuple[str, str] | None:
    """(topic id, query) of what `topic:ID` names in this chat: a topic of feeds.yaml, or
    one of this chat's own watches, by its name or by its full id (watch:<chat>:<name>,
    as a digest writes it). None for anything else: another chat's watch is not this
    chat's to search (the same rule as /trend)."""
    if topic is None:
        return None
    if topic in svc.config.topics:
        return topic, svc.config.topics[topic].query
    for watch in svc.store.chat_settings().watches_of(chat):
        if topic.lower() in (watch.name, watch.topic_id.lower()):
            return watch.topic_id, watch.query
    return None


def no_topic(topic: str) -> str:
    return f"No topic {answers.esc(topic)!r} here; /topics lists them."


async def page_button(update: Update, context: Context) -> None:
    """A press of a /search page button: the message shows that page."""
    press = update.callback_query
    match = PAGE_DATA.fullmatch(press.data or "")
    chat = str(update.effective_chat.id)
    saved = service(context).store.load_search(int(match[1])) if match else None
    if saved is None or saved[0] != chat:
        await press.answer("This search has expired; send /search again.", show_alert=False)
        return
    page = int(match[2])
    if page > MAX_PAGE:
        await press.answer(NO_SUCH_PAGE, show_alert=False)
        return
    text, markup = await search_page(service(context), chat, int(match[1]), saved[1], page)
    await press.answer()
    await press.edit_message_text(
        split_message([text])[0],
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=NO_PREVIEW,
    )
