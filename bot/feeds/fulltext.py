"""Full text for feeds with `full_text: true`: fetch the pages of new or changed entries,
extract their main text (bot/feeds/extract.py) and put it in the article, so topics
match on the whole story. The stored article is the cache: a page is fetched once per
version of an entry, never again while the entry is unchanged. Pages go through the
feeds' own fetcher, with the same limits, and are public only whatever the feed's origin:
the feed URL is the operator's choice, the links in it are the publisher's, so a page
whose host (or a redirect hop's, or the address a connection reached) is not public is
refused unless the host is in allow_private_hosts (bot/feeds/safety.py). A page that
fails or is refused leaves the feed's own text; the article is never lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import replace

from bot.errors import FetchError
from bot.feeds.extract import extract_main_text
from bot.feeds.fetch import Fetcher
from bot.model import Article

MAX_PAGES_PER_POLL = 30  # a feed that suddenly lists hundreds of entries is read gradually
log = logging.getLogger("bot.poll")


def pages_to_fetch(articles: Sequence[Article], known: Mapping[str, str]) -> list[Article]:
    """New entries, and entries whose text changed since they were stored."""
    wanted = [a for a in articles if a.url and known.get(a.entry_id) != a.content_hash]
    return wanted[-MAX_PAGES_PER_POLL:]  # the newest (articles come oldest first)


async def add_full_text(
    articles: list[Article],
    known: Mapping[str, str],
    fetcher: Fetcher,
    thread: Executor | None = None,
) -> list[Article]:
    """The articles, those that needed it with their page's main text as content."""
    wanted = pages_to_fetch(articles, known)
    texts = await asyncio.gather(*(_page_text(a.url, fetcher, thread) for a in wanted))
    found = {a.entry_id: text for a, text in zip(wanted, texts, strict=True) if text}
    return [replace(a, content=found[a.entry_id]) if a.entry_id in found else a for a in articles]


async def _page_text(url: str | None, fetcher: Fetcher, thread: Executor | None) -> str | None:
    try:
        page = await fetcher.fetch(url, public_only=True)
    except FetchError as exc:
        log.info("full text of %s not fetched (%s); the feed's text is used", url, exc)
        return None
    if page.not_modified or not page.body:
        return None
    loop = asyncio.get_running_loop()
    # extract_main_text never raises: a page it cannot read leaves the feed's text too
    return await loop.run_in_executor(thread, extract_main_text, page.body, page.final_url)
