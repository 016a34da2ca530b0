"""The command line: `python -m bot COMMAND`. Reads configuration once, then hands it to
the command's module (bot/cli/*.py: each `cmd_*` takes the arguments, the environment
and the configuration, and returns the exit status).

A user's mistake (bad config, unknown feed, unreadable file) or the machine's fault (a
damaged database, a full disk, a read-only folder) prints one message and exits with a
non-zero status; it never shows a traceback.
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from bot.config import load_config, load_environment
from bot.errors import BotError, ConfigError, UsageError
from bot.logs import setup_logging
from bot.model import ROLES

EXIT_USAGE = 2
# OS errors that are the machine's, not the bot's, and what to do about each.
MACHINE_FAULTS = {
    errno.ENOSPC: "free some space and run it again",
    errno.EDQUOT: "the disk quota is used up: free some space and run it again",
    errno.EROFS: "that file system is read-only: check how it is mounted",
    errno.EACCES: "check the permissions of the file and its folder",
    errno.EPERM: "check the permissions of the file and its folder",
    errno.EIO: "the disk failed to read or write: check it",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Media monitoring for Remain in Mexico (MPP) and US asylum coverage.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="the service: poll on schedule, send digests and alerts")
    run.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="what this process does: all (default), worker (polls, alerts, digests) or "
        "telegram (chat commands); several processes need PostgreSQL",
    )
    poll = sub.add_parser("poll", help="one poll cycle over the due feeds")
    which = poll.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every enabled feed, due or not")
    which.add_argument("--feed", metavar="NAME", help="only this feed")
    poll.add_argument("--json", action="store_true", help="print the summary as JSON")
    check = sub.add_parser("check", help="validate feeds.yaml and the environment")
    check.add_argument(
        "--verbose", action="store_true", help="also print each topic's compiled query"
    )
    feeds = sub.add_parser(
        "feeds",
        help="list feeds with their health; import/export OPML",
        usage="python -m bot feeds [-h] [--json] [ACTION]",
        description="Without an ACTION, lists the feeds with their health.",
    )
    feeds.add_argument("--json", action="store_true", help="print the feed list as JSON")
    feeds_sub = feeds.add_subparsers(
        dest="feeds_command",
        metavar="ACTION",
        title="actions (optional)",
        prog="python -m bot feeds",  # not the usage above: `feeds import-opml [-h] FILE`
    )
    imp = feeds_sub.add_parser("import-opml", help="add the feeds of an OPML file")
    imp.add_argument(
        "file", type=Path, metavar="FILE", help="the OPML file (a feed reader's export)"
    )
    exp = feeds_sub.add_parser("export-opml", help="write every feed as OPML 2.0")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    stats = sub.add_parser("stats", help="counts of feeds and articles")
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    sub.add_parser("health", help="exit 0 when the database is readable and polling is recent")
    match = sub.add_parser("match", help="does a query (or a topic) match a text, and where")
    match.add_argument("query", nargs="?", help="a query; leave out with --topic")
    match.add_argument("--topic", metavar="ID", help="match this topic of feeds.yaml instead")
    match.add_argument(
        "--verbose", action="store_true", help="print the query (a topic's, compiled) first"
    )
    match.add_argument("--text", required=True, help="the body text to match against")
    match.add_argument("--title", default="", help="a title (title: scopes match only here)")
    match.add_argument("--lang", help="the text's language, for lang: filters")
    match.add_argument("--json", action="store_true", help="print the result as JSON")
    rematch = sub.add_parser("rematch", help="match stored articles again after topics change")
    rematch.add_argument("--since", help="only articles published since: 30d, 12h or a date")
    rematch.add_argument("--json", action="store_true", help="print the counts as JSON")
    digest = sub.add_parser("digest", help="compose and send each chat's digest now")
    digest.add_argument("--chat", metavar="ID", help="only this chat (its id or name)")
    digest.add_argument(
        "--dry-run", action="store_true", help="print the exact messages; send and change nothing"
    )
    digest.add_argument("--since", help="cover what was found since: 24h, 3d or a date")
    digest.add_argument("--json", action="store_true", help="print each chat's digest as JSON")
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
    search.add_argument("--json", action="store_true", help="print the results as JSON")
    prune = sub.add_parser("prune", help="delete articles older than settings.retention_days")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")
    prune.add_argument("--json", action="store_true", help="print the summary as JSON")
    reindex = sub.add_parser("reindex", help="rebuild the full-text search index")
    reindex.add_argument("--check", action="store_true", help="only check it (exit 1 if bad)")
    reindex.add_argument("--json", action="store_true", help="print the result as JSON")
    classify = sub.add_parser("classify", help="topics of articles given as JSON Lines")
    classify.add_argument("file", nargs="?", type=Path, help="JSON Lines (default: stdin)")
    evaluate = sub.add_parser("evaluate", help="precision and recall of topics on labeled items")
    evaluate.add_argument("file", type=Path, help="labeled JSON Lines (id, title, …, topics)")
    evaluate.add_argument("--topic", metavar="ID", help="only this topic")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument(
        "--floor", metavar="P,R", help="exit 1 if a topic in a language is below these"
    )
    move = sub.add_parser(
        "migrate-store", help="copy the whole archive into another database (to PostgreSQL)"
    )
    move.add_argument(
        "--from", dest="source", metavar="URL", help="the database to copy (default: DATABASE_URL)"
    )
    move.add_argument("--to", dest="target", metavar="URL", help="the database to copy into")
    move.add_argument(
        "--force", action="store_true", help="empty the target first when it holds data"
    )
    move.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (dotenv_file := Path(".env")).is_file():
        # python-dotenv only when there is a .env to read: a poll without one starts ~3 ms
        # sooner (its start is most of a re-poll of unchanged feeds, bench/README.md).
        from dotenv import load_dotenv

        load_dotenv(dotenv_file, override=False)
    try:
        env = load_environment()
        setup_logging(env.log_level, [env.telegram_token or ""])
        config = load_config(env.config_path)
        run = command(args.command)
        started()
        return run(args, env, config)
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
    except OSError as exc:  # the machine's fault (disk full, read-only): one line
        if exc.errno not in MACHINE_FAULTS:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror}{where}; {MACHINE_FAULTS[exc.errno]}", file=sys.stderr)
        return 1


# Each command's module is imported only when that command runs: what one needs (the
# chat side, rich, trafilatura) must not slow the others' start, and a re-poll of
# unchanged feeds is mostly start (bench/README.md).
COMMANDS: dict[str, tuple[str, str]] = {
    "digest": ("bot.cli.digest", "cmd_digest"),
    "search": ("bot.cli.search", "cmd_search"),
    "prune": ("bot.cli.archive", "cmd_prune"),
    "reindex": ("bot.cli.archive", "cmd_reindex"),
    "match": ("bot.cli.match", "cmd_match"),
    "rematch": ("bot.cli.archive", "cmd_rematch"),
    "classify": ("bot.cli.match", "cmd_classify"),
    "evaluate": ("bot.cli.evaluate", "cmd_evaluate"),
    "run": ("bot.cli.run", "cmd_run"),
    "poll": ("bot.cli.poll", "cmd_poll"),
    "check": ("bot.cli.run", "cmd_check"),
    "feeds": ("bot.cli.feeds", "cmd_feeds"),
    "stats": ("bot.cli.archive", "cmd_stats"),
    "health": ("bot.cli.run", "cmd_health"),
    "migrate-store": ("bot.cli.migrate_store", "cmd_migrate_store"),
}


def started() -> None:
    """Start-up is over: when the entry point (bot/__main__.py) turned the collector off
    for it, what it made is frozen out of the collector's sight and collecting resumes."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def command(name: str) -> Callable[..., int]:
    """The function that runs command `name`, its module imported now."""
    module, function = COMMANDS[name]
    return getattr(importlib.import_module(module), function)
