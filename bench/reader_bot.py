"""lemon24/reader on the poll benchmark's feeds, for comparison (information, no target).
Run by bench/poll.py in its own process, with a Python that has `reader` installed.

    reader_bot.py URLS DB          update_feeds(workers=20), then update_search()

The first run on a new DB stores every entry; a second run on the same DB is reader's
re-poll (it sends the stored ETag/Last-Modified). Prints one line of JSON: feeds, ok,
not_modified, failed, entries (new), seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from reader import make_reader

WORKERS = 20  # as many requests in flight as the bot's max_concurrency


def main() -> int:
    """Add the feeds (first run), update them all, index them for search, print counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", type=Path, help="a file of feed URLs, one a line")
    parser.add_argument("db", type=Path, help="reader's SQLite database")
    args = parser.parse_args()
    urls = args.urls.read_text().split()
    started = time.perf_counter()
    reader = make_reader(str(args.db))
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    reader.enable_search()
    counts = {"feeds": len(urls), "ok": 0, "not_modified": 0, "failed": 0, "entries": 0}
    errors = {}
    for result in reader.update_feeds_iter(workers=WORKERS, scheduled=False):
        value = result.value
        if isinstance(value, Exception):
            counts["failed"] += 1
            errors[result.url] = repr(value)[:200]
        elif value is None or not value.new:
            counts["not_modified"] += 1
        else:
            counts["ok"] += 1
            counts["entries"] += value.new
    reader.update_search()
    reader.close()
    counts["seconds"] = round(time.perf_counter() - started, 3)
    counts["errors"] = dict(list(errors.items())[:10])
    print(json.dumps(counts))
    return 0 if counts["failed"] < counts["feeds"] else 1


if __name__ == "__main__":
    sys.exit(main())
