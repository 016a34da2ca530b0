"""`migrate-store`: copy a whole archive from one database to another, as an installation
moves from its SQLite file to PostgreSQL (bot/store/transfer.py does the copying)."""

from __future__ import annotations

import json
import sys
import time

from bot.app import NoDatabase, missing_database
from bot.errors import BotError, UsageError
from bot.store import Store
from bot.store.db import shown_url as shown


def cmd_migrate_store(args, env, config) -> int:
    source_url = args.source or env.database_url
    if not args.target:
        raise UsageError("migrate-store needs --to URL (the database to copy into)")
    if shown(source_url) == shown(args.target):
        raise UsageError(f"--from and --to name the same database ({shown(source_url)})")
    if (missing := missing_database(source_url)) is not None:
        raise NoDatabase(missing)
    source = Store.open(source_url)
    try:
        with source.service_lock() as holder:
            if holder is not None:
                print(
                    f"warning: a service is running on {shown(source_url)} ({holder}): the "
                    "copy is a snapshot of now, and what it stores later is not copied; "
                    "stop it first to move everything",
                    file=sys.stderr,
                )
        target = Store.open(args.target)
        try:
            return _copy(source, target, source_url, args)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: Store, target: Store, source_url: str, args) -> int:
    started = time.monotonic()
    last: dict[str, float] = {}

    def progress(table: str, rows: int) -> None:
        now = time.monotonic()
        if not args.json and sys.stderr.isatty() and now - last.get(table, 0) > 1:
            last[table] = now
            print(f"  {table}: {rows} rows…", file=sys.stderr)

    report = source.copy_to(target, force=args.force, progress=progress)
    seconds = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps({
            "from": shown(source_url), "to": shown(args.target), "tables": report.tables,
            "indexed": report.indexed, "seconds": seconds, "ok": report.ok,
            "mismatches": {k: list(v) for k, v in report.mismatches.items()},
        }))  # fmt: skip
    else:
        print(f"copied {shown(source_url)} → {shown(args.target)} in {seconds}s")
        for table, rows in report.tables.items():
            print(f"  {rows:>9}  {table}")
        print(f"  search index: {report.indexed} articles")
        for table, (expected, got) in report.mismatches.items():
            print(f"  {table}: {expected} rows in the source, {got} in the target")
        print("counts match" if report.ok else "counts differ: the copy is not complete")
    if not report.ok:
        raise BotError("the copy's counts differ from the source's (above)")
    return 0
