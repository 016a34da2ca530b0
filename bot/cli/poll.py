"""`python -m bot poll`: a progress bar on a terminal, log lines elsewhere, then a summary."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from bot.app import opened
from bot.errors import UsageError
from bot.model import FeedOutcome, PollSummary


def cmd_poll(args, env, config) -> int:
    with opened(env, config) as app:
        return run_poll(app, args)


def run_poll(app, args) -> int:
    feeds = app.select_feeds(all_feeds=args.all, name=args.feed)
    if args.feed and not feeds:
        known = ", ".join(f.name for f in app.store.feed_states()[:10])
        raise UsageError(f"poll: no feed named {args.feed!r} (feeds include: {known})")
    if sys.stderr.isatty() and not args.json and feeds:
        summary = _with_progress_bar(app, feeds)
    else:
        summary = asyncio.run(app.poll(feeds))
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        print_summary(summary, nothing_due=not feeds)
    return summary.exit_code


def _with_progress_bar(app, feeds) -> PollSummary:
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # The bar replaces the per-feed log lines; warnings still print, and the summary
    # lists every failed feed.
    poll_log = logging.getLogger("bot.poll")
    poll_log.setLevel(max(poll_log.getEffectiveLevel(), logging.WARNING))
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("polling", total=len(feeds))

        def done(outcome: FeedOutcome) -> None:
            progress.update(task, advance=1, description=f"polling {outcome.feed[:40]}")

        return asyncio.run(app.poll(feeds, on_feed_done=done))


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
