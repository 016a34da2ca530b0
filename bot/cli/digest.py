"""`python -m bot digest`: compose each chat's digest now, and send it (or only show it)."""

from __future__ import annotations

import asyncio
import json
import sys

from bot.app import opened
from bot.cli.args import parse_since
from bot.errors import UsageError
from bot.model import utc_now
from bot.pipeline.digests import DigestOutcome, digest_chat


def cmd_digest(args, env, config) -> int:
    with opened(env, config) as app:
        return run_digest(app, args)


def run_digest(app, args) -> int:
    plans = app.chat_plans  # feeds.yaml's chats as changed from Telegram; the console's
    if not plans:
        raise UsageError(
            "digest: feeds.yaml has no chats; add one under `chats:` (README: Chats and digests)"
        )
    if args.chat:
        wanted = args.chat.strip().casefold()
        plans = [p for p in plans if wanted in (str(p.chat).casefold(), p.name.casefold())]
        if not plans:
            names = ", ".join(f"{p.name} ({p.chat})" for p in app.chat_plans)
            raise UsageError(f"digest: no chat {args.chat!r} in feeds.yaml (chats: {names})")
    now = utc_now()
    since = parse_since(args.since, now)
    outcomes = asyncio.run(_digests(app, plans, now, since, args.dry_run))
    if args.json:
        print(json.dumps([_as_dict(o) for o in outcomes], ensure_ascii=False))
    else:
        for outcome in outcomes:
            _print(outcome, args.dry_run)
    failed = any(o.report.problems for o in outcomes)
    return 1 if failed else 0


async def _digests(app, plans, now, since, dry_run) -> list[DigestOutcome]:
    max_items = app.config.settings.digest_items
    if dry_run:
        return [
            await digest_chat(app.store, None, plan, now=now, since=since,
                              max_items=max_items, dry_run=True)
            for plan in plans
        ]  # fmt: skip
    async with app.open_sender(stream=sys.stdout) as sender:
        return [
            await digest_chat(app.store, sender, plan, now=now, since=since, max_items=max_items)
            for plan in plans
        ]


def _print(outcome: DigestOutcome, dry_run: bool) -> None:
    plan, report = outcome.plan, outcome.report
    stories = sum(s.stories for s in outcome.digest.sections)
    if dry_run:
        for number, part in enumerate(outcome.parts, 1):
            print(f"--- {plan.name} ({plan.chat}): part {number} of {len(outcome.parts)} ---")
            print(part)
        print(
            f"{plan.name}: {_count(stories, 'story', 'stories')} in "
            f"{_count(len(outcome.parts), 'part', 'parts')} (dry run: nothing sent)"
        )
        return
    if outcome.skipped:
        print(f"{plan.name}: no new coverage; quiet chat, nothing sent")
        return
    print(
        f"{plan.name}: {_count(stories, 'story', 'stories')} in "
        f"{_count(len(outcome.parts), 'part', 'parts')}: {report.sent} sent, "
        f"{report.pending} waiting, {report.refused} refused"
    )
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)


def _as_dict(outcome: DigestOutcome) -> dict:
    return {
        "chat": outcome.plan.chat,
        "name": outcome.plan.name,
        "stories": sum(s.stories for s in outcome.digest.sections),
        "topics": {s.topic: s.stories for s in outcome.digest.sections},
        "parts": len(outcome.parts),
        "sent": outcome.report.sent,
        "pending": outcome.report.pending,
        "refused": outcome.report.refused,
        "problems": outcome.report.problems,
        "html": outcome.parts if outcome.delivery_id is None else None,
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
