"""`python -m bot search`: the archive, ranked, as a listing or JSON."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from bot.app import opened
from bot.cli.args import mark, parse_since, query_usage_error
from bot.errors import UsageError
from bot.match.query import QueryError
from bot.pipeline.search import SearchRequest, SearchResults, search

BOLD, PLAIN = "\033[1m", "\033[0m"


def cmd_search(args, env, config) -> int:
    with opened(env, config) as app:
        return run_search(app, args)


def run_search(app, args) -> int:
    """Search the archive; exit 0 with results, 1 with none, 2 for a bad query."""
    now = datetime.now(UTC)
    if args.topic is not None and args.topic not in app.config.topics:
        known = ", ".join(sorted(app.config.topics)) or "none configured"
        raise UsageError(f"search: unknown topic {args.topic!r} (topics: {known})")
    request = SearchRequest(
        query=args.query,
        since=parse_since(args.since, now, option="--since"),
        until=parse_since(args.until, now, option="--until"),
        topic=args.topic,
        feed=args.feed,
        language=args.lang,
        sort=args.sort,
        limit=args.limit,
        offset=args.offset,
    )
    try:
        found = search(app.store.search, app.store.feed_ids(), request, now)
    except QueryError as exc:
        raise query_usage_error(args.query, exc) from None
    if args.json:
        print(json.dumps(found.as_dict(), ensure_ascii=False))
    else:
        print_results(found, request, color=sys.stdout.isatty())
    return 0 if found.results else 1


def print_results(found: SearchResults, request: SearchRequest, *, color: bool) -> None:
    """A readable listing: number, title, source and date, link, topics, snippet."""
    about = "" if found.total_exact else "about "
    if not found.results:
        more = f" (there are {about}{found.total}; try a smaller --offset)" if found.total else ""
        print(f"no results{more}")
        return
    first = request.offset + 1
    last = request.offset + len(found.results)
    noun = "article" if found.total == 1 else "articles"
    print(f"{about}{found.total} matching {noun}; showing {first}-{last}, by {request.sort}")
    for number, result in enumerate(found.results, start=first):
        title = f"{BOLD}{result.title}{PLAIN}" if color else result.title
        print(f"\n{number:>3}. {title}")
        print(
            f"     {result.feed} · {result.published:%Y-%m-%d %H:%M} UTC · score {result.score:g}"
        )
        if result.url:
            print(f"     {result.url}")
        if result.topics:
            print(f"     topics: {', '.join(result.topics)}")
        if result.also_in:
            print(f"     also in: {', '.join(c['feed'] for c in result.also_in)}")
        print(f"     {_marked(result.snippet, result.highlights, color)}")


def _marked(snippet: str, highlights, color: bool) -> str:
    text = mark(snippet, highlights)
    return text.replace("[", BOLD).replace("]", PLAIN) if color else text
