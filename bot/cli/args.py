"""What several commands read and print alike: --since values, marked snippets, query
errors with a caret under the column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.durations import parse_duration
from bot.errors import UsageError
from bot.match.query import QueryError


def parse_since(value: str | None, now: datetime, option: str = "--since") -> datetime | None:
    """--since 30d / 12h / 2026-01-01 → a UTC time (a duration counts back from now);
    None → no limit."""
    if value is None:
        return None
    try:
        return now - timedelta(seconds=parse_duration(value))
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option}: {value!r} is neither a duration (30d) nor a date (2026-01-01)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def mark(snippet: str, highlights) -> str:
    """The snippet with hits in [brackets], for a terminal."""
    out, last = [], 0
    for start, end in sorted(highlights):
        if start < last:
            continue
        out += [snippet[last:start], "[", snippet[start:end], "]"]
        last = end
    return "".join([*out, snippet[last:]])


def query_usage_error(query: str, exc: QueryError) -> UsageError:
    """The message, then the query and a caret under the column."""
    shown, caret = exc.pointer(query, width=len(query))
    return UsageError(f"{exc}\n  {shown}\n  {caret}")
