"""`python -m bot feeds`: the feed list with health, and OPML import/export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.errors import ParseError, UsageError
from bot.feeds.health import feed_health, feed_row, when_text
from bot.feeds.opml import OpmlFeed, parse_opml, render_opml
from bot.feeds.safety import check_public_url
from bot.model import FeedSpec, utc_now


def list_feeds(app, *, as_json: bool) -> int:
    now = utc_now()
    states = app.store.feed_states()
    if as_json:
        print(json.dumps({"feeds": [feed_row(f, now) for f in states]}, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("feed", "health", "last ok", "last error", "next poll", "articles"):
        table.add_column(
            column, overflow="fold", justify="right" if column == "articles" else "left"
        )
    for f in states:
        error = f"{f.last_error} ({when_text(f.last_error_at, now)})" if f.last_error else ""
        table.add_row(
            f.name + ("" if f.origin == "config" else f" [{f.origin}]"),
            feed_health(f, now),
            when_text(f.last_success_at, now),
            error if f.consecutive_failures else "",
            when_text(f.next_poll_at, now) if f.enabled else "—",
            str(f.articles),
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)
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


def chat_changes(env, config) -> list[str]:
    """What chats changed from Telegram, on top of feeds.yaml (for `check`). Only an
    existing database is read: `check` never creates one."""
    from sqlalchemy.engine import make_url

    from bot.store import Store

    database = make_url(env.database_url).database
    if not database or not Path(database).expanduser().exists():
        return []
    store = Store.open(env.database_url)
    try:
        settings = store.chat_settings()
        added = [f for f in store.feed_states(with_counts=False) if f.origin != "config"]
    finally:
        store.close()
    lines = [
        f"database: beside feeds.yaml: {sum(f.enabled for f in added)} feeds added from chats "
        f"or OPML, {len(settings.approved)} chats approved from Telegram, "
        f"{sum(len(c) for c in settings.choices.values())} topic choices, "
        f"{len(settings.watches)} watches, {len(settings.schedules)} digest schedules"
    ]
    for feed in added:
        state = "" if feed.enabled else " (removed)"
        lines.append(f"  feed [{feed.origin}] {feed.name} <{feed.url}>{state}")
    for chat, name in settings.approved.items():
        lines.append(f"  chat {chat} approved ({name or 'no name'})")
    for chat, choices in settings.choices.items():
        for topic, choice in choices.items():
            how = ("digest+alerts" if choice.alerts else "digest") if choice.digest else "off"
            unknown = "" if topic in config.topics else " (not in feeds.yaml: ignored)"
            lines.append(f"  chat {chat}: topic {topic}: {how}{unknown}")
    for watch in settings.watches:
        alerts = " +alerts" if watch.alerts else ""
        lines.append(f"  chat {watch.chat}: watch {watch.name}{alerts}: {watch.query}")
    for chat, own in settings.schedules.items():
        parts = [f"digest {own.schedule}"] if own.schedule else []
        parts += [f"timezone {own.timezone}"] if own.timezone else []
        lines.append(f"  chat {chat}: {', '.join(parts)} (over feeds.yaml)")
    return lines
