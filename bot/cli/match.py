"""`python -m bot match` (does a query match this text, and where) and `classify`
(JSON Lines of articles in, their topics out). Neither opens the database."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.app import topics
from bot.cli.args import mark, query_usage_error
from bot.errors import UsageError
from bot.match.matcher import Matcher, Topic, build_document
from bot.match.query import QueryError


def cmd_match(args, env, config) -> int:
    return run_match(args.query, args.text, args.title, args.lang, args.json)


def cmd_classify(args, env, config) -> int:
    matcher = Matcher(topics(config))
    if args.file is None:
        return run_classify(matcher, sys.stdin, sys.stdout)
    try:
        with args.file.open(encoding="utf-8") as source:
            return run_classify(matcher, source, sys.stdout)
    except BrokenPipeError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.file}: cannot read: {exc}") from None


def run_match(query: str, text: str, title: str, language: str | None, as_json: bool) -> int:
    """Exit 0 when the query matches, 1 when it does not, 2 when it is not a valid query."""
    try:
        matcher = Matcher([Topic("query", query)])
    except QueryError as exc:
        raise query_usage_error(query, exc) from None
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
