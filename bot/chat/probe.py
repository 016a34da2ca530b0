"""/addfeed's check: a URL becomes a feed only once it was fetched (public hosts only)
and parsed. The answer says why a URL is not a working feed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import FetchError, ParseError
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.parse import parse_feed


@dataclass(frozen=True)
class Probe:
    """A URL that works: where it ended up, its title and how many entries it has."""

    url: str
    title: str | None
    entries: int
    format: str


async def probe_feed(url: str, limits: FetchLimits) -> Probe:
    """Fetch and parse `url` as a chat-added feed would be polled. FetchError (refused
    hosts included) or ParseError say why it is not a feed."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise FetchError("only http and https URLs can be feeds")
    async with Fetcher(limits) as fetcher:
        result = await fetcher.fetch(url, public_only=True)
    parsed = await asyncio.to_thread(
        parse_feed, result.body, result.content_type, result.final_url or url
    )
    if not parsed.entries:
        raise ParseError("the feed is valid but has no entries yet; try again when it has some")
    return Probe(result.moved_to or url, parsed.title, len(parsed.entries), parsed.format)
