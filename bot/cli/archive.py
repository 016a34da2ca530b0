"""The archive's upkeep: `stats` (counts), `rematch` (match stored articles again),
`prune` (retention) and `reindex` (the full-text index). `stats`, `prune --dry-run` and
`reindex --check` only read: on a missing database they say so and create none."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.app import opened
from bot.cli.args import parse_since
from bot.cli.processes import describe_processes, processes_json
from bot.match.matcher import build_document
from bot.model import utc_now


def cmd_stats(args, env, config) -> int:
    with opened(env, config, create=False) as app:
        stats = app.store.stats()
        rows = app.store.processes()
        stats |= processes_json(app.store.kind, rows, utc_now())
        running = describe_processes(app.store.describe(), rows, utc_now())
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"feeds: {stats['feeds']} ({stats['feeds_enabled']} enabled)")
    print(f"articles: {stats['articles']} (newest {stats['newest_article'] or '—'})")
    for name, count in stats["articles_per_feed"].items():
        print(f"  {count:>7}  {name}")
    print("languages: " + ", ".join(f"{k} {v}" for k, v in stats["articles_per_language"].items()))
    per_topic = ", ".join(f"{topic} {count}" for topic, count in stats["matches"].items())
    print(f"matches per topic: {per_topic or 'none yet'}")
    print(running)  # store: SQLite at …; running: 1 all (last poll 40s ago)
    return 0


def cmd_rematch(args, env, config) -> int:
    with opened(env, config) as app:
        return run_rematch(app, args.since, args.json)


def cmd_prune(args, env, config) -> int:
    with opened(env, config, create=not args.dry_run) as app:
        return run_prune(app, args.dry_run, args.json)


def cmd_reindex(args, env, config) -> int:
    with opened(env, config, create=not args.check) as app:
        return run_reindex(app, args.check, args.json)


def run_rematch(app, since: str | None, as_json: bool) -> int:
    """Match stored articles again (after a topic changed) and replace their matches."""
    now = datetime.now(UTC)
    start = parse_since(since, now)
    seen = 0
    per_topic: Counter[str] = Counter()
    for rows in app.store.articles_for_matching(start):
        found = {}
        for row in rows:
            doc = build_document(
                row.title, row.summary, row.content, language=row.language, feed=row.feed
            )
            found[row.id] = app.matcher.match(doc)
            per_topic.update(m.topic for m in found[row.id])
        app.store.replace_matches(found, now)
        seen += len(rows)
    result = {"articles": seen, "matches": dict(sorted(per_topic.items()))}
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        counts = ", ".join(f"{t} {n}" for t, n in result["matches"].items()) or "none"
        print(f"rematched {seen} articles; matches: {counts}")
    return 0


def run_prune(app, dry_run: bool, as_json: bool) -> int:
    """Delete articles older than settings.retention_days (or say what would go)."""
    days = app.config.settings.retention_days
    before = datetime.now(UTC) - timedelta(days=days)
    summary = app.store.prune_summary(before)
    started = time.monotonic()
    if not dry_run:
        summary["articles"] = app.store.prune(before)
    summary |= {"dry_run": dry_run, "retention_days": days}
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    verb = "would delete" if dry_run else "deleted"
    cutoff = f"published before {before:%Y-%m-%d %H:%M} UTC (retention {days} days)"
    print(f"prune: {verb} {summary['articles']} articles {cutoff}")
    if not dry_run:
        print(f"  in {time.monotonic() - started:.1f}s")
    for feed, count in summary["per_feed"].items():
        print(f"  {count:>7}  {feed}")
    return 0


def run_reindex(app, check_only: bool, as_json: bool) -> int:
    """Rebuild the full-text index from the articles (or only check it: exit 1 if bad)."""
    index = app.store.search
    if check_only:
        problem = index.check()
        if as_json:
            print(json.dumps({"ok": problem is None, "problem": problem}))
        else:
            print(f"index: {problem}" if problem else "index: ok")
        return 1 if problem else 0
    started = time.monotonic()
    count = index.rebuild()
    seconds = round(time.monotonic() - started, 2)
    if as_json:
        print(json.dumps({"articles": count, "seconds": seconds}))
    else:
        print(f"reindex: {count} articles indexed in {seconds}s")
    return 0
