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
    """A QUERY, or with --topic ID a topic of feeds.yaml (its compiled query, exclude and
    languages), against the text."""
    topic_id = getattr(args, "topic", None)
    verbose = getattr(args, "verbose", False)
    if topic_id is None:
        if args.query is None:
            raise UsageError("match: give a QUERY, or --topic ID for a topic of feeds.yaml")
        return run_match(args.query, args.text, args.title, args.lang, args.json, verbose=verbose)
    if args.query is not None:
        raise UsageError("match: give a QUERY or --topic ID, not both")
    found = [t for t in topics(config) if t.id == topic_id]
    if not found:
        known = ", ".join(config.topics) or "none"
        raise UsageError(f"match: no topic {topic_id!r} in feeds.yaml (topics: {known})")
    return run_match(
        found[0].query, args.text, args.title, args.lang, args.json,
        topic=found[0], verbose=verbose,
    )  # fmt: skip


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


def run_match(
    query: str,
    text: str,
    title: str,
    language: str | None,
    as_json: bool,
    *,
    topic: Topic | None = None,
    verbose: bool = False,
) -> int:
    """Exit 0 when the query (or the topic) matches, 1 when it does not, 2 when it is not
    a valid query. `verbose`: the query matched is printed first (on stderr with --json)."""
    try:
        matcher = Matcher([topic or Topic("query", query)])
    except QueryError as exc:
        raise query_usage_error(query, exc) from None
    if verbose:
        out = sys.stderr if as_json else sys.stdout
        print(f"{'topic ' + topic.id if topic else 'query'}: {query}", file=out)
        if topic is not None and topic.exclude:
            print(f"  exclude: {topic.exclude}", file=out)
        if topic is not None and topic.languages:
            print(f"  languages: {', '.join(topic.languages)}", file=out)
    if topic is not None and topic.languages and language is None:
        print(
            f"note: topic {topic.id} is for {', '.join(topic.languages)} only: give --lang",
            file=sys.stderr,
        )
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
