"""`python -m bot feeds`: the feed list with health, and OPML import/export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.app import opened
from bot.cli.processes import describe_processes, processes_json
from bot.errors import ParseError, UsageError
from bot.feeds.health import feed_health, feed_row, next_poll_text, when_text
from bot.feeds.opml import OpmlFeed, parse_opml, render_opml
from bot.feeds.safety import check_public_url
from bot.model import FeedSpec, utc_now


def cmd_feeds(args, env, config) -> int:
    # Listing and export only read: on a missing database they say so and create none.
    with opened(env, config, create=args.feeds_command == "import-opml") as app:
        if args.feeds_command == "import-opml":
            return import_opml(app, args.file)
        if args.feeds_command == "export-opml":
            return export_opml(app, args.output)
        return list_feeds(app, as_json=args.json)


def list_feeds(app, *, as_json: bool) -> int:
    now = utc_now()
    states = app.store.feed_states()
    store = (app.store.kind, app.store.processes(), now)
    if as_json:
        listing = {"feeds": [feed_row(f, now) for f in states], **processes_json(*store)}
        print(json.dumps(listing, ensure_ascii=False))
        return 0
    table = Table(box=None, pad_edge=False)
    for column in ("feed", "health", "last ok", "last error", "next poll", "articles"):
        table.add_column(
            column, overflow="fold", justify="right" if column == "articles" else "left"
        )
    for f in states:
        error = f"{f.last_error} ({when_text(f.last_error_at, now)})" if f.last_error else ""
        cells = (
            f.name + ("" if f.origin == "config" else f" [{f.origin}]"),
            feed_health(f, now),
            when_text(f.last_success_at, now),
            error if f.consecutive_failures else "",
            next_poll_text(f.next_poll_at, now) if f.enabled else "—",
            str(f.articles),
        )
        # Feed names and errors are the publishers' and the operators' text, not markup.
        table.add_row(*(escape(cell) for cell in cells))
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    print(describe_processes(app.store.describe(), *store[1:]))
    return 0


def import_opml(app, path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        entries = parse_opml(data)
    except ParseError as exc:
        raise UsageError(f"{path}: {str(exc).removeprefix('parse: ')}") from None
    allowed = frozenset(h.lower() for h in app.config.settings.allow_private_hosts)
    added = skipped = refused = 0
    now = utc_now()
    for entry in entries:
        reason = check_public_url(entry.url, allowed)
        if reason:
            print(f"refused: {entry.name} <{entry.url}>: {reason}", file=sys.stderr)
            refused += 1
            continue
        spec = FeedSpec(entry.name[:200], entry.url, tags=entry.tags, origin="opml")
        if app.store.add_feed(spec, now):
            added += 1
        else:
            print(f"skipped: {entry.name} <{entry.url}>: a feed with that name or URL exists")
            skipped += 1
    print(f"{path}: {added} feeds added, {skipped} already present, {refused} refused")
    return 0 if added or skipped or not entries else 1


def export_opml(app, output: Path | None) -> int:
    feeds = [OpmlFeed(f.name, f.url, tuple(f.tags)) for f in app.store.feed_states() if f.enabled]
    document = render_opml(feeds)
    if output is None:
        sys.stdout.buffer.write(document)
    else:
        output.write_bytes(document)
        print(f"{output}: {len(feeds)} feeds written", file=sys.stderr)
    return 0
