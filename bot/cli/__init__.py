"""The command line: `python -m bot COMMAND`. Reads configuration once, then delegates.

A user's mistake (bad config, unknown feed, unreadable file) prints a message and exits
with a non-zero status; it never shows a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

from dotenv import load_dotenv

from bot.config import BotConfig, Environment, load_config, load_environment
from bot.errors import BotError, ConfigError, UsageError
from bot.logs import setup_logging

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Media monitoring for Remain in Mexico (MPP) and US asylum coverage.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="the service: poll on schedule, send digests and alerts")
    poll = sub.add_parser("poll", help="one poll cycle over the due feeds")
    which = poll.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every enabled feed, due or not")
    which.add_argument("--feed", metavar="NAME", help="only this feed")
    poll.add_argument("--json", action="store_true", help="print the summary as JSON")
    sub.add_parser("check", help="validate feeds.yaml and the environment")
    feeds = sub.add_parser("feeds", help="list feeds with their health; import/export OPML")
    feeds.add_argument("--json", action="store_true")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION")
    imp = feeds_sub.add_parser("import-opml", help="add the feeds of an OPML file")
    imp.add_argument("file", type=Path)
    exp = feeds_sub.add_parser("export-opml", help="write every feed as OPML 2.0")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    stats = sub.add_parser("stats", help="counts of feeds and articles")
    stats.add_argument("--json", action="store_true")
    sub.add_parser("health", help="exit 0 when the database is readable and polling is recent")
    match = sub.add_parser("match", help="does a query match a text, and where")
    match.add_argument("query")
    match.add_argument("--text", required=True, help="the body text to match against")
    match.add_argument("--title", default="", help="a title (title: scopes match only here)")
    match.add_argument("--lang", help="the text's language, for lang: filters")
    match.add_argument("--json", action="store_true")
    rematch = sub.add_parser("rematch", help="match stored articles again after topics change")
    rematch.add_argument("--since", help="only articles published since: 30d, 12h or a date")
    rematch.add_argument("--json", action="store_true")
    digest = sub.add_parser("digest", help="compose and send each chat's digest now")
    digest.add_argument("--chat", metavar="ID", help="only this chat (its id or name)")
    digest.add_argument(
        "--dry-run", action="store_true", help="print the exact messages; send and change nothing"
    )
    digest.add_argument("--since", help="cover what was found since: 24h, 3d or a date")
    digest.add_argument("--json", action="store_true")
    search = sub.add_parser("search", help="search the archive (the topics' query language)")
    search.add_argument("query", help="e.g. '\"remain in mexico\" matamoros'")
    search.add_argument("--since", help="published since: 7d, 24h or a date (2026-01-01)")
    search.add_argument("--until", help="published before: 7d (ago) or a date")
    search.add_argument("--topic", help="only articles that matched this topic")
    search.add_argument("--feed", metavar="NAME", help="only this feed's articles")
    search.add_argument("--lang", help="only articles in this language (en, es)")
    search.add_argument(
        "--sort",
        choices=("relevance", "date"),
        default="relevance",
        help="relevance (with recency; default) or date (newest first)",
    )
    search.add_argument("--limit", type=int, default=20, help="results per page (default 20)")
    search.add_argument("--offset", type=int, default=0, help="results to skip (paging)")
    search.add_argument("--json", action="store_true")
    prune = sub.add_parser("prune", help="delete articles older than settings.retention_days")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")
    prune.add_argument("--json", action="store_true")
    reindex = sub.add_parser("reindex", help="rebuild the full-text search index")
    reindex.add_argument("--check", action="store_true", help="only check it (exit 1 if bad)")
    reindex.add_argument("--json", action="store_true")
    classify = sub.add_parser("classify", help="topics of articles given as JSON Lines")
    classify.add_argument("file", nargs="?", type=Path, help="JSON Lines (default: stdin)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_dotenv(Path(".env"), override=False)
    try:
        env = load_environment()
        setup_logging(env.log_level, [env.telegram_token or ""])
        config = load_config(env.config_path)
        return COMMANDS[args.command](args, env, config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        if args.command != "check":
            print("the configuration is invalid; nothing was done", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `… | head`: the reader has all it wanted
        return 0


def cmd_check(args, env: Environment, config: BotConfig) -> int:
    print(
        f"{env.config_path}: ok: {len(config.feeds)} feeds, {len(config.topics)} topics, "
        f"{len(config.chats)} chats"
    )
    if not env.telegram_token:
        print("note: TELEGRAM_BOT_TOKEN is not set: digests will go to the console")
    from bot.cli.feeds import chat_changes

    for line in chat_changes(env, config):
        print(line)
    return 0


def cmd_run(args, env, config) -> int:
    from bot.app import App

    app = App.open(env, config)
    try:
        asyncio.run(app.serve())
    finally:
        app.close()
    return 0


def cmd_poll(args, env, config) -> int:
    from bot.app import App
    from bot.cli.poll import run_poll

    app = App.open(env, config)
    try:
        return run_poll(app, args)
    finally:
        app.close()


def cmd_feeds(args, env, config) -> int:
    from bot.app import App
    from bot.cli.feeds import export_opml, import_opml, list_feeds

    app = App.open(env, config)
    try:
        if args.feeds_command == "import-opml":
            return import_opml(app, args.file)
        if args.feeds_command == "export-opml":
            return export_opml(app, args.output)
        return list_feeds(app, as_json=args.json)
    finally:
        app.close()


def cmd_stats(args, env, config) -> int:
    from bot.app import App

    app = App.open(env, config)
    try:
        stats = app.store.stats()
    finally:
        app.close()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"feeds: {stats['feeds']} ({stats['feeds_enabled']} enabled)")
    print(f"articles: {stats['articles']} (newest {stats['newest_article'] or '—'})")
    for name, count in stats["articles_per_feed"].items():
        print(f"  {count:>7}  {name}")
    print("languages: " + ", ".join(f"{k} {v}" for k, v in stats["articles_per_language"].items()))
    return 0


def cmd_health(args, env, config) -> int:
    from bot.app import App
    from bot.model import utc_now

    app = App.open(env, config)
    try:
        last = app.store.last_cycle()
    finally:
        app.close()
    if last is None:
        print("unhealthy: no poll cycle has run yet")
        return 1
    age = (utc_now() - last["finished_at"]).total_seconds()
    limit = 3 * app.tick_seconds() + 600
    if age > limit:
        print(f"unhealthy: the last poll cycle finished {age:.0f}s ago")
        return 1
    print(f"ok: last poll cycle {age:.0f}s ago")
    return 0


def cmd_match(args, env, config) -> int:
    from bot.cli.match import run_match

    return run_match(args.query, args.text, args.title, args.lang, args.json)


def cmd_rematch(args, env, config) -> int:
    from bot.app import App
    from bot.cli.match import run_rematch

    app = App.open(env, config)
    try:
        return run_rematch(app, args.since, args.json)
    finally:
        app.close()


def cmd_classify(args, env, config) -> int:
    from bot.app import topics
    from bot.cli.match import run_classify
    from bot.match.matcher import Matcher

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


def cmd_digest(args, env, config) -> int:
    from bot.app import App
    from bot.cli.digest import run_digest

    app = App.open(env, config)
    try:
        return run_digest(app, args)
    finally:
        app.close()


def cmd_search(args, env, config) -> int:
    from bot.app import App
    from bot.cli.search import run_search

    app = App.open(env, config)
    try:
        return run_search(app, args)
    finally:
        app.close()


def cmd_prune(args, env, config) -> int:
    from bot.app import App
    from bot.cli.search import run_prune

    app = App.open(env, config)
    try:
        return run_prune(app, args.dry_run, args.json)
    finally:
        app.close()


def cmd_reindex(args, env, config) -> int:
    from bot.app import App
    from bot.cli.search import run_reindex

    app = App.open(env, config)
    try:
        return run_reindex(app, args.check, args.json)
    finally:
        app.close()


COMMANDS: dict[str, Callable[..., int]] = {
    "digest": cmd_digest,
    "search": cmd_search,
    "prune": cmd_prune,
    "reindex": cmd_reindex,
    "match": cmd_match,
    "rematch": cmd_rematch,
    "classify": cmd_classify,
    "run": cmd_run,
    "poll": cmd_poll,
    "check": cmd_check,
    "feeds": cmd_feeds,
    "stats": cmd_stats,
    "health": cmd_health,
}
