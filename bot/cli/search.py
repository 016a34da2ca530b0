"""`python -m bot search`: the archive, ranked, as a listing or JSON."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import opened
from bot.cli.args import mark, parse_since, query_usage_error
from bot.errors import UsageError
from bot.match.query import QueryError
from bot.pipeline.search import FiltersAlone, SearchRequest, SearchResults, search

BOLD, PLAIN = "\033[1m", "\033[0m"


def cmd_search(args, env, config) -> int:
    with opened(env, config, create=False) as app:  # a search never creates an archive
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
    except FiltersAlone as exc:
        raise UsageError(exc.for_command_line()) from None
    if args.json:
        print(json.dumps(found.as_dict(), ensure_ascii=False))
    else:
        timezone = app.config.settings.timezone
        print_results(found, request, color=sys.stdout.isatty(), timezone=timezone)
    return 0 if found.results else 1


def print_results(
    found: SearchResults, request: SearchRequest, *, color: bool, timezone: str = "UTC"
) -> None:
    """A readable listing: number, title, source and date (local to `timezone`, with
    its abbreviation), link, topics, snippet. Pages count stories; the header says the
    articles beside them (copies, listed under "also in")."""
    counts = _counts(found)
    if not found.results:
        if found.total:
            offset = request.offset
            print(f"no results at --offset {offset}: there are {counts}; try a smaller --offset")
        else:
            print(f"no results; {found.hint}" if found.hint else "no results")
        return
    first = request.offset + 1
    last = request.offset + len(found.results)
    print(f"{counts}; showing {first}-{last}, by {request.sort}")
    zone = ZoneInfo(timezone)
    for number, result in enumerate(found.results, start=first):
        title = f"{BOLD}{result.title}{PLAIN}" if color else result.title
        when = result.published.astimezone(zone)
        print(f"\n{number:>3}. {title}")
        print(f"     {result.feed} · {when:%Y-%m-%d %H:%M} {when:%Z} · score {result.score:g}")
        if result.url:
            print(f"     {result.url}")
        if result.topics:
            print(f"     topics: {', '.join(result.topics)}")
        if result.also_in:
            print(f"     also in: {', '.join(c['feed'] for c in result.also_in)}")
        print(f"     {_marked(result.snippet, result.highlights, color)}")


def _counts(found: SearchResults) -> str:
    """The counts as the listing says them: `2 stories (3 articles)`, `about 480 stories
    (about 610 articles)`."""
    stories = _plural(found.total, "story", "stories")
    articles = _plural(found.articles, "article", "articles")
    story_about = "" if found.total_exact else "about "
    article_about = "" if found.articles_exact else "about "
    return f"{story_about}{stories} ({article_about}{articles})"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _marked(snippet: str, highlights, color: bool) -> str:
    text = mark(snippet, highlights)
    return text.replace("[", BOLD).replace("]", PLAIN) if color else text
