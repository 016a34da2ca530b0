"""The benchmark's baseline: a naive bot that polls with `feedparser.parse(url)`, one feed
after another, as simple bots do. Run by bench/poll.py in its own process.

    naive_bot.py URLS STATE              first pass: plain GETs; writes each feed's validators
    naive_bot.py URLS STATE --conditional   second pass: sends them back (etag=, modified=)

Prints one line of JSON: feeds, ok, not_modified, failed, entries, seconds.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from pathlib import Path

import feedparser

TIMEOUT = 30.0  # seconds per socket operation; feedparser itself sets none


def poll_all(urls: list[str], validators: dict[str, list]) -> tuple[dict, dict[str, list]]:
    """One pass over the URLs; the counts, and each URL's [etag, modified] for next time."""
    counts = {"feeds": len(urls), "ok": 0, "not_modified": 0, "failed": 0, "entries": 0}
    state: dict[str, list] = {}
    errors: dict[str, str] = {}
    for url in urls:
        etag, modified = validators.get(url, (None, None))
        result = feedparser.parse(url, etag=etag, modified=modified)
        status = result.get("status")
        if status == 304:
            counts["not_modified"] += 1
        elif status == 200 and result.entries:
            counts["ok"] += 1
            counts["entries"] += len(result.entries)
        else:
            counts["failed"] += 1
            errors[url] = f"status {status}: {result.get('bozo_exception', '')}"[:200]
        state[url] = [result.get("etag"), result.get("modified")]
    counts["errors"] = dict(list(errors.items())[:10])
    return counts, state


def main() -> int:
    """Read the URL list (and the saved validators), poll, print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", type=Path, help="a file of feed URLs, one a line")
    parser.add_argument("state", type=Path, help="where the validators are kept between passes")
    parser.add_argument("--conditional", action="store_true", help="send the saved validators")
    args = parser.parse_args()
    socket.setdefaulttimeout(TIMEOUT)
    urls = args.urls.read_text().split()
    validators = json.loads(args.state.read_text()) if args.conditional else {}
    started = time.perf_counter()
    counts, state = poll_all(urls, validators)
    counts["seconds"] = round(time.perf_counter() - started, 3)
    if not args.conditional:
        args.state.write_text(json.dumps(state))
    print(json.dumps(counts))
    return 0 if counts["failed"] < counts["feeds"] else 1


if __name__ == "__main__":
    sys.exit(main())
