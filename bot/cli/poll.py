"""`python -m bot poll`: a progress bar on a terminal, log lines elsewhere, then a summary."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot.app import opened
from bot.errors import UsageError
from bot.feeds.health import offline_hint
from bot.model import FeedOutcome, PollSummary

if TYPE_CHECKING:
    from rich.console import Console


def cmd_poll(args, env, config) -> int:
    with opened(env, config) as app:
        return run_poll(app, args)


def run_poll(app, args) -> int:
    if app.store.shared and not (args.all or args.feed):
        feeds = app.lease_due()  # workers may be polling too: only the feeds none holds
    else:
        feeds = app.select_feeds(all_feeds=args.all, name=args.feed)
    if args.feed and not feeds:
        known = ", ".join(f.name for f in app.store.feed_states()[:10])
        raise UsageError(f"poll: no feed named {args.feed!r} (feeds include: {known})")
    done: list[FeedOutcome] = []
    try:
        if sys.stderr.isatty() and not args.json and feeds:
            summary = _with_progress_bar(app, feeds, done.append)
        else:
            summary = asyncio.run(app.poll(feeds, on_feed_done=done.append))
    except KeyboardInterrupt:
        # Each feed is committed as it finishes: what was polled is kept.
        print(
            f"interrupted: {len(done)} of {len(feeds)} feeds were polled and stored; "
            "`poll` again polls the rest",
            file=sys.stderr,
        )
        return 130
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        print_summary(summary, nothing_due=not feeds)
    return summary.exit_code


def _with_progress_bar(app, feeds, on_feed_done) -> PollSummary:
    # rich on first use: only a terminal shows a bar (~0.15 s to import)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # The bar replaces the per-feed log lines, failures included: the summary lists each
    # failed feed once. Other warnings print above the bar, through its console.
    poll_log = logging.getLogger("bot.poll")
    level = poll_log.level
    poll_log.setLevel(max(poll_log.getEffectiveLevel(), logging.ERROR))
    with Progress(*columns, transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("polling", total=len(feeds))

        def done(outcome: FeedOutcome) -> None:
            on_feed_done(outcome)
            progress.update(task, advance=1, description=f"polling {outcome.feed[:40]}")

        try:
            with logs_through(progress.console):
                return asyncio.run(app.poll(feeds, on_feed_done=done))
        finally:
            poll_log.setLevel(level)


def print_summary(summary: PollSummary, nothing_due: bool = False) -> None:
    if summary.skipped:
        print(f"nothing was polled: {summary.skipped}")
        return
    if nothing_due:
        print("no feed is due; `poll --all` polls every feed now")
        return
    d = summary.as_dict()
    for outcome in summary.outcomes:
        if outcome.error:
            print(f"failed: {outcome.feed}: {outcome.error}")
    print(
        f"feeds: {d['ok']} ok, {d['not_modified']} not modified, {d['failed']} failed | "
        f"articles: {d['new']} new, {d['updated']} updated, "
        f"{d['duplicates']} duplicates skipped | {d['seconds']:.1f}s"
    )
    # Once, after the failures: when most feeds could not connect, the machine is the cause.
    if hint := offline_hint([o.error for o in summary.outcomes]):
        print(hint)


class _ConsoleStream:
    """A stream for log handlers that writes through a rich console, so log lines print
    above a live progress bar instead of through it."""

    def __init__(self, console: Console):
        self.console = console

    def write(self, text: str) -> None:
        if text.strip():
            self.console.print(text.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def logs_through(console: Console) -> Iterator[None]:
    """While it lasts, the root logger's stream handlers write through `console`."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(_ConsoleStream(console)) for h in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
