"""`python -m bot match` (does a query match this text, and where) and `classify`
(JSON Lines of articles in, their topics out)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.durations import parse_duration
from bot.errors import UsageError
from bot.match.matcher import Matcher, Topic, build_document
from bot.match.query import QueryError


def run_match(query: str, text: str, title: str, language: str | None, as_json: bool) -> int:
    """Exit 0 when the query matches, 1 when it does not, 2 when it is not a valid query."""
    try:
        matcher = Matcher([Topic("query", query)])
    except QueryError as exc:
        raise UsageError(f"{exc}\n  {query}\n  {' ' * (exc.column - 1)}^") from None
    found = matcher.match(build_document(title, text, language=language))
    if as_json:
        result = {"matched": bool(found)}
        if found:
            m = found[0]
            result.update(
                score=m.score, snippet=m.snippet, highlights=[list(h) for h in m.highlights]
            )
        print(json.dumps(result, ensure_ascii=False))
    elif found:
        m = found[0]
        print(f"matches (score {m.score})")
        print("  " + mark(m.snippet, m.highlights))
    else:
        print("no match")
    return 0 if found else 1


def mark(snippet: str, highlights) -> str:
    """The snippet with hits in [brackets], for a terminal."""
    out, last = [], 0
    for start, end in sorted(highlights):
        if start < last:
            continue
        out += [snippet[last:start], "[", snippet[start:end], "]"]
        last = end
    return "".join([*out, snippet[last:]])


def run_classify(matcher: Matcher, source: TextIO, out: TextIO) -> int:
    """One JSON line out per valid line in; bad lines are reported (with their number)
    on stderr and skipped; exit 1 if there were any."""
    bad = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
            doc = build_document(
                _text(item, "title"),
                _text(item, "summary"),
                _text(item, "content"),
                language=item.get("language") or None,
                feed=item.get("feed") or None,
            )
        except ValueError as exc:
            print(f"classify: line {number}: {exc}", file=sys.stderr)
            bad += 1
            continue
        found = matcher.match(doc)
        result = {
            "id": item.get("id"),
            "topics": [m.topic for m in found],
            "scores": {m.topic: m.score for m in found},
        }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 1 if bad else 0


def _text(item: dict, key: str) -> str:
    value = item.get(key) or ""
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


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


def run_rematch(app, since: str | None, as_json: bool) -> int:
    """Match stored articles again (after a topic changed) and replace their matches."""
    now = datetime.now(UTC)
    start = parse_since(since, now)
    seen = 0
    per_topic: Counter[str] = Counter()
    for rows in app.store.articles_for_matching(start):
        found = {}
        for article_id, title, summary, content, language, feed in rows:
            doc = build_document(title, summary, content, language=language, feed=feed)
            found[article_id] = app.matcher.match(doc)
            per_topic.update(m.topic for m in found[article_id])
        app.store.replace_matches(found, now)
        seen += len(rows)
    result = {"articles": seen, "matches": dict(sorted(per_topic.items()))}
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        counts = ", ".join(f"{t} {n}" for t, n in result["matches"].items()) or "none"
        print(f"rematched {seen} articles; matches: {counts}")
    return 0
